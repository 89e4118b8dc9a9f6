from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _

from .locks import (
    protokoll_lock_install,
    protokoll_lock_uninstall,
    records_lock_install,
    records_lock_uninstall,
)


def _sqlite_locks_drop(sender, using, **kwargs):
    if connections[using].vendor == "sqlite":
        protokoll_lock_uninstall(connection=connections[using])
        records_lock_uninstall(connection=connections[using])


def _sqlite_locks_install(sender, using, **kwargs):
    if connections[using].vendor == "sqlite":
        protokoll_lock_install(connection=connections[using])
        records_lock_install(connection=connections[using])


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        # SQLite drops a table's triggers when a migration rebuilds the table, so there the
        # protokoll locks (audit.locks) are taken off before migrating and put back after.
        # PostgreSQL gets them once, from the migrations audit.0002 and audit.0003.
        pre_migrate.connect(_sqlite_locks_drop, sender=self, dispatch_uid="audit_sqlite_locks_drop")
        post_migrate.connect(_sqlite_locks_install, sender=self, dispatch_uid="audit_sqlite_locks_install")
