from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Public portal")

    def ready(self):
        from . import checks, prerender_signals, signals  # noqa: F401 - checks registers portal.W001

        signals.connect()
        prerender_signals.connect()
