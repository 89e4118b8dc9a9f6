"""Celery tasks of the meetings app: thin, idempotent entry points into the services.

Each task loads its rows by id, calls one service and can run twice without doing
anything twice. Enqueue with transaction.on_commit.
"""

from celery import shared_task

from .anslag import tasks as anslag_tasks  # noqa: F401 (registers the anslagstavla's beat tasks)


@shared_task(acks_late=True)
def post_anslag(meeting_id: int) -> int | None:
    """Post the anslag of a justerat protokoll; does nothing if it is already posted.

    First the delegationsbeslut anmälda at the meeting record the § they were reported in
    (their appeal period starts with this anslag)."""
    from cases.services import delegated_decisions_record_reported
    from meetings.anslag.rules import anslag_post

    from .models import Anslag, Meeting

    meeting = Meeting.objects.get(pk=meeting_id)
    if meeting.status == Meeting.Status.JUSTERAT:
        delegated_decisions_record_reported(meeting=meeting)
    existing = Anslag.objects.filter(meeting=meeting, kind=Anslag.Kind.PROTOKOLL).first()
    if existing or meeting.status != Meeting.Status.JUSTERAT:
        return existing.pk if existing else None
    return anslag_post(meeting=meeting).pk


# --- Kallelse by e-mail (meetings/kallelse/dispatch.py) -----------------------------------------


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=120)
def send_kallelse_dispatch(self, dispatch_id: int) -> dict:
    """Send the unsent e-mails of one kallelse dispatch; a retry never sends an e-mail twice."""
    from .kallelse.dispatch import dispatch_send

    result = dispatch_send(dispatch_id=dispatch_id)
    if result.failed and not self.request.is_eager:
        raise self.retry()
    return {"sent": result.sent, "failed": result.failed}


@shared_task(acks_late=True)
def send_pending_kallelse() -> list[int]:
    """Periodic sweep (celery beat): send what is left of every unfinished dispatch."""
    from .kallelse.dispatch import dispatch_send, dispatches_pending

    pending = dispatches_pending()
    for dispatch_id in pending:
        dispatch_send(dispatch_id=dispatch_id)
    return pending


@shared_task(acks_late=True)
def send_absence_notice_email(meeting_id: int, person_id: int, withdrawn: bool = False) -> int:
    """Tell the committee's secretaries that a member reported (or withdrew) a förhinder."""
    from attendance.services import absence_notify_secretaries

    return absence_notify_secretaries(meeting_id=meeting_id, person_id=person_id, withdrawn=withdrawn)


# --- The kallelse document (meetings/kallelse/document.py) ----------------------------------------


@shared_task(acks_late=True)
def render_kallelse(meeting_id: int, public: bool = False) -> int:
    """Build and store the kallelse PDF for the meeting as it is now; when the stored one is
    current (same content hash) nothing is rendered. Returns the RenderedDocument's id."""
    from .kallelse.document import kallelse_get_or_render
    from .models import Meeting

    meeting = Meeting.objects.get(pk=meeting_id)
    return kallelse_get_or_render(meeting=meeting, public=public).pk


# --- Justering (meetings/justering/) ----------------------------------------------------------------


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=120)
def send_justering_requests(self, justering_id: int) -> dict:
    """E-mail each required signer of a frozen protokoll a link to their signing page, once."""
    from meetings.justering.document import justering_notify_signers

    result = justering_notify_signers(justering_id=justering_id)
    if result.failed and not self.request.is_eager:
        raise self.retry()
    return {"sent": result.sent, "failed": result.failed, "without_email": result.without_email}


@shared_task(acks_late=True)
def send_pending_justering_requests() -> list[int]:
    """Periodic sweep (celery beat): ask the signers who have not been e-mailed yet."""
    from meetings.justering.document import justering_notify_signers, justeringar_pending_notification

    pending = justeringar_pending_notification()
    for justering_id in pending:
        justering_notify_signers(justering_id=justering_id)
    return pending
