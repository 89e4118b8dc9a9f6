"""The members' reading view of a handling (PDF.js) and their private annotations' JSON API.

Which handlingar a member may read is committees.visibility's answer, as for the download
(meetings.views.members.document_download): anything else is 404. Annotations are reached only
through `Annotation.objects.of(request.user)`.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from committees.visibility import documents_visible_to, meetings_visible_to

from .models import Annotation
from .services import annotation_save, annotations_for, as_json


def _readable(request: HttpRequest, pk: int, document_pk: int):
    meeting = get_object_or_404(meetings_visible_to(request.user).select_related("committee"), pk=pk)
    document = get_object_or_404(documents_visible_to(request.user, meeting), pk=document_pk)
    return meeting, document


@login_required
@require_GET
def read(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    meeting, document = _readable(request, pk, document_pk)
    if not document.file:
        raise Http404
    return render(request, "reading/read.html", {"meeting": meeting, "document": document})


@login_required
@require_http_methods(["GET", "POST"])
def annotations(request: HttpRequest, pk: int, document_pk: int) -> JsonResponse:
    _meeting, document = _readable(request, pk, document_pk)
    if request.method == "GET":
        return JsonResponse({"annotations": [as_json(a) for a in annotations_for(request.user, document)]})
    try:
        data = json.loads(request.body or b"null")
    except ValueError:
        return JsonResponse({"error": "Ogiltig JSON."}, status=400)
    try:
        saved = annotation_save(user=request.user, document=document, data=data)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse(as_json(saved))


@login_required
@require_http_methods(["DELETE"])
def annotation_delete(request: HttpRequest, pk: int, document_pk: int, client_id) -> HttpResponse:
    _meeting, document = _readable(request, pk, document_pk)
    annotations_for(request.user, document).filter(client_id=client_id).delete()
    return HttpResponse(status=204)


@login_required
@require_GET
def export(request: HttpRequest) -> JsonResponse:
    rows = (
        Annotation.objects.of(request.user).select_related("document").order_by("document_id", "page", "id")
    )
    return JsonResponse(
        {
            "annotations": [
                {**as_json(a), "handling": a.document.title, "document_id": a.document_id} for a in rows
            ]
        },
        json_dumps_params={"ensure_ascii": False},
    )
