"""Celery tasks of the meetings app: thin, idempotent entry points into the services.

Each task loads its rows by id, calls one service and can run twice without doing
anything twice. Enqueue with transaction.on_commit. A service that queues one of these imports
it inside the function that queues it: this module imports the services, so the other way
round at module level would be a cycle.
"""

from celery import shared_task

from .anslag import tasks as anslag_tasks  # noqa: F401 (registers the anslagstavla's beat tasks)
from .anslag.rules import anslag_post
from .justering.document import justering_notify_signers, justeringar_pending_notification
from .kallelse.dispatch import dispatch_send, dispatches_pending
from .kallelse.document import kallelse_get_or_render
from .lagakraft import tasks as lagakraft_tasks  # noqa: F401 (registers the laga kraft reminder)
from .models import Anslag, Meeting
from .services.registers import delegated_decisions_record_reported


@shared_task(acks_late=True)
def post_anslag(meeting_id: int) -> int | None:
    """Post the anslag of a justerat protokoll; does nothing if it is already posted.

    First the delegationsbeslut anmälda at the meeting record the § they were reported in
    (their appeal period starts with this anslag)."""
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
    result = dispatch_send(dispatch_id=dispatch_id)
    if result.failed and not self.request.is_eager:
        raise self.retry()
    return {"sent": result.sent, "failed": result.failed}


@shared_task(acks_late=True)
def send_pending_kallelse() -> list[int]:
    """Periodic sweep (celery beat): send what is left of every unfinished dispatch."""
    pending = dispatches_pending()
    for dispatch_id in pending:
        dispatch_send(dispatch_id=dispatch_id)
    return pending


# --- The kallelse document (meetings/kallelse/document.py) ----------------------------------------


@shared_task(acks_late=True)
def render_kallelse(meeting_id: int, public: bool = False) -> int:
    """Build and store the kallelse PDF for the meeting as it is now; when the stored one is
    current (same content hash) nothing is rendered. Returns the RenderedDocument's id."""
    meeting = Meeting.objects.get(pk=meeting_id)
    return kallelse_get_or_render(meeting=meeting, public=public).pk


# --- Justering (meetings/justering/) ----------------------------------------------------------------


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=120)
def send_justering_requests(self, justering_id: int) -> dict:
    """E-mail each required signer of a frozen protokoll a link to their signing page, once."""
    result = justering_notify_signers(justering_id=justering_id)
    if result.failed and not self.request.is_eager:
        raise self.retry()
    return {"sent": result.sent, "failed": result.failed, "without_email": result.without_email}


@shared_task(acks_late=True)
def send_pending_justering_requests() -> list[int]:
    """Periodic sweep (celery beat): ask the signers who have not been e-mailed yet."""
    pending = justeringar_pending_notification()
    for justering_id in pending:
        justering_notify_signers(justering_id=justering_id)
    return pending
