"""Celery tasks of the cases app: thin, idempotent entry points into the services."""

from celery import shared_task


@shared_task(acks_late=True)
def convert_document_to_pdf(document_id: int) -> str:
    """Convert one DOCX/ODT handling to PDF; does nothing if it is already converted."""
    from .documents import document_convert_to_pdf
    from .models import Document

    document = Document.objects.filter(pk=document_id).first()
    if document is None or document.conversion == Document.Conversion.DONE:
        return document.conversion if document else "missing"
    return document_convert_to_pdf(document=document).conversion


@shared_task(acks_late=True)
def convert_pending_documents() -> list[int]:
    """Periodic sweep (celery beat): convert the handlingar whose conversion was never queued."""
    from .documents import documents_pending_conversion

    pending = documents_pending_conversion()
    for document_id in pending:
        convert_document_to_pdf(document_id)
    return pending


@shared_task(acks_late=True)
def remind_remiss_deadlines() -> int:
    """Daily (celery beat): e-mail responsible officials 14 and 3 days before a remiss is due, once each."""
    from .services import remisser_remind_deadlines

    return len(remisser_remind_deadlines())
