"""The workspace's start page: the committees the secretary administers and their meetings,
grouped by what needs doing next."""

from django.shortcuts import render

from committees.visibility import committees_administered, secretary_meetings
from meetings.models import Meeting

from ..access import workspace_view


@workspace_view
def start(request):
    meetings = secretary_meetings(request.user).select_related("committee").order_by("start")
    groups = [
        ("upcoming", meetings.filter(status__in=Meeting.Status.UPCOMING)),
        ("drafting", meetings.filter(status__in=Meeting.Status.DRAFTING)),
        ("justering", meetings.filter(status=Meeting.Status.READY_FOR_JUSTERING)),
        ("done", meetings.filter(status__in=Meeting.Status.JUSTERAT_OR_LATER).order_by("-start")[:10]),
    ]
    return render(
        request,
        "workspace/home.html",
        {"committees": committees_administered(request.user).order_by("name"), "groups": groups},
    )
