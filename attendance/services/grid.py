"""The närvaro of a whole meeting at once: the attendance grid of the secretary's workspace.

Every kallad person is one row (`attendance_grid_rows`); `attendance_grid_save` records all
rows in one transaction through `participation.attendance_record`, so its rules (who may serve
for whom, no two ersättare serving for the same ledamot in overlapping §§, § and time order,
the frozen protokoll) apply row by row. When any row is refused, nothing is saved and the
errors come back per person, so the page can show them next to the rows the secretary typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from attendance.models import Attendance
from committees.models import Assignment, Person
from meetings.models import Meeting, Paragraph, ProtokollLockedError

from .participation import _CAPACITY_ORDER, SummonedPerson, attendance_record, meeting_summoned_people


def attendance_grid_rows(*, meeting: Meeting) -> list[SummonedPerson]:
    """The grid's rows: the kallade of `meeting_summoned_people` (ledamöter, ersättare in their
    order, tjänstepersoner, anyone else with an attendance row) and the meeting's secretary,
    who is not kallad through an uppdrag but is present at the meeting."""
    rows = meeting_summoned_people(meeting=meeting)
    secretary = meeting.secretary
    if secretary is not None and all(row.person.pk != secretary.pk for row in rows):
        rows.append(
            SummonedPerson(
                person=secretary,
                capacity=Attendance.Capacity.OFFICIAL,
                role=Assignment.Role.SECRETARY.label,
                attendance=None,
            )
        )
    rows.sort(key=lambda row: _CAPACITY_ORDER[row.capacity])  # stable: each group in its order
    return rows


@dataclass
class GridEntry:
    """What the secretary entered in one row of the grid."""

    person: Person
    capacity: str
    present: bool
    serving: bool = False
    replaces: Person | None = None
    from_paragraph: Paragraph | None = None
    to_paragraph: Paragraph | None = None
    arrived_at: time | None = None
    left_at: time | None = None
    note: str = ""
    existing: Attendance | None = field(default=None, repr=False)

    @property
    def untouched_absent(self) -> bool:
        """Absent, never recorded and nothing entered: no attendance row is created for it."""
        return self.existing is None and not self.present and not self.note.strip()


def _require_unlocked(meeting: Meeting) -> None:
    if Meeting.objects.filter(pk=meeting.pk, status__in=Meeting.Status.FROZEN).exists():
        raise ProtokollLockedError(
            _("The protokoll has been sent for justering; it can no longer be changed."),
            code="protokoll_locked",
        )


def attendance_grid_save(
    *, meeting: Meeting, entries: list[GridEntry], commit: bool = True
) -> dict[int, ValidationError]:
    """Record every row of the grid in one transaction; returns the errors by person pk.

    When the dict is not empty nothing was saved. Rows that give up serving for someone are
    saved before the rows that take it up, so moving "tjänstgör för" from one ersättare to
    another in one save is not refused as two ersättare serving for the same ledamot.
    A present ersättare marked as serving must say for whom. With `commit=False` the rows
    are checked and nothing is kept (the page has errors of its own in other rows). Refused
    as a whole (ProtokollLockedError) once the protokoll is frozen.
    """
    _require_unlocked(meeting)
    errors: dict[int, ValidationError] = {}
    ordered = sorted(entries, key=lambda e: e.present and e.replaces is not None)
    with transaction.atomic():
        for entry in ordered:
            if entry.untouched_absent:
                continue
            if (
                entry.present
                and entry.serving
                and entry.capacity == Attendance.Capacity.SUBSTITUTE
                and entry.replaces is None
            ):
                errors[entry.person.pk] = ValidationError(
                    {
                        "replaces": ValidationError(
                            _("Choose whom the ersättare serves for."), code="serving_for_nobody"
                        )
                    }
                )
                continue
            try:
                attendance_record(
                    meeting=meeting,
                    person=entry.person,
                    present=entry.present,
                    capacity=entry.existing.capacity if entry.existing else entry.capacity,
                    replaces=entry.replaces if entry.present else None,
                    from_paragraph=entry.from_paragraph,
                    to_paragraph=entry.to_paragraph,
                    arrived_at=entry.arrived_at,
                    left_at=entry.left_at,
                    note=entry.note,
                )
            except ValidationError as error:
                errors[entry.person.pk] = error
        if errors or not commit:
            transaction.set_rollback(True)
    return errors
