"""One calendar event per meeting (RFC 5545), for the public calendars and the kallelse
invitation alike: `meeting_event()` is the one place that decides DTSTART/DTEND, DTSTAMP,
LAST-MODIFIED, SEQUENCE and STATUS.

- DTEND is the meeting's end, else its start plus the committee's usual length
  (`Committee.default_meeting_minutes`, 180 minutes unless set).
- DTSTAMP and LAST-MODIFIED are the meeting's last change (not the download time): the latest
  of its recorded saves (the audit history), its status changes and its justering.
- SEQUENCE is `Meeting.version` unless the caller gives one (the kallelse counts dispatches):
  it goes up with every status change and every change of time or place.
- STATUS is CANCELLED for a cancelled meeting, CONFIRMED otherwise.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import icalendar
from django.conf import settings
from django.db.models import DateTimeField, F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from .models import Meeting, MeetingTransition

PRODID = "-//Paragraf//Nämndadministration//SV"


def meeting_end(meeting: Meeting) -> datetime:
    """The meeting's end, or its start plus the committee's usual length."""
    if meeting.end:
        return meeting.end
    return meeting.start + timedelta(minutes=meeting.committee.default_meeting_minutes)


def _history_model():
    return Meeting.history.model  # registered by the audit app (django-simple-history)


def meetings_with_last_change(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Annotate what `meeting_last_change` reads: the meeting's last recorded save, status
    change and justering (in the one query of the list, for any number of meetings)."""
    history = (
        _history_model()
        .objects.filter(id=OuterRef("pk"))
        .order_by("-history_date")
        .values("history_date")[:1]
    )
    transition = MeetingTransition.objects.filter(meeting=OuterRef("pk")).order_by("-at").values("at")[:1]
    saved = Subquery(history, output_field=DateTimeField())
    moved = Subquery(transition, output_field=DateTimeField())
    return meetings.annotate(last_saved=saved, last_moved=moved, last_justerat=F("justering__completed_at"))


def meeting_last_change(meeting: Meeting) -> datetime:
    """When the meeting last changed: from the annotations of `meetings_with_last_change` when
    present, else looked up. Never empty (the start, or now if earlier, as a last resort)."""
    if not hasattr(meeting, "last_saved"):
        meeting = meetings_with_last_change(Meeting.objects.filter(pk=meeting.pk)).get()
    known = [value for value in (meeting.last_saved, meeting.last_moved, meeting.last_justerat) if value]
    return max(known) if known else min(meeting.start, timezone.now())


def meeting_event(
    *,
    meeting: Meeting,
    uid: str,
    summary: str,
    description: str,
    url: str = "",
    sequence: int | None = None,
) -> icalendar.Event:
    """The VEVENT of a meeting, in Europe/Stockholm time. The caller adds what is its own
    (ORGANIZER and ATTENDEE in the kallelse) and the VTIMEZONE (`calendar_add_timezones`)."""
    changed = meeting_last_change(meeting)
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    event.add("dtstart", timezone.localtime(meeting.start))
    event.add("dtend", timezone.localtime(meeting_end(meeting)))
    event.add("summary", summary)
    if meeting.location:
        event.add("location", meeting.location)
    if url:
        event.add("url", url)
    event.add("description", description)
    event.add("status", "CANCELLED" if meeting.status == Meeting.Status.CANCELLED else "CONFIRMED")
    event.add("sequence", meeting.version if sequence is None else sequence)
    return event


def calendar_new(*, method: str = "", name: str = "") -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
    return calendar


def calendar_add_timezones(calendar: icalendar.Calendar, days: list) -> None:
    """The time zone's rules for the year around the meetings only: enough for any client."""
    if days:
        calendar.add_missing_timezones(
            first_date=min(days) - timedelta(days=366), last_date=max(days) + timedelta(days=366)
        )
