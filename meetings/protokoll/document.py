"""The protokoll and the protokollsutdrag as documents: the HTML (also the secretary's live
preview) and the PDF/A.

One Django template set (templates/meetings/protokoll/) with one print stylesheet renders
both the PDF and the preview, from the context built in meetings/protokoll/context.py.
The PDF is rendered by `meetings.pdf.render_pdf` (WeasyPrint, PDF/A-2b); the handlingar
attached to the §§ as bilagor are merged after them with pikepdf, as the kallelse merges its
handlingar, and listed with their page ranges in the innehållsförteckning. Each signer's
reserved box in the justering block carries an HTML id; WeasyPrint turns every id into a
named destination of the PDF, so the box's page and position are read back from the PDF
itself (`_signature_fields`) and handed to the justering code, which pre-creates empty
signature fields there (`meetings.signing.pdf_add_signature_fields`).
"""

from __future__ import annotations

import io
import logging
import math
from contextlib import ExitStack
from dataclasses import dataclass, field

import pikepdf
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from meetings.models import Meeting, Paragraph
from meetings.pdf import render_pdf
from meetings.protokoll.context import (
    BESTYRKANDE_FIELD,
    MM_TO_PT,
    SIGNATURE_BOX_MM,
    protokoll_context,
    protokollsutdrag_context,
)
from meetings.signing.pdf_signatures import SignatureField

logger = logging.getLogger(__name__)

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


class AnnexNotMergeableError(ValidationError):
    """A bilaga of the protokoll has no readable PDF, so the protokoll cannot be frozen."""


def _page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def _open_annexes(annexes: list[dict], stack: ExitStack) -> dict[int, pikepdf.Pdf]:
    """Open each bilaga's PDF for page copying (read through the storage API, kept open in
    `stack`); a bilaga without a readable PDF is left out and marked `unavailable`."""
    opened = {}
    for annex in annexes:
        annex["unavailable"] = False
        if annex["withheld"]:
            continue
        if not annex["file_name"]:
            annex["unavailable"] = True
            continue
        try:
            stream = stack.enter_context(default_storage.open(annex["file_name"], "rb"))
            opened[annex["number"]] = stack.enter_context(pikepdf.open(stream))
        except (OSError, pikepdf.PdfError, pikepdf.PasswordError, ValueError) as error:
            logger.warning(
                "Protokoll: bilaga %s (%s) left out: %s", annex["number"], annex["file_name"], error
            )
            annex["unavailable"] = True
    return opened


def _page_ranges(annexes: list[dict], opened: dict[int, pikepdf.Pdf], protokoll_pages: int) -> int:
    """Write each merged bilaga's page range ("18 - 38", as the seeds print it) into its row;
    returns the page count of the whole merged document."""
    page = protokoll_pages + 1
    for annex in annexes:
        document = opened.get(annex["number"])
        if document is None:
            annex["pages"], annex["first_page"] = "", None
            continue
        count = len(document.pages)
        annex["first_page"] = page
        annex["pages"] = f"{page} - {page + count - 1}" if count > 1 else str(page)
        page += count
    return page - 1


def _merge_annexes(pdf: bytes, annexes: list[dict], opened: dict[int, pikepdf.Pdf]) -> bytes:
    """Append the bilagor's pages after the §§ (copied, never re-rendered), each with an outline
    entry; the protokoll's own pages, named destinations and metadata stay as they are."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        with document.open_outline() as outline:
            for annex in annexes:
                source = opened.get(annex["number"])
                if source is None:
                    continue
                start = len(document.pages)
                document.pages.extend(source.pages)
                label = pgettext("protokoll", "Annex %(number)s") % {"number": annex["number"]}
                outline.root.append(pikepdf.OutlineItem(f"{label} {annex['title']}", start))
        output = io.BytesIO()
        document.save(output, min_version="1.7")
        return output.getvalue()


def _render_with_annexes(context: dict, opened: dict[int, pikepdf.Pdf]) -> bytes:
    """Render the protokoll so that its innehållsförteckning gives each merged bilaga's pages
    and its footer the whole document's page count: render, count the protokoll's own pages,
    fill in the ranges and render again until the count holds (a longer range could, in
    principle, push a line to another page)."""
    annexes = context["annexes"]
    pages = _page_count(_pdf(PROTOKOLL_TEMPLATE, context))
    for _attempt in range(3):
        total = _page_ranges(annexes, opened, pages)
        pdf = _pdf(PROTOKOLL_TEMPLATE, {**context, "total_pages": total})
        rendered_pages = _page_count(pdf)
        if rendered_pages == pages:
            return pdf
        pages = rendered_pages
    return pdf


def protokoll_render(
    *, meeting: Meeting, public: bool = False, signature_fields: bool = True, strict: bool = False
) -> RenderedProtokoll:
    """Render the protokoll to PDF/A-2b, with the position of every signer's reserved box and
    the bilagor merged after the §§ (meetings/protokoll/annexes.py).

    Field names are "signature-<Signature.pk>"; rows without a Signature (a draft whose
    signers are not chosen yet) reserve a box but get no field. `strict` (freezing) refuses
    a protokoll with a bilaga that has no readable PDF instead of noting it as missing.
    """
    context = {**protokoll_context(meeting=meeting, public=public), "signature_fields": signature_fields}
    with ExitStack() as stack:
        opened = _open_annexes(context["annexes"], stack)
        missing = [annex for annex in context["annexes"] if annex["unavailable"]]
        if strict and missing:
            raise AnnexNotMergeableError(
                _("Bilaga %(number)s (%(title)s) has no readable PDF; replace or remove it first.")
                % {"number": missing[0]["number"], "title": missing[0]["title"]},
                code="annex_not_mergeable",
            )
        pdf = _render_with_annexes(context, opened) if opened else _pdf(PROTOKOLL_TEMPLATE, context)
        boxes = (
            {s["box_id"]: s["field_name"] for s in context["signers"] if s["field_name"]}
            if signature_fields
            else {}
        )
        fields, page_count = _signature_fields(pdf, boxes)
        if opened:
            with translation.override(context["lang"]):
                pdf = _merge_annexes(pdf, context["annexes"], opened)
            page_count = _page_count(pdf)
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
