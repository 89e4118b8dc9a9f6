"""The next step in the life of a meeting, as the secretary's workspace offers it.

`meeting_next_steps(meeting)` answers "what can be done with this meeting now?": a list of
`Step`s, the main one (`primary`) first, each naming the service it runs, whether it is
possible now and, if not, why. `meeting_run_step` runs one of them by its key, refusing a step
that is not offered or not possible with the same reason the page shows, so the page's buttons
and the rules cannot disagree. The services themselves (meetings/services/lifecycle.py,
meetings/kallelse/dispatch.py, meetings/services/paragraphs.py, meetings/justering/services.py,
meetings/anslag/rules.py) still check everything again; this module only chooses among them.

`meeting_create` makes a new meeting; with `held_afterwards` ("registrera i efterhand") a meeting
already held goes straight to held through each step of its life, recorded as transitions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from committees.models import Committee, Person
from meetings.models import Justering, KallelseDispatch, Meeting, Signature
from meetings.services.lifecycle import TransitionError, meeting_transition

Status = Meeting.Status

# The tab where the work of each stage is done (a URL name of the workspace).
STAGE_TAB = {
    Status.PLANNED: "workspace:agenda",
    Status.AGENDA_DRAFTED: "workspace:kallelse",
    Status.SUMMONED: "workspace:attendance",
    Status.HELD: "workspace:attendance",
    Status.PROTOKOLL_DRAFTED: "workspace:protokoll",
    Status.READY_FOR_JUSTERING: "workspace:justering",
}

# What the secretary does at each stage, in a sentence (shown above the buttons).
STAGE_HINT = {
    Status.PLANNED: gettext_lazy("Build the agenda: its items, handlingar and order."),
    Status.AGENDA_DRAFTED: gettext_lazy("Check the kallelse and send it to the committee."),
    Status.SUMMONED: gettext_lazy("The kallelse has gone out. After the meeting, mark it held."),
    Status.HELD: gettext_lazy(
        "Record the attendance, then draft the protokoll: each handled item becomes a §."
    ),
    Status.PROTOKOLL_DRAFTED: gettext_lazy(
        "Write the §§, choose the ordförande and justerare, then send the protokoll for justering."
    ),
    Status.READY_FOR_JUSTERING: gettext_lazy("The protokoll is with the signers."),
    Status.JUSTERAT: gettext_lazy("The protokoll is justerat; its anslag goes up on the anslagstavla."),
    Status.POSTED: gettext_lazy(
        "The anslag is on the anslagstavla; it is taken down when the appeal period is over."
    ),
    Status.TAKEN_DOWN: gettext_lazy("The appeal period is over; the meeting can be archived."),
    Status.ARCHIVED: gettext_lazy("The meeting is archived."),
    Status.CANCELLED: gettext_lazy("The meeting is cancelled."),
}


@dataclass
class Step:
    """One step the secretary may take now."""

    key: str
    label: str
    service: str  # the service it runs, dotted (for the documentation and the tests)
    possible: bool = True
    reason: str = ""  # why it is not possible now
    primary: bool = False
    danger: bool = False  # a step back or a cancellation: shown as such
    needs_reason: bool = False  # the secretary writes why (reopening the protokoll)


Messages = list[tuple[int, str]]


# --- The runners: each calls one service and says what happened ---------------------------------


def _start_agenda(meeting, by, reason) -> Messages:
    from meetings.services.lifecycle import meeting_start_agenda

    meeting_start_agenda(meeting=meeting, by=by)
    return [(messages.SUCCESS, _("The agenda is being drafted."))]


def _send_kallelse(meeting, by, reason) -> Messages:
    from meetings.kallelse.dispatch import dispatch_report, meeting_send_kallelse

    dispatch = meeting_send_kallelse(meeting=meeting, sent_by=by, kind=KallelseDispatch.Kind.KALLELSE)
    return dispatch_report(dispatch=dispatch)


def _mark_summoned(meeting, by, reason) -> Messages:
    from meetings.services.lifecycle import meeting_mark_summoned

    meeting_mark_summoned(meeting=meeting, by=by)
    return [(messages.SUCCESS, _("The meeting is marked as summoned; no e-mail was sent."))]


def _back_to(status):
    def run(meeting, by, reason) -> Messages:
        meeting_transition(meeting=meeting, to_status=status, by=by, note=reason[:300])
        label = Status(status).label
        return [(messages.SUCCESS, _('The meeting is "%(status)s" again.') % {"status": label})]

    return run


def _hold(meeting, by, reason) -> Messages:
    from meetings.services.lifecycle import meeting_hold

    meeting_hold(meeting=meeting, by=by)
    return [(messages.SUCCESS, _("The meeting is marked as held."))]


def _cancel(meeting, by, reason) -> Messages:
    from meetings.services.lifecycle import meeting_cancel

    meeting_cancel(meeting=meeting, by=by, note=reason[:300])
    return [(messages.SUCCESS, _("The meeting is cancelled."))]


def _draft_protokoll(meeting, by, reason) -> Messages:
    from meetings.services.paragraphs import protokoll_create_draft

    paragraphs = protokoll_create_draft(meeting=meeting, by=by)
    return [
        (
            messages.SUCCESS,
            _("The protokoll is drafted with %(count)d §§.") % {"count": len(paragraphs)},
        )
    ]


def _freeze(meeting, by, reason) -> Messages:
    from meetings.justering.services import protokoll_freeze

    protokoll_freeze(meeting=meeting, by=by)
    return [(messages.SUCCESS, _("The protokoll is sent for justering; the signers are e-mailed."))]


def _unfreeze(meeting, by, reason) -> Messages:
    from meetings.justering.services import protokoll_unfreeze

    protokoll_unfreeze(meeting=meeting, by=by, reason=reason)
    return [(messages.SUCCESS, _("The protokoll is a draft again."))]


def _post_anslag(meeting, by, reason) -> Messages:
    from meetings.anslag.rules import anslag_post

    anslag_post(meeting=meeting, by=by)
    return [(messages.SUCCESS, _("The anslag is posted on the anslagstavla."))]


def _archive(meeting, by, reason) -> Messages:
    from meetings.services.lifecycle import meeting_archive

    meeting_archive(meeting=meeting, by=by)
    return [(messages.SUCCESS, _("The meeting is archived."))]


RUNNERS: dict[str, Callable[..., Messages]] = {
    "start_agenda": _start_agenda,
    "send_kallelse": _send_kallelse,
    "mark_summoned": _mark_summoned,
    "back_to_planned": _back_to(Status.PLANNED),
    "back_to_agenda": _back_to(Status.AGENDA_DRAFTED),
    "hold": _hold,
    "cancel": _cancel,
    "draft_protokoll": _draft_protokoll,
    "freeze": _freeze,
    "unfreeze": _unfreeze,
    "post_anslag": _post_anslag,
    "archive": _archive,
}


# --- Which steps a meeting offers ---------------------------------------------------------------


def _cancel_step() -> Step:
    return Step("cancel", _("Cancel the meeting"), "meetings.services.lifecycle.meeting_cancel", danger=True)


def _freeze_refusal(meeting: Meeting) -> str:
    """Why the protokoll cannot go to justering yet ("" if it can), as protokoll_freeze checks."""
    if not meeting.paragraphs.exists():
        return _("The protokoll has no paragraphs.")
    justering = Justering.objects.filter(meeting=meeting).first()
    roles = set(justering.signatures.values_list("role", flat=True)) if justering else set()
    if Signature.Role.CHAIR not in roles or Signature.Role.ADJUSTER not in roles:
        return _("Choose the ordförande and at least one justerare before sending for justering.")
    return ""


def meeting_next_steps(meeting: Meeting, *, now: datetime | None = None) -> list[Step]:
    """The steps the meeting's status allows now, the main one first (`primary`)."""
    now = now or timezone.now()
    status = meeting.status
    steps: list[Step] = []
    if status == Status.PLANNED:
        steps = [
            Step(
                "start_agenda",
                _("Start the agenda"),
                "meetings.services.lifecycle.meeting_start_agenda",
                primary=True,
            ),
            _cancel_step(),
        ]
    elif status == Status.AGENDA_DRAFTED:
        empty = not meeting.agenda_items.exists()
        no_items = _("The agenda has no items yet.") if empty else ""
        steps = [
            Step(
                "send_kallelse",
                _("Send the kallelse"),
                "meetings.kallelse.dispatch.meeting_send_kallelse",
                possible=not empty,
                reason=no_items,
                primary=True,
            ),
            Step(
                "mark_summoned",
                _("Mark as summoned without e-mail"),
                "meetings.services.lifecycle.meeting_mark_summoned",
                possible=not empty,
                reason=no_items,
            ),
            Step(
                "back_to_planned",
                _("Back to planned"),
                "meetings.services.lifecycle.meeting_transition",
                danger=True,
            ),
            _cancel_step(),
        ]
    elif status == Status.SUMMONED:
        day = timezone.localtime(meeting.start).date()
        early = day > timezone.localtime(now).date()
        steps = [
            Step(
                "hold",
                _("Mark the meeting as held"),
                "meetings.services.lifecycle.meeting_hold",
                possible=not early,
                reason=(
                    _("The meeting is on %(date)s; mark it held on that day or later.")
                    % {"date": date_format(day, "j F Y")}
                    if early
                    else ""
                ),
                primary=True,
            ),
            Step(
                "back_to_agenda",
                _("Back to agenda drafted"),
                "meetings.services.lifecycle.meeting_transition",
                danger=True,
            ),
            _cancel_step(),
        ]
    elif status == Status.HELD:
        steps = [
            Step(
                "draft_protokoll",
                _("Draft the protokoll"),
                "meetings.services.paragraphs.protokoll_create_draft",
                primary=True,
            )
        ]
    elif status == Status.PROTOKOLL_DRAFTED:
        refusal = _freeze_refusal(meeting)
        steps = [
            Step(
                "freeze",
                _("Send for justering"),
                "meetings.justering.services.protokoll_freeze",
                possible=not refusal,
                reason=refusal,
                primary=True,
            )
        ]
    elif status == Status.READY_FOR_JUSTERING:
        steps = [
            Step(
                "unfreeze",
                _("Reopen the protokoll"),
                "meetings.justering.services.protokoll_unfreeze",
                danger=True,
                needs_reason=True,
            )
        ]
    elif status == Status.JUSTERAT:
        steps = [
            Step(
                "post_anslag",
                _("Post the anslag"),
                "meetings.anslag.rules.anslag_post",
                primary=True,
            )
        ]
    elif status == Status.TAKEN_DOWN:
        steps = [
            Step(
                "archive",
                _("Archive the meeting"),
                "meetings.services.lifecycle.meeting_archive",
                primary=True,
            )
        ]
    return steps


