"""A Celery worker killed (SIGKILL) in the middle of a task: the task runs again in the next
worker (acks_late, visibility timeout) and nothing is done twice.

How the kill is placed exactly, without patching the code under test: the test holds a row
lock the task needs half-way (the meeting row the kallelse is stored under; one kallelse
delivery), waits until PostgreSQL shows the worker waiting for that lock, and kills it
there. Everything the task did before is committed, nothing after it has happened.

These workers use a Redis database of their own, so the session's worker (conftest) never
takes their tasks, and a visibility timeout of two seconds, so the killed worker's task is
handed out again at once (production: an hour, settings.CELERY_BROKER_TRANSPORT_OPTIONS).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from committees.models import Assignment
from config.celery import app as celery_app
from meetings.kallelse import dispatch as kallelse_dispatch
from meetings.models import KallelseDelivery, KallelseDispatch, Meeting, RenderedDocument
from meetings.tasks import render_kallelse
from tests.conftest import PROJECT_DIR, WorkerProcess, _database_url_for
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    CommitteeFactory,
    MeetingFactory,
    PersonFactory,
)

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") or connection.vendor != "postgresql",
        reason="needs Redis and PostgreSQL (scripts/test-services.sh)",
    ),
]

BROKER_DB = 7  # a Redis database no other worker of the test run listens to
WAIT = 40  # seconds; each step takes one or two


def _broker_url() -> str:
    parts = urlsplit(os.environ["REDIS_URL"])
    return urlunsplit(parts._replace(path=f"/{BROKER_DB}"))


class Workers:
    """Start `celery worker` processes on the private broker; kill them with SIGKILL."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir()
        self.started: list[WorkerProcess] = []

    def start(self, *, ping: bool = True) -> WorkerProcess:
        """Start a worker; wait until it answers a ping, or (`ping=False`, for a worker that is
        to block in its first task at once) until it logs that it is ready."""
        number = len(self.started) + 1
        hostname = f"paragraf-faults-{os.getpid()}-{number}@{socket.gethostname()}"
        log_path = self.tmp_path / f"worker{number}.log"
        env = {
            **os.environ,
            "DATABASE_URL": _database_url_for(connection.settings_dict["NAME"]),
            "CELERY_BROKER_URL": _broker_url(),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_BROKER_TRANSPORT_OPTIONS": json.dumps(
                {"visibility_timeout": 2, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}
            ),
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--pool=solo", "--concurrency=1", "--loglevel=info", "--without-heartbeat",
            "--without-gossip", "--without-mingle", f"--hostname={hostname}",
        ]  # fmt: skip
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        worker = WorkerProcess(process, hostname, log_path)
        self.started.append(worker)
        deadline = time.monotonic() + WAIT
        while not self._ready(worker, ping):
            assert process.poll() is None, f"worker exited:\n{worker.log_tail()}"
            assert time.monotonic() < deadline, f"worker did not start:\n{worker.log_tail()}"
        return worker

    def _ready(self, worker: WorkerProcess, ping: bool) -> bool:
        if ping:
            return any(
                worker.hostname in reply for reply in celery_app.control.ping([worker.hostname], timeout=1)
            )
        time.sleep(0.1)
        return f"{worker.hostname} ready." in worker.log_path.read_text(errors="replace")

    def kill(self, worker: WorkerProcess) -> None:
        worker.process.send_signal(signal.SIGKILL)
        worker.process.wait(timeout=10)

    def stop_all(self) -> None:
        for worker in self.started:
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
                try:
                    worker.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.process.kill()
                    worker.process.wait()

    def emails_to(self, address: str) -> int:
        """How many e-mails the file backend wrote to `address` (one file per e-mail)."""
        return sum(
            path.read_text(errors="replace").count(f"\nTo: {address}\n") for path in self.mail_dir.iterdir()
        )


@pytest.fixture
def workers(tmp_path):
    """Workers on a private Redis database; the web side publishes there too, not eagerly."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = _broker_url(), False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    broker = redis.Redis.from_url(_broker_url())
    broker.flushdb()
    manager = Workers(tmp_path)
    try:
        yield manager
    finally:
        manager.stop_all()
        conf.broker_url, conf.task_always_eager = saved
        broker.flushdb()  # tasks of the arrangement (search index) left unacknowledged
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def wait_for_lock_waiter(table: str, worker: WorkerProcess) -> int:
    """The PostgreSQL backend (pid) of another connection waiting for a row lock on `table`."""
    deadline = time.monotonic() + WAIT
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction PostgreSQL keeps showing the first snapshot of the statistics.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                "AND wait_event_type = 'Lock' AND query ILIKE %s",
                [f"%{table}%FOR UPDATE%"],
            )
            row = cursor.fetchone()
            if row:
                return row[0]
            time.sleep(0.05)
        cursor.execute("SELECT pid, state, wait_event_type, wait_event, query FROM pg_stat_activity")
        activity = cursor.fetchall()
    worker.process.send_signal(signal.SIGUSR1)
    time.sleep(2)
    raise AssertionError(f"no worker waited for a lock on {table}:\n{activity}\n{worker.log_tail(150)}")


def end_backend(pid: int) -> None:
    """End the killed worker's database session (the server would notice the dead client on its own)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def wait_until(condition, what: str, worker: WorkerProcess) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}:\n{worker.log_tail()}"
        time.sleep(0.2)


