"""The meeting's admin page: its agenda, paragraphs and transitions inline, the actions that
move it through its life (agenda, kallelse, held, protokoll, justering, anslag), the signers
page and the kallelse pages.

`MeetingAdmin` is one class of about 250 lines because Django's admin keeps a model's actions
and extra views on its ModelAdmin; the forms and selectors it uses live beside the part they
belong to (meetings/admin/justering.py for the signers).
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from committees.scoping import ScopedHistoryAdmin, ScopedTabularInline, scope_form_fields
from config.downloads import file_response
from meetings.admin.common import ReadOnlyInline, _run_step
from meetings.admin.justering import SignersForm, _freeze, signers_warnings
from meetings.anslag.rules import (
    anslag_post,
    anslag_post_delegation_list,
)
from meetings.justering.services import protokoll_set_signers, protokoll_unfreeze
from meetings.kallelse import dispatch
from meetings.kallelse.document import kallelse_get_or_render
from meetings.models import (
    AgendaItem,
    KallelseDispatch,
    Meeting,
    MeetingTransition,
    Paragraph,
)
from meetings.protokoll.views import protokoll_preview, protokoll_preview_pdf
from meetings.services.agenda import agenda_add_standard_items
from meetings.services.lifecycle import meeting_hold, meeting_mark_summoned, meeting_start_agenda
from meetings.services.paragraphs import protokoll_create_draft
from meetings.services.registers import meeting_generate_lists


class AgendaItemInline(ScopedTabularInline):
    """The agenda on the meeting page: add, remove, group in sections, reorder by drag or ↑ ↓."""

    model = AgendaItem
    extra = 0
    template = "admin/meetings/meeting/agenda_inline.html"
    fields = ["order", "section", "title", "case", "kind", "confidential", "osl_reference", "outcome"]
    autocomplete_fields = ["case"]
    show_change_link = True
    ordering = ["order", "id"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.is_locked)

    has_add_permission = has_change_permission

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_locked)


class ParagraphInline(ReadOnlyInline):
    model = Paragraph
    fields = ["number", "title", "case"]
    readonly_fields = fields
    show_change_link = True
    ordering = ["order"]


class TransitionInline(ReadOnlyInline):
    model = MeetingTransition
    fields = ["at", "from_status", "to_status", "by", "note"]
    readonly_fields = fields
    verbose_name_plural = _("history")


@admin.register(Meeting)
class MeetingAdmin(ScopedHistoryAdmin):
    # Five columns fit 1280 px beside the sidebar and the filter (static/admin/paragraf-admin.css).
    list_display = ["meeting_date", "committee", "location", "status", "agenda_shown"]
    list_filter = ["status", "committee", "start"]
    search_fields = ["committee__name", "location", "agenda_items__title"]
    date_hierarchy = "start"
    readonly_fields = ["status", "signature_reference"]
    autocomplete_fields = ["secretary", "chair"]
    inlines = [AgendaItemInline, ParagraphInline, TransitionInline]
    list_select_related = ["committee"]
    actions = [
        "add_standard_items",
        "start_agenda",
        "send_kallelse",
        "send_revised_kallelse",
        "send_supplement_kallelse",
        "publish_agenda",
        "mark_summoned",
        "mark_held",
        "create_protokoll_draft",
        "choose_signers",
        "freeze_protokoll",
        "reopen_protokoll",
        "post_anslag",
        "post_delegation_list",
    ]
    fieldsets = [
        (None, {"fields": ["committee", "start", "end", "location", "status"]}),
        (_("People"), {"fields": ["secretary", "chair"]}),
        (
            _("Publishing"),
            {"fields": ["agenda_published", "attendance_as_annex", "note", "signature_reference"]},
        ),
    ]

    @admin.display(description=_("agenda public"), boolean=True, ordering="agenda_published")
    def agenda_shown(self, obj):
        # agenda_published under a short heading: "föredragningslistan publicerad" is too wide.
        return obj.agenda_published

    @admin.display(description=_("meeting"), ordering="start")
    def meeting_date(self, obj):
        return date_format(timezone.localtime(obj.start), "Y-m-d H:i")

    class Media:
        js = ["meetings/js/agenda_order.js"]
        css = {"all": ["meetings/css/agenda_order.css"]}

    @admin.action(description=_("Add the committee's standard agenda items"))
    def add_standard_items(self, request, queryset):
        for meeting in queryset:
            try:
                added = agenda_add_standard_items(meeting=meeting)
            except ValidationError as error:
                self.message_user(request, f"{meeting}: {' '.join(error.messages)}", level=messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(meeting)s: %(count)d standard items added.")
                    % {"meeting": meeting, "count": len(added)},
                    level=messages.SUCCESS,
                )

    @admin.action(description=_("Start drafting the agenda"))
    def start_agenda(self, request, queryset):
        _run_step(self, request, queryset, meeting_start_agenda, _("agenda drafted."))

    @admin.action(description=_("Mark the kallelse as sent"))
    def mark_summoned(self, request, queryset):
        _run_step(self, request, queryset, meeting_mark_summoned, _("kallelse sent."))

    @admin.action(description=_("Mark the meeting as held"))
    def mark_held(self, request, queryset):
        _run_step(self, request, queryset, meeting_hold, _("held."))

    @admin.action(description=_("Create the protokoll draft from the agenda"))
    def create_protokoll_draft(self, request, queryset):
        _run_step(self, request, queryset, protokoll_create_draft, _("protokoll drafted."))

    @admin.action(description=_("Send the protokoll for justering"))
    def freeze_protokoll(self, request, queryset):
        for meeting in queryset:
            _freeze(self, request, meeting)

    @admin.action(description=_("Choose the signers (ordförande, justerare, secretary)"))
    def choose_signers(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, _("Choose the signers for one meeting at a time."), level=messages.WARNING
            )
            return None
        return HttpResponseRedirect(reverse("admin:meetings_meeting_signers", args=[queryset.get().pk]))

    def signers_view(self, request, pk):
        """Choose who justerar the protokoll (`protokoll_set_signers`), and optionally
        send it for justering at once (`protokoll_freeze`)."""
        meeting = get_object_or_404(self.get_queryset(request).select_related("committee"), pk=pk)
        if not self.has_change_permission(request, meeting):
            raise Http404
        change_url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
        if request.method == "POST":
            form = SignersForm(request.POST, meeting=meeting)
            scope_form_fields(form, request.user)
            if form.is_valid():
                try:
                    protokoll_set_signers(meeting=meeting, **form.signers())
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    self.message_user(
                        request, _("%(meeting)s: signers saved.") % {"meeting": meeting}, messages.SUCCESS
                    )
                    for warning in signers_warnings(meeting):
                        self.message_user(request, f"{meeting}: {warning}", messages.WARNING)
                    if "_freeze" in request.POST:
                        _freeze(self, request, meeting, warn=False)
                    return HttpResponseRedirect(change_url)
        else:
            form = SignersForm(meeting=meeting)
            scope_form_fields(form, request.user)
        editable = meeting.status in Meeting.Status.DRAFTING
        if not editable:
            for field in form.fields.values():
                field.disabled = True
        return TemplateResponse(
            request,
            "admin/meetings/meeting/signers.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Signers of the protokoll: %(meeting)s") % {"meeting": meeting},
                "meeting": meeting,
                "original": meeting,
                "form": form,
                "opts": self.model._meta,
                "change_url": change_url,
                "editable": editable,
                "can_freeze": meeting.status == Meeting.Status.PROTOKOLL_DRAFTED,
            },
        )

    @admin.action(description=_("Reopen the protokoll (discards the signatures given so far)"))
    def reopen_protokoll(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        if "apply" not in request.POST or not reason:
            return TemplateResponse(
                request,
                "admin/meetings/meeting/reopen_protokoll.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Reopen the protokoll"),
                    "meetings": queryset,
                    "reason_missing": "apply" in request.POST,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                    "opts": self.model._meta,
                },
            )

        def reopen(*, meeting, by):
            return protokoll_unfreeze(meeting=meeting, by=by, reason=reason)

        _run_step(self, request, queryset, reopen, _("reopened."))
        return None

    @admin.action(description=_("Post the anslag on the anslagstavla"))
    def post_anslag(self, request, queryset):
        _run_step(self, request, queryset, anslag_post, _("anslag posted."))

    @admin.action(description=_("Post the delegationsbeslut list on the anslagstavla"))
    def post_delegation_list(self, request, queryset):
        for meeting in queryset:
            try:
                anslag_post_delegation_list(meeting=meeting)
            except ValidationError as error:
                self.message_user(request, f"{meeting}: {' '.join(error.messages)}", level=messages.ERROR)
            else:
                self.message_user(
                    request, f"{meeting}: {_('delegationsbeslut list posted.')}", level=messages.SUCCESS
                )

    # --- Sending the kallelse (meetings/kallelse/dispatch.py) ---

    @admin.action(description=_("Send the kallelse"))
    def send_kallelse(self, request, queryset):
        self._send(request, queryset, KallelseDispatch.Kind.KALLELSE)

    @admin.action(description=_("Send a reviderad kallelse"))
    def send_revised_kallelse(self, request, queryset):
        self._send(request, queryset, KallelseDispatch.Kind.REVISED)

    @admin.action(description=_("Send a tilläggskallelse"))
    def send_supplement_kallelse(self, request, queryset):
        self._send(request, queryset, KallelseDispatch.Kind.SUPPLEMENT)

    def _send(self, request, queryset, kind):
        for meeting in queryset:
            try:
                sent = dispatch.meeting_send_kallelse(meeting=meeting, sent_by=request.user, kind=kind)
            except ValidationError as error:
                self.message_user(request, f"{meeting}: {' '.join(error.messages)}", level=messages.ERROR)
                continue
            for level, text in dispatch.dispatch_report(dispatch=sent):
                self.message_user(request, f"{meeting}: {text}", level=level)

    @admin.action(description=_("Publish the agenda"))
    def publish_agenda(self, request, queryset):
        _run_step(self, request, queryset, dispatch.meeting_publish_agenda, _("agenda published."))

    change_form_template = "admin/meetings/meeting/change_form.html"

    def get_urls(self):
        own = [
            path(
                "<int:pk>/protokoll/",
                self.admin_site.admin_view(protokoll_preview),
                name="meetings_meeting_protokoll_preview",
            ),
            path(
                "<int:pk>/protokoll.pdf",
                self.admin_site.admin_view(protokoll_preview_pdf),
                name="meetings_meeting_protokoll_pdf",
            ),
            path(
                "<int:pk>/kallelse.pdf",
                self.admin_site.admin_view(self.kallelse_pdf_view),
                name="meetings_meeting_kallelse_pdf",
            ),
            path(
                "<int:pk>/signers/",
                self.admin_site.admin_view(self.signers_view),
                name="meetings_meeting_signers",
            ),
        ]
        return own + super().get_urls()

    def kallelse_pdf_view(self, request, pk):
        """The kallelse as it stands now (members' or, with ?version=public, the public one)."""
        meeting = get_object_or_404(self.get_queryset(request), pk=pk)
        meeting_generate_lists(meeting=meeting)
        public = request.GET.get("version") == "public"
        rendered = kallelse_get_or_render(meeting=meeting, public=public)
        name = f"kallelse-{meeting.committee.slug}-{meeting.start:%Y-%m-%d}{'-publik' if public else ''}.pdf"
        return file_response(rendered.file.open("rb"), content_type="application/pdf", filename=name)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj and obj.is_locked:
            fields += ["committee", "start", "end", "location", "secretary", "chair", "attendance_as_annex"]
        return fields
