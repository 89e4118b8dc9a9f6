"""Celery tasks of the attendance app: thin entry points into the services."""

from celery import shared_task


@shared_task(acks_late=True)
def send_substitute_call_email(notice_id: int) -> bool:
    """E-mail the ersättare called in for a förhinder (once per call)."""
    from attendance.services import substitute_notify

    return substitute_notify(notice_id=notice_id)
