"""Once the protokoll goes to justering, its paragraphs, attendance, jäv, votes and reservations
cannot change through the ORM, the admin or a form post."""

import pytest
from django.urls import reverse

from attendance.models import Attendance, Ballot, Disqualification, Reservation, Vote
from meetings.justering.services import protokoll_freeze, protokoll_set_signers
from meetings.models import Meeting, ProtokollLockedError
from meetings.services.paragraphs import protokoll_create_draft
from tests.factories import AgendaItemFactory, MeetingFactory, PersonFactory, secretary_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    meeting = MeetingFactory(status=Meeting.Status.HELD)
    AgendaItemFactory(meeting=meeting, title="Budget")
    protokoll_create_draft(meeting=meeting)
    paragraph = meeting.paragraphs.get()
    member = PersonFactory()
    attendance = Attendance.objects.create(meeting=meeting, person=member, serving=True)
    vote = Vote.objects.create(paragraph=paragraph, proposition_yes="Bifall", proposition_no="Avslag")
    ballot = Ballot.objects.create(vote=vote, person=member, choice="ja")
    reservation = Reservation.objects.create(paragraph=paragraph, person=member)
    jav = Disqualification.objects.create(paragraph=paragraph, person=PersonFactory())
    protokoll_set_signers(meeting=meeting, chair=PersonFactory(), adjusters=[PersonFactory()])
    protokoll_freeze(meeting=meeting)
    return meeting, paragraph, attendance, vote, ballot, reservation, jav


def test_orm_save_and_delete_of_frozen_rows_are_refused(frozen):
    meeting, paragraph, *rows = frozen
    paragraph.decision = "<p>Ändrat i efterhand</p>"
    with pytest.raises(ProtokollLockedError):
        paragraph.save()
    with pytest.raises(ProtokollLockedError):
        paragraph.delete()
    for row in rows:
        with pytest.raises(ProtokollLockedError):
            row.save()
        with pytest.raises(ProtokollLockedError):
            row.delete()
    with pytest.raises(ProtokollLockedError):
        Attendance.objects.create(meeting=meeting, person=PersonFactory())
    paragraph.refresh_from_db()
    assert "Ändrat" not in paragraph.decision


def test_admin_shows_frozen_paragraph_read_only_and_ignores_a_forged_post(client, frozen):
    meeting, paragraph, *_rows = frozen
    client.force_login(secretary_of(meeting.committee))
    url = reverse("admin:meetings_paragraph_change", args=[paragraph.pk])
    page = client.get(url).content.decode()
    assert 'name="decision"' not in page
    response = client.post(url, {"title": "Förfalskat", "decision": "<p>Förfalskat</p>"})
    assert response.status_code == 403
    paragraph.refresh_from_db()
    assert paragraph.title == "Budget"


def test_draft_rows_can_still_change():
    meeting = MeetingFactory(status=Meeting.Status.HELD)
    AgendaItemFactory(meeting=meeting)
    protokoll_create_draft(meeting=meeting)
    paragraph = meeting.paragraphs.get()
    paragraph.decision = "<p>Nämnden beslutar enligt förslaget.</p>"
    paragraph.save()
    paragraph.refresh_from_db()
    assert "enligt förslaget" in paragraph.decision
