"""CSV and XLSX export of the registers: one column list per register, one writer per format."""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font

from .models import Case, DelegatedDecision, Motion, Remiss


def _person(person) -> str:
    return person.full_name if person else ""


def _case_number(case) -> str:
    return case.diarienummer if case else ""


def _case_title(case) -> str:
    if case is None:
        return ""
    return str(_("Confidential")) if case.confidential else case.title


@dataclass(frozen=True)
class Register:
    """A register as exported: its rows' model, file name and (heading, value) columns."""

    model: type
    name: str
    columns: list[tuple[str, Callable]]
    select_related: tuple = ()


REGISTERS = {
    "remisser": Register(
        model=Remiss,
        name="remisser",
        select_related=("committee", "responsible", "case", "answered_by_paragraph"),
        columns=[
            (_("Id"), lambda r: r.registration_id),
            (_("I/U/K"), lambda r: r.direction),
            (_("Description"), lambda r: r.title),
            (_("Responsible"), lambda r: _person(r.responsible)),
            (_("Received"), lambda r: r.received_on),
            (_("Sender"), lambda r: r.sender),
            (_("Department"), lambda r: r.department),
            (_("Case number"), lambda r: _case_number(r.case)),
            (_("Ärendemening"), lambda r: _case_title(r.case)),
            (_("Document type"), lambda r: r.document_type),
            (_("Answer deadline"), lambda r: r.answer_by),
            (_("Status"), lambda r: r.get_status_display()),
            (_("Status date"), lambda r: r.status_date),
            (_("Committee"), lambda r: r.committee.name),
        ],
    ),
    "delegationsbeslut": Register(
        model=DelegatedDecision,
        name="delegationsbeslut",
        select_related=("decision_maker", "responsible", "case", "point__committee", "reported_in_paragraph"),
        columns=[
            (_("Id"), lambda d: d.registration_id),
            (_("Description"), lambda d: d.description),
            (_("Paragraph"), lambda d: d.number_label),
            (_("Date"), lambda d: d.decided_on),
            (_("Sender/recipient"), lambda d: d.counterpart),
            (_("Decision maker"), lambda d: _person(d.decision_maker)),
            (_("Case number"), lambda d: _case_number(d.case)),
            (_("Ärendemening"), lambda d: _case_title(d.case)),
            (_("Category"), lambda d: d.point.code),
            (_("Responsible"), lambda d: _person(d.responsible)),
            (_("Committee"), lambda d: d.point.committee.name),
            (
                _("Reported in"),
                lambda d: f"§ {d.reported_in_paragraph.number}" if d.reported_in_paragraph else "",
            ),
        ],
    ),
    "motioner": Register(
        model=Motion,
        name="motioner",
        select_related=("preparing_committee", "case"),
        columns=[
            (_("Title"), lambda m: m.title),
            (_("Submitters"), lambda m: ", ".join(p.display_name for p in m.submitters.all())),
            (_("Submitted"), lambda m: m.submitted_on),
            (_("Raised in fullmäktige"), lambda m: m.raised_on),
            (_("Answer deadline"), lambda m: m.answer_by),
            (_("Preparing committee"), lambda m: str(m.preparing_committee or "")),
            (_("Status"), lambda m: m.get_status_display()),
            (_("Case number"), lambda m: _case_number(m.case)),
        ],
    ),
    "arenden": Register(
        model=Case,
        name="arenden",
        select_related=("committee", "responsible"),
        columns=[
            (_("Case number"), lambda c: c.diarienummer),
            (_("Ärendemening"), lambda c: _case_title(c)),
            (_("Registered"), lambda c: c.registered_on),
            (_("Committee"), lambda c: str(c.committee or "")),
            (_("Responsible"), lambda c: _person(c.responsible)),
            (_("Status"), lambda c: c.get_status_display()),
            (_("Confidential"), lambda c: c.osl_reference if c.confidential else ""),
        ],
    ),
}


def _table(register: Register, rows: Iterable) -> tuple[list[str], list[list]]:
    header = [str(heading) for heading, _value in register.columns]
    return header, [[value(row) for _heading, value in register.columns] for row in rows]


def register_export_csv(*, register: Register, rows: Iterable) -> bytes:
    """The rows as CSV (UTF-8 with BOM and semicolons, as Swedish Excel opens it)."""
    header, table = _table(register, rows)
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";")
    writer.writerow(header)
    for row in table:
        writer.writerow(
            ["" if cell is None else cell.isoformat() if hasattr(cell, "isoformat") else cell for cell in row]
        )
    return ("\ufeff" + output.getvalue()).encode("utf-8")


def register_export_xlsx(*, register: Register, rows: Iterable) -> bytes:
    """The rows as an XLSX workbook with one sheet, dates as dates."""
    header, table = _table(register, rows)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = register.name[:31]
    sheet.append(header)
    for row in table:
        sheet.append(row)
    for column, cell in zip(sheet.columns, header, strict=True):
        column[0].font = Font(bold=True)
        for body_cell in column[1:]:
            if hasattr(body_cell.value, "isoformat"):
                body_cell.number_format = "yyyy-mm-dd"
        sheet.column_dimensions[column[0].column_letter].width = min(max(len(cell) + 2, 12), 50)
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
