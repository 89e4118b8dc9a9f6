"""The workspace's pages for: plan (issue 14) — the agenda builder of a meeting.

One page (`workspace:agenda`) shows the agenda grouped by sections and takes every change as a
POST with an `action` (add, update, delete, up/down, reorder, standard items, sections,
handlingar); a small JSON endpoint (`workspace:agenda_cases`) finds the committee's ärenden for
the lookup. The rules are meetings/services/agenda.py's and handlingar.py's; every view is
wrapped by a guard of workspace/access.py.
"""

import html
import re
from datetime import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import escape, strip_tags
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.forms import UPLOAD_HELP
from cases.models import Document
from committees.sekretess import OSL_REFERENCE_REQUIRED
from meetings.models import AgendaItem
from meetings.services.agenda import (
    agenda_add_standard_items,
    agenda_case_candidates,
    agenda_case_register,
    agenda_is_editable,
    agenda_item_create,
    agenda_item_delete,
    agenda_item_move,
    agenda_item_update,
    agenda_reorder,
    agenda_require_editable,
    agenda_section_rename,
)
from meetings.services.handlingar import (
    agenda_item_detach_document,
    agenda_item_move_document,
    agenda_item_upload_documents,
)

from ..access import meeting_view
from .meeting import meeting_context


def html_to_text(value: str) -> str:
    """The sanitised rich text of an item as plain text to edit (paragraphs as blank lines)."""
    text = re.sub(r"</p>\s*", "\n\n", value or "")
    text = re.sub(r"<br\s*/?>", "\n", text)
    text = re.sub(r"</li>\s*", "\n", text)
    return html.unescape(strip_tags(text)).strip()


