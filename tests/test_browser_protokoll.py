"""In a real browser: the secretary types in a § of the protokoll in the workspace and it saves
itself (no Save pressed); a reload shows the text, rendered by the editor, never as raw HTML."""

import pytest

from meetings.models import Paragraph
from tests.factories import secretary_of
from tests.test_attendance_services import Board, held

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-1"  # UserFactory's


def test_typing_in_a_paragraph_is_autosaved_and_survives_a_reload(live_server, page):
    board = Board()
    first, _second = held(board, "Val av justerare", "Budget 2025")
    secretary = secretary_of(board.committee, username="linda")
    path = f"/sekretariat/sammantraden/{board.meeting.pk}/protokoll/"

    page.goto(f"{live_server.url}/admin/login/?next={path}")
    page.fill("#id_username", secretary.username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}{path}")

    editor = page.locator(f"#id_p{first.pk}-decision-editor")
    editor.click()
    page.keyboard.type("Nämnden utser Bo Lind att justera.")
    status = page.locator(f"#p{first.pk} .pk-status")
    status.filter(has_text="Sparat").wait_for()

    saved = Paragraph.objects.get(pk=first.pk)
    assert "Nämnden utser Bo Lind att justera." in saved.decision and saved.version == first.version + 1

    page.reload()
    editor = page.locator(f"#id_p{first.pk}-decision-editor")
    assert "Nämnden utser Bo Lind att justera." in editor.inner_text()
    assert "<p>" not in editor.inner_text()
