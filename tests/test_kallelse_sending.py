"""Sending the kallelse: recipients, the e-mail with its agenda and calendar invitation,
no e-mail twice, reviderad kallelse and tilläggskallelse, a broker that is down."""

import email
from datetime import timedelta

import icalendar
import pytest
from django.contrib import messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from committees.models import Assignment
from config.celery import app as celery_app
from meetings.kallelse import dispatch as kallelse
from meetings.models import KallelseDelivery, KallelseDispatch, Meeting
from meetings.services.lifecycle import TransitionError
from meetings.tasks import send_kallelse_dispatch, send_pending_kallelse
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    CaseFactory,
    CommitteeFactory,
    MeetingFactory,
    PersonFactory,
    secretary_of,
)

pytestmark = pytest.mark.django_db

Kind = KallelseDispatch.Kind


@pytest.fixture
def committee():
    """A nämnd with an ordförande, a ledamot, an ersättare, an official, a ledamot without
    e-mail and an official who does not receive the kallelse."""
    committee = CommitteeFactory(name="Nämnd för arbetsmarknad, näringsliv och attraktivitet")
    people = {
        "chair": (Assignment.Role.CHAIR, "per@example.org", True),
        "member": (Assignment.Role.MEMBER, "monica@example.org", True),
        "substitute": (Assignment.Role.SUBSTITUTE, "annki@example.org", True),
        "official": (Assignment.Role.OFFICIAL, "peter@example.org", True),
        "no_email": (Assignment.Role.MEMBER, "", True),
        "not_summoned": (Assignment.Role.OFFICIAL, "ingen@example.org", False),
    }
    committee.people = {}
    for key, (role, address, receives) in people.items():
        person = PersonFactory(first_name=key.capitalize(), last_name="Testsson", email=address)
        AssignmentFactory(person=person, committee=committee, role=role, receives_kallelse=receives)
        committee.people[key] = person
    return committee


@pytest.fixture
def secretary(committee):
    return secretary_of(committee)


@pytest.fixture
def meeting(committee):
    """A meeting three weeks ahead with a drafted agenda: two items in a section, with diarienummer."""
    start = (timezone.now() + timedelta(days=21)).replace(hour=8, minute=0, second=0, microsecond=0)
    meeting = MeetingFactory(
        committee=committee,
        start=start,
        end=start + timedelta(hours=3),
        location="Regionens hus, sal A",
        status=Meeting.Status.AGENDA_DRAFTED,
    )
    AgendaItemFactory(meeting=meeting, order=1, title="Fastställande av dagordning")
    AgendaItemFactory(
        meeting=meeting,
        order=2,
        section="Beslutsärenden för nämnden",
        title="Remiss - Audiovisuell strategi",
        case=CaseFactory(year=2022, serial=2018),
    )
    return meeting


def send(meeting, user, django_capture_on_commit_callbacks, kind=Kind.KALLELSE):
    with django_capture_on_commit_callbacks(execute=True):
        return kallelse.meeting_send_kallelse(meeting=meeting, sent_by=user, kind=kind)


