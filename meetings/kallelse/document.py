"""The kallelse as a document: the front page and every item's handlingar in one PDF/A.

How it is built (docs/kallelse.md says more):

1. `kallelse_source` reads everything the kallelse is built from in four queries — the
   meeting, its agenda items in order, their handlingar, and who is summoned — into plain
   data. What the public version may not show is left out here, once: a confidential
   item keeps its number and OSL ground (and its public title, if set); a confidential
   handling is never opened.
2. `KallelseSource.content_hash` is the SHA-256 of that data plus the layout (template
   and print stylesheet). It is recomputed on every request, so a stored kallelse whose
   hash differs is never served.
3. `kallelse_render_pdf` renders the front page with WeasyPrint (`meetings.pdf.render_pdf`,
   PDF/A-2b), appends each handling's pages with pikepdf (pages are copied, never
   re-rendered), adds the outline, page labels and PDF/A metadata.
4. `kallelse_get_or_render` returns the stored RenderedDocument for the current hash or
   renders and stores a new one; `kallelse_request_render` queues that on commit.

The module is longer than most (~580 lines) because these four steps are one pipeline whose
parts share the plain data classes above; split, each part would import all the others.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import pikepdf
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import Document
from committees.models import Assignment
from meetings.models import AgendaItemDocument, Meeting, RenderedDocument
from meetings.pdf import language_tag, render_pdf

logger = logging.getLogger(__name__)

FRONT_PAGE_TEMPLATE = "meetings/kallelse/front_page.html"
PRINT_BASE_STYLESHEET = "print/base.css"
# The HTML id of an item's row on the front page; WeasyPrint makes each id a named
# destination, so an item without handlingar gets a bookmark to the exact front page.
ITEM_ANCHOR = "item-{number}"

Role = Assignment.Role


class HandlingStatus:
    """Why a handling is, or is not, part of the compiled kallelse."""

    INCLUDED = "included"
    NO_FILE = "no_file"  # nothing uploaded yet
    PENDING = "pending"  # DOCX/ODT waiting for conversion to PDF
    FAILED = "failed"  # conversion to PDF failed
    UNREADABLE = "unreadable"  # the stored PDF could not be opened
    CONFIDENTIAL = "confidential"  # public version: sekretess


@dataclass
class Handling:
    """One handling of an agenda item as the kallelse uses it."""

    document_id: int
    title: str
    status: str
    sha256: str = ""
    file_name: str = ""
    confidential: bool = False
    osl_reference: str = ""

    @property
    def included(self) -> bool:
        return self.status == HandlingStatus.INCLUDED


@dataclass
class KallelseItem:
    """One numbered agenda item. `withheld` (public version only): its content is secret."""

    number: int
    title: str
    diarienummer: str
    time_note: str = ""
    confidential: bool = False
    osl_reference: str = ""
    withheld: bool = False
    handlingar: list[Handling] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return ITEM_ANCHOR.format(number=self.number)

    @property
    def included_handlingar(self) -> list[Handling]:
        return [h for h in self.handlingar if h.included]

    @property
    def missing_handlingar(self) -> list[Handling]:
        return [h for h in self.handlingar if not h.included]

    @property
    def confidential_handlingar(self) -> list[Handling]:
        """Members' version: the secret handlingar included, marked on the front page."""
        return [h for h in self.handlingar if h.included and h.confidential]


@dataclass
class KallelseSection:
    heading: str
    items: list[KallelseItem] = field(default_factory=list)


@dataclass
class SummonedGroup:
    """A list of names under one heading of "Kallade"/"För kännedom"; `key` picks the label."""

    key: str
    names: list[str] = field(default_factory=list)
    continued: bool = False


# The groups in the order the kallelse prints them (seed 003). Members are "Kallade";
# everyone else receives the kallelse "för kännedom".
SUMMONED_GROUPS = ("members",)
FOR_INFORMATION_GROUPS = ("substitutes", "officials", "staff", "councillors", "adjunct")
ROLE_GROUP = {
    Role.CHAIR: "members",
    Role.FIRST_VICE_CHAIR: "members",
    Role.SECOND_VICE_CHAIR: "members",
    Role.MEMBER: "members",
    Role.SUBSTITUTE: "substitutes",
    Role.OFFICIAL: "officials",
    Role.SECRETARY: "officials",
    Role.STAFF_REPRESENTATIVE: "staff",
    Role.COUNCILLOR: "councillors",
    Role.ADJUNCT: "adjunct",
}
# Chair first, then the vice chairs, then the members in their list order.
MEMBER_RANK = {Role.CHAIR: 0, Role.FIRST_VICE_CHAIR: 1, Role.SECOND_VICE_CHAIR: 2, Role.MEMBER: 3}


