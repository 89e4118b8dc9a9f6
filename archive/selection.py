"""What goes into an archive delivery of one committee and period: the meetings with a signed
protokoll, their files (protokoll of record, bilagor, kallelse and handlingar, protokollsutdrag)
and the register rows (ärenden, delegationsbeslut, remisser), each marked open or confidential.

Nothing here writes: `period_content` reads the database and returns plain values in a fixed
order, so the same data always gives the same package (archive/export.py builds it).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from cases.models import Case, DelegatedDecision, Document, Remiss
from committees.models import Committee
from meetings.models import AgendaItemDocument, Justering, Meeting, Paragraph, RenderedDocument
from meetings.protokoll.annexes import meeting_annexes


@dataclass(frozen=True)
class Period:
    """A committee's delivery period: a calendar year, or part of it (`start`..`end`, inclusive)."""

    year: int
    start: dt.date
    end: dt.date

    @classmethod
    def of(cls, year: int, start: dt.date | None = None, end: dt.date | None = None) -> Period:
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        start, end = start or first, end or last
        if not (first <= start <= end <= last):
            raise ValueError(f"The period {start}–{end} is not within {year}.")
        return cls(year=year, start=start, end=end)

    @property
    def whole_year(self) -> bool:
        return self.start == dt.date(self.year, 1, 1) and self.end == dt.date(self.year, 12, 31)

    @property
    def label(self) -> str:
        return str(self.year) if self.whole_year else f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"

    def contains(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end


@dataclass(frozen=True)
class FileItem:
    """One file of the package: where it goes (under the representation's data/), its bytes,
    when it was made, and whether it is confidential (and on which OSL ground)."""

    path: str
    content: bytes
    created: dt.datetime
    kind: str  # protokoll, bilaga, kallelse, handling, utdrag
    title: str
    confidential: bool = False
    osl_reference: str = ""
    signed: bool = False  # a PAdES-signed PDF: its signatures must still validate in the package
    meeting_key: str = ""
    paragraph_number: int | None = None
    source: str = ""  # a stable key of the row it comes from (for identifiers)

    @property
    def mimetype(self) -> str:
        return "application/pdf" if self.path.endswith(".pdf") else "application/octet-stream"


@dataclass
class MeetingContent:
    meeting: Meeting
    justering: Justering
    key: str  # the folder name: 2024-10-11_0900
    files: list[FileItem] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)


@dataclass
class PeriodContent:
    committee: Committee
    period: Period
    meetings: list[MeetingContent]
    cases: list[Case]
    delegated_decisions: list[DelegatedDecision]
    remisser: list[Remiss]

    @property
    def files(self) -> list[FileItem]:
        return [item for content in self.meetings for item in content.files]

    @property
    def latest(self) -> dt.datetime:
        """The package's date: the latest moment of its content (the last justering, the last
        file made). Fixed by the data, so a second export of the same data gives the same bytes."""
        moments = [c.justering.completed_at for c in self.meetings if c.justering.completed_at]
        moments += [item.created for item in self.files]
        if not moments:
            end = dt.datetime.combine(self.period.end, dt.time(23, 59, 59))
            return timezone.make_aware(end)
        return max(moments)


