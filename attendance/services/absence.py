"""Services for the meeting as it happens: förhinder (absence) reported by members.

A member reports förhinder on their meeting page; the committee's secretaries are told
by e-mail (Celery task `attendance.tasks.send_absence_notice_email`, queued on commit) so
they can call in an ersättare.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from attendance.models import AbsenceNotice
from committees.models import Assignment, Person
from meetings.models import Meeting

logger = logging.getLogger(__name__)


def _require_absence_open(*, meeting: Meeting, person: Person) -> None:
    on = timezone.localtime(meeting.start).date()
    if not Assignment.objects.current(on).filter(person=person, committee=meeting.committee_id).exists():
        raise ValidationError(
            _("%(person)s has no assignment in %(committee)s."),
            code="not_a_member",
            params={"person": person.full_name, "committee": meeting.committee.name},
        )
    if meeting.start <= timezone.now() or meeting.status not in Meeting.Status.UPCOMING:
        raise ValidationError(
            _("Förhinder can be reported only for a meeting that has not taken place."),
            code="meeting_past",
        )


@transaction.atomic
def absence_report(*, meeting: Meeting, person: Person, reason: str = "", reported_by=None) -> AbsenceNotice:
    """Record a member's förhinder for a coming meeting and tell the committee's secretaries.

    Refused for a meeting that has begun, been held or cancelled, and for a meeting of a
    committee where the person has no assignment. Reporting again changes only the reason:
    there is one notice per person and meeting, and the secretaries are told once.
    """
    meeting = Meeting.objects.select_related("committee").get(pk=meeting.pk)
    _require_absence_open(meeting=meeting, person=person)
    reason = (reason or "").strip()
    max_length = AbsenceNotice._meta.get_field("reason").max_length
    if len(reason) > max_length:
        raise ValidationError(
            _("Keep the reason under %(max)d characters."), code="reason_too_long", params={"max": max_length}
        )
    notice, created = AbsenceNotice.objects.get_or_create(
        meeting=meeting, person=person, defaults={"reason": reason, "reported_by": reported_by}
    )
    if not created and reason and notice.reason != reason:
        notice.reason = reason
        notice.save(update_fields=["reason"])
    if created:
        transaction.on_commit(lambda: _enqueue_notification(meeting.pk, person.pk, withdrawn=False))
    return notice


@transaction.atomic
def absence_withdraw(*, meeting: Meeting, person: Person, withdrawn_by=None) -> bool:
    """Withdraw a förhinder (the member can attend after all); the secretaries are told.

    Returns False when there was nothing to withdraw. Refused once the meeting has begun.
    """
    meeting = Meeting.objects.select_related("committee").get(pk=meeting.pk)
    _require_absence_open(meeting=meeting, person=person)
    deleted, _rows = AbsenceNotice.objects.filter(meeting=meeting, person=person).delete()
    if deleted:
        transaction.on_commit(lambda: _enqueue_notification(meeting.pk, person.pk, withdrawn=True))
    return bool(deleted)


def _enqueue_notification(meeting_id: int, person_id: int, *, withdrawn: bool) -> None:
    from ..tasks import send_absence_notice_email  # the tasks import the services (attendance/tasks.py)

    try:
        send_absence_notice_email.delay(meeting_id, person_id, withdrawn)
    except OperationalError:
        # The notice is saved and shown in the admin; only the e-mail is lost.
        logger.exception(
            "Förhinder of person %s saved, but the secretaries' e-mail was not queued", person_id
        )


def absence_secretary_emails(*, meeting: Meeting) -> list[str]:
    """The e-mail addresses of the meeting's secretary and the committee's current secretaries."""
    on = timezone.localtime(meeting.start).date()
    people = [
        a.person
        for a in meeting.committee.assignments.current(on)
        .filter(role=Assignment.Role.SECRETARY)
        .select_related("person")
    ]
    if meeting.secretary_id:
        people.insert(0, meeting.secretary)
    emails: list[str] = []
    for person in people:
        if person.email and person.email not in emails:
            emails.append(person.email)
    if not emails and meeting.committee.email:
        emails.append(meeting.committee.email)
    return emails


def absence_notify_secretaries(*, meeting_id: int, person_id: int, withdrawn: bool = False) -> int:
    """E-mail the secretaries about a reported or withdrawn förhinder; returns the number of
    recipients."""
    meeting = Meeting.objects.select_related("committee", "secretary").get(pk=meeting_id)
    person = Person.objects.select_related("party").get(pk=person_id)
    notice = AbsenceNotice.objects.filter(meeting=meeting, person=person).first()
    recipients = absence_secretary_emails(meeting=meeting)
    if not recipients:
        logger.warning("Nobody to tell about the förhinder of %s for %s", person, meeting)
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        params = {
            "person": person.display_name,
            "committee": meeting.committee.name,
            "date": timezone.localtime(meeting.start).strftime("%Y-%m-%d"),
        }
        if withdrawn:
            subject = _("Förhinder withdrawn: %(person)s, %(committee)s %(date)s") % params
        else:
            subject = _("Förhinder: %(person)s, %(committee)s %(date)s") % params
        body = render_to_string(
            "meetings/email/absence_notice.txt",
            {
                "meeting": meeting,
                "person": person,
                "notice": notice,
                "withdrawn": withdrawn,
                "start": timezone.localtime(meeting.start),
                "admin_url": _admin_url(meeting),
            },
        )
    send_mail(subject, body, None, recipients)
    return len(recipients)


def _admin_url(meeting: Meeting) -> str:
    from django.urls import reverse

    return settings.PARAGRAF_BASE_URL.rstrip("/") + reverse(
        "admin:meetings_meeting_change", args=[meeting.pk]
    )
