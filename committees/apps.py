from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteesConfig(AppConfig):
    name = "committees"
    verbose_name = _("Organisation and committees")

    def ready(self):
        from . import checks  # noqa: F401 - registers the admin scoping check
