"""Published is immutable, so render it once: the stored public pages of a protokoll.

When a protokoll is published, its public page and the permalink page of each § are rendered in
each language and stored (`portal.models.StoredPage`); an anonymous reader then gets a stored
page by one query, with no template and no other query. What a stored page shows was decided by
`portal.published` when it was rendered, through the same context and templates as the live
view (portal/views/pages.py), and the lookup goes through `published_meetings()` again, so a
protokoll that is no longer public has no page to serve whatever rows are left.

A stored page is only for a request whose answer is the same for everyone with its language:
GET or HEAD, no query string, no session cookie (so no signed-in user, nothing in the session)
and no messages cookie (so no flash message in the page). Everyone else gets the live view.

What can change after publishing, and so deletes the stored pages of the meetings concerned
in the same transaction and re-renders them on commit (`portal.prerender_signals`): a status
change or save of the meeting (anslag posted, taken down, archived; a future correction
procedure reopens through a status change), its anslag, a § (the database refuses it for a
justerat protokoll today; a correction would have to allow it), a case or a handling it shows
(made confidential: the § loses its diarienummer, the bilaga is withheld), the committee and
organisation, the people it names and their assignments and parties. A deploy that changes the
templates, translations or static files changes `render_version()`: the old rows are not served,
the first reader of each page enqueues its re-render (or `manage.py portal_prerender`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from pathlib import Path

import django
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.handlers.base import BaseHandler
from django.db import connections, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import translation
from kombu.exceptions import OperationalError

from meetings.models import Meeting, Paragraph
from meetings.signing import signing_ca_exists

from .models import StoredPage
from .published import published_meetings
from .services import paragraph_page_context, protokoll_page_context, protokoll_public_context

logger = logging.getLogger(__name__)

# Bump to re-render every stored page on the next deploy (a change the fingerprint cannot see).
PRERENDER_LAYOUT = 1
# The number of the whole protokoll's page (a § is numbered from 1).
WHOLE_PROTOKOLL = 0
PROTOKOLL_TEMPLATE = "portal/protokoll.html"
PARAGRAPH_TEMPLATE = "portal/paragraph.html"
# How long a reader's miss waits before it may enqueue the same meeting's render again.
MISS_REQUEUE_SECONDS = 300


# --- What a stored page was rendered with --------------------------------------------------------


@functools.cache
def _layout_fingerprint() -> str:
    """The project's templates and compiled translations, Django's version and the addresses
    of the static files the pages link (hashed names in production): computed once a process."""
    digest = hashlib.sha256(f"{PRERENDER_LAYOUT}:{django.get_version()}".encode())
    roots = [Path(directory) for directory in settings.TEMPLATES[0]["DIRS"]]
    roots += [Path(directory) for directory in settings.LOCALE_PATHS]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in {".html", ".mo"} and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    for name in ("css/paragraf.css", "portal/portal.css", "favicon.svg"):
        digest.update(static(name).encode())
    return digest.hexdigest()[:32]


def render_version() -> str:
    """The version a stored page must have to be served. Whether the e-sigill exists is part of
    it: the page links the certified downloads only when they can be made."""
    return f"{_layout_fingerprint()}-{int(signing_ca_exists())}"


# --- Serving -------------------------------------------------------------------------------------


# Marks the request the render makes through the whole stack for the live page's headers.
PRERENDER_META = "paragraf.prerender"


def _blocking_cookies() -> frozenset[str]:
    """Cookies that make a page the reader's own: a session (a signed-in user, anything in a
    session), a flash message."""
    return frozenset({settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name})


def request_may_use_stored_page(request: HttpRequest) -> bool:
    """The request's answer is the same for everyone with its language (see the module)."""
    return (
        not request.META.get(PRERENDER_META)
        and request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and not _blocking_cookies() & request.COOKIES.keys()
    )


def _masked(meeting) -> tuple[QuerySet, QuerySet]:
    """The meeting's confidential §§, and its open §§ of a confidential case (whose diarienummer
    the page leaves out): what masks part of the page. `meeting` is a pk or an OuterRef."""
    paragraphs = Paragraph.objects.filter(meeting_id=meeting).order_by()
    return (
        paragraphs.filter(confidential=True),
        paragraphs.filter(confidential=False, case__confidential=True),
    )


