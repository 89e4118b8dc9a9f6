"""Importing registers from CSV: the delegationsordning, delegationsbeslut and remisser.

Every import reads the whole file first and collects every row's error ("row 3: bad date
…"); only a file without errors is saved, all rows in one transaction. A dry run
reports the same errors and saves nothing. Files are UTF-8 (a BOM is fine), separated
by commas or semicolons, with a header row naming the columns.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from committees.models import Committee, Person

from ..models import Case, DelegationPoint, Remiss
from .delegation import delegated_decision_register, delegation_point_check
from .diarium import diarienummer_parse

DELEGATIONSORDNING_COLUMNS = ["code", "description", "delegate_role", "limits"]
DELEGATED_DECISION_COLUMNS = [
    "registration_id",
    "point",
    "decision_maker",
    "decided_on",
    "description",
    "counterpart",
    "case",
    "responsible",
]
REMISS_COLUMNS = [
    "registration_id",
    "direction",
    "title",
    "sender",
    "received_on",
    "answer_by",
    "responsible",
    "department",
    "case",
    "document_type",
]


@dataclass
class ImportResult:
    """What an import found: the rows it read, every row's error, and how many it saved."""

    rows: int = 0
    errors: list[str] = field(default_factory=list)
    saved: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def csv_rows(text: str, *, required: list[str]) -> list[tuple[int, dict]]:
    """(line number, row) for each data row; a ValidationError if a required column is missing."""
    text = text.lstrip("\ufeff")
    sample = text.split("\n", 1)[0]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in required if name not in header]
    if missing:
        raise ValidationError(
            _("The file lacks the column(s) %(columns)s."),
            code="missing_columns",
            params={"columns": ", ".join(missing)},
        )
    reader.fieldnames = header
    rows = []
    for row in reader:
        cleaned = {key: (value or "").strip() for key, value in row.items() if key}
        if any(cleaned.values()):
            rows.append((reader.line_num, cleaned))
    return rows


def _row_error(line: int, message) -> str:
    return _("row %(line)s: %(message)s") % {"line": line, "message": message}


def _messages(error: ValidationError) -> str:
    return "; ".join(error.messages)


def _parse_date(value: str, column: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            _('bad date "%(value)s" in %(column)s (write YYYY-MM-DD)'),
            code="bad_date",
            params={"value": value, "column": column},
        ) from None


def _find_case(value: str) -> Case | None:
    if not value:
        return None
    prefix, year, serial = diarienummer_parse(value)
    case = Case.objects.filter(prefix=prefix, year=year, serial=serial).first()
    if case is None:
        raise ValidationError(
            _("no case %(number)s in the diarium"), code="missing_case", params={"number": value}
        )
    return case


def _find_person(value: str, column: str) -> Person | None:
    """A person by e-mail or by full name ("Anna Andersson"); must be exactly one."""
    if not value:
        return None
    people = Person.objects.annotate(name=Concat("first_name", Value(" "), "last_name")).filter(
        Q(email__iexact=value) | Q(name__iexact=value)
    )
    found = list(people[:2])
    if len(found) != 1:
        raise ValidationError(
            _('%(column)s "%(value)s" is not one known person'),
            code="unknown_person",
            params={"column": column, "value": value},
        )
    return found[0]


# --- Delegationsordning ----------------------------------------------------------------------


def delegationsordning_import(
    *, committee: Committee, text: str, decided_on: date, dry_run: bool = False
) -> ImportResult:
    """Import a new version of a committee's delegationsordning decided on a date.

    The points get that `decided_on`; the points of the previous version still in force
    get `valid_to` the day before. Errors: missing code, duplicate code, empty role.
    """
    result = ImportResult(dry_run=dry_run)
    try:
        rows = csv_rows(text, required=DELEGATIONSORDNING_COLUMNS[:3])
    except ValidationError as error:
        result.errors.append(_messages(error))
        return result
    result.rows = len(rows)
    if not rows:
        result.errors.append(_("The file has no points."))
    if DelegationPoint.objects.filter(committee=committee, decided_on__gte=decided_on).exists():
        result.errors.append(
            _("%(committee)s already has a delegationsordning decided on or after %(date)s.")
            % {"committee": committee, "date": decided_on.isoformat()}
        )
    seen = {}
    points = []
    for line, row in rows:
        code = row.get("code", "")
        if not code:
            result.errors.append(_row_error(line, _("the code is missing")))
        elif code.casefold() in seen:
            result.errors.append(
                _row_error(
                    line,
                    _("code %(code)s is already on row %(other)s")
                    % {"code": code, "other": seen[code.casefold()]},
                )
            )
        else:
            seen[code.casefold()] = line
        if not row.get("delegate_role"):
            result.errors.append(_row_error(line, _("the delegate (role) is empty")))
        if not row.get("description"):
            result.errors.append(_row_error(line, _("the description is empty")))
        points.append(
            DelegationPoint(
                committee=committee,
                code=code,
                description=row.get("description", ""),
                delegate_role=row.get("delegate_role", ""),
                limits=row.get("limits", ""),
                decided_on=decided_on,
            )
        )
    if result.errors or dry_run:
        return result
    with transaction.atomic():
        DelegationPoint.objects.filter(committee=committee, decided_on__lt=decided_on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=decided_on)
        ).update(valid_to=decided_on - timedelta(days=1))
        DelegationPoint.objects.bulk_create(points)
    result.saved = len(points)
    return result


