"""Celery tasks of the attendance app: thin entry points into the services.

A service that queues one of these on commit imports it inside the function that queues it:
this module imports the services, so the other way round at module level would be a cycle.
"""

from celery import shared_task

from .services import absence_notify_secretaries, substitute_notify


# The name it had in meetings/tasks.py, so messages queued before the move still run.
@shared_task(acks_late=True, name="meetings.tasks.send_absence_notice_email")
def send_absence_notice_email(meeting_id: int, person_id: int, withdrawn: bool = False) -> int:
    """Tell the committee's secretaries that a member reported (or withdrew) a förhinder."""
    return absence_notify_secretaries(meeting_id=meeting_id, person_id=person_id, withdrawn=withdrawn)


@shared_task(acks_late=True)
def send_substitute_call_email(notice_id: int) -> bool:
    """E-mail the ersättare called in for a förhinder (once per call)."""
    return substitute_notify(notice_id=notice_id)
