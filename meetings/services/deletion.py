"""Deleting what was entered by mistake: a meeting that has not gone to justering, or the draft
protokoll of a held meeting (back to "held", to be drafted again). Later drafts of the § series
renumber; frozen numbers never change (meetings/services/numbering.py).

Why even a superuser could not delete a draft meeting before: `Paragraph.meeting` is
`on_delete=PROTECT` (a protokoll's §§ must never vanish with a careless cascade), so the admin's
delete of a meeting with a drafted protokoll stopped at its paragraphs, and a meeting announced on
the anslagstavla is held by `Anslag.meeting` (PROTECT). `meeting_delete` removes a draft's
paragraphs itself, through the rules, and refuses clearly where a delete must not happen.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from committees.models import Committee
from meetings.models import Anslag, Meeting
from meetings.services.lifecycle import TransitionError, _lock_meeting, _require, meeting_transition
from meetings.services.numbering import paragraphs_renumber, require_numbers_free

Status = Meeting.Status


class DeletionRefusal:
    FROZEN = "meeting_frozen"
    ANNOUNCED = "meeting_announced"


def meeting_delete_refusal(meeting: Meeting) -> str:
    """Why the meeting cannot be deleted, in a sentence; "" when it can."""
    try:
        _require_deletable(meeting)
    except TransitionError as error:
        return error.messages[0]
    return ""


def _require_deletable(meeting: Meeting) -> None:
    if meeting.is_locked:
        raise TransitionError(
            _(
                'The meeting cannot be deleted: its protokoll has been sent for justering ("%(status)s"), '
                "and a protokoll of record is never removed."
            ),
            code=DeletionRefusal.FROZEN,
            params={"status": Status(meeting.status).label},
        )
    if Anslag.objects.filter(meeting=meeting).exists():
        raise TransitionError(
            _(
                "The meeting has been announced on the anslagstavla, a public record; it cannot be "
                "deleted. Cancel it instead."
            ),
            code=DeletionRefusal.ANNOUNCED,
        )
    require_numbers_free(meeting, _("Deleting the meeting"))


@transaction.atomic
def meeting_delete(*, meeting: Meeting, by=None) -> None:
    """Delete a meeting that has not gone to justering, with its agenda, attendance and draft
    protokoll; the later drafts of its § series renumber. The audit trail keeps the deleted
    rows (meetings.models history_record)."""
    meeting = _lock_meeting(meeting)
    Committee.objects.select_for_update().get(pk=meeting.committee_id)
    _require_deletable(meeting)
    series = set(meeting.paragraphs.values_list("committee_id", "year"))
    for paragraph in meeting.paragraphs.all():
        paragraph.delete()
    meeting.delete()
    for committee_id, year in series:
        paragraphs_renumber(committee=Committee.objects.get(pk=committee_id), year=year)


@transaction.atomic
def protokoll_delete_draft(*, meeting: Meeting, by=None) -> Meeting:
    """Protokoll drafted → held: the draft's §§ (their texts, votes, jäv, reservations) are
    deleted, and the later drafts of the series renumber. The agenda and attendance stay, so
    the protokoll can be drafted again."""
    meeting = _lock_meeting(meeting)
    Committee.objects.select_for_update().get(pk=meeting.committee_id)
    _require(meeting, Status.PROTOKOLL_DRAFTED, _("Deleting the draft protokoll"))
    require_numbers_free(meeting, _("Deleting the draft protokoll"))
    series = set(meeting.paragraphs.values_list("committee_id", "year"))
    for paragraph in meeting.paragraphs.all():
        paragraph.delete()
    meeting_transition(
        meeting=meeting, to_status=Status.HELD, by=by, note=_("The draft protokoll was deleted.")
    )
    for committee_id, year in series:
        paragraphs_renumber(committee=Committee.objects.get(pk=committee_id), year=year)
    return meeting
