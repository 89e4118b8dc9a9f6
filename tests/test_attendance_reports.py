"""After the meeting: each member's own attendance history and the arvode report with exports."""

import io
from datetime import time

from django.urls import reverse
from openpyxl import load_workbook

from attendance.services import attendance_record
from meetings.models import Meeting
from tests.factories import CommitteeFactory, MeetingFactory, UserFactory, local, secretary_of
from tests.test_attendance_services import Board


def arranged():
    board = Board()
    board.meeting.end = local(2024, 10, 11, 12, 30)
    board.meeting.status = Meeting.Status.HELD
    board.meeting.save()
    attendance_record(meeting=board.meeting, person=board.anna, present=True)
    attendance_record(meeting=board.meeting, person=board.bo, present=True, left_at=time(11, 15))
    attendance_record(meeting=board.meeting, person=board.eva, present=False)
    attendance_record(meeting=board.meeting, person=board.sub_v1, present=True, replaces=board.eva)
    attendance_record(meeting=board.meeting, person=board.sub_m1, present=True)
    return board


def test_a_member_sees_their_own_attendance_history_only(client, db):
    board = arranged()
    board.sub_v1.user = UserFactory(username="vera")
    board.sub_v1.save()
    client.force_login(board.sub_v1.user)
    page = client.get(reverse("attendance:mine")).content.decode()
    assert "2024-10-11" in page and board.committee.name in page
    assert "Eva Sand (V)" in page  # serving for Eva
    assert "Anna Ek" not in page


def test_arvode_report_lists_meetings_hours_and_serving_with_csv_and_xlsx(client, db):
    board = arranged()
    other = CommitteeFactory()
    MeetingFactory(committee=other)
    client.force_login(secretary_of(board.committee))
    url = reverse("attendance:report")
    query = {"date_from": "2024-01-01", "date_to": "2024-12-31"}
    page = client.get(url, query).content.decode()
    assert "Anna Ek (S)" in page and "Vera Vik (V)" in page and "Mats Mark (M)" in page
    assert "Eva Sand" not in page.split("<table")[1]  # absent: no arvode

    csv = client.get(url, {**query, "format": "csv"}).content.decode("utf-8-sig")
    lines = {line.split(";")[0]: line.split(";") for line in csv.splitlines()}
    assert lines["Anna Ek"][4:7] == ["10:00", "12:30", "2,5"]
    assert lines["Bo Lind"][4:7] == ["10:00", "11:15", "1,25"]
    assert lines["Vera Vik"][-1] == "Eva Sand (V)"
    assert lines["Anna Ek"][8] != lines["Mats Mark"][8]  # serving vs. present only

    response = client.get(url, {**query, "format": "xlsx", "person": board.bo.pk})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "Bo Lind" and rows[1][6] == 1.25

    assert client.get(url, {"date_from": "2024-12-31", "date_to": "2024-01-01"}).status_code == 400
    client.force_login(secretary_of(other))
    assert "Anna Ek" not in client.get(url, query).content.decode()
    client.force_login(UserFactory(username="nobody"))
    assert client.get(url, query).status_code == 404
