"""What the public portal builds from a published protokoll: the page's content and the
public PDF (the signed protokoll, or a certified public version when a § is confidential).

The caller passes a meeting it got from `portal.published.published_meetings()`; these
functions never decide what is published, only how a published protokoll is shown.
"""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import signing
from meetings.justering.utdrag import certified_copy_possible
from meetings.models import Justering, Meeting, RenderedDocument, Signature
from meetings.protokoll.context import protokoll_context
from meetings.protokoll.document import protokoll_render_pdf

from .published import (
    anslag_all,
    public_laga_kraft,
    public_paragraph,
    published_meetings,
    published_paragraphs,
    withheld_in_public_protokoll,
)

# The invisible field of the certification signature that seals the public version.
PUBLIC_VERSION_FIELD = "bestyrkande"
# Bump when the public version's template changes in a way that should rebuild stored copies.
PUBLIC_VERSION_LAYOUT = 1


# --- The protokoll as a page --------------------------------------------------------------------


def _public_row(row: dict, public) -> dict:
    """One § of `protokoll_context(public=True)` with the masking of `public_paragraph()`: a
    confidential § keeps only its number and heading; an open one loses the diarienummer of a
    confidential case."""
    number = public.number
    if public.confidential:
        return {"number": number, "anchor": f"paragraf-{number}", "hidden": True, "heading": public.heading}
    return {
        **row,
        "anchor": f"paragraf-{number}",
        "heading": public.heading,
        "diarienummer": public.diarienummer,
        "case_id": public.case_id,
    }


def protokoll_public_context(*, meeting: Meeting, number: int | None = None) -> dict:
    """What the public protokoll page shows: the protokoll's own public content (header,
    attendance, every § with votes, reservations and jäv) with each § masked through
    `public_paragraph()`, the justering (date, signers) and the anslag dates.

    With `number`, `paragraphs` holds only that § (empty if there is none). The number of
    queries does not depend on the number of paragraphs.
    """
    context = protokoll_context(meeting=meeting, public=True)
    published = list(published_paragraphs().filter(meeting=meeting))
    public = {p.pk: public_paragraph(p) for p in published}
    laga_kraft = public_laga_kraft(published)
    rows = [
        {**_public_row(row, public[row["pk"]]), "laga_kraft": laga_kraft.get(row["pk"])}
        for row in context["paragraphs"]
        if row["pk"] in public
    ]
    justering = Justering.objects.filter(meeting=meeting).first()
    completed = (
        timezone.localtime(justering.completed_at).date() if justering and justering.completed_at else None
    )
    signers = [
        {
            "role": Signature.Role(signer["role"]).label,
            "name": signer["name"],
            "signed_on": timezone.localtime(signer["signed_at"]).date() if signer["signed_at"] else None,
        }
        for signer in context["signers"]
        if signer["name"]
    ]
    anslag = anslag_all().filter(meeting=meeting, kind="protokoll").first()
    return {
        # Link only what the downloads can serve (issue: nothing advertised that does not exist).
        "pdf_available": protokoll_public_file_available(meeting=meeting),
        "utdrag_available": certified_copy_possible(justering=justering),
        # The bevis is sealed with the same e-sigill, so offered on the same condition.
        "bevis_possible": certified_copy_possible(justering=justering),
        **context,
        "all_paragraphs": rows,
        "paragraphs": rows if number is None else [row for row in rows if row["number"] == number],
        "has_confidential": any(row["hidden"] for row in rows),
        "justerat_on": completed,
        "signers": signers,
        "anslag": anslag,
    }


def protokoll_page_context(*, meeting: Meeting, context: dict | None = None) -> dict:
    """The context of the public protokoll page (templates/portal/protokoll.html): the public
    content (`context`, if the caller built it already) and whether the open §§ have a vote
    record to offer as CSV."""
    if context is None:
        context = protokoll_public_context(meeting=meeting)
    return {**context, "has_vote_record": _has_vote_record(context)}


def _has_vote_record(context: dict) -> bool:
    return any(
        row.get("votes") or row.get("reservations") or row.get("disqualifications")
        for row in context["all_paragraphs"]
        if not row["hidden"]
    )