def slug(text: str, limit: int = 60) -> str:
    """An ASCII file name part: "Tjänsteskrivelse Nära vård" → "tjansteskrivelse-nara-vard"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:limit].strip("-") or "fil"


def committee_find(name_or_slug: str) -> Committee:
    """The committee by its slug, short name or name (case-insensitive)."""
    committee = (
        Committee.objects.filter(
            Q(slug__iexact=name_or_slug) | Q(short_name__iexact=name_or_slug) | Q(name__iexact=name_or_slug)
        )
        .select_related("organisation")
        .first()
    )
    if committee is None:
        raise Committee.DoesNotExist(f"No committee is called {name_or_slug!r}.")
    return committee


def _read(field_file) -> bytes:
    with field_file.open("rb") as handle:
        return handle.read()


def _document_file(
    document: Document, path: str, *, kind: str, meeting_key: str, paragraph=None, extra_osl=""
):
    confidential = document.confidential or bool(extra_osl)
    return FileItem(
        path=path,
        content=_read(document.file),
        created=document.created_at,
        kind=kind,
        title=document.title,
        confidential=confidential,
        osl_reference=document.osl_reference or extra_osl,
        meeting_key=meeting_key,
        paragraph_number=paragraph.number if paragraph else None,
        source=f"document:{document.sha256 or document.pk}",
    )


def _meeting_files(content: MeetingContent) -> list[FileItem]:
    meeting, justering, key = content.meeting, content.justering, content.key
    secret = [p for p in content.paragraphs if p.confidential]
    files = [
        FileItem(
            path=f"{key}/protokoll.pdf",
            content=_read(justering.signed_file),
            created=justering.completed_at or justering.frozen_at,
            kind="protokoll",
            title=f"Protokoll {meeting.committee.name} {timezone.localtime(meeting.start):%Y-%m-%d}",
            confidential=bool(secret),
            osl_reference="; ".join(sorted({p.osl_reference for p in secret})),
            signed=True,
            meeting_key=key,
            source=f"justering:{meeting.signature_reference}",
        )
    ]
    for annex in meeting_annexes(meeting):
        if annex.document.file:
            files.append(
                _document_file(
                    annex.document,
                    f"{key}/bilagor/bilaga-{annex.number:02d}-{slug(annex.document.title, 40)}.pdf",
                    kind="bilaga",
                    meeting_key=key,
                    paragraph=annex.paragraph,
                    extra_osl=annex.paragraph.osl_reference if annex.paragraph.confidential else "",
                )
            )
    kallelser = RenderedDocument.objects.filter(meeting=meeting, kind=RenderedDocument.Kind.KALLELSE)
    for number, rendered in enumerate(kallelser.order_by("created_at", "pk"), start=1):
        # The members' kallelse prints the confidential items and merges their handlingar.
        grounds = set(
            meeting.agenda_items.filter(confidential=True).values_list("osl_reference", flat=True)
        ) | set(
            Document.objects.filter(attachments__agenda_item__meeting=meeting, confidential=True).values_list(
                "osl_reference", flat=True
            )
        )
        files.append(
            FileItem(
                path=f"{key}/kallelse/kallelse-{number}.pdf",
                content=_read(rendered.file),
                created=rendered.created_at,
                kind="kallelse",
                title=f"Kallelse {meeting.committee.name} {timezone.localtime(meeting.start):%Y-%m-%d}",
                confidential=bool(grounds),
                osl_reference="; ".join(sorted(grounds)),
                meeting_key=key,
                source=f"rendered:{rendered.sha256 or rendered.content_hash}",
            )
        )
    handlingar = (
        AgendaItemDocument.objects.filter(agenda_item__meeting=meeting)
        .select_related("document", "agenda_item")
        .order_by("agenda_item__order", "order", "pk")
    )
    seen = {item.source for item in files}
    for index, row in enumerate(handlingar, start=1):
        document, item = row.document, row.agenda_item
        if not document.file or f"document:{document.sha256 or document.pk}" in seen:
            continue
        files.append(
            _document_file(
                document,
                f"{key}/kallelse/handlingar/{index:02d}-{slug(document.title, 40)}.pdf",
                kind="handling",
                meeting_key=key,
                extra_osl=item.osl_reference if item.confidential else "",
            )
        )
    extracts = (
        RenderedDocument.objects.filter(
            meeting=meeting, kind=RenderedDocument.Kind.EXTRACT, paragraph__isnull=False
        )
        .select_related("paragraph")
        .order_by("paragraph__number", "created_at", "pk")
    )
    for index, rendered in enumerate(extracts, start=1):
        paragraph = rendered.paragraph
        files.append(
            FileItem(
                path=f"{key}/protokollsutdrag/paragraf-{paragraph.number:03d}-{index}.pdf",
                content=_read(rendered.file),
                created=rendered.created_at,
                kind="utdrag",
                title=f"Protokollsutdrag § {paragraph.number} {paragraph.title}",
                confidential=paragraph.confidential,
                osl_reference=paragraph.osl_reference,
                signed=True,
                meeting_key=key,
                paragraph_number=paragraph.number,
                source=f"rendered:{rendered.sha256 or rendered.content_hash}",
            )
        )
    return files


def period_content(committee: Committee, period: Period) -> PeriodContent:
    """The committee's justerade meetings in the period and the register rows that belong to them."""
    meetings = []
    rows = (
        Meeting.objects.filter(committee=committee, status__in=Meeting.Status.JUSTERAT_OR_LATER)
        .select_related("committee", "committee__organisation", "justering")
        .order_by("start", "pk")
    )
    for meeting in rows:
        if not period.contains(timezone.localtime(meeting.start).date()):
            continue
        justering = getattr(meeting, "justering", None)
        if justering is None or not justering.signed_file:
            continue
        key = f"{timezone.localtime(meeting.start):%Y-%m-%d_%H%M}"
        content = MeetingContent(
            meeting=meeting,
            justering=justering,
            key=key,
            paragraphs=list(meeting.paragraphs.select_related("case").order_by("order", "number", "pk")),
        )
        content.files = _meeting_files(content)
        meetings.append(content)
    meeting_ids = [c.meeting.pk for c in meetings]
    paragraph_ids = [p.pk for c in meetings for p in c.paragraphs]
    cases = (
        Case.objects.filter(
            Q(paragraphs__in=paragraph_ids)
            | Q(committee=committee, registered_on__gte=period.start, registered_on__lte=period.end)
        )
        .distinct()
        .order_by("prefix", "year", "serial")
    )
    decisions = (
        DelegatedDecision.objects.filter(
            Q(reported_at_meeting__in=meeting_ids)
            | Q(point__committee=committee, decided_on__gte=period.start, decided_on__lte=period.end)
        )
        .select_related("decision_maker", "point", "case", "reported_in_paragraph")
        .distinct()
        .order_by("decided_on", "year", "decision_maker_number", "pk")
    )
    remisser = (
        Remiss.objects.filter(
            Q(reported_at_meeting__in=meeting_ids)
            | Q(answered_by_paragraph__in=paragraph_ids)
            | Q(committee=committee, received_on__gte=period.start, received_on__lte=period.end)
        )
        .select_related("case", "answered_by_paragraph")
        .distinct()
        .order_by("received_on", "registration_id", "pk")
    )
    return PeriodContent(
        committee=committee,
        period=period,
        meetings=meetings,
        cases=list(cases),
        delegated_decisions=list(decisions),
        remisser=list(remisser),
    )
