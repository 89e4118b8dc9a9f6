from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    """Sekretariatet: the secretary's own pages, one page per meeting from agenda to signed
    protokoll (issue 14). The Django admin stays for administrators and the registers."""

    name = "workspace"
    verbose_name = _("Secretariat")
