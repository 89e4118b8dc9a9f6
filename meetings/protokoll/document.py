"""The protokoll and the protokollsutdrag as documents: the HTML (also the secretary's live
preview) and the PDF/A.

One Django template set (templates/meetings/protokoll/) with one print stylesheet renders
both the PDF and the preview, from the context built in meetings/protokoll/context.py.
The PDF is rendered by `meetings.pdf.render_pdf` (WeasyPrint, PDF/A-2b). Each signer's
reserved box in the justering block carries an HTML id; WeasyPrint turns every id into a
named destination of the PDF, so the box's page and position are read back from the PDF
itself (`_signature_fields`) and handed to the justering code, which pre-creates empty
signature fields there (`meetings.signing.pdf_add_signature_fields`).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import pikepdf
from django.template.loader import render_to_string
from django.utils import translation

from meetings.models import Meeting, Paragraph
from meetings.protokoll.context import (
    BESTYRKANDE_FIELD,
    MM_TO_PT,
    SIGNATURE_BOX_MM,
    protokoll_context,
    protokollsutdrag_context,
)
from meetings.signing.pdf_signatures import SignatureField

PROTOKOLL_TEMPLATE = "meetings/protokoll/protokoll.html"
UTDRAG_TEMPLATE = "meetings/protokoll/utdrag.html"


@dataclass(frozen=True)
class RenderedProtokoll:
    """A rendered protokoll or protokollsutdrag: the PDF/A and where its signature boxes are."""

    pdf: bytes
    signature_fields: list[SignatureField] = field(default_factory=list)
    page_count: int = 0


# --- Rendering -------------------------------------------------------------------------------


def _render_html(template_name: str, context: dict, *, preview: bool = False) -> str:
    with translation.override(context["lang"]):
        return render_to_string(template_name, {**context, "preview": preview})


def protokoll_html(
    *, meeting: Meeting, public: bool = False, preview: bool = False, extra: dict | None = None
) -> str:
    """The protokoll as the HTML the PDF is built from; `preview` adds the screen stylesheet and
    the preview bar (`extra` gives it its links: pdf_url, public_url)."""
    context = {**protokoll_context(meeting=meeting, public=public), **(extra or {})}
    return _render_html(PROTOKOLL_TEMPLATE, context, preview=preview)


def _pdf(template_name: str, context: dict) -> bytes:
    from meetings.pdf import render_pdf

    with translation.override(context["lang"]):
        # Untagged: the protokoll and its utdrag are signed in revisions (see render_pdf).
        return render_pdf(
            template_name,
            {**context, "preview": False},
            title=context["title"],
            lang=context["lang"],
            tagged=False,
        )


def _signature_fields(pdf: bytes, boxes: dict[str, str]) -> tuple[list[SignatureField], int]:
    """Find each reserved box (by its HTML id, a named destination in the PDF) and return the
    fields to pre-create there: page index and box in PDF points, origin bottom-left."""
    width, height = (round(mm * MM_TO_PT, 3) for mm in SIGNATURE_BOX_MM)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        page_count = len(document.pages)
        if not boxes:
            return [], page_count
        page_index = {page.objgen: index for index, page in enumerate(document.pages)}
        destinations = pikepdf.NameTree(document.Root.Names.Dests)
        found = []
        for box_id, name in boxes.items():
            if box_id not in destinations:
                continue  # not printed; the caller reports the missing field by its name
            destination = destinations[box_id]
            left, top = float(destination[2]), float(destination[3])
            found.append(
                SignatureField(
                    name=name,
                    page=page_index[destination[0].objgen],
                    box=(math.ceil(left), math.ceil(top - height), math.floor(left + width), math.floor(top)),
                )
            )
    return found, page_count


def protokoll_render(
    *, meeting: Meeting, public: bool = False, signature_fields: bool = True
) -> RenderedProtokoll:
    """Render the protokoll to PDF/A-2b, with the position of every signer's reserved box.

    Field names are "signature-<Signature.pk>"; rows without a Signature (a draft whose
    signers are not chosen yet) reserve a box but get no field.
    """
    context = {**protokoll_context(meeting=meeting, public=public), "signature_fields": signature_fields}
    pdf = _pdf(PROTOKOLL_TEMPLATE, context)
    boxes = (
        {s["box_id"]: s["field_name"] for s in context["signers"] if s["field_name"]}
        if signature_fields
        else {}
    )
    fields, page_count = _signature_fields(pdf, boxes)
    return RenderedProtokoll(pdf=pdf, signature_fields=fields, page_count=page_count)


def protokoll_render_pdf(*, meeting: Meeting, public: bool = False, signature_fields: bool = True) -> bytes:
    """The protokoll PDF/A alone (see `protokoll_render` for the signature boxes)."""
    return protokoll_render(meeting=meeting, public=public, signature_fields=signature_fields).pdf


def protokollsutdrag_render_pdf(*, paragraph: Paragraph, certifier=None) -> RenderedProtokoll:
    """One § as a separate document (protokollsutdrag), PDF/A-2b, with the Bestyrkande box
    (field "bestyrkande": the e-sigill, or `certifier`'s own signature) and, for omedelbar
    justering, the justerandes boxes."""
    context = protokollsutdrag_context(paragraph=paragraph, certifier=certifier)
    pdf = _pdf(UTDRAG_TEMPLATE, context)
    boxes = {s["box_id"]: s["field_name"] for s in context["adjusters"] if s["box_id"] and s["field_name"]}
    boxes[BESTYRKANDE_FIELD] = BESTYRKANDE_FIELD
    fields, page_count = _signature_fields(pdf, boxes)
    return RenderedProtokoll(pdf=pdf, signature_fields=fields, page_count=page_count)
