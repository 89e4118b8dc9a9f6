"""Writing the protokoll in the workspace (issue 14): every § of the meeting on one page, each
edited in place and saved by itself (autosave through fetch, or the § 's own Save button without
JavaScript), with jäv, omröstningar and reservationer per §, and §§ inserted, moved and removed.

The rules stay in the services: `meetings.services.paragraphs` (draft, insert, move, delete,
`paragraph_update` with optimistic locking on `version`), `attendance.services` (jäv, votes,
reservationer). A save over someone else's newer save is refused with both texts shown
(the admin's `ParagraphAdminForm` finds the differences); nothing of either is lost.
Every view is wrapped by `meeting_view` (workspace/access.py).
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from attendance.forms import DisqualificationForm, ReservationForm, VoteForm, paragraph_decision_record
from attendance.models import Attendance
from attendance.services import (
    quorum_for_paragraph,
    serving_members,
)
from committees.models import Person
from meetings.admin.paragraphs import ParagraphAdminForm
from meetings.models import Meeting, Paragraph
from meetings.protokoll.views import protokoll_preview, protokoll_preview_pdf
from meetings.richtext import sanitize_rich_text
from meetings.services.lifecycle import TransitionError
from meetings.services.paragraphs import (
    ParagraphConflict,
    paragraph_delete,
    paragraph_insert,
    paragraph_move,
    paragraph_update,
    protokoll_create_draft,
)

from ..access import meeting_view
from .meeting import meeting_context

Status = Meeting.Status

RICH_FIELDS = ("summary", "decision", "motions", "procedure", "notes")
_TAG = re.compile(r"<[a-zA-Z/][^>]*>")


def text_to_html(text: str) -> str:
    """Plain text typed without the editor (no JavaScript) as the protokoll's rich text: a blank
    line starts a paragraph, a line break stays a line break. Text that already is HTML (from
    the editor) is left to the sanitiser."""
    if not text or _TAG.search(text):
        return text
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if b.strip()]
    return "".join(f"<p>{escape(b).replace(chr(10), '<br>')}</p>" for b in blocks)


class ProtokollParagraphForm(ParagraphAdminForm):
    """One § as the secretary writes it: the admin's form (version check, both texts on a
    conflict) with the workspace's fields. The rich-text fields are plain textareas that
    static/workspace/protokoll.js turns into a small editor; whatever arrives is sanitised."""

    class Meta:
        model = Paragraph
        fields = [
            "title",
            "basis",
            "summary",
            "motions",
            "procedure",
            "decision",
            "notes",
            "send_to",
            "immediate_justering",
        ]
        labels = {
            "title": gettext_lazy("Rubrik"),
            "summary": gettext_lazy("Ärendebeskrivning"),
        }
        widgets = {
            "basis": forms.Textarea(attrs={"rows": 3}),
            "send_to": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in RICH_FIELDS:
            # The model field's form field brings the admin's prose editor widget: replaced here.
            self.fields[name].widget = forms.Textarea(attrs={"rows": 4, "data-richtext": "1"})
            self.fields[name].required = False

    def _clean_rich(self, name):
        return sanitize_rich_text(text_to_html(self.cleaned_data.get(name) or ""))

    def clean_summary(self):
        return self._clean_rich("summary")

    def clean_decision(self):
        return self._clean_rich("decision")

    def clean_motions(self):
        return self._clean_rich("motions")

    def clean_procedure(self):
        return self._clean_rich("procedure")

    def clean_notes(self):
        return self._clean_rich("notes")


def _paragraph_form(paragraph: Paragraph, data=None) -> ProtokollParagraphForm:
    return ProtokollParagraphForm(data, instance=paragraph, prefix=f"p{paragraph.pk}")


def _decision_forms(paragraph: Paragraph, *, data=None, action=None) -> dict:
    """The jäv, vote and reservation forms of one §, bound to `data` for the `action` posted."""
    serving = serving_members(paragraph=paragraph)
    serving_qs = Person.objects.filter(pk__in=[p.pk for p in serving]).select_related("party")
    present_substitutes = Person.objects.filter(
        attendances__meeting=paragraph.meeting,
        attendances__status=Attendance.Status.PRESENT,
        attendances__capacity=Attendance.Capacity.SUBSTITUTE,
    ).exclude(pk__in=[p.pk for p in serving])
    prefix = f"p{paragraph.pk}"
    return {
        "serving": serving,
        "jav": DisqualificationForm(
            data if action == "jav" else None,
            prefix=f"{prefix}-jav",
            serving=serving_qs,
            substitutes=present_substitutes,
        ),
        "vote": VoteForm(data if action == "vote" else None, prefix=f"{prefix}-vote", serving=serving),
        "reservation": ReservationForm(
            data if action == "reservation" else None, prefix=f"{prefix}-res", serving=serving_qs
        ),
    }


def _rendered(paragraph: Paragraph) -> dict:
    """The § 's rich text as sanitised HTML, safe to show (never the escaped source)."""
    return {
        name: mark_safe(sanitize_rich_text(getattr(paragraph, name) or ""))  # noqa: S308 - sanitised
        for name in RICH_FIELDS
    }


