"""Celery tasks of the cases app: thin, idempotent entry points into the services.

A service that queues one of these on commit imports it inside the function that queues it:
this module imports the services, so the other way round at module level would be a cycle.
"""

from celery import shared_task

from .documents import document_convert_to_pdf, documents_pending_conversion
from .models import Document
from .services import remisser_remind_deadlines


@shared_task(acks_late=True)
def convert_document_to_pdf(document_id: int) -> str:
    """Convert one DOCX/ODT handling to PDF; does nothing if it is already converted."""
    document = Document.objects.filter(pk=document_id).first()
    if document is None or document.conversion == Document.Conversion.DONE:
        return document.conversion if document else "missing"
    return document_convert_to_pdf(document=document).conversion


@shared_task(acks_late=True)
def convert_pending_documents() -> list[int]:
    """Periodic sweep (celery beat): convert the handlingar whose conversion was never queued."""
    pending = documents_pending_conversion()
    for document_id in pending:
        convert_document_to_pdf(document_id)
    return pending


@shared_task(acks_late=True)
def remind_remiss_deadlines() -> int:
    """Daily (celery beat): e-mail responsible officials 14 and 3 days before a remiss is due, once each."""
    return len(remisser_remind_deadlines())
