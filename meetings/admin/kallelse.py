"""Sending the kallelse in the admin: each dispatch with its deliveries, and the action that
queues again what the broker did not take."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from committees.scoping import ScopedModelAdmin
from meetings.admin.common import ReadOnlyInline
from meetings.models import (
    KallelseDelivery,
    KallelseDispatch,
)


class KallelseDeliveryInline(ReadOnlyInline):
    model = KallelseDelivery
    fields = ["person", "email", "sent_at", "error"]
    readonly_fields = fields


@admin.register(KallelseDispatch)
class KallelseDispatchAdmin(ScopedModelAdmin):
    list_display = ["kind", "meeting", "created_at", "created_by", "completed_at"]
    list_filter = ["kind", "meeting__committee"]
    search_fields = ["meeting__committee__name"]
    inlines = [KallelseDeliveryInline]
    actions = ["send_unsent"]

    @admin.action(description=_("Send the unsent e-mails"))
    def send_unsent(self, request, queryset):
        from meetings.tasks import send_kallelse_dispatch

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
