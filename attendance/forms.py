"""The forms of närvaro and of what is recorded per §: one person's attendance at a meeting
(one form per row), and a jäv, a vote or a reservation (recorded by `paragraph_decision_record`,
which the secretary's pages in attendance/ and workspace/ both call)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from attendance.models import Attendance, Ballot, Vote
from attendance.services import disqualification_record, reservation_record, vote_record


class AttendanceRowForm(forms.Form):
    """Present or absent, serving for whom (ersättare), from/to which § and arrival/departure time."""

    status = forms.ChoiceField(label=_("Närvaro"), choices=Attendance.Status.choices)
    replaces = forms.ModelChoiceField(
        label=_("Serves for"), queryset=None, required=False, empty_label=_("(nobody)")
    )
    from_paragraph = forms.ModelChoiceField(
        label=_("From §"), queryset=None, required=False, empty_label=_("(start)")
    )
    to_paragraph = forms.ModelChoiceField(
        label=_("To §"), queryset=None, required=False, empty_label=_("(end)")
    )
    arrived_at = forms.TimeField(
        label=_("Arrived"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    left_at = forms.TimeField(
        label=_("Left"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def __init__(self, *args, paragraphs, members, is_substitute: bool, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("from_paragraph", "to_paragraph"):
            self.fields[name].queryset = paragraphs
            self.fields[name].label_from_instance = lambda p: f"{p.label} {p.title}"[:80]
        self.fields["replaces"].queryset = members
        self.fields["replaces"].label_from_instance = lambda p: p.display_name
        if not is_substitute:
            del self.fields["replaces"]

    @classmethod
    def initial_for(cls, attendance: Attendance | None) -> dict:
        if attendance is None:
            return {"status": Attendance.Status.ABSENT}
        return {
            "status": attendance.status,
            "replaces": attendance.replaces_id,
            "from_paragraph": attendance.from_paragraph_id,
            "to_paragraph": attendance.to_paragraph_id,
            "arrived_at": attendance.arrived_at,
            "left_at": attendance.left_at,
        }


class AttendanceReportForm(forms.Form):
    """The period and (optionally) the person of the attendance report for arvode."""

    date_from = forms.DateField(label=_("From date"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To date"), widget=forms.DateInput(attrs={"type": "date"}))
    person = forms.ModelChoiceField(
        label=_("Person"), queryset=None, required=False, empty_label=_("(everyone)")
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda p: p.display_name

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise forms.ValidationError(_("The period ends before it starts."), code="period_order")
        return data


def _people_field(label, people, required=True, empty_label="---------"):
    field = forms.ModelChoiceField(label=label, queryset=people, required=required, empty_label=empty_label)
    field.label_from_instance = lambda p: p.display_name
    return field


class DisqualificationForm(forms.Form):
    """Jäv in one §: who leaves it, why, and (optionally) which ersättare serves instead."""

    def __init__(self, *args, serving, substitutes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"] = _people_field(_("Member with jäv"), serving)
        self.fields["reason"] = forms.CharField(label=_("Reason"), required=False, max_length=300)
        self.fields["substitute"] = _people_field(
            _("Ersättare serving instead"), substitutes, required=False, empty_label=_("(by the order)")
        )


class ReservationForm(forms.Form):
    """A reservation against the decision of one §, with the written reason if given."""

    def __init__(self, *args, serving, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"] = _people_field(_("Member who reserves"), serving)
        self.fields["text"] = forms.CharField(
            label=_("Written reservation"), required=False, widget=forms.Textarea(attrs={"rows": 3})
        )


RESULT_CHOICES = [("", "---------"), ("ja", _("proposition A")), ("nej", _("proposition B"))]


class VoteForm(forms.Form):
    """An omröstning: the two propositions, open (a choice per serving member) or closed (counts)."""

    proposition_yes = forms.CharField(label=_("Proposition A (ja)"), max_length=2000)
    proposition_no = forms.CharField(label=_("Proposition B (nej)"), max_length=2000)
    kind = forms.ChoiceField(label=_("Kind"), choices=Vote.Kind.choices)
    is_election = forms.BooleanField(label=_("Election (val): lots decide a tie"), required=False)
    yes_count = forms.IntegerField(label=_("Ja votes (closed vote)"), min_value=0, required=False)
    no_count = forms.IntegerField(label=_("Nej votes (closed vote)"), min_value=0, required=False)
    abstain_count = forms.IntegerField(label=_("Abstentions (closed vote)"), min_value=0, required=False)
    lot_result = forms.ChoiceField(
        label=_("Result of the lot (tied election)"), choices=RESULT_CHOICES, required=False
    )
    casting_vote = forms.ChoiceField(
        label=_("Chair's casting vote (tie, chair without ballot)"), choices=RESULT_CHOICES, required=False
    )

    def __init__(self, *args, serving, **kwargs):
        super().__init__(*args, **kwargs)
        self.serving = list(serving)
        for person in self.serving:
            self.fields[f"ballot_{person.pk}"] = forms.ChoiceField(
                label=person.display_name,
                choices=[("", _("(does not vote)")), *Ballot.Choice.choices],
                required=False,
            )

    def main_fields(self):
        return [field for field in self if not field.name.startswith("ballot_")]

    def ballot_fields(self):
        return [self[f"ballot_{person.pk}"] for person in self.serving]

    def ballots(self) -> dict:
        return {
            person: self.cleaned_data[f"ballot_{person.pk}"]
            for person in self.serving
            if self.cleaned_data.get(f"ballot_{person.pk}")
        }

    def counts(self) -> dict:
        data = self.cleaned_data
        return {"ja": data.get("yes_count"), "nej": data.get("no_count"), "avstar": data.get("abstain_count")}


DECISION_FORMS = {"jav": DisqualificationForm, "vote": VoteForm, "reservation": ReservationForm}


def paragraph_decision_record(paragraph, action: str, form) -> str:
    """Record the jäv, vote or reservation of the valid `form` (its `action` is a key of
    DECISION_FORMS) on the §; returns the message to show. Raises ValidationError as the
    services do (nothing is recorded then)."""
    data = form.cleaned_data
    if action == "jav":
        record = disqualification_record(
            paragraph=paragraph, person=data["person"], reason=data["reason"], substitute=data["substitute"]
        )
        return gettext("Jäv recorded for %(person)s.") % {"person": record.person.display_name}
    if action == "vote":
        is_open = data["kind"] == Vote.Kind.OPEN
        vote_record(
            paragraph=paragraph,
            proposition_yes=data["proposition_yes"],
            proposition_no=data["proposition_no"],
            kind=data["kind"],
            is_election=data["is_election"],
            ballots=form.ballots() if is_open else None,
            counts=None if is_open else form.counts(),
            lot_result=data["lot_result"] or None,
            casting_vote=data["casting_vote"] or None,
        )
        return gettext("The vote is recorded.")
    if action == "reservation":
        record = reservation_record(paragraph=paragraph, person=data["person"], text=data["text"])
        return gettext("Reservation recorded for %(person)s.") % {"person": record.person.display_name}
    raise ValueError(f"Unknown decision action: {action}")
