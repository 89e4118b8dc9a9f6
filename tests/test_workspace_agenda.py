"""The agenda builder of the secretary's workspace (workspace:agenda, issue 14): items added,
edited, removed and reordered (by POST and by the drag's JSON save), the committee's standard
items, ärenden found and registered with a diarienummer, several handlingar uploaded at once with
a bad file among them, and every change refused once the meeting is held."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Case
from meetings.models import AgendaItem, AgendaTemplateItem, Meeting
from tests.factories import (
    AgendaItemFactory,
    CaseFactory,
    CommitteeFactory,
    MeetingFactory,
    OrganisationFactory,
    pdf_bytes,
    secretary_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def board(client):
    organisation = OrganisationFactory()
    committee = CommitteeFactory(organisation=organisation, name="Kommunalt forum")
    other = CommitteeFactory(organisation=organisation, name="Annan nämnd")
    meeting = MeetingFactory(committee=committee, status=Meeting.Status.PLANNED)
    secretary = secretary_of(committee)
    client.force_login(secretary)
    return {
        "committee": committee,
        "other": other,
        "meeting": meeting,
        "url": reverse("workspace:agenda", args=[meeting.pk]),
        "client": client,
    }


def titles(meeting):
    return list(meeting.agenda_items.order_by("order", "id").values_list("title", flat=True))


def add(board, **fields):
    data = {
        "action": "add",
        "new-title": "Ärende",
        "new-kind": "beslut",
        **{f"new-{k}": v for k, v in fields.items()},
    }
    return board["client"].post(board["url"], data)


def test_the_secretary_adds_an_item_with_section_presenter_and_proposal(board):
    response = add(
        board,
        title="Budget 2025",
        section="Beslutsärenden",
        presenter="Ekonomichef",
        proposal="Nämnden beslutar att anta budgeten.\n\nPå grund av läget.",
    )
    assert response.status_code == 302
    item = board["meeting"].agenda_items.get()
    assert (item.title, item.section, item.presenter) == ("Budget 2025", "Beslutsärenden", "Ekonomichef")
    assert item.proposal == "<p>Nämnden beslutar att anta budgeten.</p><p>På grund av läget.</p>"
    page = board["client"].get(board["url"]).content.decode()
    assert "Beslutsärenden" in page and "Budget 2025" in page and "&lt;p&gt;" not in page


def test_an_item_without_a_title_is_shown_again_with_its_error(board):
    response = add(board, title="", presenter="Kvar")
    assert response.status_code == 400
    assert 'value="Kvar"' in response.content.decode()
    assert not board["meeting"].agenda_items.exists()


def test_a_confidential_item_needs_its_osl_ground(board):
    response = add(board, title="Personalärende", confidential="on")
    assert response.status_code == 400 and not board["meeting"].agenda_items.exists()


def test_the_secretary_edits_and_removes_an_item(board):
    first = AgendaItemFactory(meeting=board["meeting"], order=1, title="Gammal")
    second = AgendaItemFactory(meeting=board["meeting"], order=2, title="Andra")
    client = board["client"]
    prefix = f"i{first.pk}"
    response = client.post(
        board["url"],
        {
            "action": "update",
            "item_id": first.pk,
            f"{prefix}-title": "Ny titel",
            f"{prefix}-kind": "information",
            f"{prefix}-proposal": "Nämnden beslutar att avslå förslaget.",
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.title, first.kind) == ("Ny titel", "information")
    assert first.proposal == "<p>Nämnden beslutar att avslå förslaget.</p>"
    client.post(board["url"], {"action": "delete", "item_id": first.pk})
    assert titles(board["meeting"]) == ["Andra"]
    second.refresh_from_db()
    assert second.order == 1


def test_an_edit_over_someone_elses_says_so(board):
    item = AgendaItemFactory(meeting=board["meeting"], order=1, title="Delad")
    seen = item.modified_at.isoformat()
    AgendaItem.objects.filter(pk=item.pk).update(title="Ändrad av kollega")  # same modified_at…
    item.refresh_from_db()
    item.save()  # …then a real later save by the colleague
    prefix = f"i{item.pk}"
    response = board["client"].post(
        board["url"],
        {
            "action": "update",
            "item_id": item.pk,
            "seen": seen,
            f"{prefix}-title": "Min",
            f"{prefix}-kind": "beslut",
        },
        follow=True,
    )
    assert (
        "changed by someone else" in response.content.decode()
        or "ändrats av någon annan" in response.content.decode()
    )
    item.refresh_from_db()
    assert item.title == "Min"


def test_items_move_up_and_down_by_post_and_are_reordered_by_the_drags_save(board):
    meeting = board["meeting"]
    a, b, c = (
        AgendaItemFactory(meeting=meeting, order=n, title=t) for n, t in ((1, "A"), (2, "B"), (3, "C"))
    )
    client = board["client"]
    client.post(board["url"], {"action": "down", "item_id": a.pk})
    assert titles(meeting) == ["B", "A", "C"]
    client.post(board["url"], {"action": "up", "item_id": c.pk})
    assert titles(meeting) == ["B", "C", "A"]
    response = client.post(
        board["url"],
        {"action": "reorder", "order": f"{c.pk},{a.pk},{b.pk}"},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    assert response.json() == {"ok": True}
    assert titles(meeting) == ["C", "A", "B"]
    incomplete = client.post(
        board["url"], {"action": "reorder", "order": f"{c.pk},{a.pk}"}, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )
    assert incomplete.status_code == 409 and incomplete.json()["ok"] is False
    assert titles(meeting) == ["C", "A", "B"]


def test_the_committees_standard_items_are_added_once_first(board):
    committee, meeting = board["committee"], board["meeting"]
    AgendaTemplateItem.objects.create(
        committee=committee, order=1, title="Val av justerare", section="Inledning"
    )
    AgendaTemplateItem.objects.create(committee=committee, order=2, title="Fastställande av dagordning")
    AgendaItemFactory(meeting=meeting, order=1, title="Budget")
    board["client"].post(board["url"], {"action": "standard"})
    board["client"].post(board["url"], {"action": "standard"})
    assert titles(meeting) == ["Val av justerare", "Fastställande av dagordning", "Budget"]


def test_sections_are_renamed_on_every_item(board):
    meeting = board["meeting"]
    AgendaItemFactory(meeting=meeting, order=1, section="Beslut")
    AgendaItemFactory(meeting=meeting, order=2, section="Beslut")
    board["client"].post(board["url"], {"action": "rename_section", "old": "Beslut", "new": "Beslutsärenden"})
    assert set(meeting.agenda_items.values_list("section", flat=True)) == {"Beslutsärenden"}


def test_the_case_lookup_finds_the_committees_cases_by_number_or_title_only(board):
    organisation = board["committee"].organisation
    ours = CaseFactory(
        organisation=organisation,
        year=2024,
        serial=18,
        title="Cykelvägar i länet",
        committee=board["committee"],
    )
    CaseFactory(
        organisation=organisation,
        year=2024,
        serial=19,
        title="Cykelvägar hos andra",
        committee=board["other"],
    )
    url = reverse("workspace:agenda_cases", args=[board["meeting"].pk])
    by_number = board["client"].get(url, {"q": "RJL 2024/18"}).json()["cases"]
    assert [c["id"] for c in by_number] == [ours.pk]
    by_title = board["client"].get(url, {"q": "cykel"}).json()["cases"]
    assert [c["diarienummer"] for c in by_title] == ["RJL 2024/18"]
    page = board["client"].get(board["url"], {"q": "2024/18"}).content.decode()
    assert "Cykelvägar i länet" in page and "hos andra" not in page


def test_an_item_gets_an_existing_case_by_its_diarienummer(board):
    case = CaseFactory(
        organisation=board["committee"].organisation, year=2024, serial=7, committee=board["committee"]
    )
    add(board, title="Med ärende", case_number="2024/7")
    assert board["meeting"].agenda_items.get().case == case
    response = add(board, title="Okänt", case_number="2024/9999")
    assert response.status_code == 400 and board["meeting"].agenda_items.count() == 1


def test_a_new_case_is_registered_with_the_next_diarienummer_of_the_series(board):
    organisation = board["committee"].organisation
    CaseFactory(organisation=organisation, prefix="RJL", year=2026, serial=41)
    add(board, title="Nytt ärende", new_case="on")
    case = board["meeting"].agenda_items.get().case
    assert case.title == "Nytt ärende" and case.committee == board["committee"]
    assert case.prefix == "RJL" and case.serial >= 1
    add(board, title="Registrerat annorstädes", new_case="on", case_number="RJL 2025/300")
    assert Case.objects.filter(prefix="RJL", year=2025, serial=300, title="Registrerat annorstädes").exists()
    duplicate = add(board, title="Dubblett", new_case="on", case_number="RJL 2025/300")
    assert duplicate.status_code == 400
    assert board["meeting"].agenda_items.count() == 2


def test_several_handlingar_at_once_a_bad_file_refused_the_good_ones_saved(board, media):
    item = AgendaItemFactory(meeting=board["meeting"], order=1)
    one_page = pdf_bytes("Ett")
    files = [
        SimpleUploadedFile("Tjänsteskrivelse.pdf", one_page, content_type="application/pdf"),
        SimpleUploadedFile("program.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf"),
        SimpleUploadedFile("Karta.pdf", pdf_bytes("Två", "Tre"), content_type="application/pdf"),
    ]
    response = board["client"].post(
        board["url"],
        {"action": "upload", "item_id": item.pk, "kind": "tjansteskrivelse", "files": files},
        follow=True,
    )
    page = response.content.decode()
    assert "program.pdf" in page  # its own message
    attached = list(item.attachments.order_by("order").values_list("document__title", "document__page_count"))
    assert attached == [("Tjänsteskrivelse", 1), ("Karta", 2)]
    again = SimpleUploadedFile("Kopia.pdf", one_page, content_type="application/pdf")
    board["client"].post(
        board["url"], {"action": "upload", "item_id": item.pk, "kind": "bilaga", "files": [again]}
    )
    assert item.attachments.count() == 2  # the same content is not attached twice

    first, second = item.attachments.order_by("order")
    board["client"].post(board["url"], {"action": "doc_up", "item_id": item.pk, "attachment_id": second.pk})
    assert list(item.attachments.order_by("order").values_list("pk", flat=True)) == [second.pk, first.pk]
    board["client"].post(board["url"], {"action": "detach", "item_id": item.pk, "attachment_id": first.pk})
    assert list(item.attachments.values_list("pk", flat=True)) == [second.pk]


def test_nothing_changes_once_the_meeting_is_held_and_the_services_message_is_shown(board, media):
    meeting = board["meeting"]
    item = AgendaItemFactory(meeting=meeting, order=1, title="Kvar")
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.HELD)
    client = board["client"]
    page = client.get(board["url"]).content.decode()
    assert 'id="agenda-locked"' in page and 'name="action" value="add"' not in page
    for data in (
        {"action": "add", "new-title": "Sen", "new-kind": "beslut"},
        {"action": "delete", "item_id": item.pk},
        {"action": "up", "item_id": item.pk},
        {"action": "standard"},
        {
            "action": "upload",
            "item_id": item.pk,
            "kind": "bilaga",
            "files": [SimpleUploadedFile("a.pdf", pdf_bytes("A"), content_type="application/pdf")],
        },
    ):
        response = client.post(board["url"], data, follow=True)
        assert response.status_code == 200
        assert 'id="agenda-locked"' in response.content.decode()
        assert "message--error" in response.content.decode(), data
    assert titles(meeting) == ["Kvar"] and not item.attachments.exists()


def test_another_meetings_item_is_not_found(board):
    stranger = AgendaItemFactory(
        meeting=MeetingFactory(committee=board["committee"]), order=1, title="Främmande"
    )
    response = board["client"].post(board["url"], {"action": "delete", "item_id": stranger.pk})
    assert response.status_code == 404
    assert AgendaItem.objects.filter(pk=stranger.pk).exists()
