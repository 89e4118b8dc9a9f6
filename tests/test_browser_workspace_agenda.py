"""In a real browser: the secretary drags an agenda item to a new place on the workspace's agenda
page (saved at once) and uploads several handlingar to an item in one go, one of them refused.
Screenshots of the page at 1280 px and 390 px go to $PARAGRAF_SCREENSHOTS when it is set."""

import os

import pytest

from meetings.models import Meeting
from tests.factories import AgendaItemFactory, CommitteeFactory, MeetingFactory, pdf_bytes, secretary_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-1"  # UserFactory's


def titles(meeting):
    return list(meeting.agenda_items.order_by("order", "id").values_list("title", flat=True))


def test_secretary_drags_an_item_into_place_and_uploads_several_handlingar(live_server, page, tmp_path):
    committee = CommitteeFactory(name="Kommunalt forum")
    meeting = MeetingFactory(committee=committee, status=Meeting.Status.AGENDA_DRAFTED)
    first = AgendaItemFactory(meeting=meeting, order=1, title="Mötets öppnande", section="Inledning")
    AgendaItemFactory(meeting=meeting, order=2, title="Budget 2025", section="Beslutsärenden")
    last = AgendaItemFactory(meeting=meeting, order=3, title="Val av justerare", section="Beslutsärenden")
    secretary = secretary_of(committee, username="linda")
    path = f"/sekretariat/sammantraden/{meeting.pk}/dagordning/"

    page.goto(f"{live_server.url}/admin/login/?next={path}")
    page.fill("#id_username", secretary.username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}{path}")

    # Drag "Val av justerare" onto the upper half of "Mötets öppnande": it goes first.
    page.set_viewport_size({"width": 1280, "height": 2400})  # both items in view: no scrolling mid-drag
    with page.expect_response(lambda r: r.request.method == "POST") as saved:
        page.hover(f"#item-{last.pk} .ag-handle")
        page.mouse.down()
        page.hover(f"#item-{first.pk}", position={"x": 40, "y": 5})
        page.hover(f"#item-{first.pk}", position={"x": 40, "y": 6})
        page.mouse.up()
    assert saved.value.status == 200, saved.value.text()
    assert saved.value.request.post_data and f"{last.pk},{first.pk}" in saved.value.request.post_data
    page.wait_for_load_state()
    assert titles(meeting) == ["Val av justerare", "Mötets öppnande", "Budget 2025"]
    assert page.locator(".ag-item__title").first.inner_text().endswith("Val av justerare")

    # Three files at once into the item's file field; the one that is no PDF is refused by name.
    files = []
    for name, content in (
        ("Tjänsteskrivelse.pdf", pdf_bytes("Tjänsteskrivelse")),
        ("program.pdf", b"MZ\x90\x00" + b"\x00" * 200),
        ("Karta.pdf", pdf_bytes("Karta", "Sida två")),
    ):
        (tmp_path / name).write_bytes(content)
        files.append(str(tmp_path / name))
    page.set_input_files(f"#files-{first.pk}", files)
    with page.expect_navigation():
        page.locator(f"#item-{first.pk} .ag-upload button[type=submit]").click()
    assert "program.pdf" in page.locator(".message--error").inner_text()
    item_docs = page.locator(f"#item-{first.pk} .ag-doclist li")
    assert item_docs.count() == 2
    assert list(first.attachments.order_by("order").values_list("document__title", flat=True)) == [
        "Tjänsteskrivelse",
        "Karta",
    ]

    shots = os.environ.get("PARAGRAF_SCREENSHOTS")
    if shots:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"{shots}/agenda-{width}.png", full_page=True)
    # Nothing of the agenda overflows sideways on a phone. (The site header's member menu is
    # base.html's, not this page's.)
    page.set_viewport_size({"width": 390, "height": 800})
    widest = page.evaluate(
        "Math.max(...Array.from(document.querySelectorAll('#agenda *'))"
        ".map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= 390, widest


def test_the_agenda_page_has_no_axe_violations(live_server, browser):
    from tests.test_portal_accessibility import AXE, _axe_violations

    if not AXE.exists():
        pytest.skip(f"{AXE} missing: run `npm ci` (make test does)")
    committee = CommitteeFactory(name="Kommunalt forum")
    meeting = MeetingFactory(committee=committee, status=Meeting.Status.PLANNED)
    AgendaItemFactory(meeting=meeting, order=1, title="Mötets öppnande", section="Inledning")
    AgendaItemFactory(
        meeting=meeting, order=2, title="Budget 2025", section="Beslutsärenden", presenter="Eva"
    )
    secretary = secretary_of(committee, username="axel")
    path = f"/sekretariat/sammantraden/{meeting.pk}/dagordning/"
    context = browser.new_context(locale="sv-SE", bypass_csp=True)  # axe is injected by the test
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/admin/login/?next={path}")
        page.fill("#id_username", secretary.username)
        page.fill("#id_password", PASSWORD)
        page.press("#id_password", "Enter")
        page.wait_for_url(f"{live_server.url}{path}")
        assert _axe_violations(page) == []
    finally:
        context.close()
