"""Celery tasks of the OParl API: thin and idempotent."""

from celery import shared_task
from django.core.cache import cache

from .records import records_refresh

LOCK = "oparl.records_refresh.lock"
# Set while a refresh is queued and has not started: commits meanwhile queue no other one
# (oparl/signals.py), so a burst of commits (an import, the demo) costs one or two runs.
PENDING = "oparl.records_refresh.pending"


@shared_task(acks_late=True)
def refresh_records() -> dict | None:
    """Bring the OParl records up to date (`oparl.records.records_refresh`). One run at a time:
    a run that finds another one busy does nothing (the next commit or beat run catches up)."""
    cache.delete(PENDING)  # from now on a commit queues the next run: this one may not see it
    if not cache.add(LOCK, True, timeout=600):
        return None
    try:
        return records_refresh()
    finally:
        cache.delete(LOCK)
