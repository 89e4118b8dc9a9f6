"""Rendered documents (kallelse, protokoll, protokollsutdrag PDFs) in the admin, read-only."""

from django.contrib import admin

from committees.scoping import ScopedModelAdmin
from meetings.models import (
    RenderedDocument,
)


@admin.register(RenderedDocument)
class RenderedDocumentAdmin(ScopedModelAdmin):
    list_display = ["kind", "meeting", "paragraph", "page_count", "created_at"]
    list_filter = ["kind", "meeting__committee"]
    search_fields = ["meeting__committee__name", "content_hash", "sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
