"""Tasks that keep the search index up to date: thin, idempotent entry points into
`portal.search`. Enqueued on commit by `portal.signals`."""

from celery import shared_task
from django.db import IntegrityError

from meetings.models import Meeting

from .search import search_index_meeting, search_reindex_all

__all__ = ["index_meeting", "reindex_all"]


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=10)
def index_meeting(self, meeting_id: int) -> dict:
    """(Re)build the search entries of one meeting; running it twice writes nothing twice."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:  # deleted meanwhile: its entries went with it (on_delete=CASCADE)
        return {"written": 0, "removed": 0}
    try:
        return search_index_meeting(meeting=meeting)
    except IntegrityError as error:
        # Another meeting's task wrote the same shared handling or case at the same moment.
        raise self.retry(exc=error) from error


@shared_task(acks_late=True)
def reindex_all() -> dict:
    """Rebuild the whole index (as `manage.py search_reindex`)."""
    return search_reindex_all()
