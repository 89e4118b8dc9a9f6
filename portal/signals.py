"""Keep the search index current: enqueue `portal.search_tasks.index_meeting` on commit when
something that decides what is public about a meeting changes. No rules here, and no queries
while the change is saved: the task rebuilds the meeting's entries from the selectors of
`portal.published`.

Hooked in `PortalConfig.ready()`. What triggers a reindex of a meeting:
- a status change (a `MeetingTransition` row: justerat, reopened, archived …);
- a save of the meeting (the agenda published or withdrawn through the admin);
- a change to one of its agenda items or their handlingar, or to a case or handling it shows
  (confidentiality, titles).
"""

import logging

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from kombu.exceptions import OperationalError

from cases.models import Case, Document
from meetings.models import AgendaItem, AgendaItemDocument, Meeting, MeetingTransition

from .search_tasks import index_meeting

logger = logging.getLogger(__name__)


class _ReindexOnCommit:
    """The on-commit callback for one changed row: finds the meetings it concerns and enqueues
    their reindex."""

    def __init__(self, kind: str, pk: int):
        self.kind, self.pk = kind, pk
        self.superseded = False

    @property
    def key(self) -> tuple[str, int]:
        return self.kind, self.pk

    def meeting_ids(self) -> list[int]:
        if self.kind == "meeting":
            return [self.pk]
        if self.kind == "agenda_item":
            return list(AgendaItem.objects.filter(pk=self.pk).values_list("meeting_id", flat=True))
        if self.kind == "case":
            condition = Q(paragraphs__case_id=self.pk) | Q(agenda_items__case_id=self.pk)
        else:
            condition = Q(agenda_items__documents__id=self.pk)
        return list(Meeting.objects.filter(condition).values_list("pk", flat=True).distinct())

    def __call__(self):
        if self.superseded:  # a later callback of the same transaction does it
            return
        for meeting_id in self.meeting_ids():
            try:
                index_meeting.delay(meeting_id)
            # The broker down: kombu's OperationalError; Redis down: the result store's RuntimeError.
            except (OperationalError, RuntimeError):
                # `manage.py search_reindex` (or the meeting's next change) brings it up to date.
                logger.exception(
                    "Search index of meeting %s not queued: the broker is unreachable", meeting_id
                )


def reindex_on_commit(kind: str, pk: int | None) -> None:
    """Enqueue the reindex of what a changed row concerns when the transaction commits.
    kind: "meeting", "agenda_item", "case" or "document".

    A transaction that changes the same row many times (load_demo, an agenda edited item by
    item) runs only the last callback: an earlier one for the same row at the same savepoint
    level is superseded (a rollback to a savepoint discards both or neither)."""
    if pk is None:
        return
    connection = transaction.get_connection()
    level = set(connection.savepoint_ids)
    for savepoints, callback, _robust in getattr(connection, "run_on_commit", []):
        if isinstance(callback, _ReindexOnCommit) and callback.key == (kind, pk) and savepoints == level:
            callback.superseded = True
    transaction.on_commit(_ReindexOnCommit(kind, pk))


def on_transition_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        reindex_on_commit("meeting", instance.meeting_id)


def on_meeting_saved(sender, instance, created, raw=False, **kwargs):
    # A new meeting has nothing public yet unless it was created with its agenda published.
    if not raw and (not created or instance.agenda_published):
        reindex_on_commit("meeting", instance.pk)


def on_agenda_item_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        reindex_on_commit("meeting", instance.meeting_id)


def on_attachment_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        reindex_on_commit("agenda_item", instance.agenda_item_id)


def on_case_saved(sender, instance, created, raw=False, **kwargs):
    if not raw and not created:  # a new case is in no meeting yet
        reindex_on_commit("case", instance.pk)


def on_document_saved(sender, instance, created, raw=False, **kwargs):
    if not raw and not created:  # a new handling is attached to no agenda item yet
        reindex_on_commit("document", instance.pk)


def connect() -> None:
    uid = "portal.search"
    post_save.connect(on_transition_saved, sender=MeetingTransition, dispatch_uid=f"{uid}.transition")
    post_save.connect(on_meeting_saved, sender=Meeting, dispatch_uid=f"{uid}.meeting")
    post_save.connect(on_agenda_item_changed, sender=AgendaItem, dispatch_uid=f"{uid}.item_saved")
    post_delete.connect(on_agenda_item_changed, sender=AgendaItem, dispatch_uid=f"{uid}.item_deleted")
    post_save.connect(
        on_attachment_changed, sender=AgendaItemDocument, dispatch_uid=f"{uid}.attachment_saved"
    )
    post_delete.connect(
        on_attachment_changed, sender=AgendaItemDocument, dispatch_uid=f"{uid}.attachment_deleted"
    )
    post_save.connect(on_case_saved, sender=Case, dispatch_uid=f"{uid}.case")
    post_save.connect(on_document_saved, sender=Document, dispatch_uid=f"{uid}.document")
