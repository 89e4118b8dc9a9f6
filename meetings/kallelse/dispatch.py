"""Sending the kallelse by e-mail, and publishing the agenda.

`meeting_send_kallelse` is the one way a kallelse goes out: it checks the meeting may be
summoned, records a `KallelseDispatch` with one `KallelseDelivery` per recipient, and,
once that is committed, queues the Celery task `meetings.tasks.send_kallelse_dispatch`.
The task calls `dispatch_send`, which sends each delivery that has not been sent yet,
with its row locked and `sent_at` set in the same transaction, so a retried or
duplicated task never sends an e-mail twice.

If the task queue (the broker) cannot be reached when the secretary sends, the dispatch
is still committed and the returned dispatch says so (`queue_failed`); the periodic task
`meetings.tasks.send_pending_kallelse` (celery beat) sends what is left once the broker
is back, and the dispatch's admin page has an action to try again at once. With the
embedded broker (memory://, tasks eager) the e-mails are sent before the service returns.

The e-mail is the official kallelse: it is written in the organisation's language
(settings.LANGUAGE_CODE), whatever language the secretary's browser uses.

The module is about 500 lines: the recipients, the sending with its once-only guarantee, the
e-mail and its calendar invitation are one flow (each delivery is built from all of them).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from email.mime.text import MIMEText

import icalendar
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from committees.models import Assignment, Person
from meetings import ical
from meetings.models import AgendaItem, KallelseDelivery, KallelseDispatch, Meeting
from meetings.services.lifecycle import TransitionError, _lock_meeting, _require, meeting_mark_summoned
from meetings.services.registers import meeting_generate_lists

logger = logging.getLogger(__name__)

Status = Meeting.Status
Kind = KallelseDispatch.Kind


# --- The agenda as the kallelse numbers it -----------------------------------------------------


@dataclass
class AgendaSection:
    """A run of agenda items under one section heading ("Beslutsärenden för nämnden")."""

    heading: str
    items: list[tuple[int, AgendaItem]] = field(default_factory=list)


def agenda_sections(*, meeting: Meeting, only: set[int] | None = None) -> list[AgendaSection]:
    """The agenda in order, numbered 1…n as the kallelse prints it, grouped by section heading.

    A new group starts wherever the heading changes. With `only` (agenda item ids), just
    those items are listed, keeping their numbers in the whole agenda.
    """
    sections: list[AgendaSection] = []
    items = meeting.agenda_items.order_by("order", "id").select_related("case")
    for number, item in enumerate(items, start=1):
        if only is not None and item.pk not in only:
            continue
        if not sections or sections[-1].heading != item.section:
            sections.append(AgendaSection(heading=item.section))
        sections[-1].items.append((number, item))
    return sections


# --- Recipients --------------------------------------------------------------------------------


@dataclass
class Recipient:
    person: Person
    is_member: bool


@dataclass
class KallelseRecipients:
    """Who receives the kallelse: those with an e-mail address, and those the secretary must reach
    another way."""

    with_email: list[Recipient]
    without_email: list[Person]


def kallelse_recipients(*, meeting: Meeting) -> KallelseRecipients:
    """Everyone with an assignment in the committee on the meeting day marked "receives the kallelse"
    (ordinarie ledamöter, ersättare, officials…), once each, in the list order."""
    on = timezone.localtime(meeting.start).date()
    assignments = (
        meeting.committee.current_assignments(on)
        .filter(receives_kallelse=True)
        .order_by("order", "substitute_order", "person__last_name", "person__first_name", "pk")
    )
    by_person: dict[int, Recipient] = {}
    for assignment in assignments:
        recipient = by_person.setdefault(assignment.person_id, Recipient(assignment.person, False))
        recipient.is_member = recipient.is_member or assignment.is_member
    with_email = [r for r in by_person.values() if r.person.email]
    without_email = [r.person for r in by_person.values() if not r.person.email]
    return KallelseRecipients(with_email=with_email, without_email=without_email)


# --- Which items each dispatch listed ----------------------------------------------------------
#
# A tilläggskallelse lists the items added since the previous dispatch, so each dispatch
# records the agenda items it covered (KallelseDispatch.agenda_items).


def _dispatch_record_items(*, dispatch: KallelseDispatch, item_ids: list[int], user) -> None:
    dispatch.agenda_items.set(item_ids)


def dispatch_item_ids(*, dispatch: KallelseDispatch) -> set[int]:
    """The ids of the agenda items a dispatch covered."""
    return set(dispatch.agenda_items.values_list("pk", flat=True))


# --- Sending -----------------------------------------------------------------------------------


@transaction.atomic
def meeting_send_kallelse(*, meeting: Meeting, sent_by, kind: str = Kind.KALLELSE) -> KallelseDispatch:
    """Send the kallelse (or a reviderad kallelse, or a tilläggskallelse) to the committee by e-mail.

    - The first kallelse needs the meeting to be "agenda drafted" and moves it to "kallelse
      sent" (`meeting_mark_summoned`, which refuses an empty agenda).
    - A reviderad kallelse (the whole agenda again) and a tilläggskallelse (only the items
      added since the previous dispatch) need the meeting to be "kallelse sent"; a
      tilläggskallelse is refused when no item has been added.

    Recipients are `kallelse_recipients`; one KallelseDelivery is made per person with an
    e-mail address. The returned dispatch carries extra attributes for the caller:
    `people_without_email` (to be reached another way), `added_item_ids` (a tilläggskallelse's
    new items) and `queue_failed` (True if the task queue could not be reached, see the module
    docstring); `dispatch_report` turns them into messages for the secretary.
    """
    locked = _lock_meeting(meeting)
    meeting.status = locked.status
    label = Kind(kind).label
    # The register lists (delegationsbeslut, remisser) are brought up to date before sending.
    meeting_generate_lists(meeting=locked)
    previous = locked.dispatches.order_by("-created_at", "-pk").first()
    added: set[int] | None = None
    if kind == Kind.KALLELSE:
        _require(locked, Status.AGENDA_DRAFTED, _("Sending the kallelse"))
    else:
        _require(locked, Status.SUMMONED, _("Sending a %(kind)s") % {"kind": label})
        if kind == Kind.SUPPLEMENT:
            before = dispatch_item_ids(dispatch=previous) if previous else None
            if before is None:
                raise TransitionError(
                    _(
                        "Paragraf does not know which items the previous kallelse listed; "
                        "send a reviderad kallelse instead."
                    ),
                    code="no_previous_dispatch",
                )
            added = set(locked.agenda_items.exclude(pk__in=before).values_list("pk", flat=True))
            if not added:
                raise TransitionError(
                    _("No agenda item has been added since the previous kallelse; nothing to send."),
                    code="nothing_added",
                )

    recipients = kallelse_recipients(meeting=locked)
    if not recipients.with_email and not recipients.without_email:
        raise ValidationError(
            _("Nobody in %(committee)s receives the kallelse; check the committee's assignments."),
            code="no_recipients",
            params={"committee": locked.committee.name},
        )
    if kind == Kind.KALLELSE:
        meeting_mark_summoned(meeting=meeting, by=sent_by)

    dispatch = KallelseDispatch.objects.create(meeting=locked, kind=kind, created_by=sent_by)
    KallelseDelivery.objects.bulk_create(
        KallelseDelivery(dispatch=dispatch, person=r.person, email=r.person.email)
        for r in recipients.with_email
    )
    item_ids = list(locked.agenda_items.order_by("order", "id").values_list("pk", flat=True))
    _dispatch_record_items(dispatch=dispatch, item_ids=item_ids, user=sent_by)
    if not recipients.with_email:
        dispatch.completed_at = timezone.now()
        dispatch.save(update_fields=["completed_at"])

    dispatch.people_without_email = recipients.without_email
    dispatch.added_item_ids = added
    dispatch.queue_failed = False
    if recipients.with_email:
        transaction.on_commit(lambda: _enqueue(dispatch))
    return dispatch


def _enqueue(dispatch: KallelseDispatch) -> None:
    from meetings.tasks import send_kallelse_dispatch  # the tasks import this module (meetings/tasks.py)

    try:
        send_kallelse_dispatch.delay(dispatch.pk)
    # The broker down: kombu's OperationalError; Redis (broker and result store) down: the
    # result store's RuntimeError ("retry limit exceeded"), raised before the broker is tried.
    except (OperationalError, RuntimeError):
        logger.exception("Kallelse dispatch %s saved but not queued: the broker is unreachable", dispatch.pk)
        dispatch.queue_failed = True


def dispatch_report(*, dispatch: KallelseDispatch) -> list[tuple[int, str]]:
    """What the secretary should be told after sending: (message level, text) pairs.

    Covers the e-mails sent, queued or failed, a task queue that could not be reached,
    and the people without an e-mail address (from `meeting_send_kallelse`'s attributes).
    """
    label = Kind(dispatch.kind).label
    deliveries = dispatch.deliveries.all()
    total = len(deliveries)
    sent = sum(1 for d in deliveries if d.sent_at)
    failed = sum(1 for d in deliveries if not d.sent_at and d.error)
    params = {"kind": label, "count": total, "sent": sent, "failed": failed}
    report: list[tuple[int, str]] = []
    if getattr(dispatch, "queue_failed", False):
        report.append(
            (
                messages.WARNING,
                _(
                    "The %(kind)s is saved for %(count)d recipients, but the task queue cannot be reached, "
                    "so no e-mail has been sent yet. Paragraf sends them when the queue is back (it checks "
                    'every few minutes), or use "Send the unsent e-mails" on the kallelse dispatch.'
                )
                % params,
            )
        )
    elif total and sent == total:
        report.append((messages.SUCCESS, _("%(kind)s sent by e-mail to %(count)d recipients.") % params))
    elif failed:
        report.append(
            (
                messages.ERROR,
                _(
                    "%(failed)d of %(count)d e-mails of the %(kind)s could not be sent; Paragraf tries "
                    "again. The kallelse dispatch shows the errors."
                )
                % params,
            )
        )
    elif total:
        report.append((messages.SUCCESS, _("%(kind)s queued: %(count)d e-mails are being sent.") % params))
    missing = getattr(dispatch, "people_without_email", [])
    if missing:
        report.append(
            (
                messages.WARNING,
                _("No e-mail address for: %(names)s. Send them the kallelse another way.")
                % {"names": ", ".join(p.full_name for p in missing)},
            )
        )
    return report


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0


def dispatch_send(*, dispatch_id: int) -> DispatchResult:
    """Send every delivery of a dispatch that has not been sent; safe to run again at any time.

    Each delivery is locked (select_for_update) while its e-mail is sent and `sent_at` is set
    in the same transaction: a concurrent or repeated run waits, then sees it sent and skips
    it. A failure is written on the delivery (`error`) and the others still go out; the
    dispatch is complete when every delivery has been sent.
    """
    dispatch = KallelseDispatch.objects.select_related("meeting__committee__organisation").get(pk=dispatch_id)
    result = DispatchResult()
    context = _dispatch_context(dispatch)
    pending = dispatch.deliveries.filter(sent_at__isnull=True).values_list("pk", flat=True)
    for delivery_id in list(pending):
        with transaction.atomic():
            delivery = (
                KallelseDelivery.objects.select_for_update().select_related("person").get(pk=delivery_id)
            )
            if delivery.sent_at is not None:
                continue
            try:
                _kallelse_email(dispatch=dispatch, delivery=delivery, context=context).send()
            except Exception as error:  # noqa: BLE001 - any mail failure is recorded and retried
                logger.warning("Kallelse delivery %s failed: %s", delivery.pk, error)
                delivery.error = f"{type(error).__name__}: {error}"[:2000]
                delivery.save(update_fields=["error"])
                result.failed += 1
                continue
            delivery.sent_at = timezone.now()
            delivery.error = ""
            delivery.save(update_fields=["sent_at", "error"])
            result.sent += 1
    if not dispatch.deliveries.filter(sent_at__isnull=True).exists():
        KallelseDispatch.objects.filter(pk=dispatch.pk, completed_at__isnull=True).update(
            completed_at=timezone.now()
        )
    return result


def dispatches_pending() -> list[int]:
    """Dispatches with unsent e-mails for meetings that have not started yet (for the periodic sweep)."""
    return list(
        KallelseDispatch.objects.filter(
            completed_at__isnull=True,
            meeting__start__gt=timezone.now(),
            deliveries__sent_at__isnull=True,
        )
        .distinct()
        .values_list("pk", flat=True)
    )


# --- The e-mail ---------------------------------------------------------------------------------


def kallelse_subject(*, dispatch: KallelseDispatch) -> str:
    """ "Kallelse: Nämnd för … 2022-10-12" ("Reviderad kallelse: …", "Tilläggskallelse: …")."""
    meeting = dispatch.meeting
    params = {
        "committee": meeting.committee.name,
        "date": timezone.localtime(meeting.start).strftime("%Y-%m-%d"),
    }
    if dispatch.kind == Kind.REVISED:
        return _("Reviderad kallelse: %(committee)s %(date)s") % params
    if dispatch.kind == Kind.SUPPLEMENT:
        return _("Tilläggskallelse: %(committee)s %(date)s") % params
    return _("Kallelse: %(committee)s %(date)s") % params


def member_meeting_url(meeting: Meeting) -> str:
    """The absolute address of the meeting's page for members (settings.PARAGRAF_BASE_URL)."""
    return settings.PARAGRAF_BASE_URL.rstrip("/") + reverse("meetings:meeting", args=[meeting.pk])


def _dispatch_context(dispatch: KallelseDispatch) -> dict:
    meeting = dispatch.meeting
    only = None
    if dispatch.kind == Kind.SUPPLEMENT:
        previous = (
            meeting.dispatches.filter(created_at__lt=dispatch.created_at).order_by("-created_at").first()
        )
        before = dispatch_item_ids(dispatch=previous) if previous else None
        mine = dispatch_item_ids(dispatch=dispatch)
        if before is not None and mine is not None:
            only = mine - before
    return {
        "dispatch": dispatch,
        "meeting": meeting,
        "committee": meeting.committee,
        "start": timezone.localtime(meeting.start),
        "end": timezone.localtime(meeting.end) if meeting.end else None,
        "sections": agenda_sections(meeting=meeting, only=only),
        "is_supplement": dispatch.kind == Kind.SUPPLEMENT,
        "is_revised": dispatch.kind == Kind.REVISED,
        "url": member_meeting_url(meeting),
        "secretary": meeting.secretary,
        "sequence": meeting.dispatches.filter(created_at__lt=dispatch.created_at).count(),
    }


def _kallelse_email(*, dispatch: KallelseDispatch, delivery: KallelseDelivery, context: dict):
    meeting = dispatch.meeting
    with translation.override(settings.LANGUAGE_CODE):
        context = {**context, "person": delivery.person}
        message = EmailMultiAlternatives(
            subject=kallelse_subject(dispatch=dispatch),
            body=render_to_string("meetings/email/kallelse.txt", context),
            to=[delivery.email],
            reply_to=[addr for addr in [_reply_to(meeting)] if addr],
        )
        message.attach_alternative(render_to_string("meetings/email/kallelse.html", context), "text/html")
        invitation = MIMEText(
            meeting_ics(
                meeting=meeting, sequence=context["sequence"], attendee=delivery.person, email=delivery.email
            ).decode(),
            "calendar",
            "utf-8",
        )
        invitation.set_param("method", "REQUEST")
        invitation.add_header("Content-Disposition", "attachment", filename="kallelse.ics")
        message.attach(invitation)
    return message


def _reply_to(meeting: Meeting) -> str:
    if meeting.secretary_id and meeting.secretary.email:
        return meeting.secretary.email
    return meeting.committee.email


# --- The calendar invitation -----------------------------------------------------------------------


def meeting_ics_uid(meeting: Meeting) -> str:
    """The invitation's UID: the same for every kallelse of a meeting, so revisions update the event."""
    return f"{meeting.signature_reference}@paragraf"


def meeting_ics(
    *, meeting: Meeting, sequence: int | None = None, attendee: Person | None = None, email: str = ""
) -> bytes:
    """An iCalendar invitation (METHOD:REQUEST) for the meeting, built by `ical.meeting_event`
    (the same event as the public calendars: DTEND, DTSTAMP, LAST-MODIFIED, STATUS).

    SEQUENCE is the number of earlier dispatches (by default: of all but the latest), so a
    reviderad kallelse or a tilläggskallelse updates the event in the member's calendar
    instead of adding a second one.
    """
    calendar = ical.calendar_new(method="REQUEST")
    if sequence is None:
        sequence = max(meeting.dispatches.count() - 1, 0)
    event = ical.meeting_event(
        meeting=meeting,
        uid=meeting_ics_uid(meeting),
        summary=meeting.committee.name,
        description=_("The kallelse and the handlingar: %(url)s") % {"url": member_meeting_url(meeting)},
        url=member_meeting_url(meeting),
        sequence=sequence,
    )
    organizer_email = _reply_to(meeting) or settings.DEFAULT_FROM_EMAIL
    organizer = icalendar.vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = icalendar.vText(
        meeting.secretary.full_name if meeting.secretary_id else meeting.committee.name
    )
    event.add("organizer", organizer)
    if attendee is not None and email:
        address = icalendar.vCalAddress(f"mailto:{email}")
        address.params["cn"] = icalendar.vText(attendee.full_name)
        is_member = Assignment.objects.filter(
            person=attendee, committee=meeting.committee, role__in=Assignment.MEMBER_ROLES
        ).exists()
        address.params["role"] = icalendar.vText("REQ-PARTICIPANT" if is_member else "OPT-PARTICIPANT")
        address.params["rsvp"] = icalendar.vText("FALSE")
        event.add("attendee", address, encode=0)
    calendar.add_component(event)
    ical.calendar_add_timezones(calendar, [timezone.localtime(meeting.start).date()])
    return calendar.to_ical()


# --- Publishing the agenda ------------------------------------------------------------------------


@transaction.atomic
def meeting_publish_agenda(*, meeting: Meeting, by) -> Meeting:
    """Show the public part of the agenda on the public meeting calendar (`agenda_published`).

    Needs an agenda: refused for a planned, cancelled or empty one. Publishing twice changes
    nothing. Confidential items are kept out by the public selectors, not here.
    """
    locked = _lock_meeting(meeting)
    if locked.status in (Status.PLANNED, Status.CANCELLED):
        raise TransitionError(
            _('The agenda of a meeting that is "%(status)s" cannot be published.'),
            code="wrong_status",
            params={"status": Status(locked.status).label},
        )
    if not locked.agenda_items.exists():
        raise TransitionError(_("The agenda has no items to publish."), code="empty_agenda")
    if not locked.agenda_published:
        locked.agenda_published = True
        locked.save(update_fields=["agenda_published"])  # a save, so the search index follows
        if by is not None:
            LogEntry.objects.create(
                user=by,
                content_type=ContentType.objects.get_for_model(Meeting),
                object_id=str(locked.pk),
                object_repr=str(locked)[:200],
                action_flag=CHANGE,
                change_message=json.dumps([{"changed": {"fields": ["agenda published"]}}]),
            )
    meeting.agenda_published = True
    return meeting
