from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Bevakning")

    def ready(self):
        from . import signals

        signals.connect()
