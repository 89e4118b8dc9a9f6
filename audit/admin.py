"""The audit trail in the admin: the "History" button of each recorded row."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """A ModelAdmin whose "History" page lists every recorded change of the row: when, by whom,
    and each changed field before and after (django-simple-history).

    The history is scoped like the admin itself: a row the user cannot open (not in
    `get_queryset`, e.g. another committee's paragraph) has no history for them either
    (404), also for a deleted row, which only a superuser can look up. It is read-only:
    going back to an earlier version would bypass the services (numbering, vote rules,
    the protokoll lock), so reverting is off and a post to a version page is refused.

    The project's admins take it together with the scoping of rows and relation fields, as
    `committees.scoping.ScopedHistoryAdmin`: the audit app is the lowest layer and imports no
    app (docs/architecture.md).
    """

    def _require_in_scope(self, request, object_id) -> None:
        if request.user.is_superuser:
            return
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        self._require_in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True