@dataclass
class KallelseSource:
    """Everything a kallelse is built from, as plain data; its hash decides staleness."""

    meeting_id: int
    public: bool
    lang: str
    organisation: str
    committee: str
    committee_slug: str
    date: str
    time: str
    place: str
    sections: list[KallelseSection]
    summoned: list[SummonedGroup]
    for_information: list[SummonedGroup]

    @property
    def items(self) -> list[KallelseItem]:
        return [item for section in self.sections for item in section.items]

    @property
    def content_hash(self) -> str:
        data = {"source": asdict(self), "layout": layout_fingerprint()}
        encoded = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(encoded.encode()).hexdigest()

    @property
    def kind(self) -> str:
        return RenderedDocument.Kind.KALLELSE_PUBLIC if self.public else RenderedDocument.Kind.KALLELSE

    @property
    def title(self) -> str:
        with translation.override(self.lang):
            return _("Notice of meeting %(committee)s %(date)s") % {
                "committee": self.committee,
                "date": self.date,
            }

    @property
    def file_name(self) -> str:
        suffix = "-public" if self.public else ""
        return f"kallelse-{self.committee_slug}-{self.date}{suffix}-{self.content_hash[:12]}.pdf"


@lru_cache(maxsize=1)
def layout_fingerprint() -> str:
    """SHA-256 of the front page's templates and print stylesheet (templates/meetings/kallelse/)
    and of the base print stylesheet it includes (templates/print/), read once per process, so
    a deploy that changes the layout renders every kallelse anew."""
    digest = hashlib.sha256()
    for template in (FRONT_PAGE_TEMPLATE, PRINT_BASE_STYLESHEET):
        folder = Path(get_template(template).origin.name).parent
        for path in sorted(folder.iterdir()):
            if path.is_file():
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _document_language() -> str:
    """The kallelse is the organisation's document, in its language, whoever renders it."""
    return settings.LANGUAGE_CODE.split("-")[0]


# --- What the kallelse is built from --------------------------------------------------------------


def _file_sha256(document: Document) -> str:
    """The stored SHA-256, or (for rows made without it) the file's own."""
    if document.sha256:
        return document.sha256
    digest = hashlib.sha256()
    with document.file.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _handling(document: Document, *, public: bool) -> Handling:
    if public and document.confidential:
        # Not even the title: a title can itself be what is secret.
        return Handling(
            document.pk,
            "",
            HandlingStatus.CONFIDENTIAL,
            confidential=True,
            osl_reference=document.osl_reference,
        )
    if document.conversion == Document.Conversion.PENDING:
        status = HandlingStatus.PENDING
    elif document.conversion == Document.Conversion.FAILED:
        status = HandlingStatus.FAILED
    elif not document.file:
        status = HandlingStatus.NO_FILE
    else:
        status = HandlingStatus.INCLUDED
    secrecy = {"confidential": document.confidential, "osl_reference": document.osl_reference}
    if status == HandlingStatus.INCLUDED:
        try:
            sha256 = _file_sha256(document)
        except OSError:  # a row without its hash whose file is gone
            status = HandlingStatus.UNREADABLE
    if status != HandlingStatus.INCLUDED:
        return Handling(document.pk, document.title, status, **secrecy)
    return Handling(
        document.pk, document.title, status, sha256=sha256, file_name=document.file.name, **secrecy
    )


def _summoned_line(assignment: Assignment) -> str:
    """How one person is printed: "Per Eriksson (C) ordf.", "Jane Ydman, regiondirektör"."""
    person = assignment.person
    if assignment.role in (Role.OFFICIAL, Role.SECRETARY, Role.STAFF_REPRESENTATIVE):
        title = assignment.title or person.title
        return f"{person.full_name}, {title}" if title else person.full_name
    suffix = Assignment.ROLE_SUFFIX.get(assignment.role)
    return f"{person.display_name} {suffix}" if suffix else person.display_name


