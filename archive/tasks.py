"""The archive's Celery tasks: thin, idempotent (an export of unchanged data leaves the package
as it is)."""

from celery import shared_task

from . import services


@shared_task(name="archive.tasks.export_period")
def export_period(committee_pk: int, year: int) -> list[str]:
    """The delivery of one committee and year (the workspace's button queues it)."""
    return services.export_committee_period(committee_pk=committee_pk, year=year)


@shared_task(name="archive.tasks.export_previous_year")
def export_previous_year() -> list[str]:
    """Beat: every committee's delivery of the previous calendar year."""
    return services.export_previous_year()
