"""What the meetings admin modules share: the read-only inline and `_run_step`, which runs one
service step per selected meeting and reports each refusal clearly."""

from django.contrib import messages
from django.core.exceptions import ValidationError

from committees.scoping import ScopedTabularInline


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
