"""ICS calendars of the public meeting calendar, and Atom feeds of protokoll and anslag.

Both read through `portal.published` only.

Calendars (RFC 5545): one event per meeting built by `meetings.ical.meeting_event` (the same
builder as the kallelse invitation), with DTEND, DTSTAMP and LAST-MODIFIED at the meeting's
last change and SEQUENCE = `Meeting.version`. A cancelled meeting stays on the calendar as
STATUS:CANCELLED for `CANCELLED_KEPT_DAYS` after its date; a past meeting is described by
what happened (protokoll justerat with its link, cancelled, or awaiting its protokoll).

Feeds (RFC 4287): protokoll, anslag, and the hits of any search. The organisation is the
feed's author and each entry's committee its author; ids are permanent absolute URLs under
`PARAGRAF_BASE_URL`; each entry's `updated` is when it last changed, and the feed's `updated`
the latest of them.
"""

from __future__ import annotations

from datetime import datetime, time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import DateTimeField, F, OuterRef, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from config.downloads import file_response
from meetings import ical
from meetings.models import Anslag, Meeting
from portal.published import (
    anslag_all,
    calendar_events,
    published_committees,
    published_meetings,
    published_organisations,
)
from portal.search import search_results

# --- ICS calendars -------------------------------------------------------------------------------


def meeting_calendar_uid(meeting) -> str:
    """Stable per meeting, and different from the UID of the members' kallelse invitation, so a
    member who has both sees two calendars, not two writers fighting over one event."""
    host = urlsplit(settings.PARAGRAF_BASE_URL).hostname or "paragraf"
    return f"sammantrade-{meeting.pk}@{host}"


def _event_description(meeting, *, published: set[int], request) -> tuple[str, str]:
    """(description, url) of a meeting's public event: what happened once it is past."""
    local = timezone.localtime
    if meeting.status == Meeting.Status.CANCELLED:
        url = request.build_absolute_uri(reverse("portal:committee", args=[meeting.committee.slug]))
        return _("The meeting is cancelled."), url
    url = request.build_absolute_uri(reverse("portal:meeting", args=[meeting.pk]))
    if meeting.pk in published:
        text = _("The meeting was held. The protokoll was justerat on %(date)s: %(url)s") % {
            "date": f"{local(meeting.last_justerat):%Y-%m-%d}",
            "url": request.build_absolute_uri(reverse("portal:protokoll", args=[meeting.pk])),
        }
        return text, url
    if ical.meeting_end(meeting) < timezone.now():
        return _("The meeting date has passed; the protokoll is not yet justerat. %(url)s") % {
            "url": url
        }, url
    return _("The meeting's page: %(url)s") % {"url": url}, url


def meetings_ics(*, meetings, name: str, request) -> bytes:
    """An iCalendar file (a published calendar, no METHOD) with one event per meeting, in
    Europe/Stockholm time, each linking to the meeting's public page (its protokoll once
    justerat, the committee's page once cancelled)."""
    calendar = ical.calendar_new(name=name)
    meetings = list(ical.meetings_with_last_change(meetings))
    published = set(published_meetings().filter(pk__in=[m.pk for m in meetings]).values_list("pk", flat=True))
    for meeting in meetings:
        description, url = _event_description(meeting, published=published, request=request)
        event = ical.meeting_event(
            meeting=meeting,
            uid=meeting_calendar_uid(meeting),
            summary=f"{meeting.committee.name} sammanträde",
            description=description,
            url=url,
        )
        calendar.add_component(event)
    ical.calendar_add_timezones(calendar, [timezone.localtime(m.start).date() for m in meetings])
    return calendar.to_ical()


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    """A calendar file: calendar apps subscribe to it, a browser saves it (config.downloads)."""
    return file_response(content, filename=filename, content_type="text/calendar; charset=utf-8")


@require_safe
def calendar_all(request):
    meetings = calendar_events().order_by("start", "pk")
    content = meetings_ics(meetings=meetings, name=_("Meetings"), request=request)
    return _ics_response(content, "kalender.ics")


@require_safe
def calendar_committee(request, slug):
    committee = get_object_or_404(published_committees(), slug=slug)
    meetings = calendar_events().filter(committee=committee).order_by("start", "pk")
    return _ics_response(
        meetings_ics(meetings=meetings, name=committee.name, request=request), "kalender.ics"
    )


# --- Atom feeds ----------------------------------------------------------------------------------

FEED_LENGTH = 50


def _local_day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def permanent_url(path: str) -> str:
    """An absolute URL under the configured public address: a feed's or an entry's atom:id,
    the same whichever host name a reader used."""
    return settings.PARAGRAF_BASE_URL.rstrip("/") + path


