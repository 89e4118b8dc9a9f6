"""The beat task of laga kraft (CELERY_BEAT_SCHEDULE in config/settings.py): thin and
idempotent, one call of a rule in meetings/lagakraft/rules.py. Celery finds this module through
meetings/tasks.py."""

from celery import shared_task

from meetings.lagakraft.rules import anslag_period_ended, anslag_remind_period_end

__all__ = ["remind_appeal_periods_ended"]


@shared_task(name="meetings.lagakraft.remind_appeal_periods_ended", acks_late=True)
def remind_appeal_periods_ended() -> list[int]:
    """E-mail the secretaries once about each protokoll whose appeal time has just ended.
    Returns the ids of the anslag reminded about now."""
    pending = list(anslag_period_ended().values_list("pk", flat=True))
    return [pk for pk in pending if anslag_remind_period_end(anslag_id=pk)]
