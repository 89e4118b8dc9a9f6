"""Swedish by default (the language); the limits every request meets first (no TRACE, not too
many query parameters); two-step verification before anything else; the Content Security
Policy, relaxed only in the admin and locked down for files; no response that depends on the
user is stored by a browser or a proxy."""

import base64
import functools
import hashlib
import re
from urllib.parse import urlencode

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control

from committees.access import two_factor_step
from config.downloads import FILE_POLICY_DIRECTIVES


class PrivateResponseMiddleware:
    """`Cache-Control: private, no-store` on every response that depends on who asks: to a
    signed-in user (every page, file and redirect, the admin's included), and to anyone whose
    answer reads or sets the session, a cookie or the CSRF token (the login, the password
    reset). A shared proxy then never holds a member's page or a confidential handling, and a
    browser does not keep them on disk after logout.

    Public pages for anonymous readers are untouched: they set no cookie and hold no token
    (tests/test_public_cache.py) and stay cacheable (portal/caching.py keeps its own 60 s copy).

    Placed above SessionMiddleware and CsrfViewMiddleware, so it sees the cookies they set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self.depends_on_user(request, response):
            patch_cache_control(response, private=True, no_store=True)
        return response

    @staticmethod
    def depends_on_user(request, response) -> bool:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return True
        if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return True
        session = getattr(request, "session", None)
        return session is not None and not session.is_empty()


class LanguageMiddleware:
    """Activate the language from the language cookie (set by Django's set_language view),
    else settings.LANGUAGE_CODE. The browser's Accept-Language is not consulted: a Swedish
    authority's system speaks Swedish even to a browser set up in English."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RequestLimitsMiddleware:
    """Refuses, before any view or filter reads the request:

    - TRACE (and TRACK, CONNECT) on every URL, with 405: no page echoes a request back;
    - a query string with more parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS, with the 400
      page (templates/400.html). Django would raise TooManyFieldsSent only where request.GET
      is first read, deep in a view or a filter; here the answer is immediate and the same on
      every page, with DEBUG on or off. Counted the way Django counts (separators + 1), without
      parsing the query string.
    """

    REFUSED_METHODS = frozenset({"TRACE", "TRACK", "CONNECT"})
    ALLOWED_METHODS = ["GET", "HEAD", "POST", "OPTIONS"]

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in self.REFUSED_METHODS:
            return HttpResponseNotAllowed(
                self.ALLOWED_METHODS,
                content=translation.gettext("This method is not allowed."),
                content_type="text/plain; charset=utf-8",
            )
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        query = request.META.get("QUERY_STRING", "")
        if limit is not None and query and query.count("&") + 1 > limit:
            from django.core.exceptions import TooManyFieldsSent
            from django.views.defaults import bad_request

            return bad_request(request, TooManyFieldsSent("Too many query parameters."))
        return self.get_response(request)


class TwoFactorMiddleware:
    """Two-step verification before anything else (committees.access.two_factor_step): a
    signed-in user with a confirmed device whose session has not entered a code, or a secretary
    who must enrol, is sent to that page from every other page, the admin included. Users
    without a device (and force_login in tests) pass untouched."""

    # The pages of the step itself and the way out.
    OPEN_URL_NAMES = frozenset(
        {
            "account:otp_verify",
            "account:two_factor",
            "account:two_factor_qr",
            "meetings:logout",
            "admin:logout",
            "set_language",
            "language",
        }
    )
    STEP_URL_NAMES = {"verify": "account:otp_verify", "enrol": "account:two_factor"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or request.resolver_match.view_name in self.OPEN_URL_NAMES:
            return None
        step = two_factor_step(user)
        if step is None:
            return None
        url = reverse(self.STEP_URL_NAMES[step])
        if request.method == "GET":
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return redirect(url)


@functools.cache
def admin_inline_script_hashes() -> tuple[str, ...]:
    """CSP hashes of the admin's only inline scripts: django-prose-editor's import map (an
    import map cannot be a separate file). Its text depends on the static files' URLs only,
    so it is the same on every page of one deployment."""
    from django_prose_editor.widgets import importmap
    from js_asset import Media

    html = str(Media(importmap=importmap))
    bodies = re.findall(r"<script[^>]*>(.*?)</script>", html, flags=re.DOTALL)
    return tuple(csp_hash(body) for body in bodies if body)


def csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


SERVICE_WORKER_POLICY = {"default-src": ["'none'"], "connect-src": ["'self'"]}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """settings.CONTENT_SECURITY_POLICY on every response. Only the admin (and the protokoll
    preview inside it) is relaxed: inline styles (the admin and the prose editor set style
    attributes; the preview is the PDF's HTML with its <style>) and the import map by hash.
    Public and members' pages keep script-src and style-src 'self'.

    Every response that is not an HTML page (a PDF, an export, a calendar, JSON) gets the
    files' policy instead (config.downloads: `sandbox; default-src 'none'`), so nothing in a
    file can run as a page of this site, even one served without config.downloads."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        if not report_only and getattr(response, "service_worker", False):
            # The members' service worker (meetings/views/offline.py): its policy governs its
            # own fetch(), which must reach this site (the files' policy forbids every fetch).
            parts.config, parts.update, parts.replace = SERVICE_WORKER_POLICY, None, None
            return parts
        if not report_only and content_type != "text/html":
            parts.config, parts.update, parts.replace = FILE_POLICY_DIRECTIVES, None, None
            return parts
        if not report_only and parts.replace is None and request.path_info.startswith(admin_prefix()):
            parts.replace = {
                "script-src": [SELF, *admin_inline_script_hashes()],
                "style-src": [SELF, UNSAFE_INLINE],
            }
        return parts


@functools.cache
def admin_prefix() -> str:
    """/admin/, from the project's URLs: a test may swap settings.ROOT_URLCONF for its own."""
    return reverse("admin:index", urlconf="config.urls")
