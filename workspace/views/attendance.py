"""The workspace's pages for attendance (issue 14): the närvaro of a whole meeting as one grid
saved at once, adding a person from the grid, and importing a committee's member list.

Every view is wrapped by a guard of workspace/access.py. The rules are in
attendance/services/grid.py (the grid's save, through `attendance_record`) and
attendance/services/register.py (people added and imported)."""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from attendance.models import Attendance
from attendance.services.grid import GridEntry, attendance_grid_rows, attendance_grid_save
from attendance.services.participation import committee_seats, meeting_quorum
from attendance.services.register import (
    ImportRow,
    meeting_person_add,
    member_list_import,
    member_list_plan,
    member_list_read,
    plan_as_records,
)
from attendance.services.substitutes import meeting_date
from committees.models import Person

from ..access import committee_view, meeting_view
from ..attendance_forms import GridRowForm, MemberListForm, PersonAddForm
from .meeting import meeting_context

IMPORT_SALT = "workspace.member-import"

CAPACITY_GROUPS = {
    Attendance.Capacity.MEMBER: gettext_lazy("Ordinarie ledamöter"),
    Attendance.Capacity.SUBSTITUTE: gettext_lazy("Ersättare"),
    Attendance.Capacity.OFFICIAL: gettext_lazy("Tjänstepersoner"),
    Attendance.Capacity.OTHER: gettext_lazy("Other present"),
}


def _grid_forms(meeting, rows, data=None) -> list[GridRowForm]:
    paragraphs = meeting.paragraphs.order_by("order", "number")
    member_ids = (
        meeting.committee.assignments.current(meeting_date(meeting))
        .members()
        .values_list("person_id", flat=True)
    )
    members = Person.objects.filter(pk__in=member_ids).select_related("party").order_by("last_name")
    forms = []
    for row in rows:
        kwargs = {"prefix": f"p{row.person.pk}", "row": row, "paragraphs": paragraphs, "members": members}
        if data is None or f"p{row.person.pk}-row" not in data:
            # A row not on the page that was posted (added meanwhile) is left as it is.
            forms.append(GridRowForm(initial=GridRowForm.initial_for(row.attendance), **kwargs))
        else:
            forms.append(GridRowForm(data, **kwargs))
    return forms


def _grid_page(request, meeting, *, forms, add_form=None, add_open=False, status=200) -> HttpResponse:
    quorum = meeting_quorum(meeting=meeting)
    jav = {
        p.pk: (
            " ".join(str(d.person_id) for d in p.disqualifications.all()),
            " ".join(str(d.substitute_id) for d in p.disqualifications.all() if d.substitute_id),
        )
        for p, _result in quorum
    }
    attendances = [f.row.attendance for f in forms if f.row.attendance]
    present = [a for a in attendances if a.status == Attendance.Status.PRESENT]
    groups: list[tuple[str, list[GridRowForm]]] = []
    for form in forms:
        label = CAPACITY_GROUPS[form.row.capacity]
        if not groups or groups[-1][0] != label:
            groups.append((label, []))
        groups[-1][1].append(form)
    context = meeting_context(
        request,
        meeting,
        forms=forms,
        groups=groups,
        quorum=[(p, result, *jav[p.pk]) for p, result in quorum],
        seats=committee_seats(meeting),
        present_count=len(present),
        serving_count=sum(1 for a in present if a.serving),
        error_forms=[f for f in forms if f.is_bound and f.errors],
        locked=meeting.is_locked,
        add_form=add_form or PersonAddForm(),
        add_open=add_open or add_form is not None,
    )
    return render(request, "workspace/attendance/grid.html", context, status=status)


def _entry(form: GridRowForm) -> GridEntry:
    data = form.cleaned_data
    return GridEntry(
        person=form.row.person,
        capacity=form.row.capacity,
        present=data["present"],
        serving=data.get("serving", False),
        replaces=data.get("replaces"),
        from_paragraph=data["from_paragraph"],
        to_paragraph=data["to_paragraph"],
        arrived_at=data["arrived_at"],
        left_at=data["left_at"],
        note=data["note"],
        existing=form.row.attendance,
    )


@meeting_view
@require_http_methods(["GET", "POST"])
def attendance(request, meeting):
    """Every kallad in one grid: present, tjänstgör (för), från/till §, times, note; one save.

    "Alla närvarande" (action=all_present) marks every row present in the page without saving,
    so the secretary unchecks the absent and saves once."""
    rows = attendance_grid_rows(meeting=meeting)
    if request.method == "GET":
        return _grid_page(request, meeting, forms=_grid_forms(meeting, rows))
    if meeting.is_locked:
        messages.error(
            request, _("The protokoll has been sent for justering; the attendance can no longer be changed.")
        )
        return redirect("workspace:attendance", meeting.pk)
    if request.POST.get("action") == "all_present":
        data = request.POST.copy()
        for row in rows:
            if f"p{row.person.pk}-row" in data:
                data[f"p{row.person.pk}-present"] = "on"
        messages.info(request, _("Everyone is marked present. Uncheck those who were absent, then save."))
        forms = _grid_forms(meeting, rows, data)
        for form in forms:
            if form.is_bound:
                form.is_valid()
        return _grid_page(request, meeting, forms=forms)
    forms = _grid_forms(meeting, rows, request.POST)
    posted = [form for form in forms if form.is_bound]
    valid = [form for form in posted if form.is_valid()]
    try:
        errors = attendance_grid_save(
            meeting=meeting, entries=[_entry(f) for f in valid], commit=len(valid) == len(posted)
        )
    except ValidationError as error:  # frozen since the page was opened
        messages.error(request, " ".join(error.messages))
        return redirect("workspace:attendance", meeting.pk)
    for form in valid:
        if form.row.person.pk in errors:
            form.add_service_error(errors[form.row.person.pk])
    failed = [form for form in posted if form.errors]
    if failed:
        messages.error(
            request,
            ngettext(
                "Nothing was saved: correct the marked row (%(count)d) and save again.",
                "Nothing was saved: correct the marked rows (%(count)d) and save again.",
                len(failed),
            )
            % {"count": len(failed)},
        )
        return _grid_page(request, meeting, forms=forms, status=400)
    present = sum(1 for form in posted if form.cleaned_data["present"])
    messages.success(
        request,
        ngettext(
            "The attendance is saved: %(count)d present.",
            "The attendance is saved: %(count)d present.",
            present,
        )
        % {"count": present},
    )
    return redirect("workspace:attendance", meeting.pk)


