"""The workspace's page for a meeting's bilagor: the handlingar attached to the §§ of the
protokoll, numbered as the protokoll prints them; attach one (a handling of the § or an
upload), reorder, remove, while the protokoll is a draft. The rules are in
meetings/protokoll/annexes.py; this view only reads forms and calls them.

Every view is wrapped by a guard of workspace/access.py; every id in a POST is looked up
within the meeting, so no other meeting's § or bilaga can be reached.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.documents import document_upload
from cases.forms import check_osl
from cases.models import Document
from meetings.models import Meeting, ParagraphAnnex
from meetings.protokoll.annexes import (
    annex_attach,
    annex_move,
    annex_remove,
    document_is_mergeable,
    meeting_annexes,
)

from ..access import meeting_view
from .meeting import meeting_context


class AnnexUploadForm(forms.Form):
    """A new handling uploaded straight onto a § as its bilaga (a PDF, e.g. a presentation)."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=500)
    upload = forms.FileField(label=gettext_lazy("PDF file"))
    confidential = forms.BooleanField(label=gettext_lazy("Confidential (OSL)"), required=False)
    osl_reference = forms.CharField(label=gettext_lazy("OSL reference"), max_length=100, required=False)

    def clean(self):
        cleaned = super().clean()
        check_osl(self, cleaned)
        return cleaned


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _candidates(paragraph, attached_ids: set[int]) -> list[Document]:
    """Handlingar that can be attached to a §: those of its agenda item and of its ärende."""
    documents = {}
    if paragraph.agenda_item_id:
        for document in paragraph.agenda_item.documents.all():
            documents[document.pk] = document
    if paragraph.case_id:
        for document in paragraph.case.documents.all():
            documents.setdefault(document.pk, document)
    return [
        document
        for document in sorted(documents.values(), key=lambda d: d.title)
        if document.pk not in attached_ids
    ]


def _page_context(request, meeting: Meeting, upload_forms=None) -> dict:
    numbered = meeting_annexes(meeting)
    by_paragraph = {}
    for item in numbered:
        by_paragraph.setdefault(item.paragraph.pk, []).append(item)
    paragraphs = meeting.paragraphs.select_related("agenda_item", "case").order_by("order", "number")
    rows = []
    for paragraph in paragraphs:
        annexes = by_paragraph.get(paragraph.pk, [])
        attached = {item.document.pk for item in annexes}
        candidates = _candidates(paragraph, attached)
        rows.append(
            {
                "paragraph": paragraph,
                "annexes": annexes,
                "candidates": [{"document": d, "mergeable": document_is_mergeable(d)} for d in candidates],
                "upload_form": (upload_forms or {}).get(paragraph.pk)
                or AnnexUploadForm(auto_id=f"id_upload_{paragraph.pk}_%s"),
            }
        )
    return meeting_context(
        request,
        meeting,
        rows=rows,
        annex_count=len(numbered),
        editable=meeting.status in Meeting.Status.DRAFTING,
    )


def _attach(request, meeting: Meeting) -> None:
    paragraph = get_object_or_404(meeting.paragraphs, pk=request.POST.get("paragraph"))
    document_ids = set()
    if paragraph.agenda_item_id:
        document_ids |= set(paragraph.agenda_item.documents.values_list("pk", flat=True))
    if paragraph.case_id:
        document_ids |= set(paragraph.case.documents.values_list("pk", flat=True))
    document = get_object_or_404(
        Document.objects.filter(pk__in=document_ids), pk=request.POST.get("document")
    )
    annex_attach(paragraph=paragraph, document=document)
    messages.success(
        request,
        _("“%(title)s” is now a bilaga of %(paragraph)s.")
        % {
            "title": document.title,
            "paragraph": paragraph.label,
        },
    )


def _upload(request, meeting: Meeting) -> AnnexUploadForm | None:
    """Store the uploaded PDF and attach it; the form with its errors if it was refused."""
    paragraph = get_object_or_404(meeting.paragraphs, pk=request.POST.get("paragraph"))
    form = AnnexUploadForm(request.POST, request.FILES, auto_id=f"id_upload_{paragraph.pk}_%s")
    if not form.is_valid():
        return form
    data = form.cleaned_data
    try:
        with transaction.atomic():
            document = document_upload(
                uploaded_file=data["upload"],
                title=data["title"],
                kind=Document.Kind.BILAGA,
                case=paragraph.case,
                confidential=data["confidential"],
                osl_reference=(data.get("osl_reference") or "").strip(),
                created_by=request.user,
            )
            annex_attach(paragraph=paragraph, document=document)
    except ValidationError as error:
        form.add_error("upload", _error_text(error))
        return form
    messages.success(
        request,
        _("“%(title)s” is now a bilaga of %(paragraph)s.")
        % {
            "title": document.title,
            "paragraph": paragraph.label,
        },
    )
    return None


def _annex(meeting: Meeting, request) -> ParagraphAnnex:
    return get_object_or_404(
        ParagraphAnnex.objects.select_related("paragraph", "document").filter(paragraph__meeting=meeting),
        pk=request.POST.get("annex"),
    )


@meeting_view
def bilagor(request, meeting):
    """GET: the bilagor of the meeting. POST (action = attach, upload, up, down, remove)."""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "attach":
                _attach(request, meeting)
            elif action == "upload":
                form = _upload(request, meeting)
                if form is not None:
                    context = _page_context(
                        request, meeting, upload_forms={int(request.POST["paragraph"]): form}
                    )
                    return render(request, "workspace/bilagor.html", context, status=400)
            elif action in ("up", "down"):
                annex_move(annex=_annex(meeting, request), step=-1 if action == "up" else 1)
            elif action == "remove":
                annex = _annex(meeting, request)
                annex_remove(annex=annex)
                messages.success(
                    request, _("“%(title)s” is no longer a bilaga.") % {"title": annex.document.title}
                )
            else:
                messages.error(request, _("Unknown action."))
        except ValidationError as error:
            messages.error(request, _error_text(error))
        return redirect("workspace:bilagor", pk=meeting.pk)
    return render(request, "workspace/bilagor.html", _page_context(request, meeting))


urlpatterns = [
    path("sammantraden/<int:pk>/bilagor/", bilagor, name="bilagor"),
]
