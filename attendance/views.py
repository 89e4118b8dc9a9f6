"""The secretary's närvaro page: record who is present, who serves for whom, arrivals and
departures, and see beslutförhet per paragraph. Only for the committee's secretaries."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from attendance.forms import (
    AttendanceReportForm,
    AttendanceRowForm,
    DisqualificationForm,
    ReservationForm,
    VoteForm,
    paragraph_decision_record,
)
from attendance.models import Attendance
from attendance.services import (
    attendance_history,
    attendance_record,
    attendance_report,
    attendance_report_csv,
    attendance_report_xlsx,
    meeting_summoned_people,
    quorum_for_paragraph,
    serving_members,
)
from attendance.services.participation import committee_seats, meeting_quorum
from attendance.services.substitutes import meeting_date
from committees.models import Person
from committees.visibility import secretary_meetings
from config.downloads import file_response
from meetings.models import Meeting


def _secretary_meeting(request: HttpRequest, pk: int) -> Meeting:
    """The meeting, when the user is staff and secretary of its committee; 404 otherwise
    (committees.visibility.members.secretary_meetings)."""
    return get_object_or_404(secretary_meetings(request.user).select_related("committee", "chair"), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def attendance_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """Närvaro per meeting: one form per kallad person, saved row by row; quorum per §."""
    meeting = _secretary_meeting(request, pk)
    rows = meeting_summoned_people(meeting=meeting)
    paragraphs = meeting.paragraphs.order_by("order", "number")
    member_ids = (
        meeting.committee.assignments.current(meeting_date(meeting))
        .members()
        .values_list("person_id", flat=True)
    )
    members = Person.objects.filter(pk__in=member_ids).select_related("party").order_by("last_name")
    posted_id = request.POST.get("person") if request.method == "POST" else None
    status = 200
    for row in rows:
        kwargs = {
            "prefix": f"p{row.person.pk}",
            "paragraphs": paragraphs,
            "members": members,
            "is_substitute": row.capacity == Attendance.Capacity.SUBSTITUTE,
        }
        if posted_id == str(row.person.pk):
            row.form = AttendanceRowForm(request.POST, **kwargs)
            if row.form.is_valid() and _save(request, meeting, row):
                url = reverse("attendance:sheet", args=[meeting.pk])
                return redirect(f"{url}#person-{row.person.pk}")
            status = 400
        else:
            row.form = AttendanceRowForm(initial=AttendanceRowForm.initial_for(row.attendance), **kwargs)
    if posted_id and status == 200:
        messages.error(request, _("That person is not on the attendance list of this meeting."))
        status = 400
    quorum = meeting_quorum(meeting=meeting)
    return render(
        request,
        "attendance/sheet.html",
        {
            "meeting": meeting,
            "rows": rows,
            "quorum": quorum,
            "seats": committee_seats(meeting),
            "without_quorum": [p for p, result in quorum if not result.ok],
            "locked": meeting.is_locked,
            "posted_id": posted_id,
        },
        status=status,
    )


def _save(request: HttpRequest, meeting: Meeting, row) -> bool:
    data = row.form.cleaned_data
    try:
        attendance_record(
            meeting=meeting,
            person=row.person,
            present=data["status"] == Attendance.Status.PRESENT,
            capacity=row.attendance.capacity if row.attendance else row.capacity,
            replaces=data.get("replaces"),
            from_paragraph=data["from_paragraph"],
            to_paragraph=data["to_paragraph"],
            arrived_at=data["arrived_at"],
            left_at=data["left_at"],
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                row.form.add_error(field if field in row.form.fields else None, errors)
        else:
            row.form.add_error(None, error)
        return False
    messages.success(request, _("Närvaro saved for %(person)s.") % {"person": row.person.display_name})
    return True


@login_required
def my_attendance(request: HttpRequest) -> HttpResponse:
    """The signed-in member's own attendance history."""
    person = Person.objects.filter(user=request.user).first()
    rows = attendance_history(person=person) if person else Attendance.objects.none()
    return render(request, "attendance/history.html", {"person": person, "rows": rows})


@login_required
def attendance_report_view(request: HttpRequest) -> HttpResponse:
    """The attendance report per person and period for arvode, for the secretary's committees;
    `format=csv` or `format=xlsx` downloads it."""
    if not request.user.is_staff:
        raise Http404
    meetings = secretary_meetings(request.user)
    people = (
        Person.objects.filter(attendances__meeting__in=meetings)
        .distinct()
        .select_related("party")
        .order_by("last_name", "first_name")
    )
    form = AttendanceReportForm(request.GET or None, people=people)
    report = None
    if form.is_valid():
        data = form.cleaned_data
        report = attendance_report(
            meetings=meetings, date_from=data["date_from"], date_to=data["date_to"], person=data["person"]
        )
        kind = request.GET.get("format")
        if kind in ("csv", "xlsx"):
            name = f"narvaro-{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}.{kind}"
            if kind == "csv":
                body, content_type = attendance_report_csv(report), "text/csv; charset=utf-8"
            else:
                body = attendance_report_xlsx(report)
                content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            return file_response(body, filename=name, content_type=content_type)
    return render(
        request,
        "attendance/report.html",
        {"form": form, "report": report, "query": request.GET.urlencode() if form.is_valid() else ""},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def paragraph_decision(request: HttpRequest, pk: int, paragraph_pk: int) -> HttpResponse:
    """One § as it is decided: who serves in it, jäv, omröstningar and reservationer."""
    meeting = _secretary_meeting(request, pk)
    paragraph = get_object_or_404(meeting.paragraphs, pk=paragraph_pk)
    serving = serving_members(paragraph=paragraph)
    serving_qs = Person.objects.filter(pk__in=[p.pk for p in serving]).select_related("party")
    present_substitutes = Person.objects.filter(
        attendances__meeting=meeting,
        attendances__status=Attendance.Status.PRESENT,
        attendances__capacity=Attendance.Capacity.SUBSTITUTE,
    ).exclude(pk__in=[p.pk for p in serving])
    action = request.POST.get("action") if request.method == "POST" else None
    forms_by_action = {
        "jav": DisqualificationForm(
            request.POST if action == "jav" else None,
            prefix="jav",
            serving=serving_qs,
            substitutes=present_substitutes,
        ),
        "vote": VoteForm(request.POST if action == "vote" else None, prefix="vote", serving=serving),
        "reservation": ReservationForm(
            request.POST if action == "reservation" else None, prefix="res", serving=serving_qs
        ),
    }
    form = forms_by_action.get(action)
    if form is not None and form.is_valid():
        try:
            done = paragraph_decision_record(paragraph, action, form)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, done)
            return redirect(reverse("attendance:paragraph", args=[meeting.pk, paragraph.pk]))
    votes = paragraph.votes.order_by("order", "pk").prefetch_related("ballots__person__party")
    return render(
        request,
        "attendance/paragraph.html",
        {
            "meeting": meeting,
            "paragraph": paragraph,
            "serving": serving,
            "quorum": quorum_for_paragraph(paragraph=paragraph),
            "disqualifications": paragraph.disqualifications.select_related(
                "person__party", "substitute__party"
            ),
            "votes": votes,
            "reservations": paragraph.reservations.select_related("person__party"),
            "jav_form": forms_by_action["jav"],
            "vote_form": forms_by_action["vote"],
            "reservation_form": forms_by_action["reservation"],
            "locked": meeting.is_locked,
        },
        status=400 if form is not None else 200,
    )
