"""In a real browser: the secretary records närvaro on the meeting's närvaro page with the
keyboard only — the login included."""

import pytest

from attendance.models import Attendance
from tests.factories import secretary_of
from tests.test_attendance_services import Board, held

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-1"  # UserFactory's


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()")


def test_secretary_records_attendance_with_the_keyboard_only(live_server, page):
    board = Board()
    first, second = held(board, "Val av justerare", "Budget 2025")
    secretary = secretary_of(board.committee, username="linda")
    url = f"{live_server.url}/narvaro/{board.meeting.pk}/"

    page.goto(f"{live_server.url}/admin/login/?next=/narvaro/{board.meeting.pk}/")
    page.focus("#id_username")
    page.keyboard.type(secretary.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(url)

    # Anna: present from the start, arrived 13:00; the fields follow in reading order.
    anna = f"id_p{board.anna.pk}"
    page.locator(f"#{anna}-status").focus()
    page.keyboard.press("ArrowUp")  # absent → present
    page.keyboard.press("Tab")
    assert focused(page) == f"{anna}-from_paragraph"
    page.keyboard.press("Tab")
    assert focused(page) == f"{anna}-to_paragraph"
    page.keyboard.press("Tab")
    assert focused(page) == f"{anna}-arrived_at"
    page.keyboard.type("1300")
    visited = []
    for _segment in range(8):  # a time field is two segments (hours, minutes) to tab through
        page.keyboard.press("Tab")
        visited.append(focused(page))
        if visited[-1] not in (f"{anna}-arrived_at", f"{anna}-left_at"):
            break
    assert f"{anna}-left_at" in visited, visited
    assert "Anna Ek" in focused(page)  # the row's Save button names the person
    page.keyboard.press("Enter")
    page.wait_for_selector(".message--success")

    row = Attendance.objects.get(meeting=board.meeting, person=board.anna)
    assert row.status == Attendance.Status.PRESENT and row.serving
    assert f"{row.arrived_at:%H:%M}" == "13:00"

    # Vera (V) serves for Eva: present, then the "serves for" list chosen by typing.
    vera = f"id_p{board.sub_v1.pk}"
    page.locator(f"#{vera}-status").focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Tab")
    assert focused(page) == f"{vera}-replaces"
    page.keyboard.type("Eva")
    for _field in range(12):  # on to the row's Save button
        page.keyboard.press("Tab")
        if "Vera Vik" in focused(page):
            break
    page.keyboard.press("Enter")
    page.wait_for_selector(".message--success")
    row = Attendance.objects.get(meeting=board.meeting, person=board.sub_v1)
    assert row.replaces == board.eva and row.serving

    # With two of five serving the page warns that §§ were decided without quorum.
    warning = page.locator("#quorum-warning").inner_text()
    assert "Val av justerare" in warning and "Budget 2025" in warning
