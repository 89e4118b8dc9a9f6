"""The protokoll's paragraphs (§§) while it is a draft: made from the handled agenda items,
inserted, moved, deleted, and saved with optimistic locking (`paragraph_update`) so two
secretaries editing one § cannot overwrite each other."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from committees.models import Committee
from meetings.models import (
    AgendaItem,
    Meeting,
    Paragraph,
)
from meetings.services.lifecycle import TransitionError, _lock_meeting, _require, meeting_transition
from meetings.services.numbering import (
    paragraph_year,
    paragraphs_renumber,
    require_numbers_free,
    series_committee,
)

Status = Meeting.Status


def _require_draftable(meeting: Meeting) -> None:
    if meeting.status not in Status.DRAFTING:
        raise TransitionError(
            _('Paragraphs can be changed only while the protokoll is a draft; the meeting is "%(status)s".'),
            code="protokoll_locked",
            params={"status": Status(meeting.status).label},
        )


def _paragraph_from_item(meeting: Meeting, item: AgendaItem, *, order: int) -> Paragraph:
    basis = "\n".join(doc.title for doc in item.documents.order_by("attachments__order"))
    return Paragraph(
        meeting=meeting,
        agenda_item=item,
        committee=series_committee(meeting),
        year=paragraph_year(meeting),
        number=1_000_000 + order,
        order=order,
        title=item.title,
        case=item.case,
        decision=item.proposal,
        summary=item.summary,
        basis=basis,
        confidential=item.confidential,
        osl_reference=item.osl_reference,
        public_title=item.public_title,
    )


@transaction.atomic
def protokoll_create_draft(*, meeting: Meeting, by=None) -> list[Paragraph]:
    """Held → protokoll drafted: each handled agenda item becomes a § in agenda order.

    Items that were tabled (bordlagt) or withdrawn (utgår) get no paragraph.
    """
    meeting = _lock_meeting(meeting)
    _require(meeting, Status.HELD, _("Drafting the protokoll"))
    Committee.objects.select_for_update().get(pk=meeting.committee_id)
    items = meeting.agenda_items.filter(outcome=AgendaItem.Outcome.HANDLED, paragraph__isnull=True)
    paragraphs = [
        _paragraph_from_item(meeting, item, order=(index + 1) * 10)
        for index, item in enumerate(items.order_by("order", "id"))
    ]
    Paragraph.objects.bulk_create(paragraphs)
    meeting_transition(meeting=meeting, to_status=Status.PROTOKOLL_DRAFTED, by=by)
    paragraphs_renumber(committee=series_committee(meeting), year=paragraph_year(meeting))
    return list(meeting.paragraphs.order_by("order"))


@transaction.atomic
def paragraph_insert(*, meeting: Meeting, title: str, after: Paragraph | None = None, **fields) -> Paragraph:
    """Add a paragraph (an item raised at the meeting) after `after`, or first."""
    meeting = _lock_meeting(meeting)
    _require_draftable(meeting)
    Committee.objects.select_for_update().get(pk=meeting.committee_id)
    require_numbers_free(meeting, _("Adding a §"))
    position = after.order + 5 if after else 5
    paragraph = Paragraph(
        meeting=meeting,
        committee=series_committee(meeting),
        year=paragraph_year(meeting),
        number=2_000_000,
        order=position,
        title=title,
        **fields,
    )
    paragraph.full_clean(exclude=["number"])
    paragraph.save()
    _compact_order(meeting)
    paragraphs_renumber(committee=series_committee(meeting), year=paragraph_year(meeting))
    paragraph.refresh_from_db()
    return paragraph


@transaction.atomic
def paragraph_move(*, paragraph: Paragraph, after: Paragraph | None) -> None:
    """Move a draft paragraph to just after `after` (or first) and renumber (a pinned draft,
    numbering.meeting_pinned, reorders its §§ among the numbers it keeps)."""
    meeting = _lock_meeting(paragraph.meeting)
    _require_draftable(meeting)
    paragraph.order = after.order + 5 if after else 5
    Paragraph.objects.filter(pk=paragraph.pk).update(order=paragraph.order)
    _compact_order(meeting)
    paragraphs_renumber(committee=paragraph.committee, year=paragraph.year)


@transaction.atomic
def paragraph_delete(*, paragraph: Paragraph) -> None:
    """Remove a draft paragraph; the following numbers close the gap."""
    meeting = _lock_meeting(paragraph.meeting)
    _require_draftable(meeting)
    Committee.objects.select_for_update().get(pk=meeting.committee_id)
    require_numbers_free(meeting, _("Removing a §"))
    committee, year = paragraph.committee, paragraph.year
    paragraph.delete()
    paragraphs_renumber(committee=committee, year=year)


def _compact_order(meeting: Meeting) -> None:
    paragraphs = list(meeting.paragraphs.order_by("order", "id"))
    for index, paragraph in enumerate(paragraphs):
        paragraph.order = (index + 1) * 10
    Paragraph.objects.bulk_update(paragraphs, ["order"])


# --- Concurrent edits (optimistic locking) ----------------------------------------------------


class ParagraphConflict(ValidationError):
    """A § was saved by someone else after the editor loaded it (its version moved on)."""


@transaction.atomic
def paragraph_update(*, paragraph: Paragraph, version: int) -> Paragraph:
    """Save the edits held by `paragraph`, made to the § as it was at `version`.

    The version is bumped by a conditional UPDATE (WHERE pk AND version), so of two
    secretaries who loaded the same version only the first save wins; the second gets
    `ParagraphConflict` and nothing of theirs is written. A concurrent save waits on the
    row lock of the first and then finds the version changed.
    """
    paragraph._refuse_if_protokoll_locked()  # before the UPDATE: a clear refusal, nothing written
    paragraph.full_clean()
    bumped = Paragraph.objects.filter(pk=paragraph.pk, version=version).update(version=version + 1)
    if not bumped:
        raise ParagraphConflict(_("Someone else saved this § while you edited it."), code="edit_conflict")
    paragraph.version = version + 1
    paragraph.save()  # sanitises the rich text
    return paragraph
