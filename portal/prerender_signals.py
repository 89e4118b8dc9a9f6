"""Keep the stored public pages (portal.prerender) true: on every change that can alter what a
published protokoll's page shows, delete the stored pages of the meetings concerned in the
change's transaction and re-render them on commit. No rules here: which meetings a row concerns,
and `portal.prerender` does the rest.

Hooked in `PortalConfig.ready()`. The changes (docs/portal.md, "Stored pages"):
- the meeting: a status change (`MeetingTransition`: justerat — the publishing —, posted, taken
  down, archived, a reopening), a save, its justering and signatures;
- its anslag (posted, edited, taken down, deleted);
- a § or a bilaga of a § (the database refuses both for a justerat protokoll; a correction
  procedure would have to pass here);
- a case or a handling a § shows (made confidential: the diarienummer or the bilaga goes);
- the committee and the organisation (names, address);
- the people it names (närvaro, ordförande, sekreterare, justerare, votes) and the committee's
  assignments (the list of who was absent); a party (every page: names carry the party).
"""

from __future__ import annotations

from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from attendance.models import Attendance, Ballot, Disqualification, Reservation
from cases.models import Case, Document
from committees.models import Assignment, Committee, Organisation, Party, Person
from meetings.models import (
    Anslag,
    Justering,
    Meeting,
    MeetingTransition,
    Paragraph,
    ParagraphAnnex,
    Signature,
)

from .prerender import stored_pages_invalidate, stored_pages_invalidate_all
from .published import published_meetings


def _published_ids(condition: Q) -> list[int]:
    return list(published_meetings().filter(condition).values_list("pk", flat=True).distinct())


def _person_meetings(pk: int) -> list[int]:
    ids: set[int] = set()
    for condition in (
        Q(chair_id=pk) | Q(secretary_id=pk),
        Q(pk__in=Attendance.objects.filter(Q(person_id=pk) | Q(replaces_id=pk)).values("meeting_id")),
        Q(justering__signatures__person_id=pk),
        Q(committee__assignments__person_id=pk),
        Q(pk__in=Ballot.objects.filter(person_id=pk).values("vote__paragraph__meeting_id")),
        Q(pk__in=Reservation.objects.filter(person_id=pk).values("paragraph__meeting_id")),
        Q(
            pk__in=Disqualification.objects.filter(Q(person_id=pk) | Q(substitute_id=pk)).values(
                "paragraph__meeting_id"
            )
        ),
    ):
        ids.update(_published_ids(condition))
    return sorted(ids)


def _meetings_of(sender, instance) -> list[int]:
    """The meetings whose public protokoll page shows `instance`."""
    if sender is Meeting:
        return [instance.pk]
    if sender in (MeetingTransition, Justering, Anslag, Paragraph):
        return [instance.meeting_id] if instance.meeting_id else []
    if sender is Signature:
        return list(Justering.objects.filter(pk=instance.justering_id).values_list("meeting_id", flat=True))
    if sender is ParagraphAnnex:
        return list(Paragraph.objects.filter(pk=instance.paragraph_id).values_list("meeting_id", flat=True))
    if sender is Case:
        return _published_ids(Q(paragraphs__case_id=instance.pk))
    if sender is Document:
        return _published_ids(Q(paragraphs__annexes__document_id=instance.pk))
    if sender is Committee:
        return _published_ids(Q(committee_id=instance.pk))
    if sender is Organisation:
        return _published_ids(Q(committee__organisation_id=instance.pk))
    if sender is Assignment:
        return _published_ids(Q(committee_id=instance.committee_id))
    if sender is Person:
        return _person_meetings(instance.pk)
    return []


def on_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        return
    if created and sender in (Meeting, Case, Document, Committee, Organisation, Person):
        return  # new: in no published protokoll yet
    publishing = sender is MeetingTransition and instance.to_status in Meeting.Status.JUSTERAT_OR_LATER
    stored_pages_invalidate(_meetings_of(sender, instance), publishing=publishing)


def on_deleted(sender, instance, **kwargs):
    stored_pages_invalidate(_meetings_of(sender, instance))


def on_party_changed(sender, instance, created=False, raw=False, **kwargs):
    if not raw and not created:
        stored_pages_invalidate_all()


SAVED = (
    MeetingTransition,
    Meeting,
    Justering,
    Signature,
    Anslag,
    Paragraph,
    ParagraphAnnex,
    Case,
    Document,
    Committee,
    Organisation,
    Assignment,
    Person,
)
DELETED = (Anslag, Paragraph, ParagraphAnnex, Assignment)


def connect() -> None:
    uid = "portal.prerender"
    for model in SAVED:
        post_save.connect(on_saved, sender=model, dispatch_uid=f"{uid}.saved.{model.__name__}")
    for model in DELETED:
        post_delete.connect(on_deleted, sender=model, dispatch_uid=f"{uid}.deleted.{model.__name__}")
    post_save.connect(on_party_changed, sender=Party, dispatch_uid=f"{uid}.party")
