"""The meeting's page in the workspace: the next step for each status as a button
(`meetings.services.steps.meeting_next_steps`), a meeting walked through its life by those
buttons, refusals shown as messages with nothing changed, and creating a meeting, also one
already held ("registrera i efterhand": straight to held, each step recorded)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from committees.models import Assignment
from meetings.models import Meeting, MeetingTransition
from meetings.services.steps import RUNNERS, meeting_next_steps
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    CommitteeFactory,
    MeetingFactory,
    PersonFactory,
    secretary_of,
)

pytestmark = pytest.mark.django_db
Status = Meeting.Status


@pytest.fixture
def committee():
    committee = CommitteeFactory(name="Kommunalt forum", slug="kf-ws")
    for role, name in ((Assignment.Role.CHAIR, "Ordf"), (Assignment.Role.MEMBER, "Ledamot")):
        person = PersonFactory(first_name=name, last_name="Testsson", email=f"{name.lower()}@example.org")
        AssignmentFactory(person=person, committee=committee, role=role, receives_kallelse=True)
    return committee


@pytest.fixture
def secretary(committee):
    return secretary_of(committee)


@pytest.fixture
def logged_in(client, secretary):
    client.force_login(secretary)
    return client


def soon():
    return (timezone.now() + timedelta(days=14)).replace(hour=9, minute=0, second=0, microsecond=0)


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


PRIMARY = {
    Status.PLANNED: "start_agenda",
    Status.AGENDA_DRAFTED: "send_kallelse",
    Status.SUMMONED: "hold",
    Status.HELD: "draft_protokoll",
    Status.PROTOKOLL_DRAFTED: "freeze",
    Status.READY_FOR_JUSTERING: None,
    Status.JUSTERAT: "post_anslag",
    Status.POSTED: None,
    Status.TAKEN_DOWN: "archive",
    Status.ARCHIVED: None,
    Status.CANCELLED: None,
}


@pytest.mark.parametrize("status", list(Status), ids=str)
def test_each_status_has_its_next_step(committee, status):
    meeting = MeetingFactory(committee=committee, status=status, start=timezone.now() - timedelta(hours=2))
    steps = meeting_next_steps(meeting)
    primary = [s.key for s in steps if s.primary]
    assert primary == ([PRIMARY[status]] if PRIMARY[status] else [])
    for step in steps:
        assert step.key in RUNNERS and step.label and step.service.startswith("meetings.")
        # A step that goes to another status is one the life of a meeting allows.
    if status in Status.UPCOMING:
        assert "cancel" in [s.key for s in steps]
    else:
        assert "cancel" not in [s.key for s in steps]


def test_a_step_not_possible_says_why(committee):
    meeting = MeetingFactory(committee=committee, status=Status.AGENDA_DRAFTED, start=soon())
    send = next(s for s in meeting_next_steps(meeting) if s.key == "send_kallelse")
    assert not send.possible and send.reason
    meeting.status = Status.SUMMONED
    hold = next(s for s in meeting_next_steps(meeting) if s.key == "hold")
    assert not hold.possible and hold.reason


def test_the_overview_shows_the_next_step_as_a_button_not_a_dropdown(logged_in, committee):
    meeting = MeetingFactory(committee=committee, status=Status.PLANNED, start=soon(), location="Sal A")
    response = logged_in.get(reverse("workspace:meeting", args=[meeting.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="step" value="start_agenda"' in html and 'name="step" value="cancel"' in html
    assert "<select" not in html
    assert "Sal A" in html


def post_step(client, meeting, key, **extra):
    return client.post(reverse("workspace:meeting_step", args=[meeting.pk]), {"step": key, **extra})


def test_walking_a_meeting_from_planned_to_drafted_by_the_buttons(
    logged_in, committee, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory(committee=committee, status=Status.PLANNED, start=soon())
    response = post_step(logged_in, meeting, "start_agenda")
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Status.AGENDA_DRAFTED
    AgendaItemFactory(meeting=meeting, title="Fastställande av dagordning")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_step(logged_in, meeting, "send_kallelse")
    meeting.refresh_from_db()
    assert meeting.status == Status.SUMMONED
    assert len(mailoutbox) == 3  # the ordförande, the ledamot and the secretary
    assert texts(response)  # the report of the sending
    # Held on the day: move the meeting to today.
    Meeting.objects.filter(pk=meeting.pk).update(start=timezone.now() - timedelta(hours=1))
    post_step(logged_in, meeting, "hold")
    meeting.refresh_from_db()
    assert meeting.status == Status.HELD
    response = post_step(logged_in, meeting, "draft_protokoll")
    meeting.refresh_from_db()
    assert meeting.status == Status.PROTOKOLL_DRAFTED
    assert meeting.paragraphs.count() == 1
    steps = list(meeting.transitions.order_by("pk").values_list("to_status", flat=True))
    assert steps == [Status.AGENDA_DRAFTED, Status.SUMMONED, Status.HELD, Status.PROTOKOLL_DRAFTED]
    assert meeting.transitions.filter(by__isnull=True).count() == 0
    # The overview now offers sending for justering, not possible before signers are chosen.
    html = logged_in.get(reverse("workspace:meeting", args=[meeting.pk])).content.decode()
    assert 'value="freeze"' in html and "disabled" in html and 'class="ws-why"' in html


def test_a_refused_step_is_a_message_and_changes_nothing(logged_in, committee):
    meeting = MeetingFactory(committee=committee, status=Status.AGENDA_DRAFTED, start=soon())
    response = post_step(logged_in, meeting, "send_kallelse")  # the agenda is empty
    assert response.status_code == 302
    assert texts(response)
    meeting.refresh_from_db()
    assert meeting.status == Status.AGENDA_DRAFTED
    # A step of another status (a stale page): refused, nothing changed.
    response = post_step(logged_in, meeting, "draft_protokoll")
    assert texts(response)
    meeting.refresh_from_db()
    assert meeting.status == Status.AGENDA_DRAFTED and not meeting.transitions.exists()
    response = post_step(logged_in, meeting, "no-such-step")
    assert texts(response)


def test_cancel_and_back_steps(logged_in, committee):
    meeting = MeetingFactory(committee=committee, status=Status.AGENDA_DRAFTED, start=soon())
    post_step(logged_in, meeting, "back_to_planned")
    meeting.refresh_from_db()
    assert meeting.status == Status.PLANNED
    post_step(logged_in, meeting, "cancel")
    meeting.refresh_from_db()
    assert meeting.status == Status.CANCELLED
    html = logged_in.get(reverse("workspace:meeting", args=[meeting.pk])).content.decode()
    assert 'name="step"' not in html


def test_reopening_a_frozen_protokoll_needs_a_reason(logged_in, committee):
    meeting = MeetingFactory(committee=committee, status=Status.READY_FOR_JUSTERING, start=soon())
    response = post_step(logged_in, meeting, "unfreeze", reason="  ")
    assert texts(response)
    meeting.refresh_from_db()
    assert meeting.status == Status.READY_FOR_JUSTERING


# --- Creating a meeting ----------------------------------------------------------------------------


def create_url(committee):
    return reverse("workspace:meeting_create", args=[committee.pk])


def test_the_start_page_links_each_committee_to_a_new_meeting(logged_in, committee):
    html = logged_in.get(reverse("workspace:home")).content.decode()
    assert create_url(committee) in html


def test_creating_a_planned_meeting(logged_in, committee, secretary):
    start = soon()
    response = logged_in.get(create_url(committee))
    assert response.status_code == 200
    response = logged_in.post(
        create_url(committee),
        {
            "date": start.date().isoformat(),
            "start_time": "09:00",
            "end_time": "12:00",
            "location": "Regionens hus",
            "secretary": secretary.person.pk,
        },
    )
    meeting = Meeting.objects.get(committee=committee)
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:meeting", args=[meeting.pk])
    assert meeting.status == Status.PLANNED and meeting.location == "Regionens hus"
    assert timezone.localtime(meeting.start).hour == 9 and timezone.localtime(meeting.end).hour == 12
    assert meeting.secretary == secretary.person


def test_a_start_in_the_past_without_registering_afterwards_is_refused(logged_in, committee):
    past = timezone.localdate() - timedelta(days=30)
    response = logged_in.post(
        create_url(committee), {"date": past.isoformat(), "start_time": "09:00", "location": "Sal"}
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not Meeting.objects.filter(committee=committee).exists()
    # What was typed is kept.
    assert 'value="Sal"' in response.content.decode()


def test_registering_afterwards_goes_straight_to_held_with_each_step_recorded(
    logged_in, committee, secretary
):
    past = timezone.localdate() - timedelta(days=30)
    response = logged_in.post(
        create_url(committee),
        {"date": past.isoformat(), "start_time": "13:00", "end_time": "15:00", "held_afterwards": "on"},
    )
    meeting = Meeting.objects.get(committee=committee)
    assert response.status_code == 302
    assert meeting.status == Status.HELD
    rows = list(MeetingTransition.objects.filter(meeting=meeting).order_by("pk"))
    assert [(r.from_status, r.to_status) for r in rows] == [
        (Status.PLANNED, Status.AGENDA_DRAFTED),
        (Status.AGENDA_DRAFTED, Status.SUMMONED),
        (Status.SUMMONED, Status.HELD),
    ]
    assert all(r.note and r.by == secretary for r in rows)
    # Its next step is drafting the protokoll.
    assert [s.key for s in meeting_next_steps(meeting) if s.primary] == ["draft_protokoll"]


def test_registering_afterwards_a_meeting_in_the_future_is_refused(logged_in, committee):
    response = logged_in.post(
        create_url(committee),
        {"date": soon().date().isoformat(), "start_time": "09:00", "held_afterwards": "on"},
    )
    assert response.status_code == 200
    assert not Meeting.objects.filter(committee=committee).exists()


def test_an_end_before_the_start_is_refused(logged_in, committee):
    response = logged_in.post(
        create_url(committee),
        {"date": soon().date().isoformat(), "start_time": "12:00", "end_time": "09:00"},
    )
    assert response.status_code == 200
    assert not Meeting.objects.filter(committee=committee).exists()
