"""The OParl 1.1 endpoints: JSON for anyone, published data only, CORS open.

Each view picks its rows from `oparl.queries` and turns them into JSON with `oparl.mapping`;
`created`/`modified` and the tombstones of objects no longer public come from
`oparl.records`. Lists are OParl "external lists": pages of at most PAGE_SIZE objects with
`data`, `pagination` and `links` (`next` on every page but the last), filtered by
`created_since`, `created_until`, `modified_since` and `modified_until` (kept in every link);
with `modified_since` they also list the tombstones. An unknown object gives a 404, a bad
parameter a 400, both with a JSON body. Every answer has `Access-Control-Allow-Origin: *`,
an OPTIONS preflight is answered, successful answers carry ETag and Last-Modified (304 for
a matching If-None-Match / If-Modified-Since) and are gzipped for clients that ask.

One module (over 400 lines): each endpoint is short, and they share the paging, the filters,
the CORS headers and the ETag handling.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Max, OuterRef, Q, Subquery
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date
from django.views.decorators.gzip import gzip_page

from . import mapping, queries
from .mapping import Links
from .models import Record
from .records import KINDS

PAGE_SIZE = 100
FILTERS = ("created_since", "created_until", "modified_since", "modified_until")
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": ALLOWED_METHODS,
    "Access-Control-Allow-Headers": "Accept, Accept-Encoding, If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Last-Modified",
    "Access-Control-Max-Age": "86400",
}


class BadRequest(Exception):
    """A parameter the API cannot use: answered 400 with the message."""


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


def _last_modified(data: dict) -> datetime | None:
    """The newest `modified` of the object, or of the objects on a list page."""
    objects = data["data"] if "data" in data else [data]
    stamps = [parse_datetime(obj["modified"]) for obj in objects if obj.get("modified")]
    return max(stamps, default=None)


def _answer(request, data: dict) -> HttpResponse:
    response = _json(data)
    set_response_etag(response)
    last = _last_modified(data)
    if last:
        response["Last-Modified"] = http_date(last.timestamp())
    conditional = get_conditional_response(
        request,
        etag=response["ETag"],
        last_modified=int(last.timestamp()) if last else None,
        response=response,
    )
    for name, value in CORS_HEADERS.items():
        conditional[name] = value
    return conditional


def oparl_view(view):
    """GET/HEAD (and an OPTIONS preflight); the view returns a dict; texts (roles, statuses)
    in the site's language."""

    @gzip_page
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            for name, value in CORS_HEADERS.items():
                response[name] = value
            response["Allow"] = ALLOWED_METHODS
            return response
        if request.method not in ("GET", "HEAD"):
            response = _json(
                {"error": "method_not_allowed", "message": f"Use {ALLOWED_METHODS}."}, status=405
            )
            response["Allow"] = ALLOWED_METHODS
            return response
        with translation.override(settings.LANGUAGE_CODE):
            try:
                return _answer(request, view(request, ApiLinks(request), *args, **kwargs))
            except Http404:
                return _not_found()
            except BadRequest as error:
                return _json({"error": "bad_request", "message": str(error)}, status=400)

    return wrapper


# --- Paging and filters --------------------------------------------------------------------------


def _positive(request, name: str, default: int) -> int:
    value = request.GET.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {value!r}.") from None
    if number < 1:
        raise BadRequest(f"{name} must be 1 or more, not {number}.")
    return number


def _page_size(request) -> int:
    """OParl lets a client ask for smaller pages (`elementsPerPage`), never larger ones."""
    return min(_positive(request, "elementsPerPage", PAGE_SIZE), PAGE_SIZE)


def date_filters(request) -> dict[str, datetime]:
    """The list filters given, as aware datetimes (ISO 8601 date-time; without an offset in the
    site's time zone). A bad value is a BadRequest."""
    filters = {}
    for name in FILTERS:
        value = request.GET.get(name)
        if value is None:
            continue
        try:
            # An unencoded "+" of the offset arrives as a space.
            parsed = parse_datetime(re.sub(r" (\d\d:?\d\d)$", r"+\1", value))
        except ValueError:
            parsed = None
        if parsed is None:
            raise BadRequest(
                f"{name} must be an ISO 8601 date-time such as 2024-10-11T09:00:00+02:00, not {value!r}."
            )
        filters[name] = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
    return filters


class ApiLinks(Links):
    """The links of one request, and the time shown on objects not recorded yet."""

    def __init__(self, request):
        super().__init__(request)
        # The newest record's time, not now: a client keeps the largest `modified` it saw and
        # asks `modified_since` that next time; the refresh that records these objects (and
        # maybe others) stamps a later time, so nothing it records is skipped. Before any
        # refresh, now.
        newest = Record.objects.aggregate(newest=Max("modified"))["newest"]
        self.unrecorded = newest or timezone.now()