# --- Delegationsbeslut -----------------------------------------------------------------------


def delegated_decisions_import(*, committee: Committee, text: str, dry_run: bool = False) -> ImportResult:
    """Import delegationsbeslut under the committee's delegationsordning (columns:
    DELEGATED_DECISION_COLUMNS; point by code, people by e-mail or full name, case by
    diarienummer). Each gets the decision maker's next running number."""
    result = ImportResult(dry_run=dry_run)
    try:
        rows = csv_rows(text, required=["point", "decision_maker", "decided_on", "description"])
    except ValidationError as error:
        result.errors.append(_messages(error))
        return result
    result.rows = len(rows)
    parsed = []
    for line, row in rows:
        errors = []
        values = {
            "registration_id": row.get("registration_id", ""),
            "counterpart": row.get("counterpart", ""),
        }

        def check(key, parse, errors=errors, values=values):
            try:
                values[key] = parse()
            except ValidationError as error:
                errors.append(_messages(error))

        check("decided_on", lambda row=row: _parse_date(row["decided_on"], "decided_on"))
        check("decision_maker", lambda row=row: _find_person(row["decision_maker"], "decision_maker"))
        check("responsible", lambda row=row: _find_person(row.get("responsible", ""), "responsible"))
        check("case", lambda row=row: _find_case(row.get("case", "")))
        if not row["description"]:
            errors.append(_("the description is empty"))
        values["description"] = row["description"]
        on = values.get("decided_on")
        candidates = DelegationPoint.objects.filter(committee=committee, code__iexact=row["point"])
        if on:
            candidates = candidates.filter(decided_on__lte=on).filter(
                Q(valid_to__isnull=True) | Q(valid_to__gte=on)
            )
        point = candidates.order_by("-decided_on").first()
        if point is None:
            errors.append(_('unknown point "%(code)s"') % {"code": row["point"]})
        elif on and values.get("decision_maker"):
            try:
                delegation_point_check(point=point, decision_maker=values["decision_maker"], decided_on=on)
            except ValidationError as error:
                errors.append(_messages(error))
        values["point"] = point
        if values.get("decision_maker") is None and "decision_maker" in values:
            errors.append(_("the decision maker is empty"))
        result.errors += [_row_error(line, message) for message in errors]
        parsed.append(values)
    if result.errors or dry_run:
        return result
    with transaction.atomic():
        for values in parsed:
            delegated_decision_register(**values)
    result.saved = len(parsed)
    return result


# --- Remisser -----------------------------------------------------------------------------


def remisser_import(*, committee: Committee, text: str, dry_run: bool = False) -> ImportResult:
    """Import remisser the committee answers (columns: REMISS_COLUMNS)."""
    result = ImportResult(dry_run=dry_run)
    try:
        rows = csv_rows(text, required=["title", "sender", "received_on"])
    except ValidationError as error:
        result.errors.append(_messages(error))
        return result
    result.rows = len(rows)
    remisser = []
    for line, row in rows:
        errors = []
        remiss = Remiss(
            committee=committee,
            registration_id=row.get("registration_id", ""),
            direction=row.get("direction") or Remiss.Direction.INCOMING,
            title=row.get("title", ""),
            sender=row.get("sender", ""),
            department=row.get("department", ""),
            document_type=row.get("document_type", ""),
        )
        for key, parse in [
            ("received_on", lambda row=row: _parse_date(row["received_on"], "received_on")),
            (
                "answer_by",
                lambda row=row: _parse_date(row["answer_by"], "answer_by") if row.get("answer_by") else None,
            ),
            ("responsible", lambda row=row: _find_person(row.get("responsible", ""), "responsible")),
            ("case", lambda row=row: _find_case(row.get("case", ""))),
        ]:
            try:
                setattr(remiss, key, parse())
            except ValidationError as error:
                errors.append(_messages(error))
        if not errors:
            try:
                remiss.full_clean()
            except ValidationError as error:
                errors += [f"{key}: {'; '.join(messages)}" for key, messages in error.message_dict.items()]
        result.errors += [_row_error(line, message) for message in errors]
        remisser.append(remiss)
    if result.errors or dry_run:
        return result
    with transaction.atomic():
        for remiss in remisser:
            remiss.save()
    result.saved = len(remisser)
    return result
