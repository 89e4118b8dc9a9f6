"""The register of överklaganden in the admin: the secretary registers an appeal of a § of a
posted protokoll (linked to its anslag by the service) and records how the court decided it; the
list shows each §'s laga kraft state (meetings/lagakraft/rules.py)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from committees.scoping import ScopedHistoryAdmin
from meetings.lagakraft.rules import paragraph_laga_kraft, protokoll_anslag
from meetings.models import Appeal

NOT_POSTED = _(
    "The protokoll of this paragraph has no anslag yet: it cannot be appealed before it is posted."
)


class AppealForm(forms.ModelForm):
    """The anslag is the paragraph's protokoll's: set here, never chosen."""

    class Meta:
        model = Appeal
        fields = [
            "paragraph",
            "appellant",
            "received_on",
            "court",
            "court_case_number",
            "outcome",
            "decided_on",
            "final_on",
            "note",
        ]

    def clean(self):
        data = super().clean()
        paragraph = data.get("paragraph") or (self.instance.paragraph if self.instance.paragraph_id else None)
        if paragraph is not None:
            anslag = protokoll_anslag(paragraph)
            if anslag is None:
                raise ValidationError(NOT_POSTED, code="not_posted")
            self.instance.anslag = anslag
        return data


@admin.register(Appeal)
class AppealAdmin(ScopedHistoryAdmin):
    form = AppealForm
    list_display = [
        "paragraph",
        "meeting",
        "appellant",
        "received_on",
        "court",
        "court_case_number",
        "outcome",
        "state",
    ]
    list_filter = ["outcome", "paragraph__meeting__committee", "anslag"]
    search_fields = ["appellant", "court", "court_case_number", "paragraph__title"]
    autocomplete_fields = ["paragraph"]
    list_select_related = ["paragraph__meeting__committee", "anslag"]
    date_hierarchy = "received_on"

    def get_readonly_fields(self, request, obj=None):
        # Once registered, an appeal stays with its §: register another for another §.
        return ["paragraph", "anslag", "state"] if obj is not None else []

    def get_fields(self, request, obj=None):
        fields = list(AppealForm._meta.fields)
        return [*fields[:1], "anslag", *fields[1:], "state"] if obj is not None else fields

    @admin.display(description=_("meeting"))
    def meeting(self, obj):
        return obj.paragraph.meeting

    @admin.display(description=_("laga kraft"))
    def state(self, obj):
        state = paragraph_laga_kraft(obj.paragraph)
        if state is None:
            return "—"
        return f"{state.label} ({_('last day to appeal')} {state.appeal_ends_on.isoformat()})"

    def has_delete_permission(self, request, obj=None):
        # The register is a record: an appeal registered by mistake is corrected, not deleted.
        return False
