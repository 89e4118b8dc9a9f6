"""The archive delivery as the task and the workspace call it."""

from __future__ import annotations

import logging

from django.utils import timezone

from committees.models import Committee
from meetings.models import Meeting

from .export import ExportError, archive_dir, earkiv_export, expected_package_id
from .selection import Period

logger = logging.getLogger(__name__)


def export_committee_period(*, committee_pk: int, year: int) -> list[str]:
    """Export one committee's year; returns the package folders. An export that fails is logged
    and leaves nothing behind (archive/export.py)."""
    committee = Committee.objects.select_related("organisation").get(pk=committee_pk)
    try:
        packages = earkiv_export(committee, Period.of(year))
    except ExportError:
        logger.exception("The archive export of %s %s failed", committee, year)
        raise
    return [str(package.path) for package in packages]


def export_previous_year() -> list[str]:
    """Each committee with a justerat protokoll last year gets (or keeps) its delivery."""
    year = timezone.localdate().year - 1
    committees = (
        Committee.objects.filter(
            meetings__status__in=Meeting.Status.JUSTERAT_OR_LATER,
            meetings__start__year=year,
        )
        .distinct()
        .order_by("pk")
    )
    written = []
    for committee in committees:
        try:
            written += export_committee_period(committee_pk=committee.pk, year=year)
        except ExportError:
            continue  # logged; the next committee's delivery still runs
    return written


def committee_years(committee: Committee) -> list[int]:
    """The years in which the committee has a justerat protokoll, newest first."""
    starts = Meeting.objects.filter(committee=committee, status__in=Meeting.Status.JUSTERAT_OR_LATER).dates(
        "start", "year", order="DESC"
    )
    return [day.year for day in starts]


def delivered(committee: Committee, year: int) -> bool:
    return (archive_dir() / expected_package_id(committee, Period.of(year))).is_dir()


def export_request(*, committee: Committee, year: int) -> bool:
    """Queue the year's export (the workspace's button). False when the broker cannot be reached:
    nothing was queued and nothing is half done; the secretary is told to try again."""
    from kombu.exceptions import OperationalError

    # The tasks import these services, so the task is imported here (docs/architecture.md).
    from .tasks import export_period

    try:
        export_period.delay(committee.pk, year)
    except (OperationalError, RuntimeError):  # RuntimeError: the result backend is unreachable
        logger.exception("The archive export of %s %s could not be queued", committee, year)
        return False
    return True
