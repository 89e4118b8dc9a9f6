"""The OParl 1.1 endpoints: JSON for anyone, published data only, CORS open.

Each view picks its rows from `oparl.queries` and turns them into JSON with `oparl.mapping`.
Lists are OParl "external lists": pages of at most PAGE_SIZE objects with `data`,
`pagination` and `links` (`next` on every page but the last). An unknown or unpublished
object gives a 404 with a JSON body.
"""

from __future__ import annotations

import math
from functools import partial, wraps
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.views.decorators.http import require_safe

from . import mapping, queries
from .mapping import Links

PAGE_SIZE = 100


def _json(data: dict, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(
        data,
        status=status,
        content_type="application/json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False},
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _not_found() -> JsonResponse:
    return _json({"error": "not_found", "message": "No such published object."}, status=404)


def oparl_view(view):
    """GET/HEAD only; the view returns a dict; texts (roles, statuses) in the site's language."""

    @require_safe
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            try:
                return _json(view(request, Links(request), *args, **kwargs))
            except Http404:
                return _not_found()

    return wrapper


def _page_number(request) -> int:
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        raise Http404 from None
    if number < 1:
        raise Http404
    return number


def _page_size(request) -> int:
    """OParl lets a client ask for smaller pages (`elementsPerPage`), never larger ones."""
    try:
        asked = int(request.GET.get("elementsPerPage", PAGE_SIZE))
    except ValueError:
        return PAGE_SIZE
    return max(1, min(asked, PAGE_SIZE))


def external_list(request, sources) -> dict:
    """One page of a list made of one or more (queryset, to_json) sources, one after another."""
    size = _page_size(request)
    number = _page_number(request)
    counts = [queryset.count() for queryset, _to_json in sources]
    total = sum(counts)
    pages = max(1, math.ceil(total / size))
    if number > pages:
        raise Http404
    first, last = (number - 1) * size, number * size
    data, offset = [], 0
    for (queryset, to_json), count in zip(sources, counts, strict=True):
        low, high = max(first - offset, 0), min(last - offset, count)
        if low < high:
            data += [to_json(row) for row in queryset[low:high]]
        offset += count

    def page_url(n: int) -> str:
        query = {"page": n} if size == PAGE_SIZE else {"page": n, "elementsPerPage": size}
        return request.build_absolute_uri(f"{request.path}?{urlencode(query)}")

    links = {"first": page_url(1), "self": page_url(number), "last": page_url(pages)}
    if number > 1:
        links["prev"] = page_url(number - 1)
    if number < pages:
        links["next"] = page_url(number + 1)
    pagination = {"totalElements": total, "elementsPerPage": size, "currentPage": number, "totalPages": pages}
    return {"data": data, "pagination": pagination, "links": links}


class _TermList(list):
    """A list that pages like a queryset (the terms are computed, not stored)."""

    def count(self) -> int:
        return len(self)


# --- The installation and its bodies -------------------------------------------------------------


@oparl_view
def system(request, links):
    return mapping.system(links)


@oparl_view
def body_list(request, links):
    to_json = partial(mapping.body, links=links, terms=queries.terms())
    return external_list(request, [(queries.bodies(), to_json)])


@oparl_view
def body(request, links, pk):
    return mapping.body(get_object_or_404(queries.bodies(), pk=pk), links, terms=queries.terms())


def _body(pk):
    return get_object_or_404(queries.bodies(), pk=pk)


@oparl_view
def body_organization(request, links, pk):
    rows = queries.organizations().filter(organisation=_body(pk))
    return external_list(request, [(rows, partial(mapping.organization, links=links))])


@oparl_view
def body_person(request, links, pk):
    rows = queries.persons_of(_body(pk))
    return external_list(request, [(rows, partial(mapping.person, links=links))])


@oparl_view
def body_membership(request, links, pk):
    rows = queries.memberships().filter(committee__organisation=_body(pk))
    return external_list(request, [(rows, partial(mapping.membership, links=links))])


@oparl_view
def body_meeting(request, links, pk):
    rows = queries.meetings().filter(committee__organisation=_body(pk))
    return external_list(request, [(rows, partial(mapping.meeting, links=links))])


@oparl_view
def body_agendaitem(request, links, pk):
    body = _body(pk)
    return external_list(
        request,
        [
            (
                queries.paragraphs().filter(meeting__committee__organisation=body),
                partial(mapping.agenda_item_of_paragraph, links=links),
            ),
            (
                queries.upcoming_agenda_items().filter(meeting__committee__organisation=body),
                partial(mapping.agenda_item, links=links),
            ),
        ],
    )


@oparl_view
def body_paper(request, links, pk):
    rows = queries.papers().filter(organisation=_body(pk))
    return external_list(request, [(rows, partial(mapping.paper, links=links))])


@oparl_view
def body_file(request, links, pk):
    body = _body(pk)
    return external_list(
        request,
        [
            (queries.documents_of(body), partial(mapping.document_file, links=links)),
            (
                queries.protokoll_meetings().filter(committee__organisation=body),
                partial(mapping.protokoll_file, links=links),
            ),
        ],
    )


@oparl_view
def body_location(request, links, pk):
    rows = queries.locations().filter(committee__organisation=_body(pk))
    return external_list(request, [(rows, partial(mapping.location, links=links))])


@oparl_view
def body_legislativeterm(request, links, pk):
    _body(pk)
    terms = _TermList(queries.terms())
    return external_list(request, [(terms, partial(mapping.legislative_term, links=links))])


# --- Single objects ------------------------------------------------------------------------------


@oparl_view
def organization(request, links, pk):
    return mapping.organization(get_object_or_404(queries.organizations(), pk=pk), links)


@oparl_view
def organization_meeting(request, links, pk):
    committee = get_object_or_404(queries.organizations(), pk=pk)
    rows = queries.meetings().filter(committee=committee)
    return external_list(request, [(rows, partial(mapping.meeting, links=links))])


@oparl_view
def person(request, links, pk):
    return mapping.person(get_object_or_404(queries.persons(), pk=pk), links)


@oparl_view
def membership(request, links, pk):
    return mapping.membership(get_object_or_404(queries.memberships(), pk=pk), links)


@oparl_view
def meeting(request, links, pk):
    return mapping.meeting(get_object_or_404(queries.meetings(), pk=pk), links)


@oparl_view
def paragraph(request, links, pk):
    return mapping.agenda_item_of_paragraph(get_object_or_404(queries.paragraphs(), pk=pk), links)


@oparl_view
def agendaitem(request, links, pk):
    return mapping.agenda_item(get_object_or_404(queries.upcoming_agenda_items(), pk=pk), links)


@oparl_view
def paper(request, links, pk):
    return mapping.paper(get_object_or_404(queries.papers(), pk=pk), links)


@oparl_view
def file(request, links, pk):
    return mapping.document_file(get_object_or_404(queries.documents(), pk=pk), links)


@oparl_view
def protokoll(request, links, pk):
    return mapping.protokoll_file(get_object_or_404(queries.protokoll_meetings(), pk=pk), links)


@oparl_view
def location(request, links, pk):
    return mapping.location(get_object_or_404(queries.locations(), pk=pk), links)


@oparl_view
def legislativeterm(request, links, year):
    term = next((term for term in queries.terms() if term.start_year == year), None)
    if term is None:
        raise Http404
    return mapping.legislative_term(term, links)


@oparl_view
def not_found(request, links, path=""):
    raise Http404
