"""The laga kraft tab of a meeting (/sekretariat/sammantraden/<pk>/laga-kraft/): each § of the
posted protokoll with its state and last appeal day, the register of överklaganden of its §§;
register an appeal and record how the court decided it. The rules are in
meetings/lagakraft/rules.py; this view only reads forms and calls them.

Every view is wrapped by a guard of workspace/access.py; every id in a POST is looked up within
the meeting, so no other meeting's § or appeal can be reached.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meetings.lagakraft.rules import appeal_register, laga_kraft_for_paragraphs, protokoll_anslag
from meetings.models import Appeal, Meeting

from ..access import meeting_view
from .meeting import meeting_context


class AppealRegisterForm(forms.Form):
    paragraph = forms.TypedChoiceField(label=gettext_lazy("Paragraph"), coerce=int)
    appellant = forms.CharField(label=gettext_lazy("Appellant"), max_length=300)
    received_on = forms.DateField(
        label=gettext_lazy("Received by the court"), widget=forms.DateInput(attrs={"type": "date"})
    )
    court = forms.CharField(
        label=gettext_lazy("Court"), max_length=200, initial="Förvaltningsrätten i Jönköping"
    )
    court_case_number = forms.CharField(
        label=gettext_lazy("Court case number"), max_length=100, required=False
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paragraph"].choices = [
            (p.pk, f"{p.label} {p.title}") for p in meeting.paragraphs.order_by("order", "number")
        ]


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=Appeal.Outcome.choices)
    decided_on = forms.DateField(
        label=gettext_lazy("Decided"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    final_on = forms.DateField(
        label=gettext_lazy("Final on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _page_context(request, meeting: Meeting, register_form=None, decision_errors=None) -> dict:
    paragraphs = list(meeting.paragraphs.order_by("order", "number"))
    states = laga_kraft_for_paragraphs(paragraphs)
    appeals = {}
    for appeal in Appeal.objects.filter(paragraph__meeting=meeting).order_by("received_on", "pk"):
        appeals.setdefault(appeal.paragraph_id, []).append(appeal)
    rows = [
        {
            "paragraph": p,
            "state": states.get(p.pk),
            "appeals": [
                {
                    "appeal": a,
                    "form": AppealDecisionForm(
                        initial={"outcome": a.outcome, "decided_on": a.decided_on, "final_on": a.final_on},
                        auto_id=f"id_appeal_{a.pk}_%s",
                    ),
                    "errors": (decision_errors or {}).get(a.pk, []),
                }
                for a in appeals.get(p.pk, [])
            ],
        }
        for p in paragraphs
    ]
    anslag = protokoll_anslag(paragraphs[0]) if paragraphs else None
    return meeting_context(
        request,
        meeting,
        rows=rows,
        anslag=anslag,
        register_form=register_form or AppealRegisterForm(meeting=meeting),
    )


def _register(request, meeting: Meeting):
    form = AppealRegisterForm(request.POST, meeting=meeting)
    if not form.is_valid():
        return form
    data = form.cleaned_data
    paragraph = get_object_or_404(meeting.paragraphs, pk=data["paragraph"])
    try:
        appeal_register(
            paragraph=paragraph,
            appellant=data["appellant"],
            received_on=data["received_on"],
            court=data["court"],
            court_case_number=data["court_case_number"],
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error.messages)
        return form
    messages.success(
        request, _("The överklagande of %(paragraph)s is registered.") % {"paragraph": paragraph.label}
    )
    return None


def _decide(request, meeting: Meeting) -> list[str]:
    appeal = get_object_or_404(
        Appeal.objects.filter(paragraph__meeting=meeting), pk=request.POST.get("appeal")
    )
    form = AppealDecisionForm(request.POST)
    if not form.is_valid():
        return [f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()]
    appeal.outcome = form.cleaned_data["outcome"]
    appeal.decided_on = form.cleaned_data["decided_on"]
    appeal.final_on = form.cleaned_data["final_on"]
    try:
        appeal.full_clean()
    except ValidationError as error:
        return error.messages
    appeal.save()
    messages.success(
        request, _("The överklagande of %(paragraph)s is updated.") % {"paragraph": appeal.paragraph.label}
    )
    return []


@meeting_view
def laga_kraft(request, meeting):
    """GET: the state of each § and the register. POST (action = register, decide)."""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "register":
            form = _register(request, meeting)
            if form is not None:
                return render(
                    request,
                    "workspace/laga_kraft.html",
                    _page_context(request, meeting, register_form=form),
                    status=400,
                )
        elif action == "decide":
            errors = _decide(request, meeting)
            if errors:
                appeal_pk = int(request.POST["appeal"])
                context = _page_context(request, meeting, decision_errors={appeal_pk: errors})
                return render(request, "workspace/laga_kraft.html", context, status=400)
        else:
            messages.error(request, _("Unknown action."))
        return redirect("workspace:laga_kraft", pk=meeting.pk)
    return render(request, "workspace/laga_kraft.html", _page_context(request, meeting))


urlpatterns = [
    path("sammantraden/<int:pk>/laga-kraft/", laga_kraft, name="laga_kraft"),
]
