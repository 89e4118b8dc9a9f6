"""The protokoll's paragraphs (§§) in the admin: the § form carries the version it was loaded
at, so saving over someone else's newer save is refused with both texts shown
(`paragraph_update`, optimistic locking)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_prose_editor.fields import ProseEditorField

from committees.scoping import ScopedHistoryAdmin
from meetings.admin.common import RichTextReadonlyMixin
from meetings.models import (
    Paragraph,
)
from meetings.richtext import sanitize_rich_text
from meetings.services.paragraphs import ParagraphConflict, paragraph_update


class ParagraphAdminForm(forms.ModelForm):
    """The § form carries the version it was loaded at (a hidden field). Saving over a newer
    version is refused with both texts shown; the next save is then made knowingly over
    the saved text (optimistic locking, see `paragraph_update`)."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # No Meta: the admin builds the form for Paragraph with the fields of its fieldsets.

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict = None  # on a conflict: [(label, theirs, yours)] for every field that differs
        self.conflict_saved_at = None
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned_data = super().clean()
        loaded = cleaned_data.get("loaded_version")
        if loaded is None:
            raise ValidationError(
                _("This form is out of date. Reload the page and make your changes again."),
                code="version_missing",
            )
        saved = Paragraph.objects.filter(pk=self.instance.pk).first()
        if saved is None:
            raise ValidationError(_("This § has been removed."), code="paragraph_removed")
        if saved.version != loaded:
            self.conflict = self._differences(saved, cleaned_data)
            self.conflict_saved_at = saved.updated_at
            # The user's input stays in the form; saving it again now replaces the saved text.
            self.data = self.data.copy()
            self.data[self.add_prefix("loaded_version")] = saved.version
            raise ValidationError(
                _("Someone else saved this § while you edited it. Nothing was saved."), code="edit_conflict"
            )
        return cleaned_data

    def _differences(self, saved: Paragraph, cleaned_data) -> list[tuple]:
        rows = []
        for name, form_field in self.fields.items():
            if name == "loaded_version" or name not in cleaned_data:
                continue
            model_field = Paragraph._meta.get_field(name)
            theirs, yours = getattr(saved, name), cleaned_data[name]
            if isinstance(model_field, ProseEditorField):
                theirs, yours = sanitize_rich_text(theirs or ""), sanitize_rich_text(yours or "")
                if theirs != yours:
                    rows.append((form_field.label, mark_safe(theirs), mark_safe(yours)))  # noqa: S308 - sanitised
            elif (theirs or "") != (yours or ""):
                rows.append((form_field.label, _display(theirs), _display(yours)))
        return rows


def _display(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "" if value is None else str(value)


@admin.register(Paragraph)
class ParagraphAdmin(RichTextReadonlyMixin, ScopedHistoryAdmin):
    form = ParagraphAdminForm
    # Renders the hidden version field and, on a conflict, both texts of each differing field.
    change_form_template = "admin/meetings/paragraph/change_form.html"
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

    def save_model(self, request, obj, form, change):
        paragraph_update(paragraph=obj, version=form.cleaned_data["loaded_version"])

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ParagraphConflict:
            # Another save came between the form's check and ours: nothing was written (the
            # transaction rolled back). Shown again, the form's check now finds the conflict.
            return super().changeform_view(request, object_id, form_url, extra_context)
