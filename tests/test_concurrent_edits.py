"""Two secretaries editing the same § from the same version: the first save wins, the second is
shown a conflict with both texts and nothing is overwritten silently (optimistic locking)."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from meetings.models import Meeting, Paragraph, ProtokollLockedError
from meetings.services.paragraphs import ParagraphConflict, paragraph_update
from tests.factories import admin_form_data, draft_paragraph, secretary_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def paragraph():
    return draft_paragraph()


form_data = admin_form_data


def test_the_second_of_two_secretaries_gets_a_conflict_with_both_texts_and_overwrites_nothing(paragraph):
    anna, bertil = Client(), Client()
    anna.force_login(secretary_of(paragraph.meeting.committee, username="anna"))
    bertil.force_login(secretary_of(paragraph.meeting.committee, username="bertil"))
    url = reverse("admin:meetings_paragraph_change", args=[paragraph.pk])

    annas_form, bertils_form = anna.get(url), bertil.get(url)
    assert 'name="loaded_version"' in annas_form.content.decode()
    assert annas_form.context["adminform"].form["loaded_version"].value() == paragraph.version

    response = anna.post(url, form_data(annas_form, decision="<p>Annas beslut.</p>"))
    assert response.status_code == 302
    paragraph.refresh_from_db()
    assert paragraph.decision == "<p>Annas beslut.</p>" and paragraph.version == 2

    response = bertil.post(
        url, form_data(bertils_form, decision="<p>Bertils beslut.</p>", send_to="Ekonomistaben")
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert [e.code for e in form.non_field_errors().as_data()] == ["edit_conflict"]
    html = response.content.decode()
    assert 'id="edit-conflict"' in html
    assert "Annas beslut." in html and "Bertils beslut." in html
    assert len(form.conflict) == 2  # decision and send_to differ; the title does not
    assert form["decision"].value() == "<p>Bertils beslut.</p>"  # the input is kept
    paragraph.refresh_from_db()
    assert paragraph.decision == "<p>Annas beslut.</p>" and paragraph.send_to == "" and paragraph.version == 2

    # The conflict page carries the saved version: saving again is a deliberate overwrite.
    assert form["loaded_version"].value() == 2
    response = bertil.post(url, form_data(response, decision="<p>Bertils beslut.</p>"))
    assert response.status_code == 302
    paragraph.refresh_from_db()
    assert paragraph.decision == "<p>Bertils beslut.</p>" and paragraph.send_to == "Ekonomistaben"
    assert paragraph.version == 3


def test_a_post_without_the_loaded_version_saves_nothing(client, paragraph):
    client.force_login(secretary_of(paragraph.meeting.committee))
    url = reverse("admin:meetings_paragraph_change", args=[paragraph.pk])
    data = form_data(client.get(url), decision="<p>Utan version.</p>")
    del data["loaded_version"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert [e.code for e in response.context["adminform"].form.non_field_errors().as_data()] == [
        "version_missing"
    ]
    paragraph.refresh_from_db()
    assert paragraph.version == 1 and "Utan version" not in paragraph.decision


def test_the_service_saves_from_the_current_version_and_refuses_a_stale_one(paragraph):
    first, second = Paragraph.objects.get(pk=paragraph.pk), Paragraph.objects.get(pk=paragraph.pk)
    first.decision = "<p>Först.</p>"
    paragraph_update(paragraph=first, version=1)
    second.decision = "<p>Sedan.</p>"
    with pytest.raises(ParagraphConflict) as conflict:
        paragraph_update(paragraph=second, version=1)
    assert conflict.value.code == "edit_conflict"
    paragraph.refresh_from_db()
    assert paragraph.decision == "<p>Först.</p>" and paragraph.version == 2

    paragraph_update(paragraph=second, version=2)
    paragraph.refresh_from_db()
    assert paragraph.decision == "<p>Sedan.</p>" and paragraph.version == 3


def test_the_service_sanitises_rich_text_and_refuses_a_frozen_protokoll_without_bumping(paragraph):
    paragraph.decision = '<p onclick="x()">Beslut</p><script>alert(1)</script>'
    paragraph_update(paragraph=paragraph, version=1)
    paragraph.refresh_from_db()
    assert paragraph.decision == "<p>Beslut</p>"
    Meeting.objects.filter(pk=paragraph.meeting_id).update(status=Meeting.Status.READY_FOR_JUSTERING)
    paragraph.decision = "<p>Efter frysningen.</p>"
    with pytest.raises(ProtokollLockedError) as refused:
        paragraph_update(paragraph=paragraph, version=2)
    assert refused.value.code == "protokoll_locked"
    paragraph.refresh_from_db()
    assert paragraph.version == 2 and paragraph.decision == "<p>Beslut</p>"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL row locks and a second connection"
)
@pytest.mark.django_db(transaction=True)
def test_a_save_waiting_on_another_secretarys_save_gets_the_conflict_page(client, paragraph):
    """The other save is not yet committed when the form is checked; ours then waits on its row
    lock, finds the version moved on, rolls back and shows the conflict page."""
    client.force_login(secretary_of(paragraph.meeting.committee))
    url = reverse("admin:meetings_paragraph_change", args=[paragraph.pk])
    data = form_data(client.get(url), decision="<p>Min text.</p>")
    other_has_lock, release = threading.Event(), threading.Event()

    def other_secretary():
        try:
            with transaction.atomic():
                other = Paragraph.objects.get(pk=paragraph.pk)
                other.decision = "<p>Någon annans text.</p>"
                paragraph_update(paragraph=other, version=1)
                other_has_lock.set()
                release.wait(60)
        finally:
            connections.close_all()

    def release_when_our_save_waits():
        try:
            with connections["default"].cursor() as cursor:
                for _ in range(600):
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                    if cursor.fetchone()[0]:
                        break
                    time.sleep(0.05)
        finally:
            release.set()
            connections.close_all()

    other = threading.Thread(target=other_secretary)
    other.start()
    assert other_has_lock.wait(60)
    watcher = threading.Thread(target=release_when_our_save_waits)
    watcher.start()
    response = client.post(url, data)
    other.join(60)
    watcher.join(60)

    assert response.status_code == 200
    assert [e.code for e in response.context["adminform"].form.non_field_errors().as_data()] == [
        "edit_conflict"
    ]
    assert "Någon annans text." in response.content.decode()
    paragraph.refresh_from_db()
    assert paragraph.version == 2 and paragraph.decision == "<p>Någon annans text.</p>"
