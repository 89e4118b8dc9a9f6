"""Beat tasks of the anslagstavla (CELERY_BEAT_SCHEDULE in config/settings.py): thin and
idempotent, each one service call in meetings/services.py.

The anslag of a justerat protokoll itself is posted by `meetings.tasks.post_anslag`, enqueued
when the last signature makes the protokoll justerat."""

from celery import shared_task

__all__ = ["alert_unposted_protokoll", "take_down_due_anslag"]


@shared_task(acks_late=True)
def take_down_due_anslag() -> list[int]:
    """Take down every anslag whose appeal period (or notice time) is over; it moves to the
    archive and its meeting to "anslag taken down". Returns the ids taken down now."""
    from meetings.services import anslag_take_down_due

    return anslag_take_down_due()


@shared_task(acks_late=True)
def alert_unposted_protokoll() -> list[int]:
    """E-mail the secretaries once about each protokoll justerat over a day ago whose anslag is
    not posted. Returns the ids of the justeringar alerted now."""
    from meetings.services import justering_alert_unposted, justeringar_unposted

    pending = list(justeringar_unposted().values_list("pk", flat=True))
    return [pk for pk in pending if justering_alert_unposted(justering_id=pk)]
