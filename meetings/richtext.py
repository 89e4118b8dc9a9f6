"""The limited rich text of agenda items and paragraphs: paragraphs, bold, italic and lists.

The editor (django-prose-editor) offers only these; the same allow-list sanitises the
HTML on every save, whichever way it arrives (admin, service, import).
"""

from django_prose_editor.fields import ProseEditorField, create_sanitizer

RICH_TEXT_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "HardBreak": True,
}

sanitize_rich_text = create_sanitizer(RICH_TEXT_EXTENSIONS)


def RichTextField(verbose_name, **kwargs):  # noqa: N802 - reads like a field class
    """A text field edited in the limited rich-text editor and sanitised on save."""
    kwargs.setdefault("blank", True)
    return ProseEditorField(verbose_name, extensions=RICH_TEXT_EXTENSIONS, sanitize=True, **kwargs)


class RichTextSanitizingMixin:
    """Sanitise every rich-text field of the model before it is saved."""

    def save(self, *args, **kwargs):
        for field in self._meta.concrete_fields:
            if isinstance(field, ProseEditorField):
                value = getattr(self, field.attname)
                if value:
                    setattr(self, field.attname, sanitize_rich_text(value))
        super().save(*args, **kwargs)
