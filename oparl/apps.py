from django.apps import AppConfig


class OparlConfig(AppConfig):
    name = "oparl"
    verbose_name = "OParl 1.1"

    def ready(self):
        from . import signals

        signals.connect()
