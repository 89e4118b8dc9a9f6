from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cases.forms import AgendaItemUploadForm, AgendaItemUploadFormSet
from cases.registers import agenda_item_generate_list
from committees.admin import CommitteeScopedAdminMixin, ScopedInlineMixin

from . import dispatch, services
from .models import (
    AgendaItem,
    AgendaItemDocument,
    AgendaTemplateItem,
    Anslag,
    Justering,
    KallelseDelivery,
    KallelseDispatch,
    Meeting,
    MeetingTransition,
    Paragraph,
    RenderedDocument,
    Signature,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AgendaItemInline(ScopedInlineMixin, admin.TabularInline):
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


def _run_step(modeladmin, request, queryset, step, done_message):
    """Run one service step per selected meeting, reporting each refusal clearly."""
    for meeting in queryset:
        try:
            step(meeting=meeting, by=request.user)
        except ValidationError as error:
            modeladmin.message_user(request, f"{meeting}: {' '.join(error.messages)}", level=messages.ERROR)
        else:
            modeladmin.message_user(request, f"{meeting}: {done_message}", level=messages.SUCCESS)


@admin.register(Meeting)
class MeetingAdmin(CommitteeScopedAdminMixin, admin.ModelAdmin):
    list_display = ["meeting_date", "committee", "location", "status", "agenda_published"]
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
        "freeze_protokoll",
        "reopen_protokoll",
        "post_anslag",
    ]
    fieldsets = [
        (None, {"fields": ["committee", "start", "end", "location", "status"]}),
        (_("People"), {"fields": ["secretary", "chair"]}),
        (
            _("Publishing"),
            {"fields": ["agenda_published", "attendance_as_annex", "note", "signature_reference"]},
        ),
    ]

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
                added = services.agenda_add_standard_items(meeting=meeting)
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
        _run_step(self, request, queryset, services.meeting_start_agenda, _("agenda drafted."))

    @admin.action(description=_("Mark the kallelse as sent"))
    def mark_summoned(self, request, queryset):
        _run_step(self, request, queryset, services.meeting_mark_summoned, _("kallelse sent."))

    @admin.action(description=_("Mark the meeting as held"))
    def mark_held(self, request, queryset):
        _run_step(self, request, queryset, services.meeting_hold, _("held."))

    @admin.action(description=_("Create the protokoll draft from the agenda"))
    def create_protokoll_draft(self, request, queryset):
        _run_step(self, request, queryset, services.protokoll_create_draft, _("protokoll drafted."))

    @admin.action(description=_("Send the protokoll for justering"))
    def freeze_protokoll(self, request, queryset):
        _run_step(self, request, queryset, services.protokoll_freeze, _("ready for justering."))

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
            return services.protokoll_unfreeze(meeting=meeting, by=by, reason=reason)

        _run_step(self, request, queryset, reopen, _("reopened."))
        return None

    @admin.action(description=_("Post the anslag on the anslagstavla"))
    def post_anslag(self, request, queryset):
        _run_step(self, request, queryset, services.anslag_post, _("anslag posted."))

    # --- Sending the kallelse (meetings/dispatch.py) ---

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
        from . import protokoll_views

        own = [
            path(
                "<int:pk>/protokoll/",
                self.admin_site.admin_view(protokoll_views.protokoll_preview),
                name="meetings_meeting_protokoll_preview",
            ),
            path(
                "<int:pk>/protokoll.pdf",
                self.admin_site.admin_view(protokoll_views.protokoll_preview_pdf),
                name="meetings_meeting_protokoll_pdf",
            ),
            path(
                "<int:pk>/kallelse.pdf",
                self.admin_site.admin_view(self.kallelse_pdf_view),
                name="meetings_meeting_kallelse_pdf",
            ),
        ]
        return own + super().get_urls()

    def kallelse_pdf_view(self, request, pk):
        """The kallelse as it stands now (members' or, with ?version=public, the public one)."""
        from cases.registers import meeting_generate_lists

        from .kallelse import kallelse_get_or_render

        meeting = get_object_or_404(self.get_queryset(request), pk=pk)
        meeting_generate_lists(meeting=meeting)
        public = request.GET.get("version") == "public"
        rendered = kallelse_get_or_render(meeting=meeting, public=public)
        name = f"kallelse-{meeting.committee.slug}-{meeting.start:%Y-%m-%d}{'-publik' if public else ''}.pdf"
        return FileResponse(rendered.file.open("rb"), content_type="application/pdf", filename=name)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj and obj.is_locked:
            fields += ["committee", "start", "end", "location", "secretary", "chair", "attendance_as_annex"]
        return fields


