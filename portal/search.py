"""Swedish full-text search over everything published.

The index (`SearchEntry`) is a copy of what the selectors of `portal.published` return, and
of nothing else: paragraphs of justerade protokoll (a confidential one only as its public
heading, without text), agenda items of published agendas (a confidential one only as its
public title), handlingar of those agendas with the text of their PDF, and public cases.

- `search_index_meeting(meeting=…)` (re)builds the entries of one meeting and removes those
  no longer public; the task `portal.search_tasks.index_meeting` runs it after every status
  change and agenda publication (hooked in `portal.signals`).
- `search_reindex_all()` rebuilds everything in bulk (`manage.py search_reindex`).
- `search_results(…)` / `search_hits(…)` answer the public search page.

On PostgreSQL the text is matched against a stored, GIN-indexed tsvector with the `swedish`
configuration (so "motionen" finds "motion"); on SQLite, the embedded default, search falls
back to a plain contains search.

One module (over 400 lines): the index, the query and the differences between PostgreSQL's
and SQLite's full-text search belong together.
"""

from __future__ import annotations

import functools
import hashlib
import html
import logging
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.core.paginator import InvalidPage, Page, Paginator
from django.db import connection, models, transaction
from django.db.models import F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Replace
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cases.models import Case, Document
from committees.models import Committee
from meetings.models import AgendaItem, Meeting, Paragraph

from . import published
from .models import SearchEntry

logger = logging.getLogger(__name__)

Kind = SearchEntry.Kind

CONFIG = "swedish"
PDFTOTEXT = "pdftotext"  # poppler-utils; looked up on PATH (the start-up check portal.W001 names it)
PDFTOTEXT_TIMEOUT = 30  # seconds for one handling
MAX_TEXT = 200_000  # characters kept of one entry's text (a tsvector holds at most 1 MB)
MAX_QUERY = 200  # characters of a search query
PAGE_SIZE = 20
RANK_LIMIT = 2000  # more hits than this are listed newest first, from the index (ranking reads every hit)
BULK_BATCH = 2000

# ts_headline marks hits with these (private-use characters, removed from every indexed
# text), so the snippet can be escaped first and the marks turned into <mark> after.
_START, _STOP = "\ue000", "\ue001"
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\s*\n\s*")
DIARIENUMMER_QUERY = re.compile(r"^\s*(?:(?P<prefix>[A-Za-zÅÄÖåäö]{1,20})\s+)?(?P<number>\d{4}/\d{1,7})\s*$")


def full_text_available() -> bool:
    """True on PostgreSQL (Swedish full-text search); False on SQLite (contains search)."""
    return connection.vendor == "postgresql"


# --- Building the entries ------------------------------------------------------------------


def html_to_text(value: str) -> str:
    """Rich-text HTML (already sanitised) as plain text: tags become spaces, entities characters."""
    return html.unescape(_TAG.sub(" ", value)) if value else ""


def plain_text(*parts: str) -> str:
    """Plain texts as one text for the index, blank parts skipped and spaces folded."""
    texts = []
    for part in parts:
        text = _LINES.sub("\n", _SPACE.sub(" ", (part or "").replace(_START, "").replace(_STOP, ""))).strip()
        if text:
            texts.append(text)
    return "\n".join(texts)[:MAX_TEXT]


_URL_ARGS = (1000000001, 1000000002)


@functools.lru_cache(maxsize=16)
def _url_pattern(name: str, arity: int) -> str:
    url = reverse(name, args=_URL_ARGS[:arity])
    for number, arg in enumerate(_URL_ARGS[:arity]):
        url = url.replace(str(arg), f"{{{number}}}")
    return url


def _url(name: str, *args: int) -> str:
    """reverse() for the index's few URL patterns, cheap enough for 100,000 rows."""
    return _url_pattern(name, len(args)).format(*args)


def _meeting_date(meeting: Meeting) -> date:
    return timezone.localdate(meeting.start)