@meeting_view
@require_http_methods(["GET", "POST"])
def attendance_add(request, meeting):
    """Add a guest, or a person missing from the register, to the meeting's grid (GET: the grid
    with the form open)."""
    rows = attendance_grid_rows(meeting=meeting)
    if request.method == "GET":
        return _grid_page(request, meeting, forms=_grid_forms(meeting, rows), add_open=True)
    form = PersonAddForm(request.POST)
    if meeting.is_locked:
        messages.error(
            request, _("The protokoll has been sent for justering; the attendance can no longer be changed.")
        )
        return redirect("workspace:attendance", meeting.pk)
    if form.is_valid():
        data = form.cleaned_data
        try:
            person, created = meeting_person_add(
                meeting=meeting,
                first_name=data["first_name"],
                last_name=data["last_name"],
                party=data["party"],
                organisation=data["organisation"],
                role=data["role"],
                present=data["present"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            if created:
                text = _("%(person)s is added to the register and to the attendance.")
            else:
                text = _("%(person)s was already in the register and is added to the attendance.")
            messages.success(request, text % {"person": person.display_name})
            url = reverse("workspace:attendance", args=[meeting.pk])
            return redirect(f"{url}#row-{person.pk}")
    return _grid_page(request, meeting, forms=_grid_forms(meeting, rows), add_form=form, status=400)


@committee_view
@require_http_methods(["GET", "POST"])
def member_import(request, committee):
    """Import the committee's member list (CSV or XLSX): a dry run per row first, then confirm.

    The dry run's rows travel to the confirmation signed (django.core.signing), not as a
    stored file; the confirmation runs the dry run again and imports in one transaction."""
    form = MemberListForm()
    plan, payload, status = None, "", 200
    meeting_pk = request.GET.get("sammantrade") or request.POST.get("sammantrade") or ""
    back = None
    if meeting_pk.isdigit() and committee.meetings.filter(pk=meeting_pk).exists():
        back = reverse("workspace:attendance", args=[int(meeting_pk)])
    if request.method == "POST" and request.POST.get("action") == "confirm":
        try:
            records = signing.loads(request.POST.get("payload", ""), salt=IMPORT_SALT, max_age=3600)
            if records.get("committee") != committee.pk:
                raise signing.BadSignature
        except signing.BadSignature:
            messages.error(request, _("The dry run has expired or was changed; upload the file again."))
            status = 400
        else:
            plan = member_list_import(committee=committee, records=records["rows"])
            counts = _counts(plan)
            messages.success(
                request,
                _(
                    "The member list is imported: %(create)d new people, %(match)d from the register "
                    "got their role, %(exists)d already in the committee, %(reject)d rows skipped."
                )
                % counts,
            )
            return redirect(back or reverse("workspace:member_import", args=[committee.pk]))
    elif request.method == "POST":
        form = MemberListForm(request.POST, request.FILES)
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                records = member_list_read(name=upload.name, data=upload.read())
            except ValidationError as error:
                form.add_error("file", error)
            else:
                plan = member_list_plan(committee=committee, records=records)
                payload = signing.dumps(
                    {"committee": committee.pk, "rows": plan_as_records(plan)},
                    salt=IMPORT_SALT,
                    compress=True,
                )
                status = 200
    return render(
        request,
        "workspace/attendance/import.html",
        {
            "committee": committee,
            "form": form,
            "plan": plan,
            "counts": _counts(plan) if plan else None,
            "payload": payload,
            "sammantrade": meeting_pk if back else "",
            "back": back,
        },
        status=status,
    )


def _counts(plan: list[ImportRow]) -> dict[str, int]:
    counts = {ImportRow.CREATE: 0, ImportRow.MATCH: 0, ImportRow.EXISTS: 0, ImportRow.REJECT: 0}
    for row in plan:
        counts[row.outcome] += 1
    return counts


urlpatterns = [
    path("sammantraden/<int:pk>/narvaro/", attendance, name="attendance"),
    path("sammantraden/<int:pk>/narvaro/lagg-till/", attendance_add, name="attendance_add"),
    path("namnder/<int:committee_pk>/importera-ledamoter/", member_import, name="member_import"),
]
