"""One meeting's page in the workspace: where it stands and the next step as a button; the
step itself (a POST), and a committee's page for creating a meeting.

The steps come from `meetings.services.steps.meeting_next_steps`, and a POST runs one through
`meeting_run_step`, so the buttons shown and the rules enforced are the same list. A refusal is
shown as a message on the overview; nothing changes."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from attendance.models import Attendance
from committees.models import Assignment, Person
from meetings.models import Justering, Meeting
from meetings.services.steps import (
    STAGE_TAB,
    meeting_create,
    meeting_next_steps,
    meeting_run_step,
    meeting_stage_hint,
)

from ..access import committee_view, meeting_view
from .tabs import meeting_tabs


def meeting_context(request, meeting, **extra) -> dict:
    """What every page of a meeting shows: the meeting, its tabs."""
    return {"meeting": meeting, "tabs": meeting_tabs(request, meeting), **extra}


def _url_or_none(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _facts(meeting: Meeting) -> dict:
    attendances = Attendance.objects.filter(meeting=meeting)
    justering = Justering.objects.filter(meeting=meeting).first()
    signers = list(justering.signatures.select_related("person").order_by("order")) if justering else []
    return {
        "agenda_items": meeting.agenda_items.count(),
        "paragraphs": meeting.paragraphs.count(),
        "attendance_recorded": attendances.count(),
        "attendance_present": attendances.filter(status=Attendance.Status.PRESENT).count(),
        "signers": signers,
        "dispatches": meeting.dispatches.count(),
    }


@meeting_view
def overview(request, meeting):
    steps = meeting_next_steps(meeting)
    stage_tab = STAGE_TAB.get(meeting.status)
    context = meeting_context(
        request,
        meeting,
        primary_steps=[s for s in steps if s.primary],
        other_steps=[s for s in steps if not s.primary],
        hint=meeting_stage_hint(meeting),
        stage_url=_url_or_none(stage_tab, meeting.pk) if stage_tab else None,
        facts=_facts(meeting),
        delete_url=(
            _url_or_none("workspace:meeting_delete", meeting.pk)
            if meeting.status in Meeting.Status.UPCOMING + Meeting.Status.DRAFTING
            else None
        ),
        delete_draft_url=(
            _url_or_none("workspace:protokoll_delete_draft", meeting.pk)
            if meeting.status == Meeting.Status.PROTOKOLL_DRAFTED
            else None
        ),
        transitions=meeting.transitions.select_related("by").order_by("-at", "-pk")[:8],
    )
    return render(request, "workspace/meeting.html", context)


@meeting_view
@require_POST
def step(request, meeting):
    """Run one step of the meeting's life (the POST of a button on the overview)."""
    key = request.POST.get("step", "")
    try:
        report = meeting_run_step(
            meeting=meeting, key=key, by=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        for level, text in report:
            messages.add_message(request, level, text)
    return redirect("workspace:meeting", meeting.pk)


# --- Creating a meeting ---------------------------------------------------------------------------


class MeetingCreateForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=gettext_lazy("Starts"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(
        label=gettext_lazy("Ends"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    location = forms.CharField(label=gettext_lazy("Place"), max_length=300, required=False)
    secretary = forms.ModelChoiceField(
        label=gettext_lazy("Secretary"), queryset=Person.objects.none(), required=False
    )
    chair = forms.ModelChoiceField(
        label=gettext_lazy("Chair of the meeting"), queryset=Person.objects.none(), required=False
    )
    held_afterwards = forms.BooleanField(
        label=gettext_lazy("Register afterwards (the meeting has already been held)"),
        required=False,
        help_text=gettext_lazy("The meeting goes straight to held, ready for attendance and the protokoll."),
    )

    def __init__(self, *args, committee, user, **kwargs):
        super().__init__(*args, **kwargs)
        current = committee.assignments.current()
        people = Person.objects.filter(assignments__in=current).distinct().order_by("last_name", "first_name")
        # The secretary may be the one entering the meeting, with or without an uppdrag.
        self.fields["secretary"].queryset = (
            Person.objects.filter(Q(assignments__in=current) | Q(user=user))
            .distinct()
            .order_by("last_name", "first_name")
        )
        self.fields["chair"].queryset = people.filter(
            assignments__in=current.filter(role__in=Assignment.MEMBER_ROLES)
        ).distinct()
        self.fields["chair"].label_from_instance = lambda p: p.full_name
        self.fields["secretary"].label_from_instance = lambda p: p.full_name

    def clean(self):
        data = super().clean()
        tz = timezone.get_current_timezone()
        if data.get("date") and data.get("start_time"):
            data["start"] = timezone.make_aware(
                timezone.datetime.combine(data["date"], data["start_time"]), tz
            )
            data["end"] = (
                timezone.make_aware(timezone.datetime.combine(data["date"], data["end_time"]), tz)
                if data.get("end_time")
                else None
            )
        return data


@committee_view
def create(request, committee):
    """A new meeting of the committee (or one already held, registered afterwards)."""
    initial = {}
    own = Person.objects.filter(user=request.user).first()
    if own is not None:
        initial["secretary"] = own.pk
    chairs = committee.assignments.current().filter(role=Assignment.Role.CHAIR)
    if chairs:
        initial["chair"] = chairs[0].person_id
    form = MeetingCreateForm(request.POST or None, committee=committee, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = meeting_create(
                committee=committee,
                start=data["start"],
                end=data["end"],
                location=data["location"],
                secretary=data["secretary"],
                chair=data["chair"],
                held_afterwards=data["held_afterwards"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if data["held_afterwards"]:
                messages.success(request, _("The meeting is registered as held."))
            else:
                messages.success(request, _("The meeting is planned."))
            return redirect("workspace:meeting", meeting.pk)
    return render(request, "workspace/meeting_create.html", {"committee": committee, "form": form})


urlpatterns = [
    path("sammantraden/<int:pk>/steg/", step, name="meeting_step"),
    path("namnder/<int:committee_pk>/nytt-sammantrade/", create, name="meeting_create"),
]