def _stamp(data: dict, created, modified, links) -> dict:
    """Add the record's times; a masked (confidential) object gets none (docs/open-data.md)."""
    if data.get("public") is False:
        return data
    return {
        **data,
        "created": mapping._datetime(created or links.unrecorded),
        "modified": mapping._datetime(modified or links.unrecorded),
    }


def _record(kind: str, *, deleted: bool = False):
    return Record.objects.filter(kind=kind, object_id=OuterRef("pk"), deleted_at__isnull=not deleted)


def source(request, links, kind_name: str, rows, **context):
    """A (rows, to_json) source of a list: the rows with their record's times, filtered."""
    kind = KINDS[kind_name]
    filters = date_filters(request)
    record = _record(kind_name)
    rows = rows.annotate(
        oparl_created=Subquery(record.values("created")[:1]),
        oparl_modified=Subquery(record.values("modified")[:1]),
    )
    for name, value in filters.items():
        field, bound = name.split("_")
        column = f"oparl_{field}"
        if bound == "since":  # an object not recorded yet is new: it matches every "since"
            rows = rows.filter(Q(**{f"{column}__gte": value}) | Q(**{f"{column}__isnull": True}))
        else:
            rows = rows.filter(**{f"{column}__lte": value})

    def to_json(row):
        return _stamp(kind.to_json(row, links, **context), row.oparl_created, row.oparl_modified, links)

    return rows, to_json


def tombstones(request, links, kind_names, *, body=None):
    """The tombstones of a list: only when the client asks what changed (`modified_since`)."""
    filters = date_filters(request)
    if "modified_since" not in filters:
        return []
    rows = Record.objects.filter(
        kind__in=kind_names, deleted_at__isnull=False, modified__gte=filters["modified_since"]
    )
    if "modified_until" in filters:
        rows = rows.filter(modified__lte=filters["modified_until"])
    if body is not None:
        rows = rows.filter(Q(body_id=body.pk) | Q(body_id__isnull=True))

    def to_json(record):
        kind = KINDS[record.kind]
        return mapping.tombstone(record, links, url_name=kind.url_name, type_name=kind.type_name)

    return [(rows.order_by("kind", "object_id"), to_json)]


def external_list(request, sources) -> dict:
    """One page of a list made of one or more (queryset, to_json) sources, one after another."""
    size = _page_size(request)
    number = _positive(request, "page", 1)
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
    kept = {name: request.GET[name] for name in FILTERS if name in request.GET}

    def page_url(n: int) -> str:
        query = {**kept, "page": n}
        if size != PAGE_SIZE:
            query["elementsPerPage"] = size
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


def _one(links, kind_name: str, rows, pk, **context) -> dict:
    """A published object with its record's times; the tombstone of one that is no longer
    public; else 404."""
    kind = KINDS[kind_name]
    record = _record(kind_name)
    found = (
        rows.annotate(
            oparl_created=Subquery(record.values("created")[:1]),
            oparl_modified=Subquery(record.values("modified")[:1]),
        )
        .filter(pk=pk)
        .first()
    )
    if found is not None:
        return _stamp(kind.to_json(found, links, **context), found.oparl_created, found.oparl_modified, links)
    return _tombstone_or_404(links, kind_name, pk)


def _tombstone_or_404(links, kind_name: str, key) -> dict:
    kind = KINDS[kind_name]
    gone = Record.objects.filter(kind=kind_name, object_id=key, deleted_at__isnull=False).first()
    if gone is None:
        raise Http404
    return mapping.tombstone(gone, links, url_name=kind.url_name, type_name=kind.type_name)


# --- The installation and its bodies -------------------------------------------------------------


@oparl_view
def system(request, links):
    return mapping.system(links)


@oparl_view
def body_list(request, links):
    rows = source(request, links, "body", queries.bodies())
    return external_list(request, [rows, *tombstones(request, links, ["body"])])


@oparl_view
def body(request, links, pk):
    return _one(links, "body", queries.bodies(), pk)


def _body(pk):
    body = queries.bodies().filter(pk=pk).first()
    if body is None:
        raise Http404
    return body


@oparl_view
def body_organization(request, links, pk):
    body = _body(pk)
    committees = source(request, links, "organization", queries.organizations().filter(organisation=body))
    parties = source(request, links, "party", queries.parties())
    return external_list(
        request, [committees, parties, *tombstones(request, links, ["organization", "party"], body=body)]
    )


@oparl_view
def body_person(request, links, pk):
    body = _body(pk)
    rows = source(request, links, "person", queries.persons_of(body))
    return external_list(request, [rows, *tombstones(request, links, ["person"], body=body)])


@oparl_view
def body_membership(request, links, pk):
    body = _body(pk)
    memberships = source(
        request, links, "membership", queries.memberships().filter(committee__organisation=body)
    )
    parties = source(request, links, "party_membership", queries.party_members())
    kinds = ["membership", "party_membership"]
    return external_list(request, [memberships, parties, *tombstones(request, links, kinds, body=body)])


