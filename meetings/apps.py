from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings and minutes")

    def ready(self):
        # Imported here, as Django wants: apps.py is loaded before the models.
        from committees.identity import person_identity_changed

        from . import integrity  # noqa: F401 - registers the meetings' stored files (verify_files)
        from .signing import person_certificates_revoke

        def revoke_certificates(sender, *, person, reason, **kwargs):
            # A person's login or identity changed (committees.identity): the signing certificate,
            # which names them and was issued for their login, is revoked.
            person_certificates_revoke(person=person, reason=reason)

        person_identity_changed.connect(
            revoke_certificates, weak=False, dispatch_uid="meetings_revoke_certificates"
        )
