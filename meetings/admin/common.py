"""What the meetings admin modules share: the read-only inline, `RichTextReadonlyMixin` (rich
text shown as sanitized HTML where it cannot be changed) and `_run_step`, which runs one service
step per selected meeting and reports each refusal clearly."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django_prose_editor.fields import ProseEditorField

from committees.scoping import ScopedTabularInline
from meetings.richtext import sanitize_rich_text

RENDERED_SUFFIX = "_rendered"


class RichTextReadonlyMixin:
    """Where the user may not change the row (a § of a frozen protokoll, a view-only user), the
    admin shows each rich-text field read-only. Django would show its stored HTML escaped, as
    raw `<p>…</p>`: this shows it rendered instead, sanitized again with the editor's allow-list
    (meetings/richtext.py), in place of the field (`<name>_rendered`, same label)."""

    def _rich_text_fields(self) -> dict[str, object]:
        return {
            field.name: field
            for field in self.model._meta.concrete_fields
            if isinstance(field, ProseEditorField)
        }

    def _shows_rendered(self, request, obj) -> bool:
        # Django shows every field of the fieldsets read-only then (and leaves them out of the form).
        return obj is not None and not self.has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self._shows_rendered(request, obj):
            return fieldsets
        rich = self._rich_text_fields()

        def swap(names):
            return [swap(name) if isinstance(name, (list, tuple)) else rendered_name(name) for name in names]

        def rendered_name(name):
            return name + RENDERED_SUFFIX if name in rich else name

        return [(title, {**options, "fields": swap(options["fields"])}) for title, options in fieldsets]

    def __getattr__(self, name):
        # `<rich-text field>_rendered`: the display function the admin looks up by name.
        if name.endswith(RENDERED_SUFFIX):
            field = self._rich_text_fields().get(name.removesuffix(RENDERED_SUFFIX))
            if field is not None:
                return _rendered_rich_text(field, self.get_empty_value_display())
        raise AttributeError(name)


def _rendered_rich_text(field, empty):
    @admin.display(description=field.verbose_name)
    def rendered(obj):
        value = getattr(obj, field.attname)
        if not value:
            return empty
        return format_html('<div class="rich-text">{}</div>', mark_safe(sanitize_rich_text(value)))  # noqa: S308 - sanitized

    return rendered


class ReadOnlyInline(ScopedTabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _run_step(modeladmin, request, queryset, step, done_message):
    """Run one service step per selected meeting, reporting each refusal clearly."""
    for meeting in queryset:
        try:
            step(meeting=meeting, by=request.user)
        except ValidationError as error:
            modeladmin.message_user(request, f"{meeting}: {' '.join(error.messages)}", level=messages.ERROR)
        else:
            modeladmin.message_user(request, f"{meeting}: {done_message}", level=messages.SUCCESS)