def invitation(message) -> icalendar.Calendar:
    """The text/calendar part of a sent e-mail, parsed."""
    parsed = email.message_from_bytes(message.message().as_bytes())
    parts = [part for part in parsed.walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1, "one calendar invitation per e-mail"
    assert parts[0].get_param("method") == "REQUEST"
    return icalendar.Calendar.from_ical(parts[0].get_payload(decode=True))


def event_of(calendar: icalendar.Calendar) -> icalendar.Event:
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    return events[0]


def test_sending_the_kallelse_emails_everyone_summoned_the_agenda_and_a_calendar_invitation(
    meeting, committee, secretary, django_capture_on_commit_callbacks
):
    sent = send(meeting, secretary, django_capture_on_commit_callbacks)

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SUMMONED
    # The committee's secretary gets a copy too: the secretary's assignment receives the kallelse.
    expected = {"per@example.org", "monica@example.org", "annki@example.org", "peter@example.org"}
    expected.add(secretary.person.email)
    assert {d.email for d in sent.deliveries.all()} == expected
    assert all(d.sent_at for d in sent.deliveries.all())
    sent.refresh_from_db()
    assert sent.completed_at is not None

    assert sorted(m.to[0] for m in mail.outbox) == sorted(expected)
    date = timezone.localtime(meeting.start).strftime("%Y-%m-%d")
    message = next(m for m in mail.outbox if m.to == ["monica@example.org"])
    assert message.subject == f"Kallelse: {committee.name} {date}"
    # The agenda, numbered as the kallelse prints it, with its section and diarienummer.
    assert "1 Fastställande av dagordning" in message.body
    assert "Beslutsärenden för nämnden" in message.body
    assert "2 Remiss - Audiovisuell strategi  2022/2018" in message.body
    assert "Regionens hus, sal A" in message.body
    meeting_url = "http://127.0.0.1:8000" + reverse("meetings:meeting", args=[meeting.pk])
    assert meeting_url in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Remiss - Audiovisuell strategi" in html and meeting_url in html

    calendar = invitation(message)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert [c for c in calendar.walk() if c.name == "VTIMEZONE"], "Europe/Stockholm is described"
    event = event_of(calendar)
    assert str(event["UID"]) == f"{meeting.signature_reference}@paragraf"
    assert event.decoded("DTSTART") == meeting.start
    assert str(event.decoded("DTSTART").tzinfo) == "Europe/Stockholm"
    assert event.decoded("DTEND") == meeting.end
    assert str(event["LOCATION"]) == "Regionens hus, sal A"
    assert str(event["SUMMARY"]) == committee.name
    assert int(event["SEQUENCE"]) == 0
    assert str(event["ATTENDEE"]) == "mailto:monica@example.org"


def test_people_without_email_are_listed_back_to_the_secretary_and_the_others_still_get_it(
    meeting, committee, secretary, django_capture_on_commit_callbacks
):
    sent = send(meeting, secretary, django_capture_on_commit_callbacks)

    assert sent.people_without_email == [committee.people["no_email"]]
    assert not KallelseDelivery.objects.filter(person=committee.people["no_email"]).exists()
    assert "ingen@example.org" not in [m.to[0] for m in mail.outbox], "not marked to receive the kallelse"
    report = kallelse.dispatch_report(dispatch=sent)
    assert report[0][0] == messages.SUCCESS and "5" in report[0][1]
    warnings = [text for level, text in report if level == messages.WARNING]
    assert len(warnings) == 1 and committee.people["no_email"].full_name in warnings[0]


def test_running_the_task_again_sends_no_email_twice(meeting, secretary, django_capture_on_commit_callbacks):
    sent = send(meeting, secretary, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 5

    # A retried or duplicated task, as Celery may deliver it more than once.
    send_kallelse_dispatch.apply(args=[sent.pk]).get()
    send_kallelse_dispatch.apply(args=[sent.pk]).get()
    assert len(mail.outbox) == 5

    # A delivery whose e-mail never left (say the worker died) goes out once on the next run.
    left = sent.deliveries.get(email="annki@example.org")
    KallelseDelivery.objects.filter(pk=left.pk).update(sent_at=None)
    send_kallelse_dispatch.apply(args=[sent.pk]).get()
    send_kallelse_dispatch.apply(args=[sent.pk]).get()
    assert [m.to for m in mail.outbox[5:]] == [["annki@example.org"]]


def test_a_failed_email_is_recorded_and_sent_by_the_next_run(
    meeting, secretary, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2  # nothing listens

    sent = send(meeting, secretary, django_capture_on_commit_callbacks)

    assert not sent.deliveries.filter(sent_at__isnull=False).exists()
    assert all(d.error for d in sent.deliveries.all())
    sent.refresh_from_db()
    assert sent.completed_at is None
    assert [level for level, _text in kallelse.dispatch_report(dispatch=sent)][0] == messages.ERROR

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_pending_kallelse.apply().get() == [sent.pk]
    assert len(mail.outbox) == 5
    sent.refresh_from_db()
    assert sent.completed_at is not None
    assert not sent.deliveries.exclude(error="").exists()


def test_the_first_kallelse_needs_a_drafted_agenda_and_is_refused_otherwise(
    committee, secretary, django_capture_on_commit_callbacks
):
    planned = MeetingFactory(committee=committee, status=Meeting.Status.PLANNED)
    AgendaItemFactory(meeting=planned)
    with pytest.raises(TransitionError) as refused:
        send(planned, secretary, django_capture_on_commit_callbacks)
    assert refused.value.code == "wrong_status"

    empty = MeetingFactory(committee=committee, status=Meeting.Status.AGENDA_DRAFTED)
    with pytest.raises(TransitionError) as refused:
        send(empty, secretary, django_capture_on_commit_callbacks)
    assert refused.value.code == "empty_agenda"

    empty.refresh_from_db()
    assert empty.status == Meeting.Status.AGENDA_DRAFTED
    assert not KallelseDispatch.objects.exists() and not KallelseDelivery.objects.exists()
    assert mail.outbox == []


def test_a_kallelse_cannot_be_sent_twice_and_revisions_need_a_first_kallelse(
    meeting, secretary, django_capture_on_commit_callbacks
):
    for kind in (Kind.REVISED, Kind.SUPPLEMENT):
        with pytest.raises(TransitionError) as refused:
            send(meeting, secretary, django_capture_on_commit_callbacks, kind=kind)
        assert refused.value.code == "wrong_status"
    send(meeting, secretary, django_capture_on_commit_callbacks)
    with pytest.raises(TransitionError) as refused:
        send(meeting, secretary, django_capture_on_commit_callbacks)
    assert refused.value.code == "wrong_status"
    assert KallelseDispatch.objects.count() == 1


def test_a_reviderad_kallelse_goes_to_everyone_and_updates_the_calendar_event(
    meeting, committee, secretary, django_capture_on_commit_callbacks
):
    send(meeting, secretary, django_capture_on_commit_callbacks)
    first_uid = str(event_of(invitation(mail.outbox[0]))["UID"])
    mail.outbox.clear()
    AgendaItemFactory(meeting=meeting, order=3, title="Övriga frågor")

    revised = send(meeting, secretary, django_capture_on_commit_callbacks, kind=Kind.REVISED)

    assert revised.kind == Kind.REVISED and revised.deliveries.count() == 5
    assert len(mail.outbox) == 5
    message = mail.outbox[0]
    assert message.subject.startswith(f"Reviderad kallelse: {committee.name}")
    assert "1 Fastställande av dagordning" in message.body and "3 Övriga frågor" in message.body
    event = event_of(invitation(message))
    assert str(event["UID"]) == first_uid
    assert int(event["SEQUENCE"]) == 1


def test_a_tillaggskallelse_lists_only_the_items_added_since_the_previous_kallelse(
    meeting, committee, secretary, django_capture_on_commit_callbacks
):
    send(meeting, secretary, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with pytest.raises(TransitionError) as refused:
        send(meeting, secretary, django_capture_on_commit_callbacks, kind=Kind.SUPPLEMENT)
    assert refused.value.code == "nothing_added"

    added = AgendaItemFactory(meeting=meeting, order=3, title="Evenemangsbidrag - Handbolls VM")
    supplement = send(meeting, secretary, django_capture_on_commit_callbacks, kind=Kind.SUPPLEMENT)

    assert supplement.added_item_ids == {added.pk}
    assert len(mail.outbox) == 5
    message = mail.outbox[0]
    assert message.subject.startswith(f"Tilläggskallelse: {committee.name}")
    assert "3 Evenemangsbidrag - Handbolls VM" in message.body
    assert "Fastställande av dagordning" not in message.body
    assert "Remiss - Audiovisuell strategi" not in message.body
    assert int(event_of(invitation(message))["SEQUENCE"]) == 1

    # And the next tilläggskallelse starts from this one.
    mail.outbox.clear()
    later = AgendaItemFactory(meeting=meeting, order=4, title="Valärende - Kulturutskottet")
    send(meeting, secretary, django_capture_on_commit_callbacks, kind=Kind.SUPPLEMENT)
    assert "4 Valärende - Kulturutskottet" in mail.outbox[0].body
    assert "Handbolls VM" not in mail.outbox[0].body
    assert later.pk


@pytest.fixture
def broker_down():
    """Point Celery at a broker address where nothing listens, and turn off eager tasks."""
    conf = celery_app.conf
    saved = (
        conf.broker_url,
        conf.task_always_eager,
        conf.broker_connection_retry,
        conf.broker_connection_timeout,
    )
    saved_policy = conf.task_publish_retry_policy
    conf.broker_url = "redis://127.0.0.1:1/0"
    conf.task_always_eager = False
    conf.broker_connection_timeout = 1
    conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        (
            conf.broker_url,
            conf.task_always_eager,
            conf.broker_connection_retry,
            conf.broker_connection_timeout,
        ) = saved
        conf.task_publish_retry_policy = saved_policy
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def test_with_the_broker_down_the_kallelse_is_kept_and_sent_when_the_task_runs(
    meeting, secretary, django_capture_on_commit_callbacks, broker_down
):
    sent = send(meeting, secretary, django_capture_on_commit_callbacks)

    assert sent.queue_failed is True
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SUMMONED
    assert sent.deliveries.count() == 5 and not sent.deliveries.filter(sent_at__isnull=False).exists()
    assert mail.outbox == []
    level, text = kallelse.dispatch_report(dispatch=sent)[0]
    assert level == messages.WARNING and "5" in text

    # The broker is back: the periodic sweep sends what was left.
    assert send_pending_kallelse.apply().get() == [sent.pk]
    assert len(mail.outbox) == 5


def test_the_admin_actions_send_and_publish_with_clear_messages(
    meeting, committee, secretary, client, django_capture_on_commit_callbacks
):
    client.force_login(secretary)
    changelist = reverse("admin:meetings_meeting_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            changelist, {"action": "send_kallelse", "_selected_action": [meeting.pk]}, follow=True
        )
    shown = [(m.level, str(m)) for m in response.context["messages"]]
    assert [level for level, _text in shown] == [messages.SUCCESS, messages.WARNING]
    assert shown[0][1].startswith(f"{meeting}: ") and "5" in shown[0][1]
    assert committee.people["no_email"].full_name in shown[1][1]
    assert len(mail.outbox) == 5

    response = client.post(
        changelist, {"action": "send_kallelse", "_selected_action": [meeting.pk]}, follow=True
    )
    assert [m.level for m in response.context["messages"]] == [messages.ERROR]
    assert len(mail.outbox) == 5

    response = client.post(
        changelist, {"action": "publish_agenda", "_selected_action": [meeting.pk]}, follow=True
    )
    assert [m.level for m in response.context["messages"]] == [messages.SUCCESS]
    meeting.refresh_from_db()
    assert meeting.agenda_published

    dispatch_page = client.get(
        reverse("admin:meetings_kallelsedispatch_change", args=[meeting.dispatches.get().pk])
    )
    assert dispatch_page.status_code == 200
    assert "monica@example.org" in dispatch_page.content.decode()


def test_publishing_the_agenda_needs_an_agenda(committee, secretary):
    planned = MeetingFactory(committee=committee, status=Meeting.Status.PLANNED)
    with pytest.raises(TransitionError) as refused:
        kallelse.meeting_publish_agenda(meeting=planned, by=secretary)
    assert refused.value.code == "wrong_status"
    planned.refresh_from_db()
    assert not planned.agenda_published


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_real_worker_sends_the_kallelse_once_even_when_the_task_runs_again(
    meeting, secretary, run_in_worker
):
    # run_in_worker turns eager tasks off: the dispatch is queued through Redis on commit.
    sent = kallelse.meeting_send_kallelse(meeting=meeting, sent_by=secretary)
    assert sent.queue_failed is False

    # The same task again, in the worker (as a redelivery would run it): nothing is left to send.
    again = run_in_worker(send_kallelse_dispatch, sent.pk, timeout=60)
    sent.refresh_from_db()
    assert again == {"sent": 0, "failed": 0}
    assert sent.completed_at is not None
    assert sent.deliveries.filter(sent_at__isnull=False).count() == 5
    assert mail.outbox == [], "the e-mails left from the worker process, not from here"
