"""The anslagstavla's rules: posting the justerat protokoll's anslag and the other notices, the
appeal period, taking down what is due, and the alert about justerat protokoll not posted.

The beat tasks that keep the board are in meetings/anslag/tasks.py, the public pages in
meetings/anslag/views.py.
"""

import logging
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import DelegatedDecision
from committees.models import Committee
from meetings.calendar import next_working_day
from meetings.models import Anslag, Justering, Meeting, paragraph_span
from meetings.services.lifecycle import (
    TransitionError,
    _lock_meeting,
    _require,
    committee_secretaries,
    meeting_transition,
)

logger = logging.getLogger(__name__)

Status = Meeting.Status


def appeal_period_end(posted_on: date) -> date:
    """The last day to appeal: three weeks from posting (KL 13 kap. 5 §), moved to the next
    working day when it falls on a Saturday, Sunday or public holiday (lag 1930:173)."""
    return next_working_day(posted_on + timedelta(weeks=3))


@transaction.atomic
def anslag_post(*, meeting: Meeting, by=None, posted_on: date | None = None) -> Anslag:
    """Justerat → anslag posted on the anslagstavla, up for the appeal period."""
    meeting = _lock_meeting(meeting)
    _require(meeting, Status.JUSTERAT, _("Posting the anslag"))
    posted_on = posted_on or timezone.localdate()
    appeal_end = appeal_period_end(posted_on)
    span = paragraph_span(meeting.paragraphs.values_list("number", flat=True))
    anslag = Anslag.objects.create(
        kind=Anslag.Kind.PROTOKOLL,
        committee=meeting.committee,
        meeting=meeting,
        title=_("Protokoll %(committee)s %(date)s, %(span)s")
        % {
            "committee": meeting.committee.name,
            "date": timezone.localtime(meeting.start).date().isoformat(),
            "span": span,
        },
        posted_on=posted_on,
        appeal_ends_on=appeal_end,
        take_down_on=appeal_end + timedelta(days=1),
        storage_location=meeting.committee.organisation.protokoll_storage,
    )
    meeting_transition(meeting=meeting, to_status=Status.POSTED, by=by)
    return anslag


@transaction.atomic
def anslag_take_down(*, anslag: Anslag, by=None) -> Anslag:
    """Take an anslag down once its appeal period is over; its meeting moves on."""
    anslag = Anslag.objects.select_for_update().get(pk=anslag.pk)
    if anslag.taken_down_at:
        return anslag
    today = timezone.localdate()
    if today < anslag.take_down_on:
        raise ValidationError(
            _("The anslag must stay up until %(date)s (the appeal period)."),
            code="appeal_running",
            params={"date": anslag.take_down_on.isoformat()},
        )
    anslag.taken_down_at = timezone.now()
    anslag.save(update_fields=["taken_down_at"])
    if anslag.meeting_id and anslag.kind == Anslag.Kind.PROTOKOLL:
        meeting_transition(meeting=anslag.meeting, to_status=Status.TAKEN_DOWN, by=by)
    return anslag


# The anslagstavla's other notices: a list of delegationsbeslut, a sammanträde, anything else.
NOTICE_KINDS = (Anslag.Kind.DELEGATION, Anslag.Kind.MEETING, Anslag.Kind.OTHER)