@oparl_view
def body_meeting(request, links, pk):
    body = _body(pk)
    rows = source(request, links, "meeting", queries.meetings().filter(committee__organisation=body))
    return external_list(request, [rows, *tombstones(request, links, ["meeting"], body=body)])


@oparl_view
def body_agendaitem(request, links, pk):
    body = _body(pk)
    paragraphs = queries.paragraphs().filter(meeting__committee__organisation=body)
    items = queries.upcoming_agenda_items().filter(meeting__committee__organisation=body)
    return external_list(
        request,
        [
            source(request, links, "paragraph", paragraphs),
            source(request, links, "agendaitem", items),
            *tombstones(request, links, ["paragraph", "agendaitem"], body=body),
        ],
    )


@oparl_view
def body_paper(request, links, pk):
    body = _body(pk)
    rows = source(request, links, "paper", queries.papers().filter(organisation=body))
    return external_list(request, [rows, *tombstones(request, links, ["paper"], body=body)])


@oparl_view
def body_file(request, links, pk):
    body = _body(pk)
    return external_list(
        request,
        [
            source(request, links, "file", queries.documents_of(body)),
            source(
                request, links, "protokoll", queries.protokoll_meetings().filter(committee__organisation=body)
            ),
            *tombstones(request, links, ["file", "protokoll"], body=body),
        ],
    )


@oparl_view
def body_location(request, links, pk):
    body = _body(pk)
    rows = source(request, links, "location", queries.locations().filter(committee__organisation=body))
    return external_list(request, [rows, *tombstones(request, links, ["location"], body=body)])


@oparl_view
def body_legislativeterm(request, links, pk):
    _body(pk)
    filters = date_filters(request)
    recorded = {
        r.object_id: r for r in Record.objects.filter(kind="legislativeterm", deleted_at__isnull=True)
    }
    terms = _TermList()
    for term in queries.terms():
        record = recorded.get(term.start_year)
        created, modified = (record.created, record.modified) if record else (None, None)
        if _matches(filters, created=created, modified=modified):
            terms.append((term, created, modified))

    def to_json(row):
        term, created, modified = row
        return _stamp(mapping.legislative_term(term, links), created, modified, links)

    return external_list(request, [(terms, to_json), *tombstones(request, links, ["legislativeterm"])])


def _matches(filters, *, created, modified) -> bool:
    """The date filters in Python, for the computed terms (unrecorded = new, as in `source`)."""
    values = {"created": created, "modified": modified}
    for name, bound in filters.items():
        field, side = name.split("_")
        value = values[field]
        if side == "since" and value is not None and value < bound:
            return False
        if side == "until" and (value is None or value > bound):
            return False
    return True


# --- Single objects ------------------------------------------------------------------------------


@oparl_view
def organization(request, links, pk):
    return _one(links, "organization", queries.organizations(), pk)


@oparl_view
def organization_meeting(request, links, pk):
    committee = queries.organizations().filter(pk=pk).first()
    if committee is None:
        raise Http404
    rows = source(request, links, "meeting", queries.meetings().filter(committee=committee))
    return external_list(request, [rows])


@oparl_view
def party(request, links, pk):
    return _one(links, "party", queries.parties(), pk)


@oparl_view
def party_membership(request, links, pk):
    return _one(links, "party_membership", queries.party_members(), pk)


@oparl_view
def person(request, links, pk):
    return _one(links, "person", queries.persons(), pk)


@oparl_view
def membership(request, links, pk):
    return _one(links, "membership", queries.memberships(), pk)


@oparl_view
def meeting(request, links, pk):
    return _one(links, "meeting", queries.meetings(), pk)


@oparl_view
def paragraph(request, links, pk):
    return _one(links, "paragraph", queries.paragraphs(), pk)


@oparl_view
def agendaitem(request, links, pk):
    return _one(links, "agendaitem", queries.upcoming_agenda_items(), pk)


@oparl_view
def consultation(request, links, pk):
    return _one(links, "consultation", queries.consultations(), pk)


@oparl_view
def agenda_consultation(request, links, pk):
    return _one(links, "agenda_consultation", queries.agenda_consultations(), pk)


@oparl_view
def paper(request, links, pk):
    return _one(links, "paper", queries.papers(), pk)


@oparl_view
def file(request, links, pk):
    return _one(links, "file", queries.documents(), pk)


@oparl_view
def protokoll(request, links, pk):
    return _one(links, "protokoll", queries.protokoll_meetings(), pk)


@oparl_view
def location(request, links, pk):
    return _one(links, "location", queries.locations(), pk)


@oparl_view
def legislativeterm(request, links, year):
    term = next((term for term in queries.terms() if term.start_year == year), None)
    if term is None:
        return _tombstone_or_404(links, "legislativeterm", year)
    record = Record.objects.filter(kind="legislativeterm", object_id=year, deleted_at__isnull=True).first()
    created, modified = (record.created, record.modified) if record else (None, None)
    return _stamp(mapping.legislative_term(term, links), created, modified, links)


@oparl_view
def not_found(request, links, path=""):
    raise Http404
