"""The secretary's live preview of a protokoll: the HTML the PDF is built from, and the PDF.

Both are admin pages (staff only) for the committees the user administers
(`committees.visibility.administered`); any other meeting answers 404, as if it did not exist.
`?version=public` shows the public version (confidential paragraphs reduced to their number).
"""

from __future__ import annotations

import io

from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from committees.visibility import administered
from config.downloads import file_response
from meetings.models import Meeting
from meetings.protokoll.document import protokoll_html, protokoll_render_pdf

# The admin URL names the lead wires these views to; the preview links to the PDF when it exists.
PREVIEW_URL_NAME = "admin:meetings_meeting_protokoll_preview"
PDF_URL_NAME = "admin:meetings_meeting_protokoll_pdf"


def _secretary_meeting(request: HttpRequest, pk: int) -> Meeting:
    meetings = administered(request.user, Meeting).select_related("committee")
    return get_object_or_404(meetings, pk=pk)


def _wants_public(request: HttpRequest) -> bool:
    return request.GET.get("version") == "public"


def _url(name: str, pk: int, *, public: bool) -> str:
    try:
        url = reverse(name, args=[pk])
    except NoReverseMatch:
        return ""
    return f"{url}?version=public" if public else url


@staff_member_required
@require_GET
def protokoll_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The protokoll as it will print, as HTML with a screen stylesheet (page numbers only in the PDF)."""
    meeting = _secretary_meeting(request, pk)
    public = _wants_public(request)
    html = protokoll_html(
        meeting=meeting,
        public=public,
        preview=True,
        extra={
            "pdf_url": _url(PDF_URL_NAME, meeting.pk, public=public),
            "public_url": f"{request.path}{'' if public else '?version=public'}",
        },
    )
    response = HttpResponse(html)
    response["Cache-Control"] = "no-store"
    return response


@staff_member_required
@require_GET
def protokoll_preview_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The current draft rendering of the protokoll as a PDF download (not the signed one of record)."""
    meeting = _secretary_meeting(request, pk)
    public = _wants_public(request)
    pdf = protokoll_render_pdf(meeting=meeting, public=public)
    local = timezone.localtime(meeting.start)
    suffix = "-offentlig" if public else ""
    filename = f"protokoll-{meeting.committee.short_name}-{local:%Y-%m-%d}{suffix}-utkast.pdf"
    return file_response(io.BytesIO(pdf), content_type="application/pdf", inline=False, filename=filename)
