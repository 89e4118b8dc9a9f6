"""Tasks that keep the stored public pages (portal.prerender): thin, idempotent entry points.
Enqueued on commit by `portal.prerender_signals` and on a reader's miss."""

from celery import shared_task

from .prerender import prerender_all, prerender_meeting

__all__ = ["prerender_all_task", "prerender_meeting_task"]


@shared_task(acks_late=True, max_retries=3, default_retry_delay=10)
def prerender_meeting_task(meeting_id: int) -> dict:
    """(Re)render the stored pages of one meeting, or delete them if it is not published."""
    return prerender_meeting(meeting_id=meeting_id)


@shared_task(acks_late=True)
def prerender_all_task() -> dict:
    """Render the stored pages of every published protokoll (as `manage.py portal_prerender`)."""
    return prerender_all()
