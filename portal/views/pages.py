"""Public pages: start page, committees, meetings and protokoll, cases, handlingar.

Everything is read through `portal.published`; a row that is not there answers 404, as if it
did not exist. The protokoll page and the list make a fixed number of queries however long
the protokoll or the archive is.
"""

from __future__ import annotations

import logging
import mimetypes
from datetime import date
from itertools import groupby
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Max, Min, Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from committees.models import Committee
from config.downloads import file_response
from meetings import signing
from meetings.justering.utdrag import protokollsutdrag_get_or_create
from meetings.lagakraft.bevis import laga_kraft_bevis_get_or_create
from meetings.models import AgendaItemDocument, Meeting

from ..caching import public_cache
from ..filters import ProtokollFilter
from ..prerender import WHOLE_PROTOKOLL, stored_page_missed, stored_page_response
from ..published import (
    calendar_meetings,
    current_anslag,
    open_paragraphs,
    public_agenda_item,
    public_laga_kraft,
    public_paragraph,
    published_agenda_items,
    published_assignments,
    published_cases,
    published_committees,
    published_documents,
    published_meetings,
    upcoming_meetings,
)
from ..services import (
    paragraph_page_context,
    protokoll_page_context,
    protokoll_public_context,
    protokoll_public_file,
)

logger = logging.getLogger(__name__)

PROTOKOLL_PER_PAGE = 50
START_PAGE_ROWS = 5
# When the accessibility statement was last reviewed against the site (update with it).
ACCESSIBILITY_REVIEWED_ON = date(2026, 11, 23)


def _file_response(stored, filename: str, content_type: str = "application/pdf") -> FileResponse:
    try:
        handle = stored.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    return file_response(handle, content_type=content_type, filename=filename)


def _unavailable(request: HttpRequest, meeting, error: Exception) -> HttpResponse:
    """A document that could not be built or certified now (no secretary signer, no key): say
    so, log why, and serve nothing uncertified."""
    logger.warning("Public document for meeting %s not available: %s", meeting.pk, error)
    return render(request, "portal/unavailable.html", {"meeting": meeting}, status=503)


# --- Start page and committees ---------------------------------------------------------------------


@public_cache
def start(request: HttpRequest) -> HttpResponse:
    """Upcoming meetings, today's anslag and the latest protokoll."""
    latest = published_meetings().order_by("-justering__completed_at", "-start")[:START_PAGE_ROWS]
    return render(
        request,
        "portal/start.html",
        {
            "upcoming": upcoming_meetings()[:START_PAGE_ROWS],
            "anslag": list(current_anslag().order_by("-posted_on", "pk")),
            "latest": latest.select_related("justering"),
        },
    )


@public_cache
def committees(request: HttpRequest) -> HttpResponse:
    """Every organ, grouped by kind in the order of Committee.Kind (fullmäktige first)."""
    order = list(Committee.Kind.values)
    rows = sorted(published_committees(), key=lambda c: (order.index(c.kind), c.name))
    groups = [(label, list(items)) for label, items in groupby(rows, key=lambda c: c.get_kind_display())]
    return render(request, "portal/committees.html", {"groups": groups})


@public_cache
def committee(request: HttpRequest, slug: str) -> HttpResponse:
    """One organ: its members (current assignments), its years of protokoll and its coming
    meetings."""
    organ = get_object_or_404(published_committees(), slug=slug)
    assignments = (
        published_assignments()
        .filter(committee=organ)
        .current()
        .order_by("order", "substitute_order", "person__last_name", "person__first_name")
    )
    members = [a for a in assignments if a.is_member]
    substitutes = [a for a in assignments if a.role == a.Role.SUBSTITUTE]
    years = [
        d.year for d in published_meetings().filter(committee=organ).dates("start", "year", order="DESC")
    ]
    return render(
        request,
        "portal/committee.html",
        {
            "committee": organ,
            "members": members,
            "substitutes": substitutes,
            "years": years,
            "upcoming": upcoming_meetings().filter(committee=organ),
            "children": published_committees().filter(parent=organ).order_by("name"),
        },
    )


