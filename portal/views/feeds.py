"""ICS calendars of the public meeting calendar, and Atom feeds of protokoll and anslag.

Both read through `portal.published` only. A cancelled meeting is not on the public calendar
(`calendar_meetings()` leaves it out), so it disappears from a subscribed calendar.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from config.downloads import file_response
from portal.published import anslag_all, calendar_meetings, published_committees, published_meetings

# --- ICS calendars -------------------------------------------------------------------------------


def meeting_calendar_uid(meeting) -> str:
    """Stable per meeting, and different from the UID of the members' kallelse invitation, so a
    member who has both sees two calendars, not two writers fighting over one event."""
    host = urlsplit(settings.PARAGRAF_BASE_URL).hostname or "paragraf"
    return f"sammantrade-{meeting.pk}@{host}"


def meetings_ics(*, meetings, name: str, request) -> bytes:
    """An iCalendar file (a published calendar, no METHOD) with one event per meeting, in
    Europe/Stockholm time, each linking to the meeting's public page."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Paragraf//Nämndadministration//SV")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    days = []
    for meeting in meetings:
        start = timezone.localtime(meeting.start)
        days.append(start.date())
        event = icalendar.Event()
        event.add("uid", meeting_calendar_uid(meeting))
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        if meeting.end:
            event.add("dtend", timezone.localtime(meeting.end))
        event.add("summary", f"{meeting.committee.name} sammanträde")
        if meeting.location:
            event.add("location", meeting.location)
        url = request.build_absolute_uri(reverse("portal:meeting", args=[meeting.pk]))
        event.add("url", url)
        event.add("description", url)
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    if days:
        calendar.add_missing_timezones(
            first_date=min(days) - timedelta(days=366), last_date=max(days) + timedelta(days=366)
        )
    return calendar.to_ical()


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    """A calendar file: calendar apps subscribe to it, a browser saves it (config.downloads)."""
    return file_response(content, filename=filename, content_type="text/calendar; charset=utf-8")


@require_safe
def calendar_all(request):
    meetings = calendar_meetings().order_by("start", "pk")
    content = meetings_ics(meetings=meetings, name=_("Meetings"), request=request)
    return _ics_response(content, "kalender.ics")


@require_safe
def calendar_committee(request, slug):
    committee = get_object_or_404(published_committees(), slug=slug)
    meetings = calendar_meetings().filter(committee=committee).order_by("start", "pk")
    return _ics_response(
        meetings_ics(meetings=meetings, name=committee.name, request=request), "kalender.ics"
    )


# --- Atom feeds ----------------------------------------------------------------------------------

FEED_LENGTH = 50


def _local_day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class ProtokollFeed(Feed):
    """Newly justerade protokoll, newest justering first."""

    feed_type = Atom1Feed
    title = gettext_lazy("Protokoll")
    subtitle = gettext_lazy("Justerade protokoll, newest first.")

    def link(self):
        return reverse("portal:protokoll_list")

    def items(self):
        return (
            published_meetings()
            .select_related("justering")
            .order_by("-justering__completed_at", "-pk")[:FEED_LENGTH]
        )

    def item_title(self, meeting):
        return f"Protokoll {meeting.committee.name} {timezone.localtime(meeting.start):%Y-%m-%d}"

    def item_description(self, meeting):
        return _("Protokoll of %(committee)s, meeting of %(date)s, justerat %(justerat)s.") % {
            "committee": meeting.committee.name,
            "date": f"{timezone.localtime(meeting.start):%Y-%m-%d}",
            "justerat": f"{timezone.localtime(meeting.justering.completed_at):%Y-%m-%d}",
        }

    def item_link(self, meeting):
        return reverse("portal:protokoll", args=[meeting.pk])

    def item_pubdate(self, meeting):
        return timezone.localtime(meeting.justering.completed_at)

    def item_updateddate(self, meeting):
        return timezone.localtime(meeting.justering.completed_at)


class AnslagFeed(Feed):
    """Anslag on the digital anslagstavla, newest posted first."""

    feed_type = Atom1Feed
    title = gettext_lazy("Anslagstavla")
    subtitle = gettext_lazy("Anslag on the digital anslagstavla, newest first.")

    def link(self):
        return reverse("portal:anslagstavla")

    def items(self):
        return anslag_all().order_by("-posted_on", "-pk")[:FEED_LENGTH]

    def item_title(self, anslag):
        return anslag.title

    def item_description(self, anslag):
        dates = _("%(committee)s. Posted %(posted)s, to be taken down %(down)s.") % {
            "committee": anslag.committee.name,
            "posted": anslag.posted_on.isoformat(),
            "down": anslag.take_down_on.isoformat(),
        }
        return f"{dates}\n\n{anslag.body}" if anslag.body else dates

    def item_link(self, anslag):
        return reverse("portal:anslag", args=[anslag.pk])

    def item_pubdate(self, anslag):
        return _local_day_start(anslag.posted_on)

    def item_updateddate(self, anslag):
        return _local_day_start(anslag.posted_on)


protokoll_feed = ProtokollFeed()
anslag_feed = AnslagFeed()
