from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from committees.admin import CommitteeScopedAdminMixin, ScopedInlineMixin

from . import services
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

    @admin.action(description=_("Reopen the protokoll (nobody has signed)"))
    def reopen_protokoll(self, request, queryset):
        _run_step(self, request, queryset, services.protokoll_unfreeze, _("reopened."))

    @admin.action(description=_("Post the anslag on the anslagstavla"))
    def post_anslag(self, request, queryset):
        _run_step(self, request, queryset, services.anslag_post, _("anslag posted."))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj and obj.is_locked:
            fields += ["committee", "start", "end", "location", "secretary", "chair", "attendance_as_annex"]
        return fields


class AgendaItemDocumentInline(admin.TabularInline):
    model = AgendaItemDocument
    extra = 0
    autocomplete_fields = ["document"]
    ordering = ["order"]


@admin.register(AgendaItem)
class AgendaItemAdmin(CommitteeScopedAdminMixin, admin.ModelAdmin):
    committee_lookup = "meeting__committee"
    list_display = ["title", "meeting", "order", "section", "kind", "case", "confidential"]
    list_filter = ["kind", "confidential", "meeting__committee", "added_at_meeting"]
    search_fields = ["title", "case__title", "proposal", "summary"]
    autocomplete_fields = ["case", "meeting"]
    inlines = [AgendaItemDocumentInline]
    list_select_related = ["meeting__committee", "case"]

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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
