"""Calling in ersättare: which one the committee's order proposes, and confirming the call.

The order is the committee's `substitute_rule`: own party's ersättare first (in their
`substitute_order`), then the others in the list order; or the list order only. An ersättare
already called in for someone else at the meeting, or who reported förhinder, is skipped.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from attendance.models import AbsenceNotice, Attendance
from committees.models import Assignment, Committee, Person
from meetings.models import Meeting

logger = logging.getLogger(__name__)


def meeting_date(meeting: Meeting):
    """The meeting's Swedish local date: the day assignments are read on."""
    return timezone.localtime(meeting.start).date()


def substitutes_in_order(*, committee: Committee, on, for_person: Person | None) -> list[Person]:
    """The committee's current ersättare in the order they are called in for `for_person`."""
    assignments = list(
        committee.assignments.current(on)
        .filter(role=Assignment.Role.SUBSTITUTE)
        .select_related("person__party")
    )
    # Ersättare without an order come after those with one, in the committee's list order.
    assignments.sort(
        key=lambda a: (a.substitute_order is None, a.substitute_order or 0, a.order, a.person.last_name)
    )
    people: list[Person] = []
    for assignment in assignments:
        if assignment.person not in people:
            people.append(assignment.person)
    if (
        committee.substitute_rule == Committee.SubstituteRule.OWN_PARTY_FIRST
        and for_person is not None
        and for_person.party_id
    ):
        own = [p for p in people if p.party_id == for_person.party_id]
        people = own + [p for p in people if p.party_id != for_person.party_id]
    return people


def _unavailable_ids(meeting: Meeting, absent_person: Person) -> set[int]:
    """Ersättare who cannot be called for `absent_person`: called in for someone else, or
    themselves reporting förhinder."""
    ids = set(AbsenceNotice.objects.filter(meeting=meeting).values_list("person_id", flat=True))
    ids |= set(
        AbsenceNotice.objects.filter(meeting=meeting, substitute__isnull=False)
        .exclude(person=absent_person)
        .values_list("substitute_id", flat=True)
    )
    ids |= set(
        Attendance.objects.filter(meeting=meeting, replaces__isnull=False)
        .exclude(replaces=absent_person)
        .values_list("person_id", flat=True)
    )
    ids.add(absent_person.pk)
    return ids


def substitute_candidates(*, meeting: Meeting, absent_person: Person) -> list[Person]:
    """Every ersättare who may be called in for `absent_person`, first the proposed one."""
    unavailable = _unavailable_ids(meeting, absent_person)
    ordered = substitutes_in_order(
        committee=meeting.committee, on=meeting_date(meeting), for_person=absent_person
    )
    return [person for person in ordered if person.pk not in unavailable]


def substitute_propose(*, meeting: Meeting, absent_person: Person) -> Person | None:
    """The ersättare the committee's order proposes for an absent member, or None when every
    ersättare is already called in or has förhinder."""
    candidates = substitute_candidates(meeting=meeting, absent_person=absent_person)
    return candidates[0] if candidates else None


@transaction.atomic
def substitute_confirm(*, notice: AbsenceNotice, substitute: Person | None = None, by=None) -> AbsenceNotice:
    """Call in an ersättare for a förhinder (the proposed one when `substitute` is None).

    Records the ersättare on the notice and as tjänstgörande at the meeting for the absent
    member, and e-mails them the link to the meeting page (after commit, once).
    """
    notice = (
        AbsenceNotice.objects.select_for_update(of=("self",))
        .select_related("meeting__committee", "person")
        .get(pk=notice.pk)
    )
    meeting = notice.meeting
    if meeting.is_locked or meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(
            _("The meeting's protokoll can no longer change; no ersättare can be called in."),
            code="meeting_locked",
        )
    candidates = substitute_candidates(meeting=meeting, absent_person=notice.person)
    if substitute is None:
        if not candidates:
            raise ValidationError(
                _("There is no ersättare left to call in for %(person)s."),
                code="no_substitute",
                params={"person": notice.person.display_name},
            )
        substitute = candidates[0]
    elif substitute not in candidates:
        raise ValidationError(
            _("%(substitute)s cannot be called in for %(person)s: not a free ersättare of the committee."),
            code="substitute_unavailable",
            params={"substitute": substitute.display_name, "person": notice.person.display_name},
        )
    if notice.substitute_id and notice.substitute_id != substitute.pk:
        # Calling another ersättare releases the previous one.
        Attendance.objects.filter(
            meeting=meeting, person_id=notice.substitute_id, replaces=notice.person
        ).delete()
        notice.substitute_notified_at = None
    notice.substitute = substitute
    notice.substitute_confirmed_at = timezone.now()
    notice.save(update_fields=["substitute", "substitute_confirmed_at", "substitute_notified_at"])
    Attendance.objects.update_or_create(
        meeting=meeting,
        person=notice.person,
        defaults={"status": Attendance.Status.ABSENT, "serving": False, "replaces": None},
    )
    Attendance.objects.update_or_create(
        meeting=meeting,
        person=substitute,
        defaults={
            "status": Attendance.Status.PRESENT,
            "capacity": Attendance.Capacity.SUBSTITUTE,
            "serving": True,
            "replaces": notice.person,
        },
    )
    transaction.on_commit(lambda: _enqueue_call(notice.pk))
    return notice


def _enqueue_call(notice_id: int) -> None:
    from ..tasks import send_substitute_call_email  # the tasks import the services (attendance/tasks.py)

    try:
        send_substitute_call_email.delay(notice_id)
    except OperationalError:
        logger.exception("Ersättare recorded for notice %s, but the e-mail was not queued", notice_id)


def substitute_notify(*, notice_id: int) -> bool:
    """E-mail the called-in ersättare the meeting and its link; never twice for the same call.

    Returns True when an e-mail was sent."""
    with transaction.atomic():
        notice = (
            AbsenceNotice.objects.select_for_update(of=("self",))
            .select_related("meeting__committee", "person__party", "substitute")
            .filter(pk=notice_id)
            .first()
        )
        if notice is None or notice.substitute is None or notice.substitute_notified_at:
            return False
        if not notice.substitute.email:
            logger.warning("Ersättare %s has no e-mail address", notice.substitute)
            return False
        meeting = notice.meeting
        start = timezone.localtime(meeting.start)
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("You are called in as ersättare: %(committee)s %(date)s") % {
                "committee": meeting.committee.name,
                "date": f"{start:%Y-%m-%d}",
            }
            body = render_to_string(
                "attendance/email/substitute_call.txt",
                {
                    "notice": notice,
                    "meeting": meeting,
                    "start": start,
                    "url": settings.PARAGRAF_BASE_URL.rstrip("/")
                    + reverse("meetings:meeting", args=[meeting.pk]),
                },
            )
        send_mail(subject, body, None, [notice.substitute.email])
        notice.substitute_notified_at = timezone.now()
        notice.save(update_fields=["substitute_notified_at"])
    return True