# --- The protokoll list ------------------------------------------------------------------------------


@public_cache
def protokoll_list(request: HttpRequest) -> HttpResponse:
    """Published protokoll, newest first, filtered by GET parameters (bookmarkable), 50 a page."""
    meetings = published_meetings().annotate(
        first_number=Min("paragraphs__number"), last_number=Max("paragraphs__number")
    )
    filterset = ProtokollFilter(request.GET or None, queryset=meetings.order_by("-start", "-pk"))
    page = Paginator(filterset.qs, PROTOKOLL_PER_PAGE).get_page(request.GET.get("sida"))
    matching = filterset.matching_paragraphs()
    if matching is not None:
        rows = matching.select_related(None).order_by("order", "number")
        page.object_list = list(
            page.object_list.prefetch_related(Prefetch("paragraphs", queryset=rows, to_attr="matches"))
        )
    query = request.GET.copy()
    query.pop("sida", None)
    return render(
        request,
        "portal/protokoll_list.html",
        {
            "filter": filterset,
            "page": page,
            "filtered": matching is not None,
            "query": query.urlencode(),
            "filters_active": any(request.GET.get(name) for name in ("organ", "ar", "typ", "text")),
        },
    )


# --- One protokoll ---------------------------------------------------------------------------------


def _published_meeting(pk: int):
    return get_object_or_404(published_meetings().select_related("committee__organisation"), pk=pk)


def protokoll(request: HttpRequest, pk: int) -> HttpResponse:
    """A justerat protokoll as an accessible page; confidential paragraphs masked. Anonymous
    readers get the page stored when it was published (portal/prerender.py)."""
    stored = stored_page_response(request, meeting_id=pk, number=WHOLE_PROTOKOLL)
    return stored if stored is not None else _protokoll_live(request, pk)


