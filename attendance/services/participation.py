"""Närvaro and who takes part in each paragraph (§): arrivals, departures, jäv, quorum.

An Attendance row covers the paragraphs from `from_paragraph` to `to_paragraph` (open ends
mean from the start / to the end of the meeting), compared by the paragraphs' order in the
protokoll. A member with jäv in a § leaves it for that § only; the ersättare recorded on
the jäv serves in that § instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from attendance.models import Attendance, Disqualification
from committees.models import Assignment, Person
from meetings.models import Meeting, Paragraph

from .substitutes import meeting_date, substitutes_in_order


class QuorumResult(NamedTuple):
    """Beslutförhet in one §: how many tjänstgör, of how many ledamot seats."""

    serving: int
    seats: int
    ok: bool


def _covers(attendance: Attendance, paragraph: Paragraph) -> bool:
    first, last = attendance.from_paragraph, attendance.to_paragraph
    if first is not None and first.order > paragraph.order:
        return False
    if last is not None and last.order < paragraph.order:
        return False
    return True


def _serving_attendances(meeting: Meeting) -> list[Attendance]:
    return list(
        Attendance.objects.filter(meeting=meeting, status=Attendance.Status.PRESENT, serving=True)
        .select_related("person__party", "from_paragraph", "to_paragraph")
        .order_by("pk")
    )


def _serving_in(paragraph: Paragraph, attendances: list[Attendance], disqualifications) -> list[Person]:
    disqualified = {d.person_id for d in disqualifications}
    people = [a.person for a in attendances if _covers(a, paragraph) and a.person_id not in disqualified]
    for d in disqualifications:
        if d.substitute_id and d.substitute not in people:
            people.append(d.substitute)
    return people


def serving_members(*, paragraph: Paragraph) -> list[Person]:
    """Who takes part in the decision of a §: the tjänstgörande present in it (after arrivals
    and departures), without those with jäv, with the ersättare serving in their place."""
    disqualifications = list(paragraph.disqualifications.select_related("substitute__party"))
    return _serving_in(paragraph, _serving_attendances(paragraph.meeting), disqualifications)


def committee_seats(meeting: Meeting) -> int:
    """The number of ordinarie ledamot seats: current member assignments on the meeting day."""
    return meeting.committee.assignments.current(meeting_date(meeting)).members().count()


def _quorum(serving: int, seats: int) -> QuorumResult:
    return QuorumResult(serving=serving, seats=seats, ok=seats > 0 and serving * 2 > seats)


def quorum_for_paragraph(*, paragraph: Paragraph) -> QuorumResult:
    """Beslutförhet in a §: more than half of the ledamöter tjänstgör (KL 6 kap. 27 §)."""
    return _quorum(len(serving_members(paragraph=paragraph)), committee_seats(paragraph.meeting))


def meeting_quorum(*, meeting: Meeting) -> list[tuple[Paragraph, QuorumResult]]:
    """Every § of the meeting in protokoll order with its quorum."""
    seats = committee_seats(meeting)
    attendances = _serving_attendances(meeting)
    paragraphs = list(
        meeting.paragraphs.order_by("order", "number").prefetch_related("disqualifications__substitute")
    )
    return [
        (p, _quorum(len(_serving_in(p, attendances, list(p.disqualifications.all()))), seats))
        for p in paragraphs
    ]


def paragraphs_without_quorum(*, meeting: Meeting) -> list[Paragraph]:
    """The §§ of the meeting decided while not beslutför: the secretary is warned about them."""
    return [p for p, quorum in meeting_quorum(meeting=meeting) if not quorum.ok]


# --- The people summoned, and recording their närvaro ------------------------------------------


@dataclass
class SummonedPerson:
    """One row of the närvaro page: a kallad person, their role and their attendance so far."""

    person: Person
    capacity: str
    role: str
    attendance: Attendance | None


def _capacity_for(role: str) -> str:
    if role in Assignment.MEMBER_ROLES:
        return Attendance.Capacity.MEMBER
    if role == Assignment.Role.SUBSTITUTE:
        return Attendance.Capacity.SUBSTITUTE
    return Attendance.Capacity.OFFICIAL


_CAPACITY_ORDER = {
    Attendance.Capacity.MEMBER: 0,
    Attendance.Capacity.SUBSTITUTE: 1,
    Attendance.Capacity.OFFICIAL: 2,
    Attendance.Capacity.OTHER: 3,
}


def meeting_summoned_people(*, meeting: Meeting) -> list[SummonedPerson]:
    """Every kallad person of the meeting: current ledamöter, ersättare and officials (not the
    secretary), then anyone else with an attendance row; members in list order."""
    attendances = {
        a.person_id: a
        for a in Attendance.objects.filter(meeting=meeting).select_related(
            "person__party", "replaces__party", "from_paragraph", "to_paragraph"
        )
    }
    rows: list[SummonedPerson] = []
    seen: set[int] = set()
    assignments = (
        meeting.committee.assignments.current(meeting_date(meeting))
        .exclude(role=Assignment.Role.SECRETARY)
        .select_related("person__party")
    )
    for assignment in sorted(
        assignments,
        key=lambda a: (
            _CAPACITY_ORDER[_capacity_for(a.role)],
            0 if a.role == Assignment.Role.CHAIR else 1,
            a.substitute_order or 0,
            a.order,
            a.person.last_name,
        ),
    ):
        if assignment.person_id in seen:
            continue
        seen.add(assignment.person_id)
        rows.append(
            SummonedPerson(
                person=assignment.person,
                capacity=_capacity_for(assignment.role),
                role=assignment.get_role_display(),
                attendance=attendances.get(assignment.person_id),
            )
        )
    for person_id, attendance in attendances.items():
        if person_id not in seen:
            rows.append(
                SummonedPerson(
                    person=attendance.person,
                    capacity=attendance.capacity,
                    role=attendance.get_capacity_display(),
                    attendance=attendance,
                )
            )
    return rows


def _require_paragraph_of(meeting: Meeting, paragraph: Paragraph | None) -> None:
    if paragraph is not None and paragraph.meeting_id != meeting.pk:
        raise ValidationError(_("That § belongs to another meeting."), code="foreign_paragraph")


def _overlap(other: Attendance, first: Paragraph | None, last: Paragraph | None) -> bool:
    """Whether `other`'s § range overlaps first…last (open ends reach the meeting's ends)."""
    low = first.order if first else float("-inf")
    high = last.order if last else float("inf")
    other_low = other.from_paragraph.order if other.from_paragraph else float("-inf")
    other_high = other.to_paragraph.order if other.to_paragraph else float("inf")
    return low <= other_high and other_low <= high


@transaction.atomic
def attendance_record(
    *,
    meeting: Meeting,
    person: Person,
    present: bool,
    capacity: str | None = None,
    replaces: Person | None = None,
    from_paragraph: Paragraph | None = None,
    to_paragraph: Paragraph | None = None,
    arrived_at: time | None = None,
    left_at: time | None = None,
    note: str | None = None,
) -> Attendance:
    """Record one person's närvaro at a meeting (one row per person and meeting).

    A present ledamot tjänstgör; a present ersättare tjänstgör when they serve for someone.
    Arrival and departure are given as the first and last § the person took part in, and
    as clock times; `note` (None keeps the row's note) is a free remark. Refused once the
    protokoll is frozen.
    """
    existing = Attendance.objects.filter(meeting=meeting, person=person).first()
    if capacity is None:
        on = meeting_date(meeting)
        roles = list(
            meeting.committee.assignments.current(on).filter(person=person).values_list("role", flat=True)
        )
        capacity = (
            existing.capacity
            if existing
            else (_capacity_for(roles[0]) if roles else Attendance.Capacity.OTHER)
        )
        if any(role in Assignment.MEMBER_ROLES for role in roles):
            capacity = Attendance.Capacity.MEMBER
    _require_paragraph_of(meeting, from_paragraph)
    _require_paragraph_of(meeting, to_paragraph)
    errors = {}
    if replaces is not None:
        if replaces == person:
            errors["replaces"] = ValidationError(_("A person cannot serve for themselves."), code="self")
        elif capacity != Attendance.Capacity.SUBSTITUTE:
            errors["replaces"] = ValidationError(
                _("Only an ersättare serves for a ledamot."), code="not_substitute"
            )
        elif any(
            _overlap(other, from_paragraph, to_paragraph)
            for other in Attendance.objects.filter(
                meeting=meeting, replaces=replaces, status=Attendance.Status.PRESENT
            )
            .exclude(person=person)
            .select_related("from_paragraph", "to_paragraph")
        ):
            errors["replaces"] = ValidationError(
                _("Another ersättare already serves for %(person)s."),
                code="already_replaced",
                params={"person": replaces.display_name},
            )
    if from_paragraph and to_paragraph and from_paragraph.order > to_paragraph.order:
        errors["to_paragraph"] = ValidationError(
            _("The last § comes before the first §."), code="paragraph_order"
        )
    if arrived_at and left_at and left_at < arrived_at:
        errors["left_at"] = ValidationError(_("Left before arriving."), code="time_order")
    if errors:
        raise ValidationError(errors)
    serving = present and (
        capacity == Attendance.Capacity.MEMBER
        or (capacity == Attendance.Capacity.SUBSTITUTE and replaces is not None)
    )
    attendance = existing or Attendance(meeting=meeting, person=person)
    attendance.status = Attendance.Status.PRESENT if present else Attendance.Status.ABSENT
    attendance.capacity = capacity
    attendance.serving = serving
    attendance.replaces = replaces if present else None
    attendance.from_paragraph = from_paragraph if present else None
    attendance.to_paragraph = to_paragraph if present else None
    attendance.arrived_at = arrived_at if present else None
    attendance.left_at = left_at if present else None
    if note is not None:
        attendance.note = note.strip()
    attendance.full_clean(validate_unique=False, validate_constraints=False)
    attendance.save()
    return attendance


# --- Jäv ------------------------------------------------------------------------------------


@transaction.atomic
def disqualification_record(
    *, paragraph: Paragraph, person: Person, reason: str = "", substitute: Person | None = None
) -> Disqualification:
    """Record jäv: `person` takes no part in the handling of this § only.

    The ersättare who serves in their place is `substitute`, or when None the first present
    ersättare not already serving in the § in the committee's order (none when nobody is
    free: the § is then decided without that seat). Refused for someone not serving in the §.
    """
    paragraph = Paragraph.objects.select_related("meeting__committee").get(pk=paragraph.pk)
    meeting = paragraph.meeting
    existing = Disqualification.objects.filter(paragraph=paragraph, person=person).first()
    others = list(paragraph.disqualifications.exclude(person=person).select_related("substitute"))
    serving = _serving_in(paragraph, _serving_attendances(meeting), others)
    if person not in serving:
        raise ValidationError(
            _("%(person)s does not take part in %(paragraph)s and cannot declare jäv in it."),
            code="not_serving",
            params={"person": person.display_name, "paragraph": paragraph.label},
        )
    present_ids = set(
        Attendance.objects.filter(meeting=meeting, status=Attendance.Status.PRESENT).values_list(
            "person_id", flat=True
        )
    )
    free = [
        p
        for p in substitutes_in_order(
            committee=meeting.committee, on=meeting_date(meeting), for_person=person
        )
        if p.pk in present_ids and p not in serving
    ]
    if substitute is None:
        substitute = free[0] if free else None
    elif substitute not in free:
        raise ValidationError(
            _("%(substitute)s is not a present ersättare free to serve in %(paragraph)s."),
            code="substitute_unavailable",
            params={"substitute": substitute.display_name, "paragraph": paragraph.label},
        )
    disqualification = existing or Disqualification(paragraph=paragraph, person=person)
    disqualification.reason = reason.strip()
    disqualification.substitute = substitute
    disqualification.full_clean(validate_unique=False, validate_constraints=False)
    disqualification.save()
    return disqualification
