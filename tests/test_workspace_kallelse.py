"""The kallelse tab of the workspace: what the kallelse holds, its recipients, the PDF through
the guard, sending it (and a reviderad kallelse, a tilläggskallelse) with the report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from committees.models import Assignment
from meetings.models import KallelseDispatch, Meeting
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
Status = Meeting.Status
Kind = KallelseDispatch.Kind


@pytest.fixture
def committee():
    committee = CommitteeFactory(name="Kulturnämnden", slug="kn-ws")
    for role, name, address in (
        (Assignment.Role.CHAIR, "Per", "per@example.org"),
        (Assignment.Role.MEMBER, "Monica", "monica@example.org"),
        (Assignment.Role.MEMBER, "Utan", ""),
    ):
        person = PersonFactory(first_name=name, last_name="Testsson", email=address)
        AssignmentFactory(person=person, committee=committee, role=role, receives_kallelse=True)
    return committee


@pytest.fixture
def client_in(client, committee):
    client.force_login(secretary_of(committee))
    return client


@pytest.fixture
def meeting(committee):
    start = (timezone.now() + timedelta(days=21)).replace(hour=8, minute=0, second=0, microsecond=0)
    meeting = MeetingFactory(
        committee=committee, start=start, location="Stadshuset", status=Status.AGENDA_DRAFTED
    )
    AgendaItemFactory(meeting=meeting, order=1, title="Fastställande av dagordning")
    AgendaItemFactory(
        meeting=meeting,
        order=2,
        section="Beslutsärenden",
        title="Kulturstrategi 2027",
        case=CaseFactory(year=2026, serial=41),
    )
    return meeting


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_tab_shows_the_agenda_the_recipients_and_the_send_button(client_in, meeting):
    response = client_in.get(reverse("workspace:kallelse", args=[meeting.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kulturstrategi 2027" in html and "Beslutsärenden" in html
    assert "Utan Testsson" in html  # no e-mail address: to be reached another way
    assert "monica@example.org" in html
    assert 'name="kind" value="kallelse"' in html
    assert reverse("workspace:kallelse_pdf", args=[meeting.pk]) in html
    # The tab is among the meeting's tabs.
    overview = client_in.get(reverse("workspace:meeting", args=[meeting.pk])).content.decode()
    assert reverse("workspace:kallelse", args=[meeting.pk]) in overview


def test_the_pdf_goes_through_the_guard_and_the_download_policy(client_in, client, meeting):
    url = reverse("workspace:kallelse_pdf", args=[meeting.pk])
    response = client_in.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client_in.get(url + "?version=public").status_code == 200


def test_sending_the_kallelse_mails_the_recipients_and_reports(
    client_in, meeting, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_in.post(
            reverse("workspace:kallelse_send", args=[meeting.pk]), {"kind": Kind.KALLELSE}
        )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Status.SUMMONED
    addresses = sorted(m.to[0] for m in mailoutbox)
    assert "per@example.org" in addresses and "monica@example.org" in addresses
    assert len(texts(response)) == 2  # the sending, and the one without an e-mail address
    page = client_in.get(reverse("workspace:kallelse", args=[meeting.pk])).content.decode()
    assert "monica@example.org" in page and 'class="ws-deliveries"' in page
    # Now summoned: a reviderad kallelse may go out; a tilläggskallelse has nothing to add.
    assert 'value="reviderad"' in page and 'value="tillagg"' in page


def test_a_tillaggskallelse_with_nothing_added_is_refused_with_a_message(
    client_in, meeting, mailoutbox, django_capture_on_commit_callbacks
):
    url = reverse("workspace:kallelse_send", args=[meeting.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client_in.post(url, {"kind": Kind.KALLELSE})
    sent = len(mailoutbox)
    response = client_in.post(url, {"kind": Kind.SUPPLEMENT})
    assert texts(response) and len(mailoutbox) == sent
    assert meeting.dispatches.count() == 1
    AgendaItemFactory(meeting=meeting, order=3, title="Extra ärende")
    with django_capture_on_commit_callbacks(execute=True):
        client_in.post(url, {"kind": Kind.SUPPLEMENT})
    assert meeting.dispatches.filter(kind=Kind.SUPPLEMENT).count() == 1
    assert len(mailoutbox) > sent
    with django_capture_on_commit_callbacks(execute=True):
        client_in.post(url, {"kind": Kind.REVISED})
    assert meeting.dispatches.filter(kind=Kind.REVISED).count() == 1


def test_sending_in_the_wrong_state_is_a_message_and_sends_nothing(client_in, meeting, mailoutbox):
    Meeting.objects.filter(pk=meeting.pk).update(status=Status.PLANNED)
    response = client_in.post(reverse("workspace:kallelse_send", args=[meeting.pk]), {"kind": Kind.KALLELSE})
    assert response.status_code == 302 and texts(response)
    assert not mailoutbox and not meeting.dispatches.exists()
    response = client_in.post(reverse("workspace:kallelse_send", args=[meeting.pk]), {"kind": "bogus"})
    assert texts(response)