def text_to_html(value: str) -> str:
    """Plain text as the item's rich text: a paragraph per blank-line block, escaped."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", (value or "").replace("\r\n", "\n"))]
    return "".join(f"<p>{escape(block).replace(chr(10), '<br>')}</p>" for block in blocks if block)


class ItemForm(forms.Form):
    section = forms.CharField(label=capfirst(gettext_lazy("section heading")), max_length=200, required=False)
    title = forms.CharField(label=capfirst(gettext_lazy("title")), max_length=500)
    kind = forms.ChoiceField(label=capfirst(gettext_lazy("kind")), choices=AgendaItem.Kind.choices)
    case_number = forms.CharField(
        label=gettext_lazy("Ärende (diarienummer)"),
        max_length=40,
        required=False,
        help_text=gettext_lazy('For example "RJL 2024/18". Leave empty for an item without an ärende.'),
    )
    new_case = forms.BooleanField(
        label=gettext_lazy("Register a new ärende with the item's title"),
        required=False,
        help_text=gettext_lazy("Its diarienummer is the next of the series, or the one given above."),
    )
    presenter = forms.CharField(label=capfirst(gettext_lazy("presenter")), max_length=200, required=False)
    proposal = forms.CharField(
        label=capfirst(gettext_lazy("förslag till beslut")),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    time_note = forms.CharField(label=capfirst(gettext_lazy("time")), max_length=50, required=False)
    confidential = forms.BooleanField(label=capfirst(gettext_lazy("confidential")), required=False)
    osl_reference = forms.CharField(
        label=capfirst(gettext_lazy("OSL reference")), max_length=100, required=False
    )

    def __init__(self, *args, user=None, meeting=None, item=None, **kwargs):
        self.user, self.meeting, self.item = user, meeting, item
        if item is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "section": item.section,
                "title": item.title,
                "kind": item.kind,
                "case_number": item.case.diarienummer if item.case_id else "",
                "presenter": item.presenter,
                "proposal": html_to_text(item.proposal),
                "time_note": item.time_note,
                "confidential": item.confidential,
                "osl_reference": item.osl_reference,
            }
        super().__init__(*args, **kwargs)
        self.fields["case_number"].widget.attrs.update({"list": "agenda-cases", "autocomplete": "off"})
        self.fields["section"].widget.attrs.update({"list": "agenda-headings"})

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("confidential") and not (cleaned.get("osl_reference") or "").strip():
            self.add_error("osl_reference", OSL_REFERENCE_REQUIRED)
        number = (cleaned.get("case_number") or "").strip()
        cleaned["case"] = None
        if number and not cleaned.get("new_case"):
            found = list(
                agenda_case_candidates(
                    user=self.user, committee=self.meeting.committee, query=number, limit=2
                )
            )
            if len(found) != 1:
                self.add_error(
                    "case_number",
                    _(
                        'No single ärende "%(number)s" among the committee\'s cases. Search for it, or '
                        "register a new one."
                    )
                    % {"number": number},
                )
            else:
                cleaned["case"] = found[0]
        return cleaned

    def service_fields(self) -> dict:
        data = self.cleaned_data
        proposal = data["proposal"]
        if self.item is not None and proposal == html_to_text(self.item.proposal):
            proposal_html = self.item.proposal  # unchanged: keep its lists and emphasis
        else:
            proposal_html = text_to_html(proposal)
        return {
            "section": data["section"].strip(),
            "title": data["title"].strip(),
            "kind": data["kind"],
            "case": data["case"],
            "presenter": data["presenter"].strip(),
            "proposal": proposal_html,
            "time_note": data["time_note"].strip(),
            "confidential": data["confidential"],
            "osl_reference": (data["osl_reference"] or "").strip(),
        }


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=capfirst(gettext_lazy("kind")),
        choices=Document.Kind.choices,
        initial=Document.Kind.TJANSTESKRIVELSE,
    )
    confidential = forms.BooleanField(label=capfirst(gettext_lazy("confidential")), required=False)
    osl_reference = forms.CharField(
        label=capfirst(gettext_lazy("OSL reference")), max_length=100, required=False
    )


def _agenda_url(meeting, item_id=None) -> str:
    url = reverse("workspace:agenda", args=[meeting.pk])
    return f"{url}#item-{item_id}" if item_id else url


def _item_of(meeting, request) -> AgendaItem:
    return get_object_or_404(
        AgendaItem.objects.select_related("meeting__committee", "case"),
        meeting=meeting,
        pk=request.POST.get("item_id") or 0,
    )


def _save_item(request, meeting, form, item=None):
    """Add or change an item, registering its new ärende in the same transaction."""
    fields = form.service_fields()
    with transaction.atomic():
        if form.cleaned_data.get("new_case"):
            fields["case"] = agenda_case_register(
                committee=meeting.committee,
                title=fields["title"],
                diarienummer=(form.cleaned_data.get("case_number") or "").strip(),
            )
            messages.success(
                request, _("Ärende %(number)s registered.") % {"number": fields["case"].diarienummer}
            )
        if item is None:
            return agenda_item_create(meeting=meeting, **fields), False
        seen = request.POST.get("seen") or ""
        try:
            seen_at = datetime.fromisoformat(seen) if seen else None
        except ValueError:
            seen_at = None
        return item, agenda_item_update(item=item, seen_modified_at=seen_at, **fields)


def _handle(request, meeting, action):
    """Carry out one POST action; returns (response or None, forms to show again)."""
    if action in ("add", "update"):
        item = _item_of(meeting, request) if action == "update" else None
        prefix = f"i{item.pk}" if item else "new"
        form = ItemForm(request.POST, prefix=prefix, user=request.user, meeting=meeting, item=item)
        if not form.is_valid():
            return None, {prefix: form}
        try:
            saved, overwritten = _save_item(request, meeting, form, item)
        except ValidationError as error:
            if getattr(error, "code", None) == "agenda_locked":
                raise
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error("case_number" if form.cleaned_data.get("new_case") else None, error)
            return None, {prefix: form}
        if overwritten:
            messages.warning(
                request,
                _(
                    '"%(title)s" had been changed by someone else since you opened the page; your version '
                    "was saved over theirs."
                )
                % {"title": saved.title},
            )
        else:
            messages.success(request, _('"%(title)s" saved.') % {"title": saved.title})
        return redirect(_agenda_url(meeting, saved.pk)), {}
    if action == "delete":
        item = _item_of(meeting, request)
        agenda_item_delete(item=item)
        messages.success(request, _('"%(title)s" was removed from the agenda.') % {"title": item.title})
    elif action in ("up", "down"):
        item = _item_of(meeting, request)
        agenda_item_move(item=item, step=-1 if action == "up" else 1)
        return redirect(_agenda_url(meeting, item.pk)), {}
    elif action == "reorder":
        ids = [int(v) for v in re.findall(r"\d+", ",".join(request.POST.getlist("order")))]
        agenda_reorder(meeting=meeting, item_ids=ids)
        messages.success(request, _("The new order of the agenda was saved."))
    elif action == "standard":
        added = agenda_add_standard_items(meeting=meeting)
        if added:
            messages.success(request, _("%(count)d standard items added.") % {"count": len(added)})
        else:
            messages.info(request, _("The agenda already has all of the committee's standard items."))
    elif action == "rename_section":
        count = agenda_section_rename(
            meeting=meeting, old=request.POST.get("old", ""), new=request.POST.get("new", "")
        )
        messages.success(request, _("Section heading changed on %(count)d items.") % {"count": count})
    elif action == "upload":
        item = _item_of(meeting, request)
        form = UploadForm(request.POST)
        files = request.FILES.getlist("files")
        if not files:
            messages.error(request, _("Choose one or more files to upload."))
        elif form.is_valid():
            osl = (form.cleaned_data["osl_reference"] or "").strip()
            if form.cleaned_data["confidential"] and not osl:
                messages.error(request, OSL_REFERENCE_REQUIRED)
            else:
                attached, refused = agenda_item_upload_documents(
                    agenda_item=item,
                    files=files,
                    kind=form.cleaned_data["kind"],
                    confidential=form.cleaned_data["confidential"],
                    osl_reference=osl,
                    created_by=request.user,
                )
                if attached:
                    messages.success(
                        request,
                        _('%(count)d handlingar attached to "%(title)s".')
                        % {"count": len(attached), "title": item.title},
                    )
                for message in refused:
                    messages.error(request, message)
        return redirect(_agenda_url(meeting, item.pk)), {}
    elif action in ("detach", "doc_up", "doc_down"):
        item = _item_of(meeting, request)
        attachment_id = int(request.POST.get("attachment_id") or 0)
        if action == "detach":
            agenda_item_detach_document(agenda_item=item, attachment_id=attachment_id)
            messages.success(request, _("The handling was taken off the item; it stays in the diarium."))
        else:
            agenda_item_move_document(
                agenda_item=item, attachment_id=attachment_id, step=-1 if action == "doc_up" else 1
            )
        return redirect(_agenda_url(meeting, item.pk)), {}
    else:
        messages.error(request, _("Unknown action."))
    return redirect(_agenda_url(meeting)), {}


@meeting_view
def agenda(request, meeting):
    bound = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        ajax = request.headers.get("x-requested-with") == "XMLHttpRequest"
        try:
            response, bound = _handle(request, meeting, action)
        except ValidationError as error:
            if ajax:
                return JsonResponse({"ok": False, "message": " ".join(error.messages)}, status=409)
            messages.error(request, " ".join(error.messages))
            return redirect(_agenda_url(meeting))
        if ajax and response is not None:
            return JsonResponse({"ok": True})
        if response is not None:
            return response
        meeting.refresh_from_db()
    items = list(
        meeting.agenda_items.select_related("case")
        .prefetch_related("attachments__document")
        .order_by("order", "id")
    )
    editable = agenda_is_editable(meeting)
    rows = []
    for item in items:
        prefix = f"i{item.pk}"
        rows.append(
            {
                "item": item,
                "form": bound.get(prefix)
                or ItemForm(prefix=prefix, user=request.user, meeting=meeting, item=item),
                "open": prefix in bound,
                "attachments": list(item.attachments.all()),
                "first": not rows,
                "last": len(rows) == len(items) - 1,
            }
        )
    query = request.GET.get("q", "").strip()
    context = meeting_context(
        request,
        meeting,
        editable=editable,
        sections=_sections(rows),
        add_form=bound.get("new") or ItemForm(prefix="new", user=request.user, meeting=meeting),
        add_open="new" in bound,
        upload_form=UploadForm(),
        upload_help=UPLOAD_HELP,
        headings=sorted({item.section for item in items if item.section}),
        standard_count=meeting.committee.agenda_template.count(),
        query=query,
        found=agenda_case_candidates(user=request.user, committee=meeting.committee, query=query)
        if query
        else None,
        locked_message=None if editable else _locked_message(meeting),
    )
    return render(request, "workspace/agenda/page.html", context, status=400 if bound else 200)


def _sections(rows) -> list[dict]:
    """The rows grouped by consecutive section heading, as the kallelse prints them."""
    sections: list[dict] = []
    for row in rows:
        if not sections or sections[-1]["heading"] != row["item"].section:
            sections.append({"heading": row["item"].section, "rows": []})
        sections[-1]["rows"].append(row)
    return sections


def _locked_message(meeting) -> str:
    try:
        agenda_require_editable(meeting)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


@meeting_view
def agenda_cases(request, meeting):
    """The committee's ärenden matching `q` (diarienummer or title words), as JSON for the lookup."""
    found = agenda_case_candidates(
        user=request.user, committee=meeting.committee, query=request.GET.get("q", "")
    )
    return JsonResponse(
        {"cases": [{"id": case.pk, "diarienummer": case.diarienummer, "title": case.title} for case in found]}
    )


urlpatterns = [
    path("sammantraden/<int:pk>/dagordning/", agenda, name="agenda"),
    path("sammantraden/<int:pk>/dagordning/arenden/", agenda_cases, name="agenda_cases"),
]
