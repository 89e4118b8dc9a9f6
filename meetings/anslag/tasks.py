"""Beat tasks of the anslagstavla (CELERY_BEAT_SCHEDULE in config/settings.py): thin and
idempotent, each one call of a rule in meetings/anslag/rules.py. They keep the names they were
registered under when they lived in portal/anslag_tasks.py, so queued tasks and the beat
schedule still find them. Celery finds this module through meetings/tasks.py.

The anslag of a justerat protokoll itself is posted by `meetings.tasks.post_anslag`, enqueued
when the last signature makes the protokoll justerat."""

from celery import shared_task

__all__ = ["alert_unposted_protokoll", "take_down_due_anslag"]


@shared_task(name="portal.anslag_tasks.take_down_due_anslag", acks_late=True)
def take_down_due_anslag() -> list[int]:
    """Take down every anslag whose appeal period (or notice time) is over; it moves to the
    archive and its meeting to "anslag taken down". Returns the ids taken down now."""
    from meetings.anslag.rules import anslag_take_down_due

    return anslag_take_down_due()


@shared_task(name="portal.anslag_tasks.alert_unposted_protokoll", acks_late=True)
def alert_unposted_protokoll() -> list[int]:
    """E-mail the secretaries once about each protokoll justerat over a day ago whose anslag is
    not posted. Returns the ids of the justeringar alerted now."""
    from meetings.anslag.rules import justering_alert_unposted, justeringar_unposted

    pending = list(justeringar_unposted().values_list("pk", flat=True))
    return [pk for pk in pending if justering_alert_unposted(justering_id=pk)]