def _count(queryset: QuerySet) -> Coalesce:
    counted = queryset.values("meeting_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def _stored_page_queryset(*, meeting_id, number, language, version) -> QuerySet:
    paragraphs, cases = _masked(OuterRef("meeting_id"))
    return StoredPage.objects.filter(
        meeting_id=meeting_id,
        meeting__in=published_meetings().values("pk"),
        number=number,
        language=language,
        version=version,
        masked_paragraphs=_count(paragraphs),
        masked_cases=_count(cases),
    ).values_list("html", "headers")[:1]


# Stand-ins for the lookup's four values while its SQL is compiled (`_stored_page_sql`).
_SENTINELS = {
    "meeting_id": 987_654_301,
    "number": 987_654_302,
    "language": "\x01l",
    "version": "\x01v",
}


@functools.cache
def _stored_page_sql() -> tuple[str, list, dict[str, int]]:
    """The lookup's SQL, compiled once a process from the queryset above (so from
    `published_meetings()` as it stands), and where its four values go among the parameters."""
    sql, params = _stored_page_queryset(**_SENTINELS).query.sql_with_params()
    params = list(params)
    slots = {name: params.index(value) for name, value in _SENTINELS.items()}
    assert all(params.count(value) == 1 for value in _SENTINELS.values())
    return sql, params, slots


def stored_page_row(
    *, meeting_id: int, number: int, language: str, prepared: bool = False
) -> tuple[str, list] | None:
    """(HTML, headers) of the stored page, if the protokoll is published, the page is of the
    current version and no § or case of the protokoll has been made confidential since it was
    rendered (whatever path the change took): one query, the queryset's SQL compiled once."""
    sql, template, slots = _stored_page_sql()
    params = list(template)
    values = {"meeting_id": meeting_id, "number": number, "language": language, "version": render_version()}
    for name, value in values.items():
        params[slots[name]] = value
    connection = connections[StoredPage.objects.db]
    if prepared and connection.vendor == "postgresql":
        # A server-side prepared statement: the plan is made once per connection, not per page.
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, prepare=True)
            row = cursor.fetchone()
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    if row is None:
        return None
    html, headers = row
    return html, json.loads(headers) if isinstance(headers, (str, bytes)) else headers


def stored_page_html(*, meeting_id: int, number: int, language: str) -> str | None:
    row = stored_page_row(meeting_id=meeting_id, number=number, language=language)
    return row[0] if row else None


def stored_page_response(request: HttpRequest, *, meeting_id: int, number: int) -> HttpResponse | None:
    if not request_may_use_stored_page(request):
        return None
    html = stored_page_html(meeting_id=meeting_id, number=number, language=translation.get_language())
    if html is None:
        return None
    return HttpResponse(html, content_type="text/html; charset=utf-8")


def stored_page_missed(request: HttpRequest, *, meeting_id: int) -> None:
    """A reader who could have had a stored page got the live one (a new deploy, a lost task):
    enqueue the meeting's render, at most once per `MISS_REQUEUE_SECONDS`. Not with eager tasks
    (the embedded install and the tests): the reader would wait for the whole render."""
    if (
        settings.CELERY_TASK_ALWAYS_EAGER
        or request.META.get(PRERENDER_META)
        or not request_may_use_stored_page(request)
    ):
        return
    if cache.add(f"stored-page-miss:{meeting_id}:{render_version()}", 1, MISS_REQUEUE_SECONDS):
        prerender_enqueue(meeting_id)


# --- Rendering -----------------------------------------------------------------------------------


def _anonymous_request(path: str, language: str) -> HttpRequest:
    """The request an anonymous reader with no cookies makes for `path`: what the templates
    read of it (the user, the address, the resolved view)."""
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    request.resolver_match = resolve(path)
    request.LANGUAGE_CODE = language
    return request


@functools.cache
def _handler() -> BaseHandler:
    handler = BaseHandler()
    handler.load_middleware()
    return handler


