"""The handlingar of an agenda item: attaching a handling (stored and checked by cases.documents)
to an item, in order, once."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.documents import document_inspect, document_upload
from cases.models import Document
from meetings.models import AgendaItem, AgendaItemDocument
from meetings.services.agenda import agenda_require_editable


def agenda_item_attach_document(*, agenda_item: AgendaItem, document: Document, order: int | None = None):
    """Attach a handling to an agenda item (last, unless an order is given).

    Refused when the meeting's protokoll is frozen, and when the item already has this
    handling or one with the same content.
    """
    if agenda_item.meeting.is_locked:
        raise ValidationError(
            _("The protokoll has been sent for justering; its handlingar can no longer be changed."),
            code="protokoll_locked",
        )
    duplicate = agenda_item_duplicate_of(agenda_item=agenda_item, document=document)
    if duplicate:
        raise ValidationError(
            _('"%(title)s" is already attached to this item (as "%(existing)s").'),
            code="already_attached",
            params={"title": document.title, "existing": duplicate.title},
        )
    if order is None:
        highest = agenda_item.attachments.aggregate(m=Max("order"))["m"]
        order = 0 if highest is None else highest + 1
    return AgendaItemDocument.objects.create(agenda_item=agenda_item, document=document, order=order)


def agenda_item_duplicate_of(
    *, agenda_item: AgendaItem, document: Document | None = None, sha256: str = ""
) -> Document | None:
    """The handling of the item that is `document` or has the same content, if any."""
    if agenda_item.pk is None:
        return None
    same = Q()
    if document is not None:
        same |= Q(pk=document.pk)
        if document.sha256:
            same |= Q(sha256=document.sha256)
        if document.source_file:
            same |= Q(source_file=document.source_file.name)
    if sha256:
        same |= Q(sha256=sha256) | Q(source_file__contains=sha256)
    if not same:
        return None
    return agenda_item.documents.filter(same).first()


def agenda_item_upload_documents(
    *,
    agenda_item: AgendaItem,
    files,
    kind: str = Document.Kind.TJANSTESKRIVELSE,
    confidential: bool = False,
    osl_reference: str = "",
    created_by=None,
) -> tuple[list[AgendaItemDocument], list[str]]:
    """Store several uploads as handlingar of the item's case and attach them, each on its own:
    a file that is refused (checked by cases.documents, or already attached) gives its message and
    the others are still saved. Returns (attached, messages of the refused files)."""
    agenda_require_editable(agenda_item.meeting)
    attached, refused = [], []
    for uploaded in files:
        name = Path(getattr(uploaded, "name", "") or "").name
        try:
            inspected = document_inspect(uploaded_file=uploaded)
            duplicate = agenda_item_duplicate_of(agenda_item=agenda_item, sha256=inspected.sha256)
            if duplicate:
                raise ValidationError(
                    _('"%(name)s" is already attached to this item (as "%(existing)s").'),
                    code="already_attached",
                    params={"name": name, "existing": duplicate.title},
                )
            uploaded.seek(0)
            with transaction.atomic():
                document = document_upload(
                    uploaded_file=uploaded,
                    title=(Path(name).stem or name)[:500],
                    kind=kind,
                    case=agenda_item.case,
                    date=timezone.localdate(),
                    confidential=confidential,
                    osl_reference=osl_reference.strip(),
                    created_by=created_by,
                )
                attached.append(agenda_item_attach_document(agenda_item=agenda_item, document=document))
        except ValidationError as error:
            refused.extend(error.messages)
    return attached, refused


def agenda_item_detach_document(*, agenda_item: AgendaItem, attachment_id: int) -> None:
    """Take a handling off the item (the document stays in the diarium)."""
    agenda_require_editable(agenda_item.meeting)
    agenda_item.attachments.filter(pk=attachment_id).delete()


def agenda_item_move_document(*, agenda_item: AgendaItem, attachment_id: int, step: int) -> None:
    """Move a handling one place up (-1) or down (+1) among the item's handlingar."""
    agenda_require_editable(agenda_item.meeting)
    rows = list(agenda_item.attachments.order_by("order", "id"))
    index = next((i for i, row in enumerate(rows) if row.pk == attachment_id), None)
    if index is None:
        return
    target = index + step
    if 0 <= target < len(rows):
        rows[index], rows[target] = rows[target], rows[index]
    for position, row in enumerate(rows):
        row.order = position
    AgendaItemDocument.objects.bulk_update(rows, ["order"])