@pytest.fixture
def meeting():
    """A meeting three weeks ahead with a drafted agenda and six people summoned by e-mail."""
    committee = CommitteeFactory(name="Nämnd för trafik, infrastruktur och miljö", slug="tim")
    for number in range(6):
        AssignmentFactory(
            person=PersonFactory(email=f"ledamot{number}@example.org"),
            committee=committee,
            role=Assignment.Role.MEMBER,
        )
    start = (timezone.now() + timedelta(days=21)).replace(hour=9, minute=0, second=0, microsecond=0)
    meeting = MeetingFactory(committee=committee, start=start, status=Meeting.Status.AGENDA_DRAFTED)
    for order in range(1, 4):
        AgendaItemFactory(meeting=meeting, order=order, title=f"Ärende {order}")
    return meeting


def test_a_worker_killed_while_rendering_the_kallelse_leaves_one_document_after_restart(workers, meeting):
    first = workers.start()

    # The kallelse is rendered, then stored under the meeting's row lock: hold that lock, so
    # the worker is killed with the PDF rendered but not yet stored.
    with transaction.atomic():
        Meeting.objects.select_for_update().get(pk=meeting.pk)
        result = render_kallelse.apply_async((meeting.pk,))
        waiting = wait_for_lock_waiter("meetings_meeting", first)
        workers.kill(first)
        end_backend(waiting)
    assert RenderedDocument.objects.count() == 0
    log = first.log_path.read_text()
    task = f"Task meetings.tasks.render_kallelse[{result.id}]"
    assert f"{task} received" in log and f"{task} succeeded" not in log

    second = workers.start()
    document_id = result.get(timeout=WAIT)

    document = RenderedDocument.objects.get()
    assert document.pk == document_id
    assert document.meeting_id == meeting.pk and document.kind == RenderedDocument.Kind.KALLELSE
    files = list(Path(settings.MEDIA_ROOT).glob("rendered/*/kallelse-tim-*.pdf"))
    assert [f.name for f in files] == [Path(document.file.name).name]
    assert files[0].read_bytes().startswith(b"%PDF-")
    assert f"{task} succeeded" in second.log_path.read_text()


def test_a_worker_killed_while_sending_the_kallelse_emails_each_person_exactly_once(workers, meeting):
    # Sent (sent_by=None: by the system) with no worker running: the dispatch and its
    # deliveries are committed and the task waits in the queue.
    sent = kallelse_dispatch.meeting_send_kallelse(meeting=meeting, sent_by=None)
    assert sent.queue_failed is False
    deliveries = list(sent.deliveries.order_by("pk"))
    assert len(deliveries) == 6

    # Hold one delivery's lock: the worker sends the e-mails it reaches first, then waits.
    with transaction.atomic():
        KallelseDelivery.objects.select_for_update().get(pk=deliveries[3].pk)
        first = workers.start(ping=False)
        waiting = wait_for_lock_waiter("meetings_kallelsedelivery", first)
        workers.kill(first)
        end_backend(waiting)
        sent_rows = KallelseDelivery.objects.filter(dispatch=sent, sent_at__isnull=False)
        sent_before_kill = set(sent_rows.values_list("email", flat=True))
    assert deliveries[3].email not in sent_before_kill
    for delivery in deliveries:
        assert workers.emails_to(delivery.email) == (1 if delivery.email in sent_before_kill else 0)

    second = workers.start()
    wait_until(
        lambda: KallelseDispatch.objects.filter(pk=sent.pk, completed_at__isnull=False).exists(),
        "the redelivered task has sent the rest",
        second,
    )

    assert not KallelseDelivery.objects.filter(dispatch=sent, sent_at__isnull=True).exists()
    for delivery in deliveries:
        assert workers.emails_to(delivery.email) == 1, delivery.email
    assert len(list(workers.mail_dir.iterdir())) == 6