def anslag_notice_check(
    *,
    committee: Committee,
    kind: str,
    title: str,
    posted_on: date,
    meeting: Meeting | None = None,
    take_down_on: date | None = None,
) -> tuple[date | None, date]:
    """Check a notice before it is posted; return its (last day to appeal, day to take down).

    Delegationsbeslut posted on their own are appealed within three weeks of their own
    announcement (KL 13 kap. 5 §), so they stay up like a protokoll. A sammanträde notice
    stays up until the meeting has been held. Any other notice stays up until the day the
    secretary chooses."""
    if not (title or "").strip():
        raise ValidationError(_("Give the notice a title."), code="title_missing")
    if meeting is not None and meeting.committee_id != committee.pk:
        raise ValidationError(_("The meeting belongs to another committee."), code="other_committee")
    if kind == Anslag.Kind.DELEGATION:
        appeal_end = appeal_period_end(posted_on)
        return appeal_end, appeal_end + timedelta(days=1)
    if kind == Anslag.Kind.MEETING:
        if meeting is None:
            raise ValidationError(_("Choose the meeting the notice is about."), code="meeting_required")
        take_down_on = timezone.localtime(meeting.start).date() + timedelta(days=1)
        if take_down_on <= posted_on:
            raise ValidationError(
                _("The meeting has already been held; its notice cannot be posted now."), code="meeting_held"
            )
        return None, take_down_on
    if kind == Anslag.Kind.OTHER:
        if take_down_on is None:
            raise ValidationError(
                _("Choose the day the notice is to be taken down."), code="take_down_required"
            )
        if take_down_on <= posted_on:
            raise ValidationError(
                _("The notice must be taken down after the day it is posted."), code="take_down_too_early"
            )
        return None, take_down_on
    raise ValidationError(
        _("A justerat protokoll is posted from its meeting, not as a notice."), code="not_a_notice"
    )


@transaction.atomic
def anslag_post_notice(
    *,
    committee: Committee,
    kind: str,
    title: str,
    body: str = "",
    meeting: Meeting | None = None,
    posted_on: date | None = None,
    take_down_on: date | None = None,
) -> Anslag:
    """Post a notice that is not a protokoll on the anslagstavla, from today unless told;
    the day it is taken down follows from its kind (`anslag_notice_check`)."""
    posted_on = posted_on or timezone.localdate()
    appeal_ends_on, take_down_on = anslag_notice_check(
        committee=committee,
        kind=kind,
        title=title,
        posted_on=posted_on,
        meeting=meeting,
        take_down_on=take_down_on,
    )
    anslag = Anslag(
        kind=kind,
        committee=committee,
        meeting=meeting,
        title=title.strip(),
        body=(body or "").strip(),
        posted_on=posted_on,
        appeal_ends_on=appeal_ends_on,
        take_down_on=take_down_on,
        storage_location=committee.organisation.protokoll_storage if kind == Anslag.Kind.DELEGATION else "",
    )
    anslag.full_clean()
    anslag.save()
    return anslag


def delegated_decisions_notice_text(decisions) -> str:
    """One line per delegationsbeslut: number, date, delegation point, decision, decision maker."""
    return "\n".join(
        f"{d.number_label} {d.decided_on.isoformat()} {d.point.code}: {d.description} ({d.decision_maker})"
        for d in decisions
    )


def anslag_post_delegation_list(*, meeting: Meeting, posted_on: date | None = None) -> Anslag:
    """Post the list of the delegationsbeslut reported (anmälda) at a justerat meeting."""

    if meeting.status not in Status.JUSTERAT_OR_LATER:
        raise TransitionError(
            _("The delegationsbeslut list is posted once the protokoll of the meeting is justerat."),
            code="not_justerat",
        )
    decisions = list(
        DelegatedDecision.objects.filter(reported_at_meeting=meeting)
        .select_related("point", "decision_maker")
        .order_by("decided_on", "pk")
    )
    if not decisions:
        raise ValidationError(_("No delegationsbeslut were reported at the meeting."), code="no_decisions")
    if Anslag.objects.filter(meeting=meeting, kind=Anslag.Kind.DELEGATION).exists():
        raise ValidationError(
            _("The delegationsbeslut list of this meeting is already posted."), code="already_posted"
        )
    return anslag_post_notice(
        committee=meeting.committee,
        kind=Anslag.Kind.DELEGATION,
        meeting=meeting,
        title=_("Delegationsbeslut reported to %(committee)s %(date)s")
        % {"committee": meeting.committee.name, "date": timezone.localtime(meeting.start).date().isoformat()},
        body=delegated_decisions_notice_text(decisions),
        posted_on=posted_on,
    )