def _summoned(meeting: Meeting, on) -> dict[str, list[str]]:
    """Names per group of everyone with a current assignment that receives the kallelse."""
    assignments = (
        meeting.committee.current_assignments(on)
        .filter(receives_kallelse=True)
        .order_by("order", "substitute_order", "person__last_name", "person__first_name", "pk")
    )
    groups: dict[str, list[tuple]] = defaultdict(list)
    for position, assignment in enumerate(assignments):
        group = ROLE_GROUP.get(assignment.role)
        if group is None:
            continue
        if group == "members":
            key = (MEMBER_RANK[assignment.role], position)
        elif group == "substitutes":
            order = assignment.substitute_order
            key = (order is None, order or 0, position)
        else:
            key = (position,)
        groups[group].append((key, _summoned_line(assignment)))
    return {group: [line for _key, line in sorted(rows)] for group, rows in groups.items()}


def kallelse_source(*, meeting: Meeting, public: bool = False) -> KallelseSource:
    """Read what the kallelse (members' or public) of `meeting` is built from.

    Items are numbered 1…n in agenda order and grouped where the section heading changes.
    In the public version a confidential item (or an item of a confidential case) shows
    only its number, its OSL ground and its public title if one is set; its handlingar are
    not listed. A confidential handling of an open item is listed as secret, without title.
    """
    meeting = Meeting.objects.select_related("committee__organisation").get(pk=meeting.pk)
    committee = meeting.committee
    start = timezone.localtime(meeting.start)
    items = list(meeting.agenda_items.order_by("order", "id").select_related("case"))
    attachments = defaultdict(list)
    for attachment in (
        AgendaItemDocument.objects.filter(agenda_item__meeting=meeting)
        .select_related("document")
        .order_by("agenda_item_id", "order", "id")
    ):
        attachments[attachment.agenda_item_id].append(attachment.document)

    sections: list[KallelseSection] = []
    for number, item in enumerate(items, start=1):
        case = item.case
        confidential = item.confidential or bool(case and case.confidential)
        osl_reference = item.osl_reference or (case.osl_reference if case else "")
        withheld = public and confidential
        entry = KallelseItem(
            number=number,
            title=item.public_title if withheld else item.title,
            diarienummer="" if withheld or case is None else case.short_number,
            time_note="" if withheld else item.time_note,
            confidential=confidential,
            osl_reference=osl_reference,
            withheld=withheld,
            handlingar=[] if withheld else [_handling(d, public=public) for d in attachments[item.pk]],
        )
        if not sections or sections[-1].heading != item.section:
            sections.append(KallelseSection(heading=item.section))
        sections[-1].items.append(entry)

    names = _summoned(meeting, start.date())
    return KallelseSource(
        meeting_id=meeting.pk,
        public=public,
        lang=_document_language(),
        organisation=committee.organisation.name,
        committee=committee.name,
        committee_slug=committee.slug,
        date=f"{start:%Y-%m-%d}",
        time=f"{start:%H:%M}",
        place=meeting.location or committee.default_location,
        sections=sections,
        summoned=[SummonedGroup(g, names[g]) for g in SUMMONED_GROUPS if names.get(g)],
        for_information=[SummonedGroup(g, names[g]) for g in FOR_INFORMATION_GROUPS if names.get(g)],
    )


def kallelse_content_hash(*, meeting: Meeting, public: bool = False) -> str:
    """The hash of what the kallelse would be built from now (a few database reads)."""
    return kallelse_source(meeting=meeting, public=public).content_hash


# --- The PDF -------------------------------------------------------------------------------------


def _open_handling(handling: Handling, stack: ExitStack) -> pikepdf.Pdf | None:
    """Open a stored handling for page copying; None (and the handling marked unreadable) if
    the file is gone or is not a PDF pikepdf can read."""
    try:
        # Through the storage API, so any storage works; pikepdf reads the stream lazily and
        # both stay open (in `stack`) until the merged kallelse is written.
        stream = stack.enter_context(default_storage.open(handling.file_name, "rb"))
        return stack.enter_context(pikepdf.open(stream))
    except (OSError, pikepdf.PdfError, pikepdf.PasswordError, ValueError) as error:
        logger.warning(
            "Kallelse: handling %s (%s) left out: %s", handling.document_id, handling.file_name, error
        )
        handling.status = HandlingStatus.UNREADABLE
        return None


