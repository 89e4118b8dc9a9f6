"""Offline reading for members (issue 19): the installable web app and what a member may save.

- `webmanifest`: /manifest.webmanifest, the web app manifest (public: it names no one).
- `service_worker`: /sw.js, static/offline/store.js and static/offline/sw.js served from the
  site's root so the worker may control /mina-sammantraden/ (its scope, and the most it is
  allowed: `Service-Worker-Allowed`); never cached, so a new version is picked up at once.
- `offline_manifest`: /mina-sammantraden/<pk>/offline.json, the URLs a member's browser stores
  for one meeting and when the copy expires. What is listed is committees.visibility's answer
  (`documents_offline_for`, `kallelse_offline_allowed`): confidential handlingar only where the
  committee allows them offline.
- `offline_page`: the page the service worker shows for a members' page that is not stored.
- `LogoutView`: the logout, with `Clear-Site-Data` so the browser drops the stored copies.

The browser side is static/offline/ (docs/offline.md).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from committees.visibility import agenda_visible, documents_offline_for, kallelse_offline_allowed

from .members import _member_meeting

# How long after the end of the meeting day a stored copy is kept.
OFFLINE_KEEP_DAYS = 1
# The static files every stored meeting needs (the members' pages' own), and the folders of
# the reading view's files (all their files are listed, when they exist).
OFFLINE_STATIC = (
    "css/paragraf.css",
    "portal/portal.css",
    "favicon.svg",
    "meetings/css/justering.css",
    "offline/offline.js",
    "offline/store.js",
    "offline/icon.svg",
    "offline/icon-192.png",
    "offline/icon-512.png",
)
OFFLINE_STATIC_FOLDERS = ("reading/", "vendor/pdfjs/")
# Of the reading view's folders: the file types stored (not e.g. PDF.js's source maps).
OFFLINE_STATIC_SUFFIXES = (".js", ".mjs", ".css", ".svg", ".png", ".wasm", ".ftl", ".bcmap", ".pfb", ".ttf")

SCOPE = "/mina-sammantraden/"


@require_GET
def webmanifest(request: HttpRequest) -> JsonResponse:
    manifest = {
        "name": _("Paragraf – my meetings"),
        "short_name": "Paragraf",
        "description": _("The agenda and handlingar of your meetings, also offline."),
        "lang": "sv",
        "start_url": reverse("meetings:home"),
        "scope": SCOPE,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1f4e79",
        "icons": [
            {"src": static("offline/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("offline/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("offline/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = JsonResponse(manifest, content_type="application/manifest+json")
    patch_cache_control(response, max_age=3600)
    return response


def _static_source(name: str) -> str:
    path = finders.find(name)
    if not path:
        raise Http404
    with open(path, encoding="utf-8") as source:
        return source.read()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker: the shared store (encryption, IndexedDB) and the worker itself."""
    script = _static_source("offline/store.js") + "\n" + _static_source("offline/sw.js")
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = SCOPE
    response.service_worker = True  # its own CSP (config.middleware): its fetch() reaches this site
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


def _expires_at(meeting) -> datetime:
    """The end of the meeting day, and OFFLINE_KEEP_DAYS more."""
    day = timezone.localtime(meeting.end or meeting.start).date()
    end_of_day = datetime.combine(day + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())
    return end_of_day + timedelta(days=OFFLINE_KEEP_DAYS)


def _static_urls() -> list[str]:
    urls = [static(name) for name in OFFLINE_STATIC if finders.find(name)]
    seen = set()
    for finder in finders.get_finders():
        for path, _storage in finder.list([]):
            path = path.replace("\\", "/")
            if path.startswith(OFFLINE_STATIC_FOLDERS) and path.endswith(OFFLINE_STATIC_SUFFIXES):
                if path not in seen:
                    seen.add(path)
                    urls.append(static(path))
    return urls


def _reading_url(meeting_pk: int, document_pk: int) -> str:
    # The reading view (PDF.js) of a handling; its URL name may not exist in this branch.
    return reverse("meetings:document", args=[meeting_pk, document_pk]) + "las/"


@login_required
@require_GET
def offline_manifest(request: HttpRequest, pk: int) -> JsonResponse:
    """What the member's browser stores for reading this meeting offline (404 as the meeting
    page: not one of the member's meetings). `optional` URLs may be missing (404): skip them."""
    meeting = _member_meeting(request, pk)
    urls = [reverse("meetings:meeting", args=[meeting.pk]), reverse("meetings:offline_page")]
    optional = []
    documents = []
    if agenda_visible(meeting):
        if kallelse_offline_allowed(meeting):
            urls.append(reverse("meetings:kallelse", args=[meeting.pk]))
        for document in documents_offline_for(request.user, meeting).order_by("pk"):
            url = reverse("meetings:document", args=[meeting.pk, document.pk])
            urls.append(url)
            optional.append(_reading_url(meeting.pk, document.pk))
            documents.append({"pk": document.pk, "title": document.title, "url": url})
    urls += _static_urls()
    urls.append(reverse("meetings:webmanifest"))
    return JsonResponse(
        {
            "meeting": meeting.pk,
            "title": f"{meeting.committee.name} {timezone.localtime(meeting.start):%Y-%m-%d}",
            "expires_at": _expires_at(meeting).isoformat(),
            "urls": urls,
            "optional": optional,
            "documents": documents,
        }
    )


@login_required
@require_GET
def offline_page(request: HttpRequest) -> HttpResponse:
    return render(request, "meetings/member/offline.html")


class LogoutView(auth_views.LogoutView):
    """Django's logout; the browser is also told to drop what this site stored (the offline
    copies in IndexedDB, the service worker, the HTTP cache)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
