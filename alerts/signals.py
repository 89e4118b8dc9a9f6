"""Enqueue the immediate digests when a transaction that may have published something commits:
a status change of a meeting (a protokoll justerat), a meeting saved with its agenda published
(a kallelse), an anslag saved. No rules here: the task reads what is public through
portal.published. One enqueue per transaction however many rows it changed.

Hooked in `AlertsConfig.ready()`; the apps after the portal in INSTALLED_APPS, so on commit the
search index of the meeting (portal/signals.py) is queued first.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_save
from kombu.exceptions import OperationalError

from meetings.models import Anslag, Meeting, MeetingTransition

logger = logging.getLogger(__name__)


class _DigestsOnCommit:
    def __call__(self):
        from .tasks import send_immediate_digests

        try:
            send_immediate_digests.delay()
        except (OperationalError, RuntimeError):  # the broker down: beat's sweep sends them
            logger.exception("Immediate bevakning digests not queued: the broker is unreachable")


def digests_on_commit() -> None:
    """Enqueue the digests on commit, once per savepoint level (a rollback to a savepoint
    discards its callback with its changes)."""
    connection = transaction.get_connection()
    level = set(connection.savepoint_ids)
    for savepoints, callback, _robust in getattr(connection, "run_on_commit", []):
        if isinstance(callback, _DigestsOnCommit) and savepoints == level:
            return
    transaction.on_commit(_DigestsOnCommit())


def on_transition_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw and instance.to_status in Meeting.Status.JUSTERAT_OR_LATER:
        digests_on_commit()


def on_meeting_saved(sender, instance, raw=False, **kwargs):
    if not raw and instance.agenda_published:
        digests_on_commit()


def on_anslag_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        digests_on_commit()


def connect() -> None:
    uid = "alerts.digests"
    post_save.connect(on_transition_saved, sender=MeetingTransition, dispatch_uid=f"{uid}.transition")
    post_save.connect(on_meeting_saved, sender=Meeting, dispatch_uid=f"{uid}.meeting")
    post_save.connect(on_anslag_saved, sender=Anslag, dispatch_uid=f"{uid}.anslag")
