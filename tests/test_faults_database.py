"""The database drops its connections: PostgreSQL restarted between requests, and a
connection that dies in the middle of a form post. The user gets the error page (or, for the
next request, a fresh connection), never half-saved data."""

import os
import subprocess
from datetime import timedelta

import psycopg
import pytest
from django.core import mail
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone

from committees.models import Assignment
from meetings.models import KallelseDelivery, KallelseDispatch, Meeting
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    CommitteeFactory,
    MeetingFactory,
    secretary_of,
)

pytestmark = [
    pytest.mark.serial,  # a restart ends every test process's connections: run alone (conftest)
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="restarts PostgreSQL"),
]


def restart_postgresql() -> None:
    """Restart the server with pg_ctl when scripts/test-services.sh says where it is; otherwise
    end every session of the test database from another connection (Django's among them)."""
    pgdata = os.environ.get("PARAGRAF_TEST_PGDATA")
    if pgdata:
        bindir = os.environ["PARAGRAF_TEST_PG_BINDIR"]
        command = [f"{bindir}/pg_ctl", "-D", pgdata, "-l", f"{pgdata}/server.log", "-m", "fast", "-w"]
        command += ["-t", "60", "restart"]
        if os.environ.get("PARAGRAF_TEST_PG_USER"):  # the cluster's owner when the tests run as root
            command = ["runuser", "-u", os.environ["PARAGRAF_TEST_PG_USER"], "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=90)  # noqa: S603
        return
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def end_of_request() -> None:
    """What Django does at the end and start of every request (the test client leaves it out):
    an unusable connection is closed; the next query opens a new one (CONN_HEALTH_CHECKS)."""
    close_old_connections()


@pytest.fixture
def meeting():
    committee = CommitteeFactory()
    for number in range(3):
        AssignmentFactory(
            person__email=f"ledamot{number}@example.org", committee=committee, role=Assignment.Role.MEMBER
        )
    start = (timezone.now() + timedelta(days=21)).replace(hour=9, minute=0, second=0, microsecond=0)
    meeting = MeetingFactory(committee=committee, start=start, status=Meeting.Status.AGENDA_DRAFTED)
    AgendaItemFactory(meeting=meeting, title="Fastställande av dagordning")
    return meeting


@pytest.fixture
def secretary_client(client, meeting):
    client.force_login(secretary_of(meeting.committee))
    client.raise_request_exception = False  # show what the user sees: the 500 page
    yield client
    connection.close()  # the next test (and the flush) starts on a sound connection


def test_after_a_postgresql_restart_a_request_gets_the_error_page_and_the_next_one_reconnects(
    secretary_client, meeting
):
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    assert secretary_client.get(url).status_code == 200

    restart_postgresql()

    # A request whose connection died under it: the plain error page (no database needed).
    response = secretary_client.get(url)
    assert response.status_code == 500
    assert 'id="server-error"' in response.content.decode()
    assert "Traceback" not in response.content.decode()

    # The next request gets a new connection and everything is there.
    end_of_request()
    response = secretary_client.get(url)
    assert response.status_code == 200
    assert meeting.committee.name in response.content.decode()


DROP_CONNECTION_ON_INSERT = """
CREATE FUNCTION paragraf_test_drop_connection() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_terminate_backend(pg_backend_pid());
    RETURN NULL;
END $$;
CREATE TRIGGER paragraf_test_drop_connection BEFORE INSERT ON meetings_kallelsedelivery
    FOR EACH STATEMENT EXECUTE FUNCTION paragraf_test_drop_connection();
"""


@pytest.fixture
def connection_drops_when_deliveries_are_written():
    """The database connection ends (as in a restart) when the kallelse's deliveries are
    inserted: after the meeting was marked summoned and the dispatch written, in the same
    transaction."""
    with connection.cursor() as cursor:
        cursor.execute(DROP_CONNECTION_ON_INSERT)
    yield
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS paragraf_test_drop_connection ON meetings_kallelsedelivery")
        cursor.execute("DROP FUNCTION IF EXISTS paragraf_test_drop_connection()")


def test_a_form_post_whose_connection_drops_midway_leaves_no_partial_rows(
    secretary_client, meeting, connection_drops_when_deliveries_are_written
):
    changelist = reverse("admin:meetings_meeting_changelist")

    response = secretary_client.post(
        changelist, {"action": "send_kallelse", "_selected_action": [meeting.pk]}
    )

    assert response.status_code == 500
    assert 'id="server-error"' in response.content.decode()
    end_of_request()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.AGENDA_DRAFTED, "the status change was rolled back"
    assert not KallelseDispatch.objects.exists()
    assert not KallelseDelivery.objects.exists()
    assert mail.outbox == []
