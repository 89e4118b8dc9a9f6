"""The WSGI fast path of the stored public pages (portal/prerender.py, docs/portal.md "Stored
pages"): config/wsgi.py wraps the application in `stored_pages_wsgi`."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import DatabaseError, connections
from django.http.cookie import parse_cookie
from django.urls import reverse

from .models import StoredPage
from .prerender import WHOLE_PROTOKOLL, _blocking_cookies, _languages, stored_page_row

# --- The WSGI fast path --------------------------------------------------------------------------


def _secure_and_allowed(environ) -> bool | None:
    """Whether the request is over HTTPS, as Django decides it; None when Django would not
    answer it with a page (a host not in ALLOWED_HOSTS, plain HTTP under SECURE_SSL_REDIRECT)."""
    from django.core.exceptions import DisallowedHost
    from django.core.handlers.wsgi import WSGIRequest

    request = WSGIRequest(environ)
    try:
        request.get_host()
    except DisallowedHost:
        return None
    secure = request.is_secure()
    if settings.SECURE_SSL_REDIRECT and not secure:
        return None
    return secure


def _hsts() -> str:
    """The header SecurityMiddleware adds to a response over HTTPS (the stored headers were
    captured over plain HTTP)."""
    value = f"max-age={settings.SECURE_HSTS_SECONDS}"
    if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
        value += "; includeSubDomains"
    if settings.SECURE_HSTS_PRELOAD:
        value += "; preload"
    return value


def stored_pages_wsgi(application):
    """Wrap the WSGI application (config/wsgi.py) so that a reader who may have a stored page
    (`request_may_use_stored_page`, read from the WSGI environ the same way) gets it without
    Django's request handling: the lookup is the same one query through `published_meetings()`
    (`stored_page_row`), the body is the stored page and the headers are those the whole
    middleware stack gave the live page when it was stored (`_live_headers`). Anything else, a
    miss or a database error, goes on to Django, which answers as it always does."""

    def pattern(name: str, args: int) -> re.Pattern:
        marker = "987654321"
        path = reverse(name, args=[marker] * args)
        return re.compile(re.escape(path).replace(marker, "([1-9][0-9]{0,17})"))

    protokoll, paragraph = pattern("portal:protokoll", 1), pattern("portal:paragraph", 2)
    supported = set(_languages())
    blocking = _blocking_cookies()

    def page_of(path: str) -> tuple[int, int] | None:
        if match := protokoll.fullmatch(path):
            return int(match[1]), WHOLE_PROTOKOLL
        if match := paragraph.fullmatch(path):
            return int(match[1]), int(match[2])
        return None

    def fast(environ, start_response):
        method = environ.get("REQUEST_METHOD")
        page = None
        if method in ("GET", "HEAD") and not environ.get("QUERY_STRING"):
            page = page_of(environ.get("PATH_INFO", ""))
        if page is not None:
            cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
            secure = _secure_and_allowed(environ)
            if secure is not None and not blocking & cookies.keys():
                language = cookies.get(settings.LANGUAGE_COOKIE_NAME)
                language = language if language in supported else settings.LANGUAGE_CODE
                # Without Django's request signals (a health check query before every request):
                # a broken connection raises here, is closed, and Django's handling takes over.
                try:
                    row = stored_page_row(
                        meeting_id=page[0], number=page[1], language=language, prepared=True
                    )
                except DatabaseError:
                    connections[StoredPage.objects.db].close()
                    row = None
                if row is not None:
                    html, headers = row
                    body = html.encode()
                    headers = [(name, value) for name, value in headers]
                    if secure and settings.SECURE_HSTS_SECONDS:
                        headers.append(("Strict-Transport-Security", _hsts()))
                    start_response("200 OK", [*headers, ("Content-Length", str(len(body)))])
                    return [b""] if method == "HEAD" else [body]
        return application(environ, start_response)

    return fast
