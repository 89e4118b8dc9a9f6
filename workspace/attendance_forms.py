"""The forms of the workspace's attendance pages: one row form per kallad person (all rows in
one HTML form, one save), adding a person from the grid, and the member list upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from attendance.models import Attendance
from attendance.services.register import ADD_ROLES
from committees.models import Party

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class GridRowForm(forms.Form):
    """One row of the attendance grid. The labels are the column names; the template gives each
    input a visually hidden label naming the column and the person."""

    present = forms.BooleanField(label=_("Present"), required=False)
    serving = forms.BooleanField(label=_("Tjänstgör"), required=False)
    replaces = forms.ModelChoiceField(
        label=_("Tjänstgör för"), queryset=None, required=False, empty_label="–"
    )
    from_paragraph = forms.ModelChoiceField(label=_("From §"), queryset=None, required=False, empty_label="–")
    to_paragraph = forms.ModelChoiceField(label=_("To §"), queryset=None, required=False, empty_label="–")
    arrived_at = forms.TimeField(label=_("Arrived"), required=False, widget=TIME)
    left_at = forms.TimeField(label=_("Left"), required=False, widget=TIME)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, row, paragraphs, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.row = row
        self.is_substitute = row.capacity == Attendance.Capacity.SUBSTITUTE
        for name in ("from_paragraph", "to_paragraph"):
            self.fields[name].queryset = paragraphs
            self.fields[name].label_from_instance = lambda p: p.label
        self.fields["replaces"].queryset = members.exclude(pk=row.person.pk)
        self.fields["replaces"].label_from_instance = lambda p: p.display_name
        if not self.is_substitute:
            del self.fields["serving"]
            del self.fields["replaces"]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", f"grid-{name}")

    @staticmethod
    def initial_for(attendance: Attendance | None) -> dict:
        if attendance is None:
            return {"present": False}
        return {
            "present": attendance.status == Attendance.Status.PRESENT,
            "serving": attendance.serving,
            "replaces": attendance.replaces_id,
            "from_paragraph": attendance.from_paragraph_id,
            "to_paragraph": attendance.to_paragraph_id,
            "arrived_at": attendance.arrived_at,
            "left_at": attendance.left_at,
            "note": attendance.note,
        }

    def add_service_error(self, error) -> None:
        """Put a ValidationError of attendance_record on its field (or the row)."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)


class PersonAddForm(forms.Form):
    """Someone missing from the grid: a guest, or a person missing from the register."""

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    party = forms.ModelChoiceField(
        label=_("Party"), queryset=Party.objects.order_by("name"), required=False, empty_label="–"
    )
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        help_text=_("The organisation or municipality the person represents."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=ADD_ROLES)
    present = forms.BooleanField(label=_("Present at this meeting"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "add")
        super().__init__(*args, **kwargs)


class MemberListForm(forms.Form):
    file = forms.FileField(
        label=_("Member list (CSV or XLSX)"),
        help_text=_("The first row names the columns: name, organisation, role, party."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
