"""Celery tasks of the OParl API: thin and idempotent."""

from celery import shared_task
from django.core.cache import cache

from .records import records_refresh

LOCK = "oparl.records_refresh.lock"


@shared_task(acks_late=True)
def refresh_records() -> dict | None:
    """Bring the OParl records up to date (`oparl.records.records_refresh`). One run at a time:
    a run that finds another one busy does nothing (the next commit or beat run catches up)."""
    if not cache.add(LOCK, True, timeout=600):
        return None
    try:
        return records_refresh()
    finally:
        cache.delete(LOCK)