def paragraph_page_context(context: dict, number: int) -> dict | None:
    """The context of one § permalink (templates/portal/paragraph.html) from the context of
    the whole protokoll (`protokoll_public_context` without `number`); None when the
    protokoll has no § with that number."""
    rows = [row for row in context["all_paragraphs"] if row["number"] == number]
    if not rows:
        return None
    return {**context, "paragraphs": rows, "p": rows[0]}


# --- The protokoll as a PDF ---------------------------------------------------------------------


def _content_hash(meeting: Meeting, justering: Justering) -> str:
    data = {
        "kind": "protokoll_public",
        "layout": PUBLIC_VERSION_LAYOUT,
        "meeting": meeting.pk,
        "justering": justering.content_hash,
        "signed": justering.signed_sha256,
        "completed": justering.completed_at.isoformat() if justering.completed_at else None,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _certify(pdf: bytes, *, justering: Justering, meeting: Meeting) -> bytes:
    """Seal the public version with a certification signature (an invisible field) made with
    the organisation's e-sigill: the server makes it on its own, so it is the organisation's
    seal, not a person's signature."""
    organisation = meeting.committee.organisation
    pdf = signing.pdf_add_signature_fields(
        pdf, [signing.SignatureField(name=PUBLIC_VERSION_FIELD, page=0, box=(0, 0, 0, 0))]
    )
    return signing.pdf_seal(
        pdf,
        organisation=organisation,
        field_name=PUBLIC_VERSION_FIELD,
        reason=_("Certification: a true copy of the justerat protokoll, confidential paragraphs masked"),
        location=organisation.name,
        certify=True,
    )


def protokoll_public_pdf_get_or_create(*, meeting: Meeting) -> RenderedDocument:
    """The public version of a justerat protokoll that has a confidential §: rendered with
    every confidential § masked and without signature boxes, sealed with the organisation's
    e-sigill, and stored once as a RenderedDocument (kind PROTOKOLL_PUBLIC)
    keyed by what it was built from. Raises ValidationError or SigningError if it cannot
    be certified."""
    with transaction.atomic():
        justering = Justering.objects.select_for_update().get(meeting=meeting)
        content_hash = _content_hash(meeting, justering)
        kind = RenderedDocument.Kind.PROTOKOLL_PUBLIC
        existing = RenderedDocument.objects.filter(
            meeting=meeting, paragraph=None, kind=kind, content_hash=content_hash
        ).first()
        if existing is not None:
            return existing
        if not justering.signed_file or justering.completed_at is None:
            # The e-sigill certifies a true copy of the signed protokoll: there must be one.
            raise ValidationError(
                _("The protokoll has not been signed, so no certified public version can be made."),
                code="not_signed",
            )
        pdf = protokoll_render_pdf(meeting=meeting, public=True, signature_fields=False)
        pdf = _certify(pdf, justering=justering, meeting=meeting)
        document = RenderedDocument(meeting=meeting, kind=kind, content_hash=content_hash)
        local = timezone.localtime(meeting.start)
        name = f"protokoll-{meeting.committee.slug}-{local:%Y-%m-%d}-offentlig.pdf"
        document.file.save(name, ContentFile(pdf), save=False)
        document.sha256 = hashlib.sha256(pdf).hexdigest()
        document.save()
        return document


def protokoll_public_file(*, meeting: Meeting):
    """The file the public downloads as the protokoll: the signed protokoll itself when no §
    is confidential, else the certified public version. None while there is no signed file."""
    if published_meetings().filter(withheld_in_public_protokoll(), pk=meeting.pk).exists():
        return protokoll_public_pdf_get_or_create(meeting=meeting).file
    justering = Justering.objects.filter(meeting=meeting).first()
    if justering is None or not justering.signed_file:
        return None
    return justering.signed_file


def with_public_protokoll_file(meetings):
    """The meetings (of published ones) whose protokoll PDF `protokoll_public_file` can serve:
    the signed protokoll exists and, when a § is confidential, the public version can be
    certified. The protokoll page, OParl's `resultsProtocol` and its File list link the PDF only
    for these."""
    with_file = meetings.filter(justering__isnull=False).exclude(justering__signed_file="")
    if signing.signing_ca_exists():  # the public version is sealed with the e-sigill
        return with_file
    return with_file.exclude(withheld_in_public_protokoll())


def protokoll_public_file_available(*, meeting: Meeting) -> bool:
    """`with_public_protokoll_file` for one meeting."""
    return with_public_protokoll_file(Meeting.objects.filter(pk=meeting.pk)).exists()
