"""Attendance after the meeting: each member's history and the report for arvode
(attendance-based compensation) per person and period, with CSV and XLSX export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import Attendance
from committees.models import Person
from meetings.models import Meeting


def attendance_history(*, person: Person) -> QuerySet[Attendance]:
    """Every recorded attendance of a person, newest meeting first (their own history page)."""
    return (
        Attendance.objects.filter(person=person)
        .exclude(meeting__status=Meeting.Status.CANCELLED)
        .select_related("meeting__committee", "replaces__party")
        .order_by("-meeting__start")
    )


@dataclass(frozen=True)
class ReportRow:
    """One meeting a person attended: the basis of their arvode."""

    person: Person
    meeting: Meeting
    start: time
    end: time | None
    hours: float | None
    serving: bool
    capacity: str
    replaces: Person | None


def _hours(day: date, start: time, end: time | None) -> float | None:
    if end is None or end < start:
        return None
    delta = datetime.combine(day, end) - datetime.combine(day, start)
    return round(delta.total_seconds() / 3600, 2)


def attendance_report(
    *, meetings: QuerySet[Meeting], date_from: date, date_to: date, person: Person | None = None
) -> list[ReportRow]:
    """The meetings each person was present at in the period (inclusive), with hours from
    arrival to departure (or the meeting's start and end) and whether they tjänstgjorde.

    `meetings` is the scope the caller may see (the secretary's committees)."""
    rows = (
        Attendance.objects.filter(
            meeting__in=meetings.exclude(status=Meeting.Status.CANCELLED),
            status=Attendance.Status.PRESENT,
        )
        .select_related("person__party", "meeting__committee", "replaces__party")
        .order_by("person__last_name", "person__first_name", "meeting__start")
    )
    if person is not None:
        rows = rows.filter(person=person)
    report = []
    for attendance in rows:
        meeting = attendance.meeting
        start_at = timezone.localtime(meeting.start)
        if not (date_from <= start_at.date() <= date_to):
            continue
        start = attendance.arrived_at or start_at.time().replace(second=0, microsecond=0)
        end = attendance.left_at or (
            timezone.localtime(meeting.end).time().replace(second=0, microsecond=0) if meeting.end else None
        )
        report.append(
            ReportRow(
                person=attendance.person,
                meeting=meeting,
                start=start,
                end=end,
                hours=_hours(start_at.date(), start, end),
                serving=attendance.serving,
                capacity=attendance.get_capacity_display(),
                replaces=attendance.replaces,
            )
        )
    return report


def _table(report: list[ReportRow]) -> list[list]:
    header = [
        _("Name"),
        _("Party"),
        _("Committee"),
        _("Date"),
        _("From"),
        _("To"),
        _("Hours"),
        _("Capacity"),
        _("Serving"),
        _("Serving for"),
    ]
    rows = [header]
    for row in report:
        rows.append(
            [
                row.person.full_name,
                row.person.party.abbreviation if row.person.party_id else "",
                row.meeting.committee.name,
                f"{timezone.localtime(row.meeting.start):%Y-%m-%d}",
                f"{row.start:%H:%M}",
                f"{row.end:%H:%M}" if row.end else "",
                row.hours if row.hours is not None else "",
                str(row.capacity),
                _("yes") if row.serving else _("no"),
                row.replaces.display_name if row.replaces else "",
            ]
        )
    return rows


def attendance_report_csv(report: list[ReportRow]) -> bytes:
    """The report as CSV (UTF-8 with BOM and semicolons, as Swedish Excel opens it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in _table(report):
        writer.writerow(
            [str(value).replace(".", ",") if isinstance(value, float) else value for value in row]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def attendance_report_xlsx(report: list[ReportRow]) -> bytes:
    """The report as an Excel workbook, hours as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Attendance")[:31]
    for row in _table(report):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
