"""The handlingar of an agenda item: attaching a handling (stored and checked by cases.documents)
to an item, in order, once."""

from django.core.exceptions import ValidationError
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from cases.models import Document
from meetings.models import AgendaItem, AgendaItemDocument


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