# A group of names longer than this may be split over the two columns of the front page.
SPLITTABLE_GROUP = 10


def _two_columns(groups: list[SummonedGroup]) -> list[list[SummonedGroup]]:
    """Lay the groups out in two balanced columns (a table: CSS columns make WeasyPrint slow).

    Groups keep their order; a long group may continue in the right column, as a group
    with the same key and `continued` set (printed without its heading).
    """
    total = sum(len(group.names) + 1 for group in groups)
    left: list[SummonedGroup] = []
    right: list[SummonedGroup] = []
    used = 0
    half = total / 2
    for index, group in enumerate(groups):
        size = len(group.names) + 1
        if right or used >= half:
            right.append(group)
        elif used + size <= half + 1 or (
            len(group.names) <= SPLITTABLE_GROUP and used + size - half <= half - used
        ):
            left.append(group)
            used += size
        elif len(group.names) <= SPLITTABLE_GROUP:
            right.append(group)
        else:
            # Level the columns: the continued part is as tall as the rest of this column.
            after = sum(len(g.names) + 1 for g in groups[index + 1 :])
            cut = min(len(group.names) - 1, max(1, math.ceil((len(group.names) + after - used) / 2)))
            left.append(SummonedGroup(group.key, group.names[:cut]))
            right.append(SummonedGroup(group.key, group.names[cut:], continued=True))
    return [column for column in (left, right) if column]


def _front_page_pdf(source: KallelseSource) -> bytes:
    context = {
        "source": source,
        "summoned": _two_columns(source.summoned),
        "for_information": _two_columns(source.for_information),
        "status": HandlingStatus,
    }
    with translation.override(source.lang):
        return render_pdf(FRONT_PAGE_TEMPLATE, context, title=source.title, lang=source.lang)


def _anchor_pages(pdf: pikepdf.Pdf) -> dict[str, int]:
    """Page index of every named destination WeasyPrint made from an HTML id."""
    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return {}
    page_index = {page.objgen: index for index, page in enumerate(pdf.pages)}
    found = {}
    for name, destination in pikepdf.NameTree(names.Dests).items():
        if isinstance(destination, pikepdf.Dictionary):
            destination = destination.D
        index = page_index.get(destination[0].objgen)
        if index is not None:
            found[name] = index
    return found


def _set_page_labels(pdf: pikepdf.Pdf, front_pages: int) -> None:
    """Front pages i, ii, …; the handlingar 1, 2, … (what a reader's page box shows)."""
    nums = [0, pikepdf.Dictionary(S=pikepdf.Name.r)]
    if len(pdf.pages) > front_pages:
        nums += [front_pages, pikepdf.Dictionary(S=pikepdf.Name.D, St=1)]
    pdf.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(nums))


def _set_metadata(pdf: pikepdf.Pdf, source: KallelseSource) -> None:
    """Keep the PDF/A-2b identification WeasyPrint wrote; set title and language on the whole."""
    tag = language_tag(source.lang)
    pdf.Root.Lang = pikepdf.String(tag)
    with pdf.open_metadata() as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        meta["dc:title"] = source.title
        meta["dc:language"] = [tag]
    pdf.docinfo[pikepdf.Name.Title] = source.title
    # The viewer shows the title rather than the file name (PDF/UA habit, harmless in PDF/A).
    pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)


