"""The agenda in the admin: agenda items with their handlingar (ordered, uploaded in place) and
the committee's standard agenda items (`AgendaTemplateItem`)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from audit.admin import HistoryAdmin
from cases.forms import AgendaItemUploadForm, AgendaItemUploadFormSet
from cases.registers import agenda_item_generate_list
from committees.scoping import ScopedModelAdmin, ScopedStackedInline, ScopedTabularInline
from meetings.models import (
    AgendaItem,
    AgendaItemDocument,
    AgendaTemplateItem,
)


class AgendaItemDocumentInline(ScopedTabularInline):
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


class AgendaItemUploadInline(ScopedStackedInline):
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
class AgendaItemAdmin(HistoryAdmin):
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
class AgendaTemplateItemAdmin(ScopedModelAdmin):
    list_display = ["title", "committee", "order", "section", "kind"]
    list_filter = ["committee"]
    search_fields = ["title"]