class PublicFeed(Feed):
    """An Atom feed whose author is the organisation and each entry's author its committee."""

    feed_type = Atom1Feed
    feed_path = ""  # the feed's own URL name

    def feed_guid(self):
        return permanent_url(reverse(self.feed_path))

    def author_name(self):
        names = list(published_organisations().order_by("name").values_list("name", flat=True))
        return ", ".join(names) or "Paragraf"

    def _committee(self, item):
        return item.committee

    def item_author_name(self, item):
        return self._committee(item).name

    def item_author_link(self, item):
        return permanent_url(reverse("portal:committee", args=[self._committee(item).slug]))

    def item_guid(self, item):
        return permanent_url(self.item_link(item))


class ProtokollFeed(PublicFeed):
    """Newly justerade protokoll, newest justering first."""

    title = gettext_lazy("Protokoll")
    subtitle = gettext_lazy("Justerade protokoll, newest first.")
    feed_path = "portal:protokoll_feed"

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
        # A justerat protokoll is locked: it changes no more after its justering.
        return timezone.localtime(meeting.justering.completed_at)


class AnslagFeed(PublicFeed):
    """Anslag on the digital anslagstavla, newest posted first. `published` is the day it was
    posted; `updated` the moment it was last saved (its audit history), so two anslag posted
    on the same day still differ."""

    title = gettext_lazy("Anslagstavla")
    subtitle = gettext_lazy("Anslag on the digital anslagstavla, newest first.")
    feed_path = "portal:anslag_feed"

    def link(self):
        return reverse("portal:anslagstavla")

    def items(self):
        history = Anslag.history.model.objects.filter(id=OuterRef("pk")).order_by("-history_date")
        return (
            anslag_all()
            .annotate(last_saved=Subquery(history.values("history_date")[:1], output_field=DateTimeField()))
            .order_by("-posted_on", "-pk")[:FEED_LENGTH]
        )

    def item_title(self, anslag):
        return anslag.title

    def item_description(self, anslag):
        dates = _("%(committee)s. Posted %(posted)s, to be taken down %(down)s.") % {
            "committee": anslag.committee.name,
            "posted": anslag.posted_on.isoformat(),
            "down": anslag.take_down_on.isoformat(),
        }
        text = f"{dates}\n\n{anslag.body}" if anslag.body else dates
        return linebreaks(escape(text))

    def item_link(self, anslag):
        return reverse("portal:anslag", args=[anslag.pk])

    def item_pubdate(self, anslag):
        return _local_day_start(anslag.posted_on)

    def item_updateddate(self, anslag):
        changed = [anslag.last_saved, anslag.taken_down_at]
        return timezone.localtime(max(c for c in changed if c)) if any(changed) else self.item_pubdate(anslag)


protokoll_feed = ProtokollFeed()
anslag_feed = AnslagFeed()


class SearchFeed(PublicFeed):
    """The hits of any search (/sok/flode.atom?q=…&organ=…&fran=…&till=…), newest first: the
    same query and filters as the search page, through the same index (`portal.search`). A
    missing or bad query gives an empty feed."""

    feed_path = "portal:search_feed"

    def get_object(self, request):
        from .search import SearchForm  # the search page's form: the same parameters and checks

        form = SearchForm(request.GET or None)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        query = request.GET.copy()
        query.pop("sida", None)
        return {"data": data, "query": query.urlencode()}

    def title(self, search):
        q = search["data"].get("q")
        return _("Search: %(q)s") % {"q": q} if q else _("Search")

    def subtitle(self, search):
        return _(
            "Published paragraphs, agenda items, handlingar and cases matching the search, newest first."
        )

    def link(self, search):
        path = reverse("portal:search")
        return f"{path}?{search['query']}" if search["query"] else path

    def feed_guid(self, search):
        path = reverse(self.feed_path)
        return permanent_url(f"{path}?{search['query']}" if search["query"] else path)

    def feed_url(self, search):
        return self.feed_guid(search)

    def items(self, search):
        data = search["data"]
        if not data.get("q"):
            return []
        return (
            search_results(
                q=data["q"],
                committee=data.get("organ"),
                date_from=data.get("fran"),
                date_to=data.get("till"),
                ranked=False,
            )
            .select_related("committee")
            .defer("text", "search_vector")
            .order_by(F("date").desc(nulls_last=True), "-pk")[:FEED_LENGTH]
        )

    def _committee(self, entry):
        return entry.committee

    def item_author_name(self, entry):
        return entry.committee.name if entry.committee_id else self.author_name()

    def item_author_link(self, entry):
        return super().item_author_link(entry) if entry.committee_id else None

    def item_title(self, entry):
        return entry.title

    def item_description(self, entry):
        parts = [entry.get_kind_display().capitalize()]
        if entry.committee_id:
            parts.append(entry.committee.name)
        if entry.date:
            parts.append(entry.date.isoformat())
        if entry.diarienummer:
            parts.append(entry.diarienummer)
        return escape(" · ".join(parts))

    def item_link(self, entry):
        return entry.url

    def item_pubdate(self, entry):
        return _local_day_start(entry.date) if entry.date else timezone.localtime(entry.updated_at)

    def item_updateddate(self, entry):
        return timezone.localtime(entry.updated_at)


search_feed = SearchFeed()
