"""The bilagor of a protokoll: which handlingar are attached to which §, their numbers, and the
secretary's changes to them (attach, reorder, remove) while the protokoll is a draft.

Numbering is computed, never stored, so it has no gap or duplicate: Bilaga 1 is the
närvarolista when the meeting prints it as a bilaga (`Meeting.attendance_as_annex`), then the
handlingar attached to the §§ in § order (and within a § in the secretary's order) are 2, 3…
(or 1, 2… without the närvarolista). Freezing the protokoll fixes the §§ and so the numbers.

A bilaga is merged into the protokoll PDF (meetings/protokoll/document.py). It is withheld from
the public version when the handling or its § is confidential (OSL): the public protokoll
names it by number as withheld, never by its title.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from cases.models import Document
from meetings.models import Meeting, Paragraph, ParagraphAnnex

# The first number of an attached handling when the närvarolista is Bilaga 1.
ATTENDANCE_ANNEX_NUMBER = 1


@dataclass(frozen=True)
class NumberedAnnex:
    """One attached handling with its number in the protokoll."""

    number: int
    annex: ParagraphAnnex

    @property
    def document(self) -> Document:
        return self.annex.document

    @property
    def paragraph(self) -> Paragraph:
        return self.annex.paragraph

    @property
    def confidential(self) -> bool:
        """Withheld from the public version: the handling or its § is secret."""
        return self.annex.document.confidential or self.annex.paragraph.confidential

    @property
    def osl_reference(self) -> str:
        return self.annex.document.osl_reference or self.annex.paragraph.osl_reference

    @property
    def anchor(self) -> str:
        return f"annex-{self.number}"


def first_document_annex_number(meeting: Meeting) -> int:
    return ATTENDANCE_ANNEX_NUMBER + 1 if meeting.attendance_as_annex else ATTENDANCE_ANNEX_NUMBER


def meeting_annexes(meeting: Meeting) -> list[NumberedAnnex]:
    """The meeting's attached bilagor with their numbers, in § order (one query)."""
    annexes = (
        ParagraphAnnex.objects.filter(paragraph__meeting=meeting)
        .select_related("document", "paragraph")
        .order_by("paragraph__order", "paragraph__number", "order", "pk")
    )
    start = first_document_annex_number(meeting)
    return [NumberedAnnex(number=start + index, annex=annex) for index, annex in enumerate(annexes)]


def document_is_mergeable(document: Document) -> bool:
    """A handling can be a bilaga when it has a PDF (uploaded, or converted from DOCX/ODT)."""
    if not document.file or document.conversion in (Document.Conversion.PENDING, Document.Conversion.FAILED):
        return False
    name = (document.file.name or "").lower()
    return name.endswith(".pdf") or (document.content_type or "") == "application/pdf"


def _require_draft(meeting: Meeting) -> None:
    if meeting.status not in Meeting.Status.DRAFTING:
        raise ValidationError(
            _("Bilagor can be changed only while the protokoll is a draft (the meeting is held)."),
            code="not_draft",
        )


def _locked_meeting(paragraph: Paragraph) -> Meeting:
    return Meeting.objects.select_for_update().get(pk=paragraph.meeting_id)


@transaction.atomic
def annex_attach(*, paragraph: Paragraph, document: Document) -> ParagraphAnnex:
    """Attach a handling to a § as a bilaga, last among the §'s bilagor."""
    meeting = _locked_meeting(paragraph)
    _require_draft(meeting)
    if not document_is_mergeable(document):
        raise ValidationError(
            _("“%(title)s” has no PDF yet, so it cannot be merged into the protokoll as a bilaga."),
            code="not_pdf",
            params={"title": document.title},
        )
    if ParagraphAnnex.objects.filter(paragraph=paragraph, document=document).exists():
        raise ValidationError(
            _("“%(title)s” is already a bilaga of %(paragraph)s."),
            code="duplicate",
            params={"title": document.title, "paragraph": paragraph.label},
        )
    last = ParagraphAnnex.objects.filter(paragraph=paragraph).aggregate(last=Max("order"))["last"]
    return ParagraphAnnex.objects.create(
        paragraph=paragraph, document=document, order=0 if last is None else last + 1
    )


@transaction.atomic
def annex_remove(*, annex: ParagraphAnnex) -> None:
    """Take a bilaga off its § (the handling itself stays)."""
    meeting = _locked_meeting(annex.paragraph)
    _require_draft(meeting)
    annex.delete()


@transaction.atomic
def annex_move(*, annex: ParagraphAnnex, step: int) -> None:
    """Move a bilaga one place up (step -1) or down (+1) among its §'s bilagor."""
    meeting = _locked_meeting(annex.paragraph)
    _require_draft(meeting)
    siblings = list(ParagraphAnnex.objects.filter(paragraph_id=annex.paragraph_id).order_by("order", "pk"))
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == annex.pk)
    target = index + step
    if not 0 <= target < len(siblings):
        return
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for order, sibling in enumerate(siblings):
        if sibling.order != order:
            sibling.order = order
            sibling.save(update_fields=["order"])


def annex_snapshot(meeting: Meeting) -> list[list]:
    """What the bilagor are, as plain data for the justering's content hash: a changed,
    added, removed or reordered bilaga changes the hash."""
    return [
        [
            numbered.number,
            numbered.paragraph.number,
            numbered.document.pk,
            numbered.document.sha256 or numbered.document.file.name,
            numbered.document.title,
            numbered.document.confidential,
        ]
        for numbered in meeting_annexes(meeting)
    ]