def _entry(paragraph: Paragraph, *, form=None, decision=None, action=None, editable: bool) -> dict:
    decisions = _decision_forms(paragraph) if editable else {}
    if decision is not None:
        decisions.update({action: decision})
    return {
        "paragraph": paragraph,
        "form": form or (_paragraph_form(paragraph) if editable else None),
        "rendered": _rendered(paragraph),
        "decisions": decisions,
        "serving": decisions.get("serving") if editable else None,
        "quorum": quorum_for_paragraph(paragraph=paragraph),
        "disqualifications": paragraph.disqualifications.select_related("person__party", "substitute__party"),
        "votes": paragraph.votes.order_by("order", "pk").prefetch_related("ballots__person__party"),
        "reservations": paragraph.reservations.select_related("person__party"),
    }


def _page(request, meeting, *, bound: dict | None = None, only: Paragraph | None = None, status=200):
    """The protokoll page; `bound` = {paragraph pk: {form|decision, action}} keeps what was posted."""
    bound = bound or {}
    editable = meeting.status in Status.DRAFTING
    paragraphs = meeting.paragraphs.select_related("case").order_by("order", "number")
    if only is not None:
        paragraphs = paragraphs.filter(pk=only.pk)
    entries = [_entry(p, editable=editable, **bound.get(p.pk, {})) for p in paragraphs]
    context = meeting_context(
        request,
        meeting,
        entries=entries,
        editable=editable,
        locked=meeting.is_locked,
        can_draft=meeting.status == Status.HELD and not meeting.paragraphs.exists(),
        not_held=meeting.status in (*Status.UPCOMING, Status.CANCELLED),
        only=only,
    )
    return render(request, "workspace/protokoll/page.html", context, status=status)


@meeting_view
@require_http_methods(["GET", "POST"])
def protokoll(request, meeting):
    """All §§ on one page. POST: draft the protokoll from the agenda, or insert a § first."""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create_draft":
                protokoll_create_draft(meeting=meeting, by=request.user)
                messages.success(request, _("The protokoll draft is made from the agenda."))
            elif action == "insert":
                _insert(request, meeting, after=None)
            else:
                raise Http404
        except (TransitionError, ValidationError) as error:
            messages.error(request, " ".join(error.messages))
        return redirect("workspace:protokoll", meeting.pk)
    return _page(request, meeting)


def _insert(request, meeting, *, after: Paragraph | None) -> Paragraph:
    title = (request.POST.get("title") or "").strip() or _("New §")
    paragraph = paragraph_insert(meeting=meeting, title=title, after=after)
    messages.success(request, _("%(paragraph)s is inserted.") % {"paragraph": paragraph.label})
    return paragraph


def _anchor(meeting, paragraph: Paragraph | None = None) -> str:
    url = reverse("workspace:protokoll", args=[meeting.pk])
    return f"{url}#p{paragraph.pk}" if paragraph else url


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@meeting_view
@require_http_methods(["GET", "POST"])
def paragraph(request, meeting, paragraph_pk: int):
    """One §: GET shows it alone; POST saves it (`action=save`, JSON for the autosave when the
    request accepts it), records jäv/vote/reservation, or inserts after, moves or deletes it."""
    item = meeting.paragraphs.filter(pk=paragraph_pk).first()
    if item is None:
        raise Http404
    if request.method == "GET":
        return _page(request, meeting, only=item)
    action = request.POST.get("action", "save")
    if action == "save":
        return _save(request, meeting, item)
    if action in ("jav", "vote", "reservation"):
        return _decide(request, meeting, item, action)
    try:
        if action == "insert_after":
            inserted = _insert(request, meeting, after=item)
            return redirect(_anchor(meeting, inserted))
        if action in ("up", "down"):
            _move(meeting, item, up=action == "up")
            return redirect(_anchor(meeting, item))
        if action == "delete":
            label = item.label
            paragraph_delete(paragraph=item)
            done = _("%(paragraph)s is removed; the following §§ are renumbered.") % {"paragraph": label}
            messages.success(request, done)
            return redirect(_anchor(meeting))
    except (TransitionError, ValidationError) as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_anchor(meeting, item))
    raise Http404


