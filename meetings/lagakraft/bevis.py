"""The laga kraft-bevis of one §: a PDF/A (WeasyPrint, with the protokoll's print stylesheet)
stating the decision, the posting and appeal dates and that no appeal was registered within
the appeal time (or how the appeals were finally decided), sealed with the organisation's
e-sigill: Paragraf certifies it on its own, so in the organisation's name, never a person's.
Anyone can check it at /verifiera/.

Built on demand once the § has vunnit laga kraft and stored as a RenderedDocument (kind
LAGA_KRAFT) keyed by what it states, so it is built and sealed once.
"""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from meetings import signing
from meetings.models import Justering, Meeting, Paragraph, RenderedDocument
from meetings.pdf import render_pdf
from meetings.protokoll.context import protokollsutdrag_context
from meetings.protokoll.document import _signature_fields

from .rules import LagaKraft, paragraph_laga_kraft

TEMPLATE = "meetings/lagakraft/bevis.html"
SEAL_FIELD = "laga-kraft-sigill"


class LagaKraftRefusal:
    NOT_FINAL = "not_final"
    NOT_POSTED = "not_posted"


def laga_kraft_content_hash(*, paragraph: Paragraph, justering: Justering, state: LagaKraft) -> str:
    """What a bevis states: the § as justerat, the justering, the postings, the last appeal day,
    the appeals that counted and the day it vann laga kraft."""
    data = {
        "kind": "laga kraft-bevis",
        "paragraph": paragraph.pk,
        "version": paragraph.version,
        "justering": justering.content_hash,
        "signed": justering.signed_sha256,
        "posted": state.posted_on.isoformat(),
        "postings": [[p.organisation_name, p.posted_on.isoformat()] for p in state.joint_postings],
        "appeal_ends": state.appeal_ends_on.isoformat(),
        "final": state.final_on.isoformat() if state.final_on else None,
        "appeals": [
            [a.pk, a.outcome, a.final_on.isoformat() if a.final_on else None] for a in state.appeals_in_time
        ],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _filename(paragraph: Paragraph) -> str:
    meeting = paragraph.meeting
    local = timezone.localtime(meeting.start)
    return f"laga-kraft-bevis-{meeting.committee.slug}-{local:%Y-%m-%d}-p{paragraph.number}.pdf"


def _context(paragraph: Paragraph, state: LagaKraft, *, issued_on) -> dict:
    context = protokollsutdrag_context(paragraph=paragraph)
    organisation = paragraph.meeting.committee.organisation
    with translation.override(context["lang"]):
        title = pgettext("protokoll", "Laga kraft-bevis %(committee)s %(date)s § %(number)s") % {
            "committee": paragraph.meeting.committee.name,
            "date": f"{context['date']:%Y-%m-%d}",
            "number": paragraph.number,
        }
        seal_text = pgettext("protokoll", "Certified with %(organisation)s e-sigill") % {
            "organisation": organisation.genitive_name
        }
        appeals = [
            {
                "court": a.court,
                "case_number": a.court_case_number,
                "outcome": a.get_outcome_display(),
                "decided_on": a.decided_on,
                "final_on": a.final_on,
            }
            for a in state.appeals_in_time
        ]
    return {
        **context,
        "title": title,
        "state": state,
        "appeals": appeals,
        "issued_on": issued_on,
        "seal_text": seal_text,
        "seal_box_id": SEAL_FIELD,
    }


def laga_kraft_bevis_render(*, paragraph: Paragraph, state: LagaKraft, issued_on=None) -> tuple[bytes, int]:
    """The bevis as an unsigned PDF/A with the empty seal field in its box, and its pages."""
    context = _context(paragraph, state, issued_on=issued_on or timezone.localdate())
    with translation.override(context["lang"]):
        pdf = render_pdf(TEMPLATE, context, title=context["title"], lang=context["lang"], tagged=False)
    fields, pages = _signature_fields(pdf, {SEAL_FIELD: SEAL_FIELD})
    if not fields:
        raise signing.SigningError("The laga kraft-bevis has no box for the seal.")
    return signing.pdf_add_signature_fields(pdf, fields), pages


def laga_kraft_bevis_available(*, paragraph: Paragraph, state: LagaKraft | None) -> bool:
    """Whether a bevis can be offered: the § has vunnit laga kraft and the seal exists."""
    return state is not None and state.is_final and signing.signing_ca_exists()


def laga_kraft_bevis_get_or_create(*, paragraph: Paragraph, today=None) -> RenderedDocument:
    """The sealed laga kraft-bevis of a § that has vunnit laga kraft; refused otherwise."""
    paragraph = Paragraph.objects.select_related("meeting__committee__organisation").get(pk=paragraph.pk)
    meeting = paragraph.meeting
    state = paragraph_laga_kraft(paragraph, today=today)
    if state is None or meeting.status not in Meeting.Status.JUSTERAT_OR_LATER:
        raise ValidationError(
            _("%(paragraph)s has no laga kraft-bevis: its protokoll is not posted.")
            % {"paragraph": paragraph.label},
            code=LagaKraftRefusal.NOT_POSTED,
        )
    if not state.is_final:
        raise ValidationError(
            _("%(paragraph)s has not vunnit laga kraft (%(state)s).")
            % {"paragraph": paragraph.label, "state": state.label},
            code=LagaKraftRefusal.NOT_FINAL,
        )
    organisation = meeting.committee.organisation
    with transaction.atomic():
        justering = Justering.objects.select_for_update().get(meeting=meeting)
        content_hash = laga_kraft_content_hash(paragraph=paragraph, justering=justering, state=state)
        existing = RenderedDocument.objects.filter(
            paragraph=paragraph, kind=RenderedDocument.Kind.LAGA_KRAFT, content_hash=content_hash
        ).first()
        if existing is not None:
            return existing
        pdf, pages = laga_kraft_bevis_render(paragraph=paragraph, state=state, issued_on=today)
        pdf = signing.pdf_seal(
            pdf,
            organisation=organisation,
            field_name=SEAL_FIELD,
            reason=_("Laga kraft-bevis: the decision has vunnit laga kraft"),
            location=organisation.name,
            certify=True,
        )
        document = RenderedDocument(
            meeting=meeting,
            paragraph=paragraph,
            kind=RenderedDocument.Kind.LAGA_KRAFT,
            content_hash=content_hash,
            page_count=pages,
        )
        document.file.save(_filename(paragraph), ContentFile(pdf), save=False)
        document.sha256 = hashlib.sha256(pdf).hexdigest()
        document.save()
        return document
