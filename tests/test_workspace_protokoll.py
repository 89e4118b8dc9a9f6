"""Writing the protokoll in the secretary's workspace (issue 14): every § on one page, edited in
place and saved by itself (form POST or the autosave's JSON), the optimistic locking that shows a
conflict with both versions and loses nothing, jäv/votes/reservationer per §, §§ inserted, moved
and removed, a frozen protokoll read-only, and rich text shown rendered and sanitised."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from attendance.models import Disqualification, Reservation, Vote
from attendance.services import attendance_record
from meetings.models import AgendaItem, Meeting, Paragraph
from meetings.services.paragraphs import paragraph_update
from tests.factories import AgendaItemFactory, secretary_of
from tests.test_attendance_services import Board, held

pytestmark = pytest.mark.django_db

FIELDS = ("title", "basis", "summary", "motions", "procedure", "decision", "notes", "send_to")


def page_url(meeting) -> str:
    return reverse("workspace:protokoll", args=[meeting.pk])


def paragraph_url(paragraph) -> str:
    return reverse("workspace:protokoll_paragraph", args=[paragraph.meeting_id, paragraph.pk])


def form_data(paragraph, *, version=None, **changes) -> dict:
    """What the § 's form posts: its saved values and the version it was loaded at, with `changes`."""
    prefix = f"p{paragraph.pk}"
    values = {name: getattr(paragraph, name) or "" for name in FIELDS}
    values.update(changes)
    data = {f"{prefix}-{name}": value for name, value in values.items()}
    data[f"{prefix}-loaded_version"] = paragraph.version if version is None else version
    if values.get("immediate_justering", paragraph.immediate_justering):
        data[f"{prefix}-immediate_justering"] = "on"
    data["action"] = "save"
    return data


@pytest.fixture
def drafted(client):
    board = Board()
    first, second, third = held(board, "Val av justerare", "Budget 2025", "Övrigt")
    client.force_login(secretary_of(board.committee))
    return board, [first, second, third]


def test_the_page_shows_every_paragraph_with_its_form_and_the_tab(client, drafted):
    board, paragraphs = drafted
    page = client.get(page_url(board.meeting)).content.decode()
    for paragraph in paragraphs:
        assert f'id="p{paragraph.pk}"' in page and paragraph.title in page
        assert f'name="p{paragraph.pk}-decision"' in page
    assert 'data-autosave="1"' in page
    assert 'src="/static/workspace/protokoll.js" defer' in page
    assert 'aria-current="page">Protokoll' in page or "Protokoll</a>" in page
    assert reverse("workspace:protokoll_preview", args=[board.meeting.pk]) in page


