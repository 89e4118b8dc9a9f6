"""The workspace's pages for § numbering (issue 14): deleting a draft meeting or a draft protokoll
(later drafts renumber) and a committee's series settings (numbering per year or per meeting, a
year's first number). The rules are in meetings/services/numbering.py and deletion.py; these
views only ask and show. Every view is wrapped by a guard of workspace/access.py."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from committees.models import Committee
from meetings.services.deletion import meeting_delete as meeting_delete_service
from meetings.services.deletion import meeting_delete_refusal, protokoll_delete_draft
from meetings.services.lifecycle import TransitionError
from meetings.services.numbering import (
    committee_series_overview,
    committee_set_numbering,
    meeting_pinned,
    series_set_first_number,
)

from ..access import committee_view, meeting_view
from .meeting import meeting_context


def _refusal(error: TransitionError) -> str:
    return " ".join(error.messages)


@meeting_view
def meeting_delete(request, meeting):
    """GET: what deleting the meeting removes, or why it cannot be deleted. POST: delete it."""
    refusal = meeting_delete_refusal(meeting)
    if request.method == "POST" and not refusal:
        label = f"{meeting.committee.name} {timezone.localtime(meeting.start):%Y-%m-%d}"
        try:
            meeting_delete_service(meeting=meeting, by=request.user)
        except TransitionError as error:
            refusal = _refusal(error)
        else:
            messages.success(
                request,
                _("The meeting %(meeting)s was deleted; later drafts were renumbered.") % {"meeting": label},
            )
            return redirect("workspace:home")
    context = meeting_context(
        request,
        meeting,
        refusal=refusal,
        paragraph_count=meeting.paragraphs.count(),
        item_count=meeting.agenda_items.count(),
    )
    return render(
        request,
        "workspace/numbering/meeting_delete.html",
        context,
        status=409 if refusal and request.method == "POST" else 200,
    )


@meeting_view
def protokoll_delete(request, meeting):
    """GET: confirm deleting the draft protokoll (back to "held"). POST: delete it."""
    refusal = ""
    if meeting.status != meeting.Status.PROTOKOLL_DRAFTED:
        refusal = _('Only a draft protokoll can be deleted; the meeting is "%(status)s".') % {
            "status": meeting.get_status_display()
        }
    else:
        pinned = meeting_pinned(meeting)
        if pinned:
            refusal = _(
                "A later protokoll of the series was sent for justering first, so this draft keeps "
                "exactly %(span)s and cannot be deleted. Reopen the later protokoll first."
            ) % {"span": pinned.span}
    if request.method == "POST" and not refusal:
        try:
            protokoll_delete_draft(meeting=meeting, by=request.user)
        except TransitionError as error:
            refusal = _refusal(error)
        else:
            messages.success(request, _("The draft protokoll was deleted; the meeting is held again."))
            return redirect("workspace:meeting", meeting.pk)
    context = meeting_context(
        request, meeting, refusal=refusal, paragraphs=meeting.paragraphs.order_by("order")
    )
    return render(
        request,
        "workspace/numbering/protokoll_delete.html",
        context,
        status=409 if refusal and request.method == "POST" else 200,
    )


class NumberingForm(forms.Form):
    numbering = forms.ChoiceField(
        label=gettext_lazy("§ numbering"), choices=Committee.Numbering.choices, widget=forms.RadioSelect
    )


class FirstNumberForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1900, max_value=2200)
    first_number = forms.IntegerField(label=gettext_lazy("First § number"), min_value=1, max_value=99999)


@committee_view
def series_settings(request, committee):
    """The committee's § series: numbering per year or per meeting, and a year's first number."""
    this_year = timezone.localdate().year
    numbering_form = NumberingForm(initial={"numbering": committee.paragraph_numbering})
    first_form = FirstNumberForm(initial={"year": this_year, "first_number": 1})
    url = reverse("workspace:numbering", args=[committee.pk])
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "numbering":
            numbering_form = NumberingForm(request.POST)
            if numbering_form.is_valid():
                try:
                    kept = committee_set_numbering(
                        committee=committee, numbering=numbering_form.cleaned_data["numbering"]
                    )
                except TransitionError as error:
                    numbering_form.add_error(None, _refusal(error))
                else:
                    note = _("The numbering was changed; the drafts were renumbered.")
                    if kept:
                        note += " " + _(
                            "%(years)s keep their numbering: a protokoll of theirs was sent for justering."
                        ) % {"years": ", ".join(str(y) for y in kept)}
                    messages.success(request, note)
                    return redirect(url)
        elif action == "first_number":
            first_form = FirstNumberForm(request.POST)
            if first_form.is_valid():
                try:
                    series_set_first_number(committee=committee, **first_form.cleaned_data)
                except TransitionError as error:
                    first_form.add_error(None, _refusal(error))
                else:
                    messages.success(
                        request,
                        _("The %(year)s series starts at § %(number)s.")
                        % {
                            "year": first_form.cleaned_data["year"],
                            "number": first_form.cleaned_data["first_number"],
                        },
                    )
                    return redirect(url)
    committee.refresh_from_db()
    context = {
        "committee": committee,
        "numbering_form": numbering_form,
        "first_form": first_form,
        "years": committee_series_overview(committee, years=[this_year]),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "workspace/numbering/series.html", context, status=status)


urlpatterns = [
    path("sammantraden/<int:pk>/ta-bort/", meeting_delete, name="meeting_delete"),
    path("sammantraden/<int:pk>/protokoll/ta-bort-utkast/", protokoll_delete, name="protokoll_delete_draft"),
    path("namnder/<int:committee_pk>/numrering/", series_settings, name="numbering"),
]