def kallelse_render_pdf(*, source: KallelseSource) -> tuple[bytes, int]:
    """Build the kallelse PDF/A from its source; returns (pdf bytes, page count).

    Handlingar are opened first, so one that cannot be read is noted on the front page
    instead of failing the whole kallelse.
    """
    with ExitStack() as stack:
        opened: dict[int, pikepdf.Pdf] = {}
        for item in source.items:
            for handling in item.included_handlingar:
                document = _open_handling(handling, stack)
                if document is not None:
                    opened[handling.document_id] = document

        pdf = stack.enter_context(pikepdf.open(io.BytesIO(_front_page_pdf(source))))
        front_pages = len(pdf.pages)
        anchors = _anchor_pages(pdf)

        with pdf.open_outline() as outline:
            outline.root.clear()
            outline.root.append(pikepdf.OutlineItem(_outline_front_page_title(source), 0))
            for item in source.items:
                entry = pikepdf.OutlineItem(_outline_item_title(source, item), anchors.get(item.anchor, 0))
                first = True
                for handling in item.included_handlingar:
                    document = opened[handling.document_id]
                    start = len(pdf.pages)
                    pdf.pages.extend(document.pages)
                    if first:
                        entry.destination = start
                        first = False
                    entry.children.append(pikepdf.OutlineItem(handling.title, start))
                outline.root.append(entry)

        _set_page_labels(pdf, front_pages)
        _set_metadata(pdf, source)
        # Viewers open with the bookmarks shown: the outline is the kallelse's table of contents.
        pdf.Root.PageMode = pikepdf.Name.UseOutlines
        output = io.BytesIO()
        pdf.save(output, min_version="1.7")
        return output.getvalue(), len(pdf.pages)


def _outline_front_page_title(source: KallelseSource) -> str:
    with translation.override(source.lang):
        return _("Notice of meeting, front page")


def _outline_item_title(source: KallelseSource, item: KallelseItem) -> str:
    """ "1 Upprop och val av protokollsjusterare"; a withheld item shows its OSL ground."""
    if item.withheld and not item.title:
        with translation.override(source.lang):
            return f"{item.number} " + _("Confidential under %(osl)s") % {"osl": item.osl_reference}
    return f"{item.number} {item.title}"


# --- Stored kallelse ---------------------------------------------------------------------------


def _stored(meeting: Meeting, kind: str, content_hash: str) -> RenderedDocument | None:
    for rendered in RenderedDocument.objects.filter(
        meeting=meeting, paragraph=None, kind=kind, content_hash=content_hash
    ).order_by("-created_at", "-pk"):
        if rendered.file and default_storage.exists(rendered.file.name):
            return rendered
    return None


def kallelse_current(*, meeting: Meeting, public: bool = False) -> RenderedDocument | None:
    """The stored kallelse built from what the meeting holds now, or None if there is none."""
    source = kallelse_source(meeting=meeting, public=public)
    return _stored(meeting, source.kind, source.content_hash)


def kallelse_get_or_render(*, meeting: Meeting, public: bool = False) -> RenderedDocument:
    """The kallelse PDF (members' or public) for the meeting as it is now.

    The content hash is recomputed on every call; a stored kallelse with that hash is
    returned as it is, otherwise a new one is rendered and stored (kind KALLELSE or
    KALLELSE_PUBLIC). Rendering happens outside any transaction; two concurrent calls
    store one document (the meeting row is locked while storing).
    """
    source = kallelse_source(meeting=meeting, public=public)
    content_hash = source.content_hash
    existing = _stored(meeting, source.kind, content_hash)
    if existing is not None:
        return existing

    pdf, page_count = kallelse_render_pdf(source=source)
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).exists()
        existing = _stored(meeting, source.kind, content_hash)
        if existing is not None:
            return existing
        rendered = RenderedDocument(
            meeting_id=meeting.pk,
            kind=source.kind,
            content_hash=content_hash,
            sha256=hashlib.sha256(pdf).hexdigest(),
            page_count=page_count,
        )
        rendered.file.save(source.file_name, ContentFile(pdf), save=False)
        try:
            rendered.save()
        except Exception:
            default_storage.delete(rendered.file.name)
            raise
    return rendered


def kallelse_request_render(*, meeting: Meeting) -> None:
    """Queue the members' and the public kallelse to be (re)built once this transaction commits.

    The task does nothing when the stored kallelse is current, so this may be called after
    every change. A broker that is down is logged; the kallelse is then built on first request.
    """

    def enqueue():
        from meetings.tasks import render_kallelse  # the tasks import this module (meetings/tasks.py)

        for public in (False, True):
            try:
                render_kallelse.delay(meeting.pk, public=public)
            except Exception:  # the broker is down: it will be rendered when first asked for
                logger.exception("Kallelse of meeting %s not queued: the broker is unreachable", meeting.pk)

    transaction.on_commit(enqueue)
