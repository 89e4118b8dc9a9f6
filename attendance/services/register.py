"""People missing from the register, added by the secretary: one at a time from the attendance
grid, or a whole member list imported from CSV or XLSX with a dry run first.

A person is matched by name (and party, when one is given) before a new one is created, so an
import run twice or a name typed again does not make duplicates; a name matching several
people is refused rather than guessed. A role in the committee becomes an Assignment (an
ersättare after the committee's last one); the secretary role is not given here, since it
decides who administers the committee. A guest gets only an attendance at the meeting, with
the capacity "övrig närvarande".
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attendance.models import Attendance
from committees.models import Assignment, Committee, Party, Person
from meetings.models import Meeting

from .grid import _require_unlocked
from .participation import attendance_record
from .substitutes import meeting_date

GUEST = "gast"

# The roles a secretary gives here: every uppdrag but the secretary's own.
COMMITTEE_ROLES = [
    (value, label) for value, label in Assignment.Role.choices if value != Assignment.Role.SECRETARY
]
ADD_ROLES = [(GUEST, gettext_lazy("guest (övrig närvarande)")), *COMMITTEE_ROLES]

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 2000


# --- Finding or creating the person ------------------------------------------------------------


def person_match(*, first_name: str, last_name: str, party: Party | None) -> tuple[Person | None, int]:
    """The one person of the register with this name (and party, when given), and how many
    matched: (person, 1), (None, 0) for nobody, (None, n) when the name is ambiguous."""
    people = Person.objects.filter(first_name__iexact=first_name.strip(), last_name__iexact=last_name.strip())
    if party is not None:
        people = people.filter(party=party)
    found = list(people[:2])
    if len(found) == 1:
        return found[0], 1
    return None, len(found)


PARTICLES = {"af", "av", "de", "del", "della", "di", "du", "la", "le", "van", "von", "der", "den"}


def split_name(name: str) -> tuple[str, str]:
    """ "Anna Maria Ek" → ("Anna Maria", "Ek"); "Ek, Anna Maria" → ("Anna Maria", "Ek");
    "Rachel De Basso" → ("Rachel", "De Basso") (a particle belongs to the last name)."""
    name = " ".join(name.split())
    if "," in name:
        last, _sep, first = name.partition(",")
        return first.strip(), last.strip()
    words = name.split(" ")
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].lower() in PARTICLES:
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])


def person_match_name(*, name: str, party: Party | None) -> tuple[Person | None, int]:
    """`person_match` for a whole name as a list writes it, whichever of its words make the
    last name ("Mari Karlsson Nyborg" is found as Karlsson Nyborg or as Nyborg)."""
    name = " ".join(name.split())
    if "," in name:
        first, last = split_name(name)
        return person_match(first_name=first, last_name=last, party=party)
    words = name.split(" ")
    found: dict[int, Person] = {}
    for cut in range(1, len(words)):
        people = Person.objects.filter(
            first_name__iexact=" ".join(words[:cut]), last_name__iexact=" ".join(words[cut:])
        )
        if party is not None:
            people = people.filter(party=party)
        for person in people[:3]:
            found[person.pk] = person
    if len(found) == 1:
        return next(iter(found.values())), 1
    return None, len(found)


def _assignment_ensure(*, committee: Committee, person: Person, role: str, on) -> tuple[Assignment, bool]:
    current = committee.assignments.current(on).filter(person=person, role=role).first()
    if current is not None:
        return current, False
    substitute_order = None
    if role == Assignment.Role.SUBSTITUTE:
        last = committee.assignments.current(on).substitutes().aggregate(m=Max("substitute_order"))["m"]
        substitute_order = (last or 0) + 1
    order = (committee.assignments.aggregate(m=Max("order"))["m"] or 0) + 1
    assignment = Assignment(
        person=person, committee=committee, role=role, substitute_order=substitute_order, order=order
    )
    assignment.full_clean(validate_unique=False, validate_constraints=False)
    assignment.save()
    return assignment, True


@transaction.atomic
def meeting_person_add(
    *,
    meeting: Meeting,
    first_name: str,
    last_name: str,
    role: str,
    party: Party | None = None,
    organisation: str = "",
    present: bool = True,
) -> tuple[Person, bool]:
    """Add someone to the meeting's attendance grid; returns (person, created).

    The person of the register with this name (and party) is used when there is exactly one,
    else a new Person is created. A committee role gives an Assignment (from now on kallad to
    the committee's meetings), a guest an attendance with the capacity "övrig närvarande";
    `present` records them present at once. Refused once the protokoll is frozen."""
    _require_unlocked(meeting)
    if role not in {value for value, _label in ADD_ROLES}:
        raise ValidationError({"role": _("Choose a role.")}, code="role")
    first_name, last_name = first_name.strip(), last_name.strip()
    if not first_name or not last_name:
        raise ValidationError(_("Give both first and last name."), code="name")
    person, count = person_match(first_name=first_name, last_name=last_name, party=party)
    if count > 1:
        raise ValidationError(
            _("%(count)s people in the register are called %(name)s; give the party to tell them apart.")
            % {"count": count, "name": f"{first_name} {last_name}"},
            code="ambiguous",
        )
    created = person is None
    if created:
        person = Person(
            first_name=first_name, last_name=last_name, party=party, represents=organisation.strip()
        )
        person.full_clean()
        person.save()
    if role == GUEST:
        attendance_record(meeting=meeting, person=person, present=present, capacity=Attendance.Capacity.OTHER)
    else:
        _assignment_ensure(committee=meeting.committee, person=person, role=role, on=meeting_date(meeting))
        if present:
            attendance_record(meeting=meeting, person=person, present=True)
    return person, created


# --- Importing a member list -----------------------------------------------------------------

COLUMNS = {
    "name": ("name", "namn", "för- och efternamn"),
    "organisation": ("organisation", "organization", "org", "kommun", "företräder", "represents"),
    "role": ("role", "roll", "uppdrag"),
    "party": ("party", "parti"),
}
REQUIRED_COLUMNS = ("name", "role")

ROLE_WORDS = {
    "ordf": Assignment.Role.CHAIR,
    "ordf.": Assignment.Role.CHAIR,
    "chair": Assignment.Role.CHAIR,
    "vice ordförande": Assignment.Role.FIRST_VICE_CHAIR,
    "1:e vice ordf.": Assignment.Role.FIRST_VICE_CHAIR,
    "2:e vice ordf.": Assignment.Role.SECOND_VICE_CHAIR,
    "ordinarie ledamot": Assignment.Role.MEMBER,
    "ordinarie": Assignment.Role.MEMBER,
    "member": Assignment.Role.MEMBER,
    "ersattare": Assignment.Role.SUBSTITUTE,
    "substitute": Assignment.Role.SUBSTITUTE,
    "tjänsteman": Assignment.Role.OFFICIAL,
    "tjänsteperson": Assignment.Role.OFFICIAL,
    "official": Assignment.Role.OFFICIAL,
    "adjungerad": Assignment.Role.ADJUNCT,
    "insynsplats": Assignment.Role.ADJUNCT,
    "regionråd": Assignment.Role.COUNCILLOR,
    "kommunalråd": Assignment.Role.COUNCILLOR,
}


def _role_of(text: str) -> str | None:
    word = " ".join(text.lower().split())
    for value, label in COMMITTEE_ROLES:
        if word in (value, str(label).lower()):
            return value
    return ROLE_WORDS.get(word)


def _header_map(header: list[str]) -> dict[str, int]:
    found = {}
    for index, cell in enumerate(header):
        word = " ".join(str(cell or "").lower().split())
        for column, names in COLUMNS.items():
            if word in names and column not in found:
                found[column] = index
    missing = [c for c in REQUIRED_COLUMNS if c not in found]
    if missing:
        raise ValidationError(
            _(
                "The first row must name the columns; missing: %(missing)s (found: %(found)s). "
                "Expected columns: name, organisation, role, party."
            )
            % {
                "missing": ", ".join(missing),
                "found": ", ".join(str(c) for c in header if str(c or "").strip()) or _("nothing"),
            },
            code="missing_columns",
        )
    return found


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise ValidationError(_("The file is not a CSV text file."), code="not_csv")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ValidationError(
            _("The file could not be read as an Excel workbook (XLSX)."), code="not_xlsx"
        ) from error
    sheet = workbook.worksheets[0]
    rows = [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def member_list_read(*, name: str, data: bytes) -> list[dict]:
    """The rows of an uploaded member list (CSV or XLSX, the first row naming the columns) as
    records {line, name, organisation, role, party}; a file that is not one raises a
    ValidationError saying why. Empty rows are left out."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(_("The file is larger than 2 MB."), code="too_large")
    kind = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if kind == "csv":
        rows = _csv_rows(data)
    elif kind == "xlsx":
        rows = _xlsx_rows(data)
    else:
        raise ValidationError(
            _("Upload a CSV file (.csv) or an Excel workbook (.xlsx); %(name)s is neither.") % {"name": name},
            code="file_type",
        )
    numbered = [(line, row) for line, row in enumerate(rows, start=1) if any(str(c).strip() for c in row)]
    if not numbered:
        raise ValidationError(_("The file is empty."), code="empty")
    columns = _header_map(numbered[0][1])
    if len(numbered) == 1:
        raise ValidationError(_("The file has column names but no people."), code="no_rows")
    if len(numbered) - 1 > MAX_IMPORT_ROWS:
        raise ValidationError(
            _("The file has more than %(max)s rows.") % {"max": MAX_IMPORT_ROWS}, code="too_many_rows"
        )
    records = []
    for line, row in numbered[1:]:
        record = {"line": line}
        for column in COLUMNS:
            index = columns.get(column)
            cell = row[index] if index is not None and index < len(row) else ""
            record[column] = " ".join(str(cell).split())
        records.append(record)
    return records


@dataclass
class ImportRow:
    """One row of the member list and what importing it does."""

    CREATE = "create"  # a new person with the role
    MATCH = "match"  # a person of the register gets the role
    EXISTS = "exists"  # already has the role: nothing to do
    REJECT = "reject"

    line: int
    name: str
    organisation: str
    role: str
    party: str
    outcome: str = REJECT
    message: str = ""
    role_value: str = ""

    @property
    def rejected(self) -> bool:
        return self.outcome == self.REJECT


def member_list_plan(*, committee: Committee, records: list[dict], on=None) -> list[ImportRow]:
    """The dry run: for every record, whether it creates a person, gives a person of the register
    the role, is already in the committee, or is rejected (and why). Changes nothing."""
    parties = {}
    for party in Party.objects.all():
        parties[party.abbreviation.lower()] = party
        parties[party.name.lower()] = party
    plan, seen = [], {}
    for record in records:
        row = ImportRow(
            line=int(record["line"]),
            name=str(record.get("name", "")),
            organisation=str(record.get("organisation", "")),
            role=str(record.get("role", "")),
            party=str(record.get("party", "")),
        )
        plan.append(row)
        first, last = split_name(row.name)
        role = _role_of(row.role) if row.role else None
        party = parties.get(row.party.lower()) if row.party else None
        if not first or not last:
            row.message = _("Give first and last name.")
            continue
        if len(first) > 100 or len(last) > 100 or len(row.organisation) > 200:
            row.message = _("The name or organisation is too long.")
            continue
        if not row.role:
            row.message = _("No role.")
            continue
        if role is None:
            row.message = _("Unknown role “%(role)s”.") % {"role": row.role}
            continue
        if row.party and party is None:
            row.message = _("Unknown party “%(party)s”: add it to the register first.") % {"party": row.party}
            continue
        key = (first.lower(), last.lower(), role)
        if key in seen:
            row.message = _("The same person and role as row %(line)s.") % {"line": seen[key]}
            continue
        seen[key] = row.line
        row.role_value = role
        person, count = person_match_name(name=row.name, party=party)
        if count > 1:
            row.message = _("%(count)s people in the register have this name; give the party.") % {
                "count": count
            }
        elif person is None:
            row.outcome = ImportRow.CREATE
            row.message = _("New person.")
        elif committee.assignments.current(on).filter(person=person, role=role).exists():
            row.outcome = ImportRow.EXISTS
            row.message = _("Already in the committee with this role.")
        else:
            row.outcome = ImportRow.MATCH
            row.message = _("Found in the register: gets the role.")
    return plan


@transaction.atomic
def member_list_import(*, committee: Committee, records: list[dict], on=None) -> list[ImportRow]:
    """Import the member list: the dry run again (the register may have changed since), then
    every row it accepts, in one transaction; rejected rows are skipped, as the dry run said."""
    plan = member_list_plan(committee=committee, records=records, on=on)
    parties = {}
    for party in Party.objects.all():
        parties[party.abbreviation.lower()] = party
        parties[party.name.lower()] = party
    for row in plan:
        if row.outcome not in (ImportRow.CREATE, ImportRow.MATCH):
            continue
        first, last = split_name(row.name)
        party = parties.get(row.party.lower()) if row.party else None
        person, _count = person_match_name(name=row.name, party=party)
        if person is None:
            person = Person(first_name=first, last_name=last, party=party, represents=row.organisation)
            person.full_clean()
            person.save()
        _assignment_ensure(committee=committee, person=person, role=row.role_value, on=on)
    return plan


def plan_as_records(plan: list[ImportRow]) -> list[dict]:
    return [
        {k: v for k, v in asdict(row).items() if k in ("line", "name", "organisation", "role", "party")}
        for row in plan
    ]