def _paragraph_entry(paragraph: Paragraph) -> dict:
    """A paragraph as the public sees it (`public_paragraph`: a confidential one is only
    "§ n — Sekretess (OSL …)", without text or diarienummer)."""
    public = published.public_paragraph(paragraph)
    case = paragraph.case if public.case_id else None
    return {
        "meeting_id": paragraph.meeting_id,
        "committee_id": paragraph.meeting.committee_id,
        "date": _meeting_date(paragraph.meeting),
        "title": public.heading[:600],
        "text": plain_text(
            *map(
                html_to_text,
                (public.decision, public.summary, public.motions, public.procedure, public.notes),
            ),
            public.basis,
            public.send_to,
        ),
        "diarienummer": case.diarienummer if case else "",
        "case_number": case.short_number if case else "",
        "url": _url("portal:paragraph", paragraph.meeting_id, paragraph.number),
    }


def _agenda_item_entry(item: AgendaItem) -> dict:
    """An item of a published agenda as the public meeting page shows it (`public_agenda_item`):
    its title and diarienummer; a withheld one (confidential item or case) only its masked title."""
    public = published.public_agenda_item(item, number=item.order)
    return {
        "meeting_id": item.meeting_id,
        "committee_id": item.meeting.committee_id,
        "date": _meeting_date(item.meeting),
        "title": public.title[:600],
        "text": "",
        "diarienummer": public.diarienummer,
        "case_number": item.case.short_number if public.diarienummer else "",
        "url": _url("portal:meeting", item.meeting_id) + f"#arende-{item.pk}",
    }


def _document_entry(document: Document, meeting: Meeting, cached: SearchEntry | None) -> dict:
    """A public handling, with the text of its PDF (extracted again only if the file changed)."""
    case = document.case if document.case_id and not document.case.confidential else None
    text, sha256 = _document_text(document, cached)
    return {
        "meeting_id": meeting.pk,
        "committee_id": meeting.committee_id,
        "date": document.date or _meeting_date(meeting),
        "title": document.title[:600],
        "text": text,
        "diarienummer": case.diarienummer if case else "",
        "case_number": case.short_number if case else "",
        "url": _url("portal:document", document.pk),
        "source_sha256": sha256,
    }


def _case_entry(case: Case, meeting: Meeting | None) -> dict:
    return {
        "meeting_id": meeting.pk if meeting else None,
        "committee_id": case.committee_id or (meeting.committee_id if meeting else None),
        "date": case.registered_on or (_meeting_date(meeting) if meeting else None),
        "title": case.title[:600],
        "text": "",
        "diarienummer": case.diarienummer,
        "case_number": case.short_number,
        "url": _url("portal:case", case.pk),
    }


def _document_text(document: Document, cached: SearchEntry | None) -> tuple[str, str]:
    """(text, sha256 of the file it came from); the cached text if the file is unchanged."""
    if cached is not None and cached.source_sha256 and cached.source_sha256 == document.sha256:
        return cached.text, cached.source_sha256
    try:
        with document.file.open("rb") as file:
            content = file.read()
    except OSError:
        logger.warning("Search index: the file of handling %s could not be read", document.pk)
        return "", ""
    sha256 = hashlib.sha256(content).hexdigest()
    if cached is not None and cached.source_sha256 == sha256:
        return cached.text, sha256
    text = pdf_extract_text(content)
    return (plain_text(text), sha256) if text is not None else ("", "")


def pdftotext_path() -> str | None:
    """Where `pdftotext` (poppler-utils) is on PATH, or None if it is not installed here."""
    return shutil.which(PDFTOTEXT)


