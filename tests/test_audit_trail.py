"""The audit trail: every change to meetings, paragraphs, attendance, votes, signatures, anslag
and the registers is recorded with who, when, and the values before and after; a secretary
reads it on the "History" page of the row in the admin, scoped like the admin itself."""

import pytest
from django.test import Client
from django.urls import reverse

from attendance.models import Attendance
from audit.models import RECORDED
from meetings.models import Justering, Paragraph
from meetings.services.paragraphs import paragraph_delete
from tests.factories import (
    CommitteeFactory,
    UserFactory,
    admin_form_data,
    draft_paragraph,
    secretary_of,
)
from tests.test_attendance_services import Board, held

pytestmark = pytest.mark.django_db


@pytest.fixture
def paragraph():
    return draft_paragraph()


form_data = admin_form_data


def edit_in_admin(client, paragraph, **changes):
    url = reverse("admin:meetings_paragraph_change", args=[paragraph.pk])
    response = client.post(url, form_data(client.get(url), **changes))
    assert response.status_code == 302
    return response


def test_every_recorded_model_keeps_a_history():
    for model in RECORDED:
        assert model.history.model._meta.app_label == "audit"
    assert "snapshot" not in {f.name for f in Justering.history.model._meta.fields}


def test_editing_a_paragraph_in_the_admin_records_the_user_and_the_values_before_and_after(paragraph):
    anna, bertil = Client(), Client()
    anna_user = secretary_of(paragraph.meeting.committee, username="anna")
    bertil_user = secretary_of(paragraph.meeting.committee, username="bertil")
    anna.force_login(anna_user)
    bertil.force_login(bertil_user)

    edit_in_admin(anna, paragraph, decision="<p>Annas beslut.</p>")
    edit_in_admin(bertil, paragraph, decision="<p>Bertils beslut.</p>", send_to="Ekonomistaben")

    latest, previous = paragraph.history.order_by("-history_id")[:2]
    assert (latest.history_user, previous.history_user) == (bertil_user, anna_user)
    assert latest.history_type == "~" and latest.history_date >= previous.history_date
    changes = {change.field: (change.old, change.new) for change in latest.diff_against(previous).changes}
    assert changes["decision"] == ("<p>Annas beslut.</p>", "<p>Bertils beslut.</p>")
    assert changes["send_to"] == ("", "Ekonomistaben")
    assert "title" not in changes


def test_the_secretary_reads_the_history_page_and_another_committees_secretary_cannot(paragraph):
    secretary = Client()
    secretary.force_login(secretary_of(paragraph.meeting.committee, username="anna"))
    edit_in_admin(secretary, paragraph, decision="<p>Annas beslut.</p>")
    edit_in_admin(secretary, paragraph, decision="<p>Nytt beslut.</p>")
    history_url = reverse("admin:meetings_paragraph_history", args=[paragraph.pk])
    change_page = secretary.get(reverse("admin:meetings_paragraph_change", args=[paragraph.pk]))
    assert history_url in change_page.content.decode()

    response = secretary.get(history_url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="change-history"' in page
    assert "Annas beslut." in page and "Nytt beslut." in page and "anna" in page
    version = paragraph.history.earliest("history_id")
    version_url = reverse("admin:meetings_paragraph_simple_history", args=[paragraph.pk, version.pk])
    assert secretary.get(version_url).status_code == 200

    other = Client()
    other.force_login(secretary_of(CommitteeFactory(), username="other"))
    assert other.get(history_url).status_code == 404
    assert other.get(version_url).status_code == 404


def test_the_history_is_read_only_no_version_can_be_restored(paragraph):
    secretary = Client()
    secretary.force_login(secretary_of(paragraph.meeting.committee))
    edit_in_admin(secretary, paragraph, decision="<p>Första.</p>")
    first = paragraph.history.latest("history_id")
    edit_in_admin(secretary, paragraph, decision="<p>Andra.</p>")
    version_url = reverse("admin:meetings_paragraph_simple_history", args=[paragraph.pk, first.pk])
    page = secretary.get(version_url).content.decode()
    assert 'name="_save"' not in page
    response = secretary.post(version_url, {"title": paragraph.title, "decision": "<p>Första.</p>"})
    assert response.status_code == 403
    paragraph.refresh_from_db()
    assert paragraph.decision == "<p>Andra.</p>"


def test_a_change_through_the_secretarys_pages_is_recorded_with_the_user(client):
    board = Board()
    held(board, "Budget")
    user = secretary_of(board.committee)
    client.force_login(user)
    pk = board.anna.pk
    url = reverse("attendance:sheet", args=[board.meeting.pk])
    client.post(url, {"person": pk, f"p{pk}-status": "present", f"p{pk}-arrived_at": "13:05"})
    attendance = Attendance.objects.get(meeting=board.meeting, person=board.anna)
    record = attendance.history.latest("history_id")
    assert record.history_user == user and record.history_type == "+"
    assert f"{record.arrived_at:%H:%M}" == "13:05"


def test_a_deleted_paragraph_keeps_its_history_for_the_superuser_only(paragraph):
    secretary = Client()
    secretary.force_login(secretary_of(paragraph.meeting.committee))
    edit_in_admin(secretary, paragraph, decision="<p>Beslut.</p>")
    pk = paragraph.pk
    paragraph_delete(paragraph=paragraph)
    assert not Paragraph.objects.filter(pk=pk).exists()
    assert Paragraph.history.filter(id=pk).latest("history_id").history_type == "-"

    history_url = reverse("admin:meetings_paragraph_history", args=[pk])
    assert secretary.get(history_url).status_code == 404
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert admin.get(history_url).status_code == 200