class AgendaItemDocumentInline(admin.TabularInline):
    """The item's handlingar in order; a document already on the item is refused twice."""

    model = AgendaItemDocument
    extra = 0
    fields = ["order", "document", "pages", "pdf_status"]
    readonly_fields = ["pages", "pdf_status"]
    autocomplete_fields = ["document"]
    ordering = ["order", "id"]

    @admin.display(description=_("pages"))
    def pages(self, obj):
        return obj.document.page_count if obj and obj.document_id else ""

    @admin.display(description=_("PDF"))
    def pdf_status(self, obj):
        return obj.document.get_conversion_display() if obj and obj.document_id else ""


class AgendaItemUploadInline(admin.StackedInline):
    """Upload new handlingar straight to the item: each file becomes a document of the item's
    case (checked by content, DOCX/ODT converted to PDF) attached in the given order."""

    model = AgendaItemDocument
    form = AgendaItemUploadForm
    formset = AgendaItemUploadFormSet
    extra = 1
    can_delete = False
    # Stacked, so every field shows its own (translated) label.
    fieldsets = [
        (None, {"fields": [("upload", "title"), ("kind", "order"), ("confidential", "osl_reference")]})
    ]
    verbose_name = _("handling")
    verbose_name_plural = _("Upload handlingar")

    def get_queryset(self, request):
        return super().get_queryset(request).none()  # only new uploads; the list is above

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AgendaItem)
class AgendaItemAdmin(CommitteeScopedAdminMixin, admin.ModelAdmin):
    committee_lookup = "meeting__committee"
    list_display = ["title", "meeting", "order", "section", "kind", "case", "generates", "confidential"]
    list_filter = ["kind", "confidential", "meeting__committee", "added_at_meeting", "generates"]
    search_fields = ["title", "case__title", "proposal", "summary"]
    autocomplete_fields = ["case", "meeting"]
    inlines = [AgendaItemDocumentInline, AgendaItemUploadInline]
    list_select_related = ["meeting__committee", "case"]
    actions = ["generate_list"]

    @admin.action(description=_("Generate the list from the register"))
    def generate_list(self, request, queryset):
        for item in queryset.select_related("meeting"):
            try:
                document = agenda_item_generate_list(agenda_item=item)
            except ValidationError as error:
                self.message_user(request, f"{item}: {' '.join(error.messages)}", level=messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(item)s: %(title)s attached (%(pages)s pages).")
                    % {"item": item, "title": document.title, "pages": document.page_count},
                    level=messages.SUCCESS,
                )

    def get_inlines(self, request, obj):
        if obj and obj.meeting.is_locked:  # the handlingar of a frozen protokoll stay as they are
            return [AgendaItemDocumentInline]
        return super().get_inlines(request, obj)

    def save_formset(self, request, form, formset, change):
        if issubclass(formset.form, AgendaItemUploadForm):
            # The uploads go through the services; the admin's change message reads these lists.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for upload_form in formset.forms:
                if upload_form.has_changed() and upload_form.cleaned_data.get("upload"):
                    attached = upload_form.save_upload(agenda_item=form.instance, created_by=request.user)
                    if attached is not None:
                        formset.new_objects.append(attached)
                    else:
                        self.message_user(
                            request,
                            _("%(title)s: the item already has this file; it was not attached again.")
                            % {"title": upload_form.cleaned_data["title"]},
                            level=messages.WARNING,
                        )
            return
        super().save_formset(request, form, formset, change)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.meeting.is_locked)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.meeting.is_locked)


