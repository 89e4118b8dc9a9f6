"""The task queue (Redis: broker and result store) is down while the secretary clicks
"Skicka kallelse": the click answers at once with a clear message, the kallelse is kept with
every e-mail pending, and the periodic sweep sends each one exactly once when Redis is back."""

import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.contrib import messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from committees.models import Assignment
from config.celery import app as celery_app
from meetings.models import KallelseDispatch, Meeting
from meetings.tasks import send_pending_kallelse
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    CommitteeFactory,
    MeetingFactory,
    secretary_of,
)

# Committed transactions, so the kallelse's on-commit enqueue runs inside the request.
pytestmark = pytest.mark.django_db(transaction=True)

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens there: connection refused


def _reset_connections():
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app._backend_cache = None
    celery_app._local.backend = None


@contextmanager
def redis_down():
    """Point the web side's broker and result store at a closed port, with the retry settings
    of config/settings.py (not relaxed here: they are what is being tested), tasks not eager."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.result_backend, conf.task_always_eager
    conf.broker_url, conf.result_backend, conf.task_always_eager = CLOSED_PORT, CLOSED_PORT, False
    _reset_connections()
    try:
        yield
    finally:
        conf.broker_url, conf.result_backend, conf.task_always_eager = saved
        _reset_connections()


@pytest.fixture
def meeting():
    """A meeting three weeks ahead with a drafted agenda and four people summoned by e-mail."""
    committee = CommitteeFactory()
    for number in range(4):
        AssignmentFactory(
            person__email=f"ledamot{number}@example.org", committee=committee, role=Assignment.Role.MEMBER
        )
    start = (timezone.now() + timedelta(days=21)).replace(hour=9, minute=0, second=0, microsecond=0)
    meeting = MeetingFactory(committee=committee, start=start, status=Meeting.Status.AGENDA_DRAFTED)
    AgendaItemFactory(meeting=meeting, title="Fastställande av dagordning")
    return meeting


def test_with_redis_down_skicka_kallelse_answers_at_once_and_the_sweep_sends_each_email_once(client, meeting):
    secretary = secretary_of(meeting.committee)
    client.force_login(secretary)
    changelist = reverse("admin:meetings_meeting_changelist")

    with redis_down():
        started = time.monotonic()
        response = client.post(
            changelist, {"action": "send_kallelse", "_selected_action": [meeting.pk]}, follow=True
        )
        elapsed = time.monotonic() - started

    # A clear answer, not an error page, and not after minutes of retries (Celery's defaults
    # took 19 s against a closed port; the settings make it about half a second).
    assert response.status_code == 200
    assert elapsed < 10
    shown = [(m.level, str(m)) for m in response.context["messages"]]
    assert [level for level, _text in shown] == [messages.WARNING]
    # The kallelse is kept, complete: the meeting summoned, one pending delivery per person.
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SUMMONED
    sent = KallelseDispatch.objects.get(meeting=meeting)
    recipients = {d.email for d in sent.deliveries.all()}
    assert {f"ledamot{n}@example.org" for n in range(4)} <= recipients
    assert str(len(recipients)) in shown[0][1]
    assert not sent.deliveries.filter(sent_at__isnull=False).exists()
    assert sent.completed_at is None
    assert mail.outbox == []

    # Redis is back: the periodic sweep (celery beat) sends what was left, once.
    assert send_pending_kallelse.apply().get() == [sent.pk]
    assert send_pending_kallelse.apply().get() == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted(recipients)
    sent.refresh_from_db()
    assert sent.completed_at is not None


def test_with_redis_down_a_second_click_is_refused_and_sends_nothing(client, meeting):
    secretary = secretary_of(meeting.committee)
    client.force_login(secretary)
    changelist = reverse("admin:meetings_meeting_changelist")

    with redis_down():
        client.post(changelist, {"action": "send_kallelse", "_selected_action": [meeting.pk]}, follow=True)
        response = client.post(
            changelist, {"action": "send_kallelse", "_selected_action": [meeting.pk]}, follow=True
        )

    assert [m.level for m in response.context["messages"]] == [messages.ERROR]
    assert KallelseDispatch.objects.filter(meeting=meeting).count() == 1
    assert mail.outbox == []