def pdf_extract_text(content: bytes) -> str | None:
    """The text of a PDF by `pdftotext` (poppler-utils), with a time limit; None if it failed."""
    binary = pdftotext_path()
    if not binary:
        logger.warning("Search index: pdftotext is not installed; handlingar are indexed by title only")
        return None
    with tempfile.TemporaryDirectory(prefix="paragraf-pdftotext-") as workdir:
        source = Path(workdir) / "handling.pdf"
        source.write_bytes(content)
        try:
            result = subprocess.run(  # noqa: S603 - fixed command, no shell
                [binary, "-enc", "UTF-8", "-q", str(source), "-"],
                capture_output=True,
                timeout=PDFTOTEXT_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            logger.warning("Search index: pdftotext took more than %s s", PDFTOTEXT_TIMEOUT)
            return None
    if result.returncode != 0:
        logger.warning("Search index: pdftotext failed (exit code %s)", result.returncode)
        return None
    return result.stdout.decode("utf-8", errors="replace")


def _update_vectors(entries: QuerySet[SearchEntry]) -> None:
    """Compute the stored tsvector in the database: titles and diarienummer weigh A, text B."""
    if not full_text_available():
        return
    entries.update(
        search_vector=SearchVector("title", config=CONFIG, weight="A")
        + SearchVector("diarienummer", config="simple", weight="A")
        + SearchVector("text", config=CONFIG, weight="B")
    )


def _showing_meetings(kind: str, object_ids) -> dict[int, Meeting]:
    """For public handlingar or cases: the latest published meeting that shows each (its
    committee and date go on the entry)."""
    # As the meeting page: a withheld item (confidential, or of a confidential case) shows nothing.
    public_items = (
        published.published_agenda_items().filter(confidential=False).exclude(case__confidential=True)
    )
    if kind == Kind.DOCUMENT:
        pairs = list(
            public_items.filter(documents__in=object_ids)
            .order_by("meeting__start")
            .values_list("documents", "meeting_id")
        )
    else:
        pairs = list(
            public_items.filter(case__in=object_ids)
            .order_by("meeting__start")
            .values_list("case_id", "meeting_id")
        ) + list(
            published.open_paragraphs()
            .filter(case__in=object_ids)
            .order_by("meeting__start")
            .values_list("case_id", "meeting_id")
        )
    showing = dict(pairs)  # the latest wins
    meetings = Meeting.objects.in_bulk(set(showing.values()))
    return {object_id: meetings[meeting_id] for object_id, meeting_id in showing.items()}


def _documents_rows(document_ids, cached: dict) -> dict[tuple[str, int], dict]:
    documents = list(published.published_documents().filter(pk__in=document_ids).select_related("case"))
    meetings = _showing_meetings(Kind.DOCUMENT, [document.pk for document in documents])
    return {
        (Kind.DOCUMENT, document.pk): _document_entry(
            document, meetings[document.pk], cached.get(document.pk)
        )
        for document in documents
        if document.pk in meetings
    }


def _cases_rows(case_ids) -> dict[tuple[str, int], dict]:
    cases = list(published.published_cases().filter(pk__in=case_ids))
    meetings = _showing_meetings(Kind.CASE, [case.pk for case in cases])
    return {(Kind.CASE, case.pk): _case_entry(case, meetings.get(case.pk)) for case in cases}


def _indexed_agenda_items() -> QuerySet[AgendaItem]:
    """Published agenda items, except those handled in a published protokoll: those are found
    through their paragraph, which has the decision."""
    return published.published_agenda_items().exclude(
        paragraph__in=published.published_paragraphs().values("pk")
    )


def _meeting_public_rows(meeting: Meeting, existing: dict) -> dict[tuple[str, int], dict]:
    """Every entry one meeting touches, as it should be now, keyed by (kind, object id). A
    handling or case shown by several meetings stays as long as one of them shows it."""
    wanted: dict[tuple[str, int], dict] = {}
    for paragraph in published.published_paragraphs().filter(meeting=meeting):
        wanted[(Kind.PARAGRAPH, paragraph.pk)] = _paragraph_entry(paragraph)
    for item in _indexed_agenda_items().filter(meeting=meeting):
        wanted[(Kind.AGENDA_ITEM, item.pk)] = _agenda_item_entry(item)

    document_ids = set(Document.objects.filter(agenda_items__meeting=meeting).values_list("pk", flat=True))
    document_ids |= {object_id for kind, object_id in existing if kind == Kind.DOCUMENT}
    cached = {object_id: entry for (kind, object_id), entry in existing.items() if kind == Kind.DOCUMENT}
    wanted.update(_documents_rows(document_ids, cached))

    case_ids = set(
        Case.objects.filter(Q(paragraphs__meeting=meeting) | Q(agenda_items__meeting=meeting)).values_list(
            "pk", flat=True
        )
    )
    case_ids |= {object_id for kind, object_id in existing if kind == Kind.CASE}
    wanted.update(_cases_rows(case_ids))
    return wanted


@transaction.atomic
def search_index_meeting(*, meeting: Meeting) -> dict[str, int]:
    """(Re)build the search entries of one meeting: its paragraphs if the protokoll is
    published, its agenda items and handlingar if the agenda is published, and the cases they
    concern; remove the entries that are no longer public. Safe to run any number of times.
    Returns how many entries were written and removed.

    One run at a time (a PostgreSQL advisory lock held until the transaction ends): two
    meetings' runs may write the same shared handling or case, and a test, a command and the
    worker may index the same meeting at once."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [INDEX_LOCK])
        return _search_index_meeting(meeting)


# The key of the advisory lock that serialises the index runs (any fixed 64-bit number).
INDEX_LOCK = 0x5041524147524146  # "PARAGRAF"


def _search_index_meeting(meeting: Meeting) -> dict[str, int]:
    linked_documents = Document.objects.filter(agenda_items__meeting=meeting).values("pk")
    linked_cases = Case.objects.filter(
        Q(paragraphs__meeting=meeting) | Q(agenda_items__meeting=meeting)
    ).values("pk")
    existing = {
        (entry.kind, entry.object_id): entry
        for entry in SearchEntry.objects.filter(
            Q(meeting=meeting)
            | Q(kind=Kind.DOCUMENT, object_id__in=linked_documents)
            | Q(kind=Kind.CASE, object_id__in=linked_cases)
        )
    }
    wanted = _meeting_public_rows(meeting, existing)

    stale = [entry.pk for key, entry in existing.items() if key not in wanted]
    removed = SearchEntry.objects.filter(pk__in=stale).delete()[0] if stale else 0
    written = []
    for (kind, object_id), fields in wanted.items():
        entry = existing.get((kind, object_id))
        if entry is None:
            entry = SearchEntry(kind=kind, object_id=object_id)
        elif all(getattr(entry, name) == value for name, value in fields.items()):
            continue
        for name, value in fields.items():
            setattr(entry, name, value)
        entry.save()
        written.append(entry.pk)
    if written:
        _update_vectors(SearchEntry.objects.filter(pk__in=written))
    return {"written": len(written), "removed": removed}


# --- Rebuilding everything -----------------------------------------------------------------


@transaction.atomic
def search_reindex_all() -> dict[str, int]:
    """Rebuild the whole index from the selectors, in bulk (used by `manage.py search_reindex`
    and the benchmark). The text extracted from handlingar is kept when the file is unchanged."""
    cached = {entry.object_id: entry for entry in SearchEntry.objects.filter(kind=Kind.DOCUMENT)}
    SearchEntry.objects.all().delete()
    counts = dict.fromkeys(Kind.values, 0)
    rows: list[SearchEntry] = []

    full_text = full_text_available()

    def add(kind, object_id, fields):
        rows.append(SearchEntry(kind=kind, object_id=object_id, **fields))
        counts[kind] += 1
        if len(rows) >= BULK_BATCH:
            SearchEntry.objects.bulk_create(rows)
            rows.clear()

    for paragraph in published.published_paragraphs().order_by("pk").iterator(chunk_size=BULK_BATCH):
        add(Kind.PARAGRAPH, paragraph.pk, _paragraph_entry(paragraph))
    for item in _indexed_agenda_items().order_by("pk").iterator(chunk_size=BULK_BATCH):
        add(Kind.AGENDA_ITEM, item.pk, _agenda_item_entry(item))
    document_ids = published.published_documents().values_list("pk", flat=True)
    for (kind, object_id), fields in _documents_rows(list(document_ids), cached).items():
        add(kind, object_id, fields)
    for (kind, object_id), fields in _cases_rows(
        list(published.published_cases().values_list("pk", flat=True))
    ).items():
        add(kind, object_id, fields)
    if rows:
        SearchEntry.objects.bulk_create(rows)
    # One UPDATE computes every vector in the database (cheaper than an expression per row).
    _update_vectors(SearchEntry.objects.all())
    if full_text:
        with connection.cursor() as cursor:  # fresh statistics for the planner
            cursor.execute(f"ANALYZE {SearchEntry._meta.db_table}")
    return counts


# --- Searching -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One search result, ready for the page."""

    kind: str
    kind_label: str
    title: str
    url: str
    committee: Committee | None
    date: date | None
    diarienummer: str
    snippet: SafeString


def diarienummer_in_query(q: str) -> tuple[str, str] | None:
    """("RJL", "2022/2018") or ("", "2022/2018") if the query is a diarienummer, else None."""
    match = DIARIENUMMER_QUERY.match(q)
    if not match:
        return None
    return (match["prefix"] or "").upper(), match["number"]


def _exact_diarienummer(q: str) -> Q | None:
    found = diarienummer_in_query(q)
    if found is None:
        return None
    prefix, number = found
    condition = Q(case_number=number)
    if prefix:
        condition &= Q(diarienummer__istartswith=f"{prefix} ")
    return condition


def _matching(
    q: str, *, committee: Committee | None, date_from: date | None, date_to: date | None
) -> tuple[QuerySet[SearchEntry], Q | None, SearchQuery | None]:
    entries = SearchEntry.objects.all()
    if committee is not None:
        entries = entries.filter(committee=committee)
    if date_from is not None:
        entries = entries.filter(date__gte=date_from)
    if date_to is not None:
        entries = entries.filter(date__lte=date_to)
    exact = _exact_diarienummer(q)
    if full_text_available():
        query = SearchQuery(q, config=CONFIG, search_type="websearch")
        match = Q(search_vector=query)
    else:
        query = None
        match = Q()
        for term in q.split()[:10]:
            match &= Q(title__icontains=term) | Q(text__icontains=term) | Q(diarienummer__icontains=term)
    if exact is not None:
        match |= exact
    return entries.filter(match), exact, query


def search_results(
    *,
    q: str,
    committee: Committee | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    ranked: bool = True,
) -> QuerySet[SearchEntry]:
    """The entries matching `q`, best first: an exact diarienummer (the case itself first),
    then by rank (title and diarienummer hits above text hits), then newest first. With
    `ranked=False` newest first after the exact diarienummer (cheap for very many hits: the
    rank reads every matching vector).

    Only cheap columns are read here; `search_hits` adds the snippets for one page."""
    entries, exact, query = _matching(q, committee=committee, date_from=date_from, date_to=date_to)
    if exact is not None:
        exactness = models.Case(
            When(exact & Q(kind=Kind.CASE), then=Value(2)),
            When(exact, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    else:
        exactness = Value(0, output_field=IntegerField())
    if not ranked and exact is None:
        return newest_first(entries)
    rank = SearchRank(F("search_vector"), query) if query is not None and ranked else Value(0.0)
    return entries.annotate(exact=exactness, rank=rank).order_by("-exact", "-rank", *NEWEST_FIRST)


# The order of the index `search_entry_newest` (portal/models.py): ORDER BY … LIMIT 20 walks it
# from the newest entry and stops after 20 matching rows.
NEWEST_FIRST = (F("date").desc(nulls_last=True), F("id").asc())


def newest_first(entries: QuerySet[SearchEntry]) -> QuerySet[SearchEntry]:
    """Matching entries newest first, in exactly the order of the B-tree `search_entry_newest`
    and with nothing else in ORDER BY, so that PostgreSQL can read the page from the index:
    walking it newest first and testing each row against the tsquery, it stops after the 20
    hits of the page instead of reading and sorting every hit (a common word has a hit in
    most rows, so page 1 costs about 20 rows read, not hundreds of thousands). Only used when
    there are more than RANK_LIMIT hits, so at least one row in N/RANK_LIMIT matches and a page
    is found within a bounded walk; fewer hits are ranked from the GIN index instead. Same
    order as the ranked path's tie-break: date descending (undated last), then id."""
    return entries.order_by(*NEWEST_FIRST)


@dataclass(frozen=True)
class SearchPage:
    count: int
    ranked: bool
    page: Page | None  # None: no such page
    hits: list


def search_page(
    *,
    q: str,
    number: int,
    committee: Committee | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> SearchPage:
    """One page of hits, in three queries however many there are: the count, the page's ids
    (ranked when there are at most RANK_LIMIT hits, else newest first), and the snippets."""
    # Counting stops after RANK_LIMIT + 1 hits: the exact number of tens of thousands of hits
    # costs a scan of all of them and helps nobody ("more than 2,000 hits" is shown instead).
    matching = _matching(q, committee=committee, date_from=date_from, date_to=date_to)[0]
    count = matching.values("pk")[: RANK_LIMIT + 1].count()
    ranked = count <= RANK_LIMIT
    results = search_results(q=q, committee=committee, date_from=date_from, date_to=date_to, ranked=ranked)
    paginator = Paginator(results.values_list("pk", flat=True), PAGE_SIZE)
    paginator.count = count  # known already (a cached property)
    try:
        page = paginator.page(number)
    except InvalidPage:
        return SearchPage(count=count, ranked=ranked, page=None, hits=[])
    return SearchPage(count=count, ranked=ranked, page=page, hits=search_hits(list(page.object_list), q=q))


def search_hits(page_ids: list[int], *, q: str) -> list[Hit]:
    """The hits of one page in the given order, each with a highlighted, escaped snippet.
    ts_headline runs only on these rows (one query, however many hits)."""
    entries = SearchEntry.objects.filter(pk__in=page_ids).select_related("committee")
    if full_text_available():
        # Escape the plain text first, highlight after: ts_headline keeps entities whole and
        # adds nothing but the two marks, which become <mark> below.
        escaped = Replace(
            Replace(Replace("text", Value("&"), Value("&amp;")), Value("<"), Value("&lt;")),
            Value(">"),
            Value("&gt;"),
        )
        entries = entries.annotate(
            headline=SearchHeadline(
                escaped,
                SearchQuery(q, config=CONFIG, search_type="websearch"),
                config=CONFIG,
                start_sel=_START,
                stop_sel=_STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        ).defer("text", "search_vector")
    else:
        entries = entries.defer("search_vector")
    by_pk = {entry.pk: entry for entry in entries}
    hits = []
    for pk in page_ids:
        entry = by_pk.get(pk)
        if entry is None:
            continue
        if full_text_available():
            snippet = mark_safe(  # noqa: S308 - escaped in the database before ts_headline
                (entry.headline or "").replace(_START, "<mark>").replace(_STOP, "</mark>")
            )
        else:
            snippet = contains_snippet(entry.text, q)
        hits.append(
            Hit(
                kind=entry.kind,
                kind_label=entry.get_kind_display(),
                title=entry.title,
                url=entry.url,
                committee=entry.committee,
                date=entry.date,
                diarienummer=entry.diarienummer,
                snippet=snippet,
            )
        )
    return hits


def contains_snippet(text: str, q: str, *, width: int = 220) -> SafeString:
    """A snippet around the first occurrence of a query word, escaped, the words in <mark>
    (the SQLite fallback's stand-in for ts_headline)."""
    terms = [re.escape(term) for term in q.split()[:10] if term]
    if not text or not terms:
        return mark_safe("")  # noqa: S308 - empty
    pattern = re.compile("|".join(terms), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, first.start() - width // 3) if first else 0
    window = text[start : start + width]
    pieces = []
    last = 0
    for found in pattern.finditer(window):
        pieces.append(escape(window[last : found.start()]))
        pieces.append(f"<mark>{escape(found.group())}</mark>")
        last = found.end()
    pieces.append(escape(window[last:]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + width < len(text) else ""
    return mark_safe(prefix + "".join(pieces) + suffix)  # noqa: S308 - every piece escaped
