"""Delegationsordning and delegationsbeslut: which points a decision maker may use, the
decision maker's running number ("§8/2022"), registration and anmälan.

Matching rule (who may decide under a point): a point is delegated to a decision maker
when its `delegate_role` equals, ignoring case and surrounding spaces, the person's
`Person.title` or the `title` of one of their assignments valid on the decision date.
A point can be used on a date when its delegationsordning was decided on or before that
date and the point has not been replaced (`valid_to` empty or on/after the date).
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext as _

from committees.models import Committee, Person

from ..models import Case, DecisionMakerSeries, DelegatedDecision, DelegationPoint, Document


def _normalise(role: str) -> str:
    return " ".join((role or "").split()).casefold()


def person_delegate_roles(*, person: Person, on: date) -> set[str]:
    """The roles (normalised titles) a person holds on a date: their title and assignment titles."""
    roles = {_normalise(person.title)}
    roles |= {_normalise(title) for title in person.assignments.current(on).values_list("title", flat=True)}
    roles.discard("")
    return roles


def delegation_points_valid_on(*, on: date, committee: Committee | None = None) -> QuerySet[DelegationPoint]:
    """The delegationsordning points in force on a date."""
    points = DelegationPoint.objects.filter(decided_on__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    if committee is not None:
        points = points.filter(committee=committee)
    return points


def delegation_points_for_decision_maker(
    *, person: Person, on: date, committee: Committee | None = None
) -> QuerySet[DelegationPoint]:
    """The points in force on a date that are delegated to the person's role (module docstring)."""
    roles = person_delegate_roles(person=person, on=on)
    points = delegation_points_valid_on(on=on, committee=committee)
    ids = [point.pk for point in points if _normalise(point.delegate_role) in roles]
    return DelegationPoint.objects.filter(pk__in=ids).select_related("committee")


def delegation_point_check(*, point: DelegationPoint, decision_maker: Person, decided_on: date) -> None:
    """Raise a ValidationError unless the decision maker may decide under the point on the date."""
    if point.decided_on > decided_on or (point.valid_to and point.valid_to < decided_on):
        raise ValidationError(
            _("Point %(code)s was not in force on %(date)s."),
            code="point_not_in_force",
            params={"code": point.code, "date": decided_on.isoformat()},
        )
    if _normalise(point.delegate_role) not in person_delegate_roles(person=decision_maker, on=decided_on):
        raise ValidationError(
            _('Point %(code)s is delegated to "%(role)s"; %(person)s does not hold that role.'),
            code="point_not_delegated",
            params={"code": point.code, "role": point.delegate_role, "person": decision_maker.full_name},
        )


def delegated_decision_allocate_number(*, person: Person, year: int) -> int:
    """The decision maker's next running number for a year, gapless and unique under concurrency.

    Must run inside the transaction that creates the decision: the counter row stays
    locked until it commits, and a rollback gives the number back.
    """
    for _attempt in range(3):
        try:
            with transaction.atomic():
                DecisionMakerSeries.objects.get_or_create(person=person, year=year)
            break
        except IntegrityError:  # another transaction created it first; lock theirs
            continue
    series = DecisionMakerSeries.objects.select_for_update().get(person=person, year=year)
    highest = (
        DelegatedDecision.objects.filter(decision_maker=person, year=year).aggregate(
            m=Max("decision_maker_number")
        )["m"]
        or 0
    )
    series.last_number = max(series.last_number, highest) + 1
    series.save(update_fields=["last_number"])
    return series.last_number


@transaction.atomic
def delegated_decision_register(
    *,
    point: DelegationPoint,
    decision_maker: Person,
    decided_on: date,
    description: str,
    counterpart: str = "",
    case: Case | None = None,
    responsible: Person | None = None,
    document: Document | None = None,
    registration_id: str = "",
    registered_by=None,
) -> DelegatedDecision:
    """Register a delegationsbeslut under a point delegated to the decision maker's role; it
    gets the decision maker's next running number of the year ("§8/2022")."""
    delegation_point_check(point=point, decision_maker=decision_maker, decided_on=decided_on)
    if not (description or "").strip():
        raise ValidationError(_("Describe the decision."), code="description_missing")
    number = delegated_decision_allocate_number(person=decision_maker, year=decided_on.year)
    decision = DelegatedDecision(
        point=point,
        decision_maker=decision_maker,
        decided_on=decided_on,
        year=decided_on.year,
        decision_maker_number=number,
        description=description.strip(),
        counterpart=counterpart,
        case=case,
        responsible=responsible,
        document=document,
        registration_id=registration_id,
    )
    decision.full_clean()
    decision.save()
    return decision


@transaction.atomic
def delegated_decisions_record_reported(*, meeting) -> int:
    """Once the protokoll with the anmälan is justerat: each decision listed at the meeting
    records the § of the agenda item that generated the list. Idempotent; returns how many
    decisions were recorded now. A decision already recorded in a § keeps it.

    Call it when the meeting becomes justerat (e.g. from `meetings.tasks.post_anslag`).
    """
    from meetings.models import GeneratedList, Paragraph

    if meeting.status not in meeting.Status.JUSTERAT_OR_LATER:
        raise ValidationError(
            _("The delegationsbeslut are recorded as reported once the protokoll is justerat."),
            code="not_justerat",
        )
    paragraph = (
        Paragraph.objects.filter(meeting=meeting, agenda_item__generates=GeneratedList.DELEGATED_DECISIONS)
        .order_by("number")
        .first()
    )
    if paragraph is None:
        return 0
    return DelegatedDecision.objects.filter(
        reported_at_meeting=meeting, reported_in_paragraph__isnull=True
    ).update(reported_in_paragraph=paragraph)