def meeting_stage_hint(meeting: Meeting) -> str:
    return str(STAGE_HINT.get(meeting.status, ""))


def meeting_run_step(*, meeting: Meeting, key: str, by=None, reason: str = "") -> Messages:
    """Run the step `key` if the meeting offers it now; refuse (TransitionError) otherwise.

    Returns the messages for the secretary. The service's own refusals (ValidationError)
    reach the caller unchanged, with nothing changed in the database."""
    offered = {step.key: step for step in meeting_next_steps(meeting)}
    step = offered.get(key)
    if step is None:
        raise TransitionError(
            _('This step is not possible now: the meeting is "%(status)s".'),
            code="step_not_offered",
            params={"status": Status(meeting.status).label},
        )
    if not step.possible:
        raise TransitionError(step.reason, code="step_not_possible")
    if step.needs_reason and not reason.strip():
        raise ValidationError(_("Give the reason."), code="reason_required")
    with transaction.atomic():
        return RUNNERS[key](meeting, by, reason.strip())


# --- Creating a meeting ---------------------------------------------------------------------------


HELD_AFTERWARDS_PATH = (Status.AGENDA_DRAFTED, Status.SUMMONED, Status.HELD)


@transaction.atomic
def meeting_create(
    *,
    committee: Committee,
    start: datetime,
    end: datetime | None = None,
    location: str = "",
    secretary: Person | None = None,
    chair: Person | None = None,
    held_afterwards: bool = False,
    by=None,
    now: datetime | None = None,
) -> Meeting:
    """A new meeting of the committee, planned; or, with `held_afterwards` ("registrera i
    efterhand"), a meeting already held, moved to held through each step of its life (each a
    MeetingTransition with a note). A start in the past needs `held_afterwards`; a meeting
    registered afterwards must have started."""
    now = now or timezone.now()
    if end is not None and end < start:
        raise ValidationError(_("The meeting cannot end before it starts."), code="end_before_start")
    if held_afterwards and start > now:
        raise ValidationError(
            _("A meeting registered afterwards must already have taken place; its start is in the future."),
            code="held_in_future",
        )
    if not held_afterwards and start < now:
        raise ValidationError(
            _(
                'The start is in the past. To enter a meeting already held, choose "Register afterwards"; '
                "otherwise give a future date and time."
            ),
            code="start_in_past",
        )
    meeting = Meeting.objects.create(
        committee=committee,
        start=start,
        end=end,
        location=location,
        secretary=secretary,
        chair=chair,
    )
    if held_afterwards:
        note = _("Registered afterwards")
        for status in HELD_AFTERWARDS_PATH:
            meeting_transition(meeting=meeting, to_status=status, by=by, note=note)
    return meeting