@public_cache
def _protokoll_live(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _published_meeting(pk)
    response = render(request, "portal/protokoll.html", protokoll_page_context(meeting=meeting))
    stored_page_missed(request, meeting_id=meeting.pk)
    return response


def paragraph(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One § of a justerat protokoll (the permalink of the §); stored like the protokoll page."""
    stored = stored_page_response(request, meeting_id=pk, number=number) if number else None
    return stored if stored is not None else _paragraph_live(request, pk, number)


@public_cache
def _paragraph_live(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    meeting = _published_meeting(pk)
    context = paragraph_page_context(protokoll_public_context(meeting=meeting), number)
    if context is None:
        raise Http404
    response = render(request, "portal/paragraph.html", context)
    stored_page_missed(request, meeting_id=meeting.pk)
    return response


def _filename(meeting, stem: str) -> str:
    return f"{stem}-{meeting.committee.short_name}-{timezone.localtime(meeting.start):%Y-%m-%d}"


def protokoll_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed protokoll; when a § is confidential, the certified public version instead
    (the signed file holds the confidential paragraphs)."""
    meeting = _published_meeting(pk)
    try:
        stored = protokoll_public_file(meeting=meeting)
    except (ValidationError, signing.SigningError) as error:
        return _unavailable(request, meeting, error)
    if stored is None:
        raise Http404
    return _file_response(stored, _filename(meeting, "protokoll") + ".pdf")


def protokollsutdrag(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The certified protokollsutdrag of an open §; 404 for a confidential one."""
    meeting = _published_meeting(pk)
    item = get_object_or_404(open_paragraphs().filter(meeting=meeting), number=number)
    try:
        document = protokollsutdrag_get_or_create(paragraph=item)
    except (ValidationError, signing.SigningError) as error:
        return _unavailable(request, meeting, error)
    return _file_response(document.file, _filename(meeting, "protokollsutdrag") + f"-{number}.pdf")


def laga_kraft_bevis(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The sealed laga kraft-bevis of an open § that has vunnit laga kraft; 404 for a
    confidential § and for one that has not (yet)."""
    meeting = _published_meeting(pk)
    item = get_object_or_404(open_paragraphs().filter(meeting=meeting), number=number)
    state = public_laga_kraft([item]).get(item.pk)
    if state is None or not state.is_final:
        raise Http404
    try:
        document = laga_kraft_bevis_get_or_create(paragraph=item)
    except (ValidationError, signing.SigningError) as error:
        return _unavailable(request, meeting, error)
    return _file_response(document.file, _filename(meeting, "laga-kraft-bevis") + f"-{number}.pdf")


# --- Meetings, cases and handlingar ------------------------------------------------------------------


def _public_agenda(meeting) -> list[dict]:
    """The published agenda, numbered and grouped by section heading; each open item with its
    public handlingar."""
    if not meeting.agenda_published:
        return []
    attachments = AgendaItemDocument.objects.filter(document__in=published_documents()).select_related(
        "document"
    )
    items = (
        published_agenda_items()
        .filter(meeting=meeting)
        .order_by("order", "id")
        .prefetch_related(Prefetch("attachments", queryset=attachments.order_by("order", "id")))
    )
    sections: list[dict] = []
    for number, item in enumerate(items, start=1):
        public = public_agenda_item(item, number=number)
        documents = [] if public.withheld else [a.document for a in item.attachments.all()]
        if not sections or sections[-1]["heading"] != public.section:
            sections.append({"heading": public.section, "items": []})
        sections[-1]["items"].append({"item": public, "documents": documents})
    return sections


@public_cache
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """A meeting on the public calendar: time, place, organ and the published agenda. A
    meeting whose protokoll is published is shown as its protokoll."""
    if published_meetings().filter(pk=pk).exists():
        return redirect("portal:protokoll", pk=pk)
    found = get_object_or_404(
        calendar_meetings().select_related("committee__organisation"),
        pk=pk,
        status__in=Meeting.Status.UPCOMING,
    )
    return render(request, "portal/meeting.html", {"meeting": found, "sections": _public_agenda(found)})


@public_cache
def case(request: HttpRequest, pk: int) -> HttpResponse:
    """One case (diarienummer) through every committee that handled it: its open paragraphs
    and the published agenda items not yet in a published protokoll, by date."""
    found = get_object_or_404(published_cases().select_related("committee"), pk=pk)
    paragraphs = list(open_paragraphs().filter(case=found).order_by("meeting__start", "order"))
    handled = {p.agenda_item_id for p in paragraphs if p.agenda_item_id}
    items = [
        item
        for item in published_agenda_items()
        .filter(case=found, confidential=False)
        .order_by("meeting__start", "order")
        if item.pk not in handled
    ]
    events = sorted(
        [
            {"date": p.meeting.start, "paragraph": public_paragraph(p), "meeting": p.meeting}
            for p in paragraphs
        ]
        + [
            {
                "date": i.meeting.start,
                "item": public_agenda_item(i, number=0),
                "meeting": i.meeting,
                "on_calendar": i.meeting.status in Meeting.Status.UPCOMING,
            }
            for i in items
        ],
        key=lambda event: event["date"],
    )
    return render(request, "portal/case.html", {"case": found, "events": events})


def document(request: HttpRequest, pk: int) -> FileResponse:
    """A public handling, streamed (PDFs inline, other files as downloads)."""
    found = get_object_or_404(published_documents(), pk=pk)
    name = PurePath(found.file.name).name
    if found.original_name:
        name = PurePath(found.original_name).stem + PurePath(found.file.name).suffix
    content_type = found.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return _file_response(found.file, name, content_type)


@public_cache
def accessibility(request: HttpRequest) -> HttpResponse:
    """Tillgänglighetsredogörelse (lag 2018:1937 om tillgänglighet till digital offentlig service)."""
    first = published_committees().first()
    return render(
        request,
        "portal/accessibility.html",
        {"organisation": first.organisation if first else None, "reviewed_on": ACCESSIBILITY_REVIEWED_ON},
    )