def _move(meeting, item: Paragraph, *, up: bool) -> None:
    ordered = list(meeting.paragraphs.order_by("order", "number"))
    index = ordered.index(item)
    if up and index > 0:
        after = ordered[index - 2] if index >= 2 else None
    elif not up and index < len(ordered) - 1:
        after = ordered[index + 1]
    else:
        return
    paragraph_move(paragraph=item, after=after)


def _save(request, meeting, item: Paragraph):
    form = _paragraph_form(item, request.POST)
    saved = False
    if meeting.is_locked or meeting.status not in Status.DRAFTING:
        form.is_valid()
        form.add_error(None, _("The protokoll has been sent for justering; it can no longer be changed."))
    elif form.is_valid():
        try:
            paragraph_update(paragraph=form.instance, version=form.cleaned_data["loaded_version"])
            saved = True
        except ParagraphConflict:
            # A save came between the form's check and ours: checked again, it shows the conflict.
            item.refresh_from_db()
            form = _paragraph_form(item, request.POST)
            form.is_valid()
        except ValidationError as error:
            form.add_error(None, error)
    if _wants_json(request):
        return _save_json(request, meeting, item, form, saved)
    if saved:
        messages.success(
            request,
            _("%(paragraph)s saved at %(time)s.")
            % {"paragraph": item.label, "time": timezone.localtime().strftime("%H:%M")},
        )
        return redirect(_anchor(meeting, item))
    status = 409 if form.conflict is not None else 400
    return _page(request, meeting, bound={item.pk: {"form": form}}, only=item, status=status)


def _save_json(request, meeting, item: Paragraph, form, saved: bool) -> JsonResponse:
    if saved:
        item.refresh_from_db()
        return JsonResponse(
            {
                "ok": True,
                "version": item.version,
                "saved_at": timezone.localtime(item.updated_at).strftime("%H:%M"),
                "rendered": {name: str(html) for name, html in _rendered(item).items()},
            }
        )
    body = {"ok": False, "errors": form.errors.get_json_data()}
    if form.conflict is not None:
        body.update(
            conflict=True,
            version=form.data.get(form.add_prefix("loaded_version")),
            html=render_to_string(
                "workspace/protokoll/_conflict.html", {"form": form, "paragraph": item}, request=request
            ),
        )
    return JsonResponse(body, status=409 if form.conflict is not None else 400)


def _decide(request, meeting, item: Paragraph, action: str):
    forms_by_action = _decision_forms(item, data=request.POST, action=action)
    form = forms_by_action[action]
    if meeting.status not in Status.DRAFTING:
        form.is_valid()
        form.add_error(None, _("The protokoll has been sent for justering; it can no longer be changed."))
    elif form.is_valid():
        try:
            messages.success(request, paragraph_decision_record(item, action, form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(_anchor(meeting, item))
    bound = {item.pk: {"decision": form, "action": action}}
    return _page(request, meeting, bound=bound, only=item, status=400)


@meeting_view
@require_GET
def preview(request, meeting):
    """The protokoll as it will print (the admin's preview, through the workspace guard)."""
    return protokoll_preview(request, pk=meeting.pk)


@meeting_view
@require_GET
def preview_pdf(request, meeting) -> HttpResponse:
    """The draft rendering as a PDF (the admin's, through the workspace guard)."""
    return protokoll_preview_pdf(request, pk=meeting.pk)


PREFIX = "sammantraden/<int:pk>/protokoll/"

urlpatterns = [
    path(PREFIX, protokoll, name="protokoll"),
    path(f"{PREFIX}paragraf/<int:paragraph_pk>/", paragraph, name="protokoll_paragraph"),
    path(f"{PREFIX}forhandsvisning/", preview, name="protokoll_preview"),
    path(f"{PREFIX}utkast.pdf", preview_pdf, name="protokoll_pdf"),
]