def test_secretary_edits_and_saves_a_paragraph_with_the_form(client, drafted):
    _board, (first, _second, _third) = drafted
    response = client.post(
        paragraph_url(first),
        form_data(
            first,
            title="Val av justerare och tid",
            decision="Nämnden utser Bo Lind.\n\nJustering sker 14 mars.",
            motions="Anna Ek yrkar bifall.",
            send_to="Kommunstyrelsen",
            immediate_justering=True,
        ),
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#p{first.pk}")
    first.refresh_from_db()
    assert first.title == "Val av justerare och tid"
    assert first.decision == "<p>Nämnden utser Bo Lind.</p><p>Justering sker 14 mars.</p>"
    assert first.motions == "<p>Anna Ek yrkar bifall.</p>"
    assert first.send_to == "Kommunstyrelsen" and first.immediate_justering
    assert first.version == 2


def test_autosave_answers_json_with_the_new_version_and_the_time(client, drafted):
    _board, (first, _second, _third) = drafted
    response = client.post(
        paragraph_url(first),
        form_data(first, decision="<p>Autosparat <strong>beslut</strong></p>"),
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] and body["version"] == 2 and len(body["saved_at"]) == 5
    first.refresh_from_db()
    assert first.decision == "<p>Autosparat <strong>beslut</strong></p>"
    # The next autosave carries the new version and is saved too.
    again = client.post(
        paragraph_url(first), form_data(first, notes="Noterat."), HTTP_ACCEPT="application/json"
    )
    assert again.json()["version"] == 3


def test_a_conflicting_edit_shows_both_versions_and_loses_nothing(client, drafted):
    _board, (first, _second, _third) = drafted
    loaded = first.version
    theirs = Paragraph.objects.get(pk=first.pk)
    theirs.decision = "<p>Deras text</p>"
    paragraph_update(paragraph=theirs, version=loaded)  # another secretary saved meanwhile

    response = client.post(paragraph_url(first), form_data(first, version=loaded, decision="Min text"))
    assert response.status_code == 409
    page = response.content.decode()
    conflict = page.split('<section class="pk-conflict')[1].split("</section>")[0]
    assert "Deras text" in conflict and "Min text" in conflict
    assert "Min text" in page.split('class="pk-form"')[1]  # still in the form, to be saved again
    first.refresh_from_db()
    assert first.decision == "<p>Deras text</p>" and first.version == loaded + 1

    # The autosave gets the same answer as JSON, and stops until Save is pressed.
    answer = client.post(
        paragraph_url(first),
        form_data(first, version=loaded, decision="Min text"),
        HTTP_ACCEPT="application/json",
    )
    assert answer.status_code == 409
    body = answer.json()
    assert body["conflict"] and "Deras text" in body["html"] and "Min text" in body["html"]
    assert int(body["version"]) == loaded + 1
    # Saving again knowingly, at the version now shown, replaces their text with hers.
    client.post(paragraph_url(first), form_data(first, version=body["version"], decision="Min text"))
    first.refresh_from_db()
    assert first.decision == "<p>Min text</p>"


def test_jav_vote_and_reservation_are_recorded_per_paragraph(client, drafted):
    board, (_first, budget, _third) = drafted
    for person in board.members:
        attendance_record(meeting=board.meeting, person=person, present=True)
    attendance_record(meeting=board.meeting, person=board.sub_m1, present=True)
    url, prefix = paragraph_url(budget), f"p{budget.pk}"

    response = client.post(
        url, {"action": "jav", f"{prefix}-jav-person": board.dan.pk, f"{prefix}-jav-reason": "Släkt"}
    )
    assert response.status_code == 302
    assert Disqualification.objects.get(paragraph=budget).substitute == board.sub_m1

    ballots = {board.anna: "ja", board.cecilia: "ja", board.bo: "nej", board.sub_m1: "nej", board.eva: "ja"}
    data = {
        "action": "vote",
        f"{prefix}-vote-proposition_yes": "Bifall",
        f"{prefix}-vote-proposition_no": "Avslag",
        f"{prefix}-vote-kind": "open",
    }
    data.update({f"{prefix}-vote-ballot_{person.pk}": choice for person, choice in ballots.items()})
    assert client.post(url, data).status_code == 302
    vote = Vote.objects.get(paragraph=budget)
    assert vote.result == "ja" and vote.ballots.count() == 5

    refused = client.post(url, {"action": "reservation", f"{prefix}-res-person": board.anna.pk})
    assert refused.status_code == 400 and 'role="alert"' in refused.content.decode()
    client.post(
        url, {"action": "reservation", f"{prefix}-res-person": board.bo.pk, f"{prefix}-res-text": "Dyrt."}
    )
    assert Reservation.objects.get(paragraph=budget).person == board.bo

    page = client.get(page_url(board.meeting)).content.decode()
    section = page.split(f'id="p{budget.pk}"')[1].split("</article>")[0]
    assert "Dan Holm" in section and "Bifall" in section and "Dyrt." in section


def test_paragraphs_are_inserted_moved_and_removed_with_renumbering(client, drafted):
    board, (first, second, third) = drafted

    def titles():
        return list(board.meeting.paragraphs.order_by("order").values_list("title", flat=True))

    def numbers():
        return list(board.meeting.paragraphs.order_by("order").values_list("number", flat=True))

    start = first.number
    client.post(paragraph_url(first), {"action": "insert_after", "title": "Extra ärende"})
    assert titles() == ["Val av justerare", "Extra ärende", "Budget 2025", "Övrigt"]
    client.post(page_url(board.meeting), {"action": "insert", "title": "Upprop"})
    assert titles()[0] == "Upprop"
    assert numbers() == list(range(start, start + 5))

    client.post(paragraph_url(third), {"action": "up"})
    assert titles() == ["Upprop", "Val av justerare", "Extra ärende", "Övrigt", "Budget 2025"]
    client.post(paragraph_url(first), {"action": "down"})
    assert titles() == ["Upprop", "Extra ärende", "Val av justerare", "Övrigt", "Budget 2025"]

    client.post(paragraph_url(second), {"action": "delete"})
    assert titles() == ["Upprop", "Extra ärende", "Val av justerare", "Övrigt"]
    assert numbers() == list(range(start, start + 4))


def test_the_draft_is_made_from_the_agenda_once_the_meeting_is_held(client):
    board = Board()
    AgendaItemFactory(meeting=board.meeting, title="Budget", proposal="<p>Bifall</p>")
    AgendaItemFactory(meeting=board.meeting, title="Bordlagt", outcome=AgendaItem.Outcome.TABLED)
    client.force_login(secretary_of(board.committee))
    assert 'value="create_draft"' not in client.get(page_url(board.meeting)).content.decode()
    Meeting.objects.filter(pk=board.meeting.pk).update(status=Meeting.Status.HELD)
    page = client.get(page_url(board.meeting)).content.decode()
    assert 'value="create_draft"' in page
    client.post(page_url(board.meeting), {"action": "create_draft"})
    board.meeting.refresh_from_db()
    assert board.meeting.status == Meeting.Status.PROTOKOLL_DRAFTED
    assert list(board.meeting.paragraphs.values_list("title", flat=True)) == ["Budget"]


def test_a_frozen_protokoll_is_read_only_with_a_message_and_refuses_saves(client, drafted):
    board, (first, _second, _third) = drafted
    Paragraph.objects.filter(pk=first.pk).update(decision="<p>Bifall <strong>enhälligt</strong></p>")
    Meeting.objects.filter(pk=board.meeting.pk).update(status=Meeting.Status.READY_FOR_JUSTERING)
    first.refresh_from_db()
    page = client.get(page_url(board.meeting)).content.decode()
    assert 'id="protokoll-locked"' in page
    assert "data-autosave" not in page and 'value="delete"' not in page
    # Rendered, never the escaped source.
    assert "<p>Bifall <strong>enhälligt</strong></p>" in page and "&lt;p&gt;" not in page

    response = client.post(paragraph_url(first), form_data(first, decision="Ändrat"))
    assert response.status_code == 400
    response = client.post(paragraph_url(first), {"action": "delete"})
    first.refresh_from_db()
    assert first.decision == "<p>Bifall <strong>enhälligt</strong></p>"
    assert Paragraph.objects.filter(pk=first.pk).exists()


def test_rich_text_is_sanitised_script_and_attributes_stripped(client, drafted):
    _board, (first, _second, _third) = drafted
    evil = '<p onclick="x()">Ok <em>text</em></p><script>alert(1)</script><img src=x onerror=alert(2)>'
    client.post(paragraph_url(first), form_data(first, decision=evil, notes="<b>fet</b> & <i>kursiv</i>"))
    first.refresh_from_db()
    assert "script" not in first.decision and "onclick" not in first.decision and "img" not in first.decision
    assert "<em>text</em>" in first.decision
    assert "onerror" not in first.notes and "fet" in first.notes
    page = client.get(paragraph_url(first)).content.decode()
    assert "<script>alert(1)</script>" not in page


def test_the_preview_is_reached_through_the_workspace(client, drafted):
    board, (first, _second, _third) = drafted
    response = client.get(reverse("workspace:protokoll_preview", args=[board.meeting.pk]))
    assert response.status_code == 200 and first.title in response.content.decode()


def test_the_autosave_json_for_a_locked_protokoll_is_an_error_not_a_save(client, drafted):
    board, (first, _second, _third) = drafted
    Meeting.objects.filter(pk=board.meeting.pk).update(status=Meeting.Status.READY_FOR_JUSTERING)
    response = client.post(paragraph_url(first), form_data(first, title="x"), HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and not json.loads(response.content)["ok"]
    first.refresh_from_db()
    assert first.title == "Val av justerare"
