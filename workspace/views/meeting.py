"""One meeting's page in the workspace: where it stands and the next step as a button."""

from django.shortcuts import render

from ..access import meeting_view
from .tabs import meeting_tabs


def meeting_context(request, meeting, **extra) -> dict:
    """What every page of a meeting shows: the meeting, its tabs."""
    return {"meeting": meeting, "tabs": meeting_tabs(request, meeting), **extra}


@meeting_view
def overview(request, meeting):
    return render(request, "workspace/meeting.html", meeting_context(request, meeting))