def _live_headers(path: str, language: str, html: str) -> list[list[str]] | None:
    """The headers the whole stack (every middleware) gives the live page at `path` for an
    anonymous reader without cookies, for the WSGI fast path (`stored_pages_wsgi`); None,
    logged, when the live page is not the one just rendered (then nothing is stored for the
    language and readers get the live page)."""
    request = RequestFactory().get(path, **{PRERENDER_META: True})
    request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = language
    response = _handler().get_response(request)
    if response.status_code != 200 or response.cookies or response.content.decode() != html:
        logger.error("Stored page %s (%s) differs from the live page: not stored", path, language)
        return None
    return [[name, value] for name, value in response.items() if name.lower() != "content-length"]


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def prerender_meeting(*, meeting_id: int) -> dict:
    """Render and store every public page of the meeting's protokoll in every language, or
    delete its stored pages if it is not published. Idempotent: a second run rewrites the same
    rows."""
    meeting = published_meetings().select_related("committee__organisation").filter(pk=meeting_id).first()
    if meeting is None:
        removed, _detail = StoredPage.objects.filter(meeting_id=meeting_id).delete()
        return {"written": 0, "removed": removed}
    version = render_version()
    # Counted before rendering: a § masked meanwhile makes the count differ from the page's
    # state the safe way (the page is then not served), never the other.
    paragraphs, cases = _masked(meeting.pk)
    masked = {"masked_paragraphs": paragraphs.count(), "masked_cases": cases.count()}
    pages: list[StoredPage] = []
    for language in _languages():
        with translation.override(language):
            context = protokoll_public_context(meeting=meeting)
            path = reverse("portal:protokoll", args=[meeting.pk])
            html = render_to_string(
                PROTOKOLL_TEMPLATE,
                protokoll_page_context(meeting=meeting, context=context),
                request=_anonymous_request(path, language),
            )
            headers = _live_headers(path, language, html)
            if headers is None:
                continue
            rendered = [(WHOLE_PROTOKOLL, html)]
            for row in context["all_paragraphs"]:
                number = row["number"]
                path = reverse("portal:paragraph", args=[meeting.pk, number])
                html = render_to_string(
                    PARAGRAPH_TEMPLATE,
                    paragraph_page_context(context, number),
                    request=_anonymous_request(path, language),
                )
                rendered.append((number, html))
        pages += [
            StoredPage(
                meeting_id=meeting.pk,
                number=number,
                language=language,
                version=version,
                html=html,
                headers=headers,
                **masked,
            )
            for number, html in rendered
        ]
    keys = {(page.number, page.language) for page in pages}
    with transaction.atomic():
        # Locked, so that a change committed meanwhile (which deleted the rows) is seen: the
        # render then still stands for the state it read, and that change's own task follows.
        Meeting.objects.select_for_update().filter(pk=meeting.pk).exists()
        stale = [
            page.pk
            for page in StoredPage.objects.filter(meeting_id=meeting.pk).only("number", "language")
            if (page.number, page.language) not in keys
        ]
        removed, _detail = StoredPage.objects.filter(pk__in=stale).delete()
        StoredPage.objects.bulk_create(
            pages,
            update_conflicts=True,
            unique_fields=["meeting", "number", "language"],
            update_fields=["version", "html", "headers", "masked_paragraphs", "masked_cases", "rendered_at"],
        )
    return {"written": len(pages), "removed": removed}


# --- Invalidating --------------------------------------------------------------------------------


def prerender_enqueue(meeting_id: int) -> None:
    from .prerender_tasks import prerender_meeting_task

    try:
        prerender_meeting_task.delay(meeting_id)
    except (OperationalError, RuntimeError):  # the broker or Redis down
        # The stored pages were deleted: readers get the live page until a miss enqueues again.
        logger.exception("Stored pages of meeting %s not queued: the broker is unreachable", meeting_id)


class _RenderOnCommit:
    """The on-commit callback that enqueues the re-render of some meetings; one per meeting and
    transaction level (a later one for the same meeting supersedes it)."""

    def __init__(self, meeting_id: int):
        self.meeting_id = meeting_id
        self.superseded = False

    def __call__(self):
        if not self.superseded:
            prerender_enqueue(self.meeting_id)


def stored_pages_invalidate(meeting_ids, *, publishing: bool = False) -> None:
    """Something the stored pages of these meetings show has changed: delete them now, in the
    change's transaction (a reader never gets the old page once the change is committed), and
    re-render them when it commits. Only meetings that are published or have stored pages are
    concerned, unless `publishing` (a status change: the meeting's status is written after its
    transition row, so it may not look published yet)."""
    meeting_ids = sorted(set(meeting_ids))
    if meeting_ids and not publishing:
        concerned = Q(pk__in=published_meetings().values("pk")) | Q(
            pk__in=StoredPage.objects.values("meeting_id")
        )
        meeting_ids = list(
            Meeting.objects.filter(concerned, pk__in=meeting_ids).order_by("pk").values_list("pk", flat=True)
        )
    if not meeting_ids:
        return
    StoredPage.objects.filter(meeting_id__in=meeting_ids).delete()
    connection = transaction.get_connection()
    level = set(connection.savepoint_ids)
    pending = {
        callback.meeting_id: callback
        for savepoints, callback, _robust in getattr(connection, "run_on_commit", [])
        if isinstance(callback, _RenderOnCommit) and savepoints == level and not callback.superseded
    }
    for meeting_id in meeting_ids:
        if meeting_id in pending:
            pending[meeting_id].superseded = True
        transaction.on_commit(_RenderOnCommit(meeting_id))


def stored_pages_invalidate_all() -> None:
    """A change every stored page may show (a party's name): delete them all; each is rendered
    again on its first reader's miss (or by `manage.py portal_prerender`)."""
    StoredPage.objects.all().delete()


def prerender_all() -> dict:
    """Render the stored pages of every published protokoll (after a deploy, or to fill them)."""
    written = removed = 0
    for meeting_id in published_meetings().order_by("pk").values_list("pk", flat=True).iterator():
        outcome = prerender_meeting(meeting_id=meeting_id)
        written += outcome["written"]
        removed += outcome["removed"]
    removed += StoredPage.objects.exclude(meeting__in=published_meetings().values("pk")).delete()[0]
    return {"written": written, "removed": removed}