@admin.register(AgendaTemplateItem)
class AgendaTemplateItemAdmin(CommitteeScopedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "committee", "order", "section", "kind"]
    list_filter = ["committee"]
    search_fields = ["title"]


@admin.register(Paragraph)
class ParagraphAdmin(CommitteeScopedAdminMixin, admin.ModelAdmin):
    committee_lookup = "meeting__committee"
    list_display = ["label", "title", "meeting", "case", "confidential"]
    list_filter = ["meeting__committee", "year", "confidential", "immediate_justering"]
    search_fields = ["title", "decision", "case__title", "=number"]
    readonly_fields = ["committee", "year", "number", "order", "meeting"]
    autocomplete_fields = ["case"]
    list_select_related = ["meeting__committee", "case"]
    fieldsets = [
        (None, {"fields": ["meeting", "committee", "year", "number", "order", "title", "case"]}),
        (
            _("Decision"),
            {
                "fields": [
                    "decision",
                    "summary",
                    "basis",
                    "motions",
                    "procedure",
                    "notes",
                    "send_to",
                    "immediate_justering",
                ]
            },
        ),
        (_("Confidentiality"), {"fields": ["confidential", "osl_reference", "public_title"]}),
    ]

    @admin.display(description=_("§"), ordering="number")
    def label(self, obj):
        return obj.label

    def has_add_permission(self, request):
        # Paragraphs come from the agenda (or are inserted at the meeting) through the
        # protokoll services, which number them.
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.meeting.is_locked)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields


class SignatureInline(admin.TabularInline):
    model = Signature
    extra = 0
    fields = ["order", "role", "person", "signed_at"]
    readonly_fields = ["signed_at"]
    autocomplete_fields = ["person"]


@admin.register(Justering)
class JusteringAdmin(CommitteeScopedAdminMixin, admin.ModelAdmin):
    committee_lookup = "meeting__committee"
    list_display = ["meeting", "deadline", "frozen_at", "completed_at"]
    list_filter = ["meeting__committee"]
    search_fields = ["meeting__committee__name"]
    readonly_fields = ["meeting", "frozen_at", "completed_at", "content_hash", "signed_file"]
    inlines = [SignatureInline]

    def has_add_permission(self, request):
        return False


@admin.register(Anslag)
class AnslagAdmin(CommitteeScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "committee",
        "kind",
        "posted_on",
        "appeal_ends_on",
        "take_down_on",
        "taken_down_at",
    ]
    list_filter = ["kind", "committee", "posted_on"]
    search_fields = ["title", "body"]
    readonly_fields = ["taken_down_at"]
    raw_id_fields = ["meeting"]


@admin.register(RenderedDocument)
class RenderedDocumentAdmin(CommitteeScopedAdminMixin, admin.ModelAdmin):
    committee_lookup = "meeting__committee"
    list_display = ["kind", "meeting", "paragraph", "page_count", "created_at"]
    list_filter = ["kind", "meeting__committee"]
    search_fields = ["meeting__committee__name", "content_hash", "sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class KallelseDeliveryInline(ReadOnlyInline):
    model = KallelseDelivery
    fields = ["person", "email", "sent_at", "error"]
    readonly_fields = fields


@admin.register(KallelseDispatch)
class KallelseDispatchAdmin(CommitteeScopedAdminMixin, admin.ModelAdmin):
    committee_lookup = "meeting__committee"
    list_display = ["kind", "meeting", "created_at", "created_by", "completed_at"]
    list_filter = ["kind", "meeting__committee"]
    search_fields = ["meeting__committee__name"]
    inlines = [KallelseDeliveryInline]
    actions = ["send_unsent"]

    @admin.action(description=_("Send the unsent e-mails"))
    def send_unsent(self, request, queryset):
        from .tasks import send_kallelse_dispatch

        for sent in queryset:
            try:
                send_kallelse_dispatch.delay(sent.pk)
            except Exception as error:  # noqa: BLE001 - the broker is down: say so, lose nothing
                self.message_user(request, f"{sent}: {error}", level=messages.ERROR)
            else:
                self.message_user(request, _("%(dispatch)s: sending.") % {"dispatch": sent}, messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
