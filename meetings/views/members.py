"""The members' pages: their meetings ("Mina sammanträden"), each meeting's agenda and
handlingar, the kallelse, and förhinder.

Every page needs a login. What a member may see is answered by committees.visibility (members):
the meetings of the committees where they have a current assignment; anything else answers
404, as if it did not exist. Files are streamed by views that check this per file, never
through MEDIA_URL.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from attendance.models import AbsenceNotice
from attendance.services import absence_report, absence_withdraw
from committees.models import Person
from committees.visibility import agenda_visible, documents_visible_to, meetings_visible_to, member_committees
from config.downloads import file_response

from ..justering.document import signatures_awaiting
from ..justering.utdrag import immediate_justeringar_awaiting
from ..kallelse.dispatch import agenda_sections
from ..kallelse.document import kallelse_get_or_render
from ..models import AgendaItemDocument, Meeting
from .justering import protokoll_summary

PAST_MEETINGS_SHOWN = 20


def _person(request: HttpRequest) -> Person | None:
    try:
        return request.user.person
    except Person.DoesNotExist:
        return None


def _member_meetings(request: HttpRequest):
    return meetings_visible_to(request.user).select_related("committee")


def _member_meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(_member_meetings(request).select_related("secretary"), pk=pk)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """ "Mina sammanträden": the coming and the recent meetings of the user's committees."""
    person = _person(request)
    now = timezone.now()
    meetings = _member_meetings(request) if person else Meeting.objects.none()
    upcoming = list(meetings.filter(start__gte=now).order_by("start"))
    past = list(meetings.filter(start__lt=now).order_by("-start")[:PAST_MEETINGS_SHOWN])
    absent = set(
        AbsenceNotice.objects.filter(person=person, meeting__in=[m.pk for m in upcoming]).values_list(
            "meeting_id", flat=True
        )
        if person
        else []
    )
    for meeting in upcoming:
        meeting.has_absence = meeting.pk in absent
    return render(
        request,
        "meetings/member/home.html",
        {
            "person": person,
            "committees": member_committees(request.user).order_by("name") if person else [],
            "upcoming": upcoming,
            "past": past,
            "to_sign": signatures_awaiting(user=request.user),
            "immediate_to_sign": immediate_justeringar_awaiting(user=request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One meeting: time, place, status, the kallelse, the agenda with its handlingar, förhinder."""
    meeting = _member_meeting(request, pk)
    person = _person(request)
    shown = agenda_visible(meeting)
    sections = []
    if shown:
        sections = agenda_sections(meeting=meeting)
        attachments = Prefetch(
            "attachments",
            queryset=AgendaItemDocument.objects.select_related("document").order_by("order", "id"),
        )
        items = [item for section in sections for _number, item in section.items]
        prefetch_related_objects(items, attachments)
    notice = AbsenceNotice.objects.filter(meeting=meeting, person=person).first() if person else None
    can_report_absence = bool(
        person and meeting.start > timezone.now() and meeting.status in Meeting.Status.UPCOMING
    )
    return render(
        request,
        "meetings/member/meeting.html",
        {
            "meeting": meeting,
            "start": timezone.localtime(meeting.start),
            "end": timezone.localtime(meeting.end) if meeting.end else None,
            "agenda_visible": shown,
            "sections": sections,
            "kallelse_available": shown,
            "notice": notice,
            "can_report_absence": can_report_absence,
            "person": person,
            "protokoll": protokoll_summary(request, meeting),
        },
    )


@login_required
def kallelse_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The members' kallelse PDF (all items, also the confidential ones), shown inline."""
    meeting = _member_meeting(request, pk)
    if not agenda_visible(meeting):
        raise Http404
    rendered = kallelse_get_or_render(meeting=meeting, public=False)
    local = timezone.localtime(meeting.start)
    filename = f"kallelse-{meeting.committee.short_name}-{local:%Y-%m-%d}.pdf"
    return file_response(rendered.file.open("rb"), content_type="application/pdf", filename=filename)


@login_required
def document_download(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    """One handling of the meeting's agenda; 404 unless it is attached to an item of this meeting
    and the meeting is one of the member's own (committees.visibility.documents_visible_to)."""
    meeting = _member_meeting(request, pk)
    document = get_object_or_404(documents_visible_to(request.user, meeting), pk=document_pk)
    if document.file:
        stored, content_type = document.file, document.content_type
    elif document.source_file:
        stored, content_type = document.source_file, ""
    else:
        raise Http404
    name = PurePath(stored.name).name
    if document.original_name:
        # The name the user knows, with the extension of what is served (a converted PDF).
        name = PurePath(document.original_name).stem + PurePath(stored.name).suffix
    content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        handle = stored.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    return file_response(handle, content_type=content_type, filename=name)


@login_required
@require_POST
def absence(request: HttpRequest, pk: int) -> HttpResponse:
    """Report or withdraw förhinder for a coming meeting (POST, from the meeting page)."""
    meeting = _member_meeting(request, pk)
    person = _person(request)
    if person is None:
        raise Http404
    try:
        if request.POST.get("action") == "withdraw":
            if absence_withdraw(meeting=meeting, person=person, withdrawn_by=request.user):
                messages.success(request, _("Your förhinder is withdrawn. The secretary has been told."))
        else:
            absence_report(
                meeting=meeting,
                person=person,
                reason=request.POST.get("reason", ""),
                reported_by=request.user,
            )
            messages.success(
                request,
                _("Your förhinder is reported. The secretary has been told and calls in an ersättare."),
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("meetings:meeting", pk=meeting.pk)
