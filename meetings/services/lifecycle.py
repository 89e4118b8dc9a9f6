"""The life of a meeting: its status transitions (planned → … → archived).

Every change of a meeting's status goes through `meeting_transition`, which refuses illegal
steps with a clear message (`TransitionError`) and records who made the step and when. The
named steps here (`meeting_start_agenda`, `meeting_mark_summoned`, `meeting_hold`,
`meeting_cancel`, `meeting_archive`) add each step's own preconditions; the steps of the
protokoll are in meetings/services/paragraphs.py and meetings/justering/services.py, those of
the anslag in meetings/anslag/rules.py.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from committees.models import Assignment, Committee, Person
from meetings.models import (
    Justering,
    Meeting,
    MeetingTransition,
)

Status = Meeting.Status


class TransitionError(ValidationError):
    """An illegal step in the life of a meeting."""


def _lock_meeting(meeting: Meeting) -> Meeting:
    locked = Meeting.objects.select_for_update().select_related("committee").get(pk=meeting.pk)
    meeting.status = locked.status
    return locked


@transaction.atomic
def meeting_transition(*, meeting: Meeting, to_status: str, by=None, note: str = "") -> Meeting:
    """Move a meeting to `to_status` if the life of a meeting allows it, recording the step."""
    locked = _lock_meeting(meeting)
    if not locked.can_move_to(to_status):
        raise TransitionError(
            _('The meeting cannot go from "%(from)s" to "%(to)s".'),
            code="illegal_transition",
            params={"from": Status(locked.status).label, "to": Status(to_status).label},
        )
    if to_status == Status.JUSTERAT:
        _require_signed(locked)
    MeetingTransition.objects.create(
        meeting=locked, from_status=locked.status, to_status=to_status, by=by, note=note
    )
    # A new status is a new version of the meeting's calendar event (its SEQUENCE).
    Meeting.objects.filter(pk=locked.pk).update(status=to_status, version=F("version") + 1)
    meeting.status = to_status
    meeting.version = locked.version + 1
    return meeting


def _require_signed(meeting: Meeting) -> None:
    """A protokoll is justerat only with its signed file: every required signer has signed
    it. The public pages and OParl link that file, so no path may make a meeting justerat
    without it."""
    justering = Justering.objects.filter(meeting=meeting).first()
    if (
        justering is None
        or not justering.signed_file
        or justering.signatures.filter(signed_at__isnull=True).exists()
    ):
        raise TransitionError(
            _("The protokoll is justerat only when every signer has signed it; it has no signed file yet."),
            code="not_signed",
        )


def _require(meeting: Meeting, status: str, action: str) -> None:
    if meeting.status != status:
        raise TransitionError(
            _('%(action)s needs the meeting to be "%(needed)s"; it is "%(actual)s".'),
            code="wrong_status",
            params={
                "action": action,
                "needed": Status(status).label,
                "actual": Status(meeting.status).label,
            },
        )


@transaction.atomic
def meeting_start_agenda(*, meeting: Meeting, by=None) -> Meeting:
    """Planned → agenda drafted."""
    return meeting_transition(meeting=meeting, to_status=Status.AGENDA_DRAFTED, by=by)


@transaction.atomic
def meeting_mark_summoned(*, meeting: Meeting, by=None) -> Meeting:
    """Agenda drafted → kallelse sent. The agenda must have at least one item."""
    _lock_meeting(meeting)
    if not meeting.agenda_items.exists():
        raise TransitionError(
            _("A kallelse cannot be sent for a meeting without agenda items."), code="empty_agenda"
        )
    return meeting_transition(meeting=meeting, to_status=Status.SUMMONED, by=by)


@transaction.atomic
def meeting_hold(*, meeting: Meeting, by=None) -> Meeting:
    """Kallelse sent → held."""
    return meeting_transition(meeting=meeting, to_status=Status.HELD, by=by)


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by=None, note: str = "") -> Meeting:
    """Cancel a meeting that has not been held."""
    return meeting_transition(meeting=meeting, to_status=Status.CANCELLED, by=by, note=note)


@transaction.atomic
def meeting_archive(*, meeting: Meeting, by=None) -> Meeting:
    """Anslag taken down → archived."""
    return meeting_transition(meeting=meeting, to_status=Status.ARCHIVED, by=by)


def committee_secretaries(committee: Committee):
    """People currently assigned as the committee's secretary."""
    return Person.objects.filter(
        assignments__in=committee.assignments.current().filter(role=Assignment.Role.SECRETARY)
    )
