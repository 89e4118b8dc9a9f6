"""Third-party apps under Swedish names in the admin: their AppConfig subclassed with a
translated `verbose_name` (label, models and `ready()` unchanged), used in INSTALLED_APPS."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.apps import DefaultConfig as OtpTotpAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("Login attempts")


class OtpTotpConfig(OtpTotpAppConfig):
    verbose_name = _("Two-step verification")

    def ready(self):
        super().ready()
        # django-otp names its model in plain English, outside the translation machinery.
        meta = self.get_model("TOTPDevice")._meta
        meta.verbose_name = _("TOTP device")
        meta.verbose_name_plural = _("TOTP devices")
