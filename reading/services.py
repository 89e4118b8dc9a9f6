"""The annotation API's rules: validation, the upsert by (owner, client_id) where the last
writer by `updated_at` wins, and the annotations of a replaced (earlier) version shown on the
pages the new version still has (queried, not copied: docs/reading.md)."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from .models import Annotation

MAX_TEXT = 10_000
MAX_RECTS = 200


def versions(document) -> list:
    """The document and the earlier versions it replaces, newest first."""
    chain, seen, current = [], set(), document
    while current is not None and current.pk not in seen:
        chain.append(current)
        seen.add(current.pk)
        current = current.replaces
    return chain


def annotations_for(user, document):
    """The user's annotations of the document and of the versions it replaces, on pages it has."""
    earlier = [d.pk for d in versions(document)[1:]]
    query = Q(document=document)
    if earlier:
        pages = Q(page__lte=document.page_count) if document.page_count else Q()
        query |= Q(document__in=earlier) & pages
    return Annotation.objects.of(user).filter(query)


def as_json(annotation: Annotation) -> dict:
    return {
        "client_id": str(annotation.client_id),
        "page": annotation.page,
        "kind": annotation.kind,
        "rects": annotation.rects,
        "quote": annotation.quote,
        "text": annotation.text,
        "updated_at": annotation.updated_at.isoformat(),
    }


def _clean(data, document) -> dict:
    if not isinstance(data, dict):
        raise ValidationError(_("The annotation must be a JSON object."))
    try:
        client_id = uuid.UUID(str(data.get("client_id", "")))
    except ValueError as error:
        raise ValidationError(_("client_id must be a UUID.")) from error
    page = data.get("page")
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        raise ValidationError(_("page must be a page number from 1."))
    if document.page_count and page > document.page_count:
        raise ValidationError(_("The handling has no page %(page)s.") % {"page": page})
    kind = data.get("kind")
    if kind not in Annotation.Kind.values:
        raise ValidationError(_("kind must be highlight or note."))
    rects = data.get("rects", [])
    if (
        not isinstance(rects, list)
        or len(rects) > MAX_RECTS
        or not all(
            isinstance(r, list)
            and len(r) == 4
            and all(isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1 for v in r)
            for r in rects
        )
    ):
        raise ValidationError(_("rects must be a list of [x, y, width, height] with values from 0 to 1."))
    quote, text = data.get("quote", ""), data.get("text", "")
    if (
        not isinstance(quote, str)
        or not isinstance(text, str)
        or len(quote) > MAX_TEXT
        or len(text) > MAX_TEXT
    ):
        raise ValidationError(
            _("quote and text must be texts of at most %(max)s characters.") % {"max": MAX_TEXT}
        )
    updated_at = parse_datetime(str(data.get("updated_at", "")))
    if updated_at is None or updated_at.tzinfo is None:
        raise ValidationError(_("updated_at must be a date and time with a time zone (ISO 8601)."))
    return {
        "client_id": client_id,
        "page": page,
        "kind": kind,
        "rects": rects,
        "quote": quote,
        "text": text,
        "updated_at": updated_at,
    }


def annotation_save(*, user, document, data) -> Annotation:
    """Create or update by (owner, client_id); an older `updated_at` than stored changes nothing."""
    fields = _clean(data, document)
    existing = Annotation.objects.of(user).filter(client_id=fields["client_id"]).first()
    if existing is None:
        return Annotation.objects.create(owner=user, document=document, **fields)
    if existing.updated_at >= fields["updated_at"]:
        return existing
    for name, value in fields.items():
        setattr(existing, name, value)
    existing.document = document
    existing.save()
    return existing
