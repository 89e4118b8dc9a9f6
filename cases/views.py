"""The registers officials keep: remisser, motioner, a case's whole life, and their exports.

Every view needs a login and an official (staff, or secretary/tjänsteperson of a committee);
rows are limited to the committees the user keeps registers for, confidential cases to the
officials of the owning committee (others get 404): committees.visibility.officials.
"""

from functools import wraps

import django_filters
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import Committee
from committees.visibility import (
    case_confidential_visible_to,
    cases_visible_to,
    committees_for_official,
    user_is_official,
)
from config.downloads import file_response

from .exports import REGISTERS, register_export_csv, register_export_xlsx
from .models import DelegatedDecision, Motion, Remiss
from .selectors import case_history
from .services import motions_unanswered, remiss_deadline_state, remisser_register

EXPORTS = [
    ("remisser", _("Remisser")),
    ("delegationsbeslut", _("Delegationsbeslut")),
    ("motioner", _("Motions")),
    ("arenden", _("Cases")),
]


def _render(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    return render(request, template, {**context, "export_registers": EXPORTS})


def official_required(view):
    """Login, then officials only (403 for anyone else)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not user_is_official(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


class RemissFilter(django_filters.FilterSet):
    committee = django_filters.ModelChoiceFilter(queryset=Committee.objects.none(), label=_("Committee"))
    status = django_filters.ChoiceFilter(choices=Remiss.Status.choices, label=_("Status"))

    class Meta:
        model = Remiss
        fields = ["committee", "status"]

    def __init__(self, *args, committees=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["committee"].queryset = committees


@official_required
def remisser(request: HttpRequest) -> HttpResponse:
    committees = committees_for_official(request.user)
    filterset = RemissFilter(
        request.GET, queryset=remisser_register(committees=committees), committees=committees
    )
    today = timezone.localdate()
    rows = [
        {
            "remiss": remiss,
            "state": remiss_deadline_state(remiss, today),
            "days_left": (remiss.answer_by - today).days if remiss.answer_by else None,
            "overdue_days": (today - remiss.answer_by).days if remiss.answer_by else None,
        }
        for remiss in filterset.qs
    ]
    return render(
        request, "cases/register/remisser.html", {"filter": filterset, "rows": rows, "today": today}
    )


@official_required
def motioner(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    motions = motions_unanswered(committees=committees_for_official(request.user))
    rows = [
        {"motion": motion, "days_left": (motion.answer_by - today).days if motion.answer_by else None}
        for motion in motions
    ]
    return _render(request, "cases/register/motioner.html", {"rows": rows, "today": today})


@official_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(cases_visible_to(request.user).select_related("committee"), pk=pk)
    show_confidential = case_confidential_visible_to(request.user, case)
    events = case_history(case=case, show_confidential=show_confidential)
    return _render(request, "cases/register/case_detail.html", {"case": case, "events": events})


def _export_rows(request: HttpRequest, name: str):
    committees = committees_for_official(request.user)
    if name == "remisser":
        return remisser_register(committees=committees)
    if name == "delegationsbeslut":
        return DelegatedDecision.objects.filter(point__committee__in=committees).order_by("decided_on", "id")
    if name == "motioner":
        return Motion.objects.filter(preparing_committee__in=committees).prefetch_related("submitters")
    return cases_visible_to(request.user).filter(committee__in=committees)


@official_required
def register_export(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    register = REGISTERS.get(name)
    if register is None or fmt not in {"csv", "xlsx"}:
        raise Http404
    rows = _export_rows(request, name).select_related(*register.select_related)
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        body, content_type = register_export_csv(register=register, rows=rows), "text/csv; charset=utf-8"
    else:
        body = register_export_xlsx(register=register, rows=rows)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return file_response(body, filename=f"{register.name}-{stamp}.{fmt}", content_type=content_type)
