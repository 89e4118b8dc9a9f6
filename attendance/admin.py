from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from committees.scoping import ScopedHistoryAdmin, ScopedTabularInline

from .models import AbsenceNotice, Attendance, Ballot, Disqualification, Reservation, Vote
from .services import substitute_confirm, substitute_propose


class LockedWithMeetingMixin:
    """Attendance, jäv, votes and reservations freeze with the protokoll."""

    meeting_path = "meeting"

    def _meeting(self, obj):
        for part in self.meeting_path.split("__"):
            obj = getattr(obj, part)
        return obj

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and not (obj and self._meeting(obj).is_locked)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and not (obj and self._meeting(obj).is_locked)


@admin.register(Attendance)
class AttendanceAdmin(LockedWithMeetingMixin, ScopedHistoryAdmin):
    list_display = ["person", "meeting", "status", "capacity", "serving", "replaces", "arrived_at", "left_at"]
    list_filter = ["status", "capacity", "serving", "meeting__committee"]
    search_fields = ["person__first_name", "person__last_name", "person__represents"]
    autocomplete_fields = ["person", "replaces", "meeting"]
    raw_id_fields = ["from_paragraph", "to_paragraph"]
    list_select_related = ["person__party", "meeting__committee", "replaces"]


@admin.register(AbsenceNotice)
class AbsenceNoticeAdmin(ScopedHistoryAdmin):
    list_display = [
        "person",
        "meeting",
        "reported_at",
        "substitute",
        "proposed_substitute",
        "substitute_confirmed_at",
    ]
    list_filter = ["meeting__committee"]
    search_fields = ["person__first_name", "person__last_name"]
    autocomplete_fields = ["person", "substitute", "meeting"]
    readonly_fields = ["reported_at", "reported_by", "substitute_confirmed_at", "substitute_notified_at"]
    list_select_related = ["person__party", "meeting__committee", "substitute__party"]
    actions = ["call_in_proposed_substitute"]

    @admin.display(description=_("proposed ersättare"))
    def proposed_substitute(self, obj):
        if obj.substitute_id:
            return "–"
        return substitute_propose(meeting=obj.meeting, absent_person=obj.person) or "–"

    @admin.action(description=_("Call in the proposed ersättare"))
    def call_in_proposed_substitute(self, request, queryset):
        for notice in queryset.select_related("person", "meeting"):
            if notice.substitute_id:
                continue
            try:
                notice = substitute_confirm(notice=notice, by=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("%(substitute)s is called in for %(person)s.")
                    % {"substitute": notice.substitute.display_name, "person": notice.person.display_name},
                    messages.SUCCESS,
                )


class RecordedThroughServicesMixin:
    """Jäv, votes and reservations are recorded on the secretary's page for each §
    (attendance/views.py), whose services check who serves and who may vote or reserve;
    the admin shows them read-only so those rules cannot be bypassed."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Disqualification)
class DisqualificationAdmin(RecordedThroughServicesMixin, LockedWithMeetingMixin, ScopedHistoryAdmin):
    meeting_path = "paragraph__meeting"
    list_display = ["person", "paragraph", "substitute", "reason"]
    list_filter = ["paragraph__meeting__committee"]
    search_fields = ["person__first_name", "person__last_name", "paragraph__title"]
    autocomplete_fields = ["person", "substitute"]
    raw_id_fields = ["paragraph"]


class BallotInline(RecordedThroughServicesMixin, ScopedTabularInline):
    model = Ballot
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Vote)
class VoteAdmin(RecordedThroughServicesMixin, LockedWithMeetingMixin, ScopedHistoryAdmin):
    meeting_path = "paragraph__meeting"
    list_display = ["paragraph", "kind", "is_election", "result", "casting_vote_used"]
    list_filter = ["kind", "is_election", "paragraph__meeting__committee"]
    search_fields = ["paragraph__title", "proposition_yes", "proposition_no"]
    raw_id_fields = ["paragraph"]
    inlines = [BallotInline]


@admin.register(Reservation)
class ReservationAdmin(RecordedThroughServicesMixin, LockedWithMeetingMixin, ScopedHistoryAdmin):
    meeting_path = "paragraph__meeting"
    list_display = ["person", "paragraph", "submitted_at"]
    list_filter = ["paragraph__meeting__committee"]
    search_fields = ["person__first_name", "person__last_name", "paragraph__title", "text"]
    autocomplete_fields = ["person"]
    raw_id_fields = ["paragraph"]