# --- Keeping the anslagstavla (the beat tasks in meetings/anslag/tasks.py) ---


def anslag_due_for_take_down(*, today: date | None = None):
    """Anslag still up whose take-down day has come."""
    today = today or timezone.localdate()
    return Anslag.objects.filter(taken_down_at__isnull=True, take_down_on__lte=today)


def anslag_take_down_due() -> list[int]:
    """Take down every anslag whose time is over; returns their ids. Safe to run again: an
    anslag already taken down is not due. One that cannot be taken down (its meeting is not
    in the state the life of a meeting expects) is logged and left for the secretary."""
    done = []
    for anslag in anslag_due_for_take_down().order_by("take_down_on", "pk"):
        try:
            anslag_take_down(anslag=anslag)
        except ValidationError:
            logger.exception("Anslag %s is due but could not be taken down", anslag.pk)
        else:
            done.append(anslag.pk)
    return done


POSTING_ALERT_AFTER = timedelta(days=1)
# Older justeringar are not alerted about: protokoll imported from before Paragraf (justerat,
# never posted here) would otherwise each send an e-mail the first time the beat runs.
POSTING_ALERT_WINDOW = timedelta(days=14)


def justeringar_unposted(*, now=None):
    """Justeringar completed over a day (and under two weeks) ago whose anslag is not posted,
    not yet alerted."""
    now = now or timezone.now()
    return Justering.objects.filter(
        meeting__status=Status.JUSTERAT,
        completed_at__lte=now - POSTING_ALERT_AFTER,
        completed_at__gte=now - POSTING_ALERT_WINDOW,
        posting_alert_sent_at__isnull=True,
    )


def justering_alert_unposted(*, justering_id: int) -> bool:
    """E-mail the meeting's secretary and the committee's secretaries that a justerat protokoll
    has no anslag yet (KL 8 kap. 12 §: at the latest the second day after justering). Sent
    once: `posting_alert_sent_at` is set in the same transaction. Returns whether it was sent."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.urls import reverse
    from django.utils import translation

    with transaction.atomic():
        justering = (
            Justering.objects.select_for_update(of=("self",))
            .select_related("meeting__committee", "meeting__secretary")
            .get(pk=justering_id)
        )
        meeting = justering.meeting
        if justering.posting_alert_sent_at or meeting.status != Status.JUSTERAT:
            return False
        people = [meeting.secretary, *committee_secretaries(meeting.committee)]
        recipients = sorted({person.email for person in people if person is not None and person.email})
        if not recipients:
            logger.warning("Protokoll %s is not posted and has no secretary to alert", meeting)
            return False
        with translation.override(settings.LANGUAGE_CODE):
            justerat_on = timezone.localtime(justering.completed_at).date()
            url = settings.PARAGRAF_BASE_URL + reverse("admin:meetings_meeting_change", args=[meeting.pk])
            names = {
                "committee": meeting.committee.name,
                "date": timezone.localtime(meeting.start).date().isoformat(),
                "justerat": justerat_on.isoformat(),
                "latest": (justerat_on + timedelta(days=2)).isoformat(),
                "action": _("Post the anslag on the anslagstavla"),
            }
            subject = _("Anslag not posted: protokoll %(committee)s %(date)s") % names
            text = _(
                "The protokoll of %(committee)s %(date)s was justerat on %(justerat)s, but its anslag "
                "is not on the anslagstavla. The anslag must be posted no later than %(latest)s "
                '(KL 8 kap. 12 §). Post it from the meeting in Paragraf (action "%(action)s"):'
            )
            body = f"{text % names}\n\n{url}\n"
        EmailMessage(subject=subject, body=body, to=recipients).send()
        justering.posting_alert_sent_at = timezone.now()
        justering.save(update_fields=["posting_alert_sent_at"])
        return True
