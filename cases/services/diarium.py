"""Services for ärenden: diarienummer allocation and registration."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from committees.models import Committee, Organisation, Person

from ..models import DIARIENUMMER_RE, Case, DiariumSeries


def diarienummer_parse(text: str) -> tuple[str, int, int]:
    """Split "RJL 2022/2018" into ("RJL", 2022, 2018); a clear error for anything else."""
    match = DIARIENUMMER_RE.match((text or "").strip())
    if not match:
        raise ValidationError(
            _('"%(value)s" is not a diarienummer. Write it as PREFIX YEAR/NUMBER, e.g. "RJL 2022/2018".'),
            code="invalid_diarienummer",
            params={"value": text},
        )
    year = int(match["year"])
    if not 1900 <= year <= 2999:
        raise ValidationError(
            _("The year of a diarienummer must be a four-digit year."), code="invalid_diarienummer"
        )
    return match["prefix"], year, int(match["serial"])


def _lock_series(*, organisation: Organisation, year: int) -> DiariumSeries:
    """Lock (creating if needed) the counter row of one prefix and year."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                series, _created = DiariumSeries.objects.get_or_create(organisation=organisation, year=year)
            break
        except IntegrityError:  # another transaction created it first; lock theirs
            continue
    return DiariumSeries.objects.select_for_update().get(organisation=organisation, year=year)


def case_allocate_serial(*, organisation: Organisation, year: int) -> int:
    """The next serial of the diarium for a year, gapless and unique under concurrency.

    Must run inside the transaction that creates the case: the counter row stays
    locked until it commits, and a rollback gives the number back.
    """
    series = _lock_series(organisation=organisation, year=year)
    highest = (
        Case.objects.filter(prefix=organisation.diarium_prefix, year=year).aggregate(m=Max("serial"))["m"]
        or 0
    )
    series.last_serial = max(series.last_serial, highest) + 1
    series.save(update_fields=["last_serial"])
    return series.last_serial


@transaction.atomic
def case_register(
    *,
    organisation: Organisation,
    title: str,
    diarienummer: str = "",
    registered_on: date | None = None,
    committee: Committee | None = None,
    responsible: Person | None = None,
    confidential: bool = False,
    osl_reference: str = "",
) -> Case:
    """Register an ärende. Without a diarienummer the next one is allocated; with one
    (registered elsewhere), it is validated and must be unused."""
    registered_on = registered_on or timezone.localdate()
    if diarienummer:
        prefix, year, serial = diarienummer_parse(diarienummer)
        if Case.objects.filter(prefix=prefix, year=year, serial=serial).exists():
            raise ValidationError(
                _("Diarienummer %(number)s is already in use."),
                code="duplicate_diarienummer",
                params={"number": diarienummer.strip()},
            )
    else:
        prefix, year = organisation.diarium_prefix, registered_on.year
        serial = case_allocate_serial(organisation=organisation, year=year)
    case = Case(
        organisation=organisation,
        prefix=prefix,
        year=year,
        serial=serial,
        title=title,
        registered_on=registered_on,
        committee=committee,
        responsible=responsible,
        confidential=confidential,
        osl_reference=osl_reference,
    )
    case.full_clean()
    case.save()
    return case
