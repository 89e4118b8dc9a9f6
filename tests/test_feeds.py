"""The public calendars (ICS) and the Atom feeds of protokoll and anslag."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from pathlib import Path
from xml.etree import ElementTree

import icalendar
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from committees.models import Committee
from meetings.kallelse.dispatch import meeting_ics
from meetings.models import Anslag, Meeting
from meetings.services.lifecycle import meeting_cancel
from portal.views.feeds import meeting_calendar_uid
from tests.factories import (
    AnslagFactory,
    CommitteeFactory,
    MeetingFactory,
    ParagraphFactory,
    local,
    publish_protokoll,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
CANARY_CONFIDENTIAL = "KANARIE-FLODE-SEKRETESS-5502"
CANARY_DRAFT = "KANARIE-FLODE-UTKAST-8136"


@pytest.fixture
def calendar_world():
    nämnd = CommitteeFactory(name="Nämnd för arbetsmarknad", slug="ana")
    forum = CommitteeFactory(name="Kommunalt forum", slug="kommunalt-forum")
    published = MeetingFactory(
        committee=nämnd, start=local(2024, 10, 11, 9), end=local(2024, 10, 11, 12), location="Sal A"
    )
    ParagraphFactory(meeting=published, number=1)
    publish_protokoll(published, justerat_at=local(2024, 10, 18, 15))
    upcoming = MeetingFactory(
        committee=forum, start=timezone.now() + timedelta(days=14), status=Meeting.Status.SUMMONED
    )
    draft = MeetingFactory(
        committee=nämnd,
        start=local(2024, 12, 13),
        status=Meeting.Status.PROTOKOLL_DRAFTED,
        location=CANARY_DRAFT,
    )
    cancelled = MeetingFactory(
        committee=forum, start=timezone.now() + timedelta(days=30), status=Meeting.Status.CANCELLED
    )
    return {"nämnd": nämnd, "forum": forum, "published": published, "upcoming": upcoming, "draft": draft,
            "cancelled": cancelled}  # fmt: skip


def events(response) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["URL"]): event for event in calendar.walk("VEVENT")}


def meeting_url(meeting) -> str:
    return "http://testserver" + reverse("portal:meeting", args=[meeting.pk])


def test_the_calendar_lists_upcoming_and_published_meetings_in_stockholm_time(client, calendar_world):
    response = client.get(reverse("portal:calendar"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    found = events(response)
    published, upcoming = calendar_world["published"], calendar_world["upcoming"]
    assert set(found) == {meeting_url(published), meeting_url(upcoming)}
    event = found[meeting_url(published)]
    assert str(event["SUMMARY"]) == "Nämnd för arbetsmarknad sammanträde"
    assert str(event["LOCATION"]) == "Sal A"
    assert event["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert event.decoded("DTSTART") == local(2024, 10, 11, 9)
    assert event.decoded("DTEND") == local(2024, 10, 11, 12)
    assert b"BEGIN:VTIMEZONE" in response.content


def test_drafts_and_cancelled_meetings_are_not_on_the_calendar(client, calendar_world):
    content = client.get(reverse("portal:calendar")).content.decode()
    assert CANARY_DRAFT not in content
    assert meeting_url(calendar_world["cancelled"]) not in content
    assert meeting_url(calendar_world["draft"]) not in content


def test_a_meeting_keeps_its_uid_from_one_download_to_the_next(client, calendar_world):
    first = {url: str(event["UID"]) for url, event in events(client.get(reverse("portal:calendar"))).items()}
    second = {url: str(event["UID"]) for url, event in events(client.get(reverse("portal:calendar"))).items()}
    assert first == second
    assert len(set(first.values())) == len(first)


def test_a_committee_calendar_has_only_that_committees_meetings(client, calendar_world):
    response = client.get(reverse("portal:committee_calendar", args=["kommunalt-forum"]))
    assert response.status_code == 200
    assert set(events(response)) == {meeting_url(calendar_world["upcoming"])}


def test_an_inactive_or_unknown_committee_has_no_calendar(client, calendar_world):
    Committee.objects.filter(pk=calendar_world["forum"].pk).update(is_active=False)
    assert client.get(reverse("portal:committee_calendar", args=["kommunalt-forum"])).status_code == 404
    assert client.get(reverse("portal:committee_calendar", args=["no-such-organ"])).status_code == 404
    assert (
        meeting_url(calendar_world["upcoming"]) not in client.get(reverse("portal:calendar")).content.decode()
    )


# --- Atom feeds ------------------------------------------------------------------------------------


def entries(response) -> list[dict]:
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "summary": entry.findtext(f"{ATOM}summary") or "",
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]


def test_the_protokoll_feed_lists_justerade_protokoll_newest_justering_first(client):
    nämnd = CommitteeFactory(name="Nämnd för arbetsmarknad")
    older = MeetingFactory(committee=nämnd, start=local(2024, 10, 11))
    ParagraphFactory(meeting=older, number=1)
    publish_protokoll(older, justerat_at=local(2024, 10, 18))
    # Held later but justerat earlier: the feed follows the justering.
    newer = MeetingFactory(committee=nämnd, start=local(2024, 11, 1))
    ParagraphFactory(
        meeting=newer, number=2, confidential=True, osl_reference="26 kap. 1 §", title=CANARY_CONFIDENTIAL
    )
    publish_protokoll(newer, justerat_at=local(2024, 11, 4))
    draft = MeetingFactory(
        committee=nämnd, start=local(2024, 12, 13), status=Meeting.Status.PROTOKOLL_DRAFTED
    )
    ParagraphFactory(meeting=draft, number=3, title=CANARY_DRAFT)

    response = client.get(reverse("portal:protokoll_feed"))
    assert response.status_code == 200
    found = entries(response)
    assert [entry["link"] for entry in found] == [
        "http://testserver" + reverse("portal:protokoll", args=[newer.pk]),
        "http://testserver" + reverse("portal:protokoll", args=[older.pk]),
    ]
    assert found[0]["title"] == "Protokoll Nämnd för arbetsmarknad 2024-11-01"
    assert found[0]["updated"].startswith("2024-11-04")
    content = response.content.decode()
    assert CANARY_CONFIDENTIAL not in content and CANARY_DRAFT not in content


def test_the_anslag_feed_lists_anslag_newest_posted_first(client):
    nämnd = CommitteeFactory()
    first = AnslagFactory(committee=nämnd, title="Protokoll 2024-10-11", posted_on=local(2024, 10, 20).date())
    second = AnslagFactory(committee=nämnd, title="Protokoll 2024-11-01", posted_on=local(2024, 11, 8).date())
    hidden = CommitteeFactory(is_active=False)
    AnslagFactory(committee=hidden, title=CANARY_DRAFT)

    response = client.get(reverse("portal:anslag_feed"))
    assert response.status_code == 200
    found = entries(response)
    assert [entry["link"] for entry in found] == [
        "http://testserver" + reverse("portal:anslag", args=[second.pk]),
        "http://testserver" + reverse("portal:anslag", args=[first.pk]),
    ]
    assert [entry["title"] for entry in found] == ["Protokoll 2024-11-01", "Protokoll 2024-10-11"]
    assert CANARY_DRAFT not in response.content.decode()


def test_public_pages_announce_both_feeds(client):
    content = client.get(reverse("portal:protokoll_list")).content.decode()
    for name in ("portal:protokoll_feed", "portal:anslag_feed"):
        assert '<link rel="alternate" type="application/atom+xml"' in content
        assert f'href="{reverse(name)}"' in content


# --- RFC 4287: the feeds validate against the RELAX NG schema of the RFC, plus its other rules ----

ATOM_SCHEMA = Path(__file__).parent / "schemas" / "atom.rng"  # RFC 4287 Appendix B (trang'd)
# RFC 3339 date-time with a time zone: atom:updated and atom:published (RFC 4287 3.3).
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def atom_problems(content: bytes) -> list[str]:
    """What makes an Atom document invalid: the RELAX NG schema of RFC 4287 Appendix B, then the
    rules the schema cannot say (its Schematron assertions and the prose of the RFC)."""
    schema = etree.RelaxNG(etree.parse(str(ATOM_SCHEMA)))
    document = etree.fromstring(content)
    problems = [str(error) for error in schema.error_log] if not schema.validate(document) else []
    ns = {"a": ATOM[1:-1]}
    entries = document.findall("a:entry", ns)
    feed_authors = document.findall("a:author", ns)
    for author in feed_authors + document.findall("a:entry/a:author", ns):
        if not (author.findtext("a:name", namespaces=ns) or "").strip():
            problems.append("an atom:author without a name")
    for entry in entries:
        if not feed_authors and not entry.findall("a:author", ns):
            problems.append("an entry without an author in a feed without one (4.1.1, 4.1.2)")
        alternates = [
            link for link in entry.findall("a:link", ns) if link.get("rel", "alternate") == "alternate"
        ]
        if not alternates and entry.find("a:content", ns) is None:
            problems.append("an entry with neither an alternate link nor content (4.1.2)")
        if len({(link.get("type"), link.get("hreflang")) for link in alternates}) != len(alternates):
            problems.append("two alternate links of the same type and language (4.1.2)")
    for element in document.iter(f"{ATOM}updated", f"{ATOM}published"):
        if not RFC3339.match(element.text or ""):
            problems.append(f"not an RFC 3339 date-time with a time zone: {element.text!r} (3.3)")
    ids = [element.text for element in document.iter(f"{ATOM}id")]
    if len(set(ids)) != len(ids):
        problems.append("two entries share an atom:id (4.2.6)")
    for identifier in ids:
        if not re.match(r"^(https?://[^/]+/|tag:)", identifier or ""):
            problems.append(f"atom:id is not an absolute IRI: {identifier!r} (4.2.6)")
    updated = [entry.findtext("a:updated", namespaces=ns) for entry in entries]
    if len(set(updated)) != len(updated):
        problems.append("two entries share an atom:updated")
    if updated:
        latest = max(datetime.fromisoformat(value) for value in updated)
        if datetime.fromisoformat(document.findtext("a:updated", namespaces=ns)) != latest:
            problems.append("the feed's atom:updated is not its latest entry's")
    return problems


@pytest.fixture
def feed_world():
    nämnd = CommitteeFactory(name="Nämnd för arbetsmarknad", slug="ana")
    for day in (11, 18):
        meeting = MeetingFactory(committee=nämnd, start=local(2024, 10, day))
        ParagraphFactory(meeting=meeting, number=day)
        publish_protokoll(meeting, justerat_at=local(2024, 10, day + 3, 15))
    # Two anslag posted on the same day: their entries still differ in atom:updated.
    same_day = local(2024, 10, 20).date()
    AnslagFactory(committee=nämnd, title="Protokoll 2024-10-11", posted_on=same_day)
    AnslagFactory(committee=nämnd, title="Protokoll 2024-10-18", posted_on=same_day)
    return nämnd


@pytest.mark.parametrize("name", ["portal:protokoll_feed", "portal:anslag_feed"])
def test_the_feeds_are_valid_atom_by_rfc_4287(client, feed_world, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert atom_problems(response.content) == []
    assert len(entries(response)) == 2


def test_the_validator_catches_what_made_the_feeds_invalid():
    """The checks above are not vacuous: the faults the W3C validator found are caught."""
    valid = (
        f'<feed xmlns="{ATOM[1:-1]}"><title>t</title><id>https://x.example/f</id>'
        "<updated>2024-10-20T00:00:00+02:00</updated><author><name>Region</name></author>"
        '<entry><title>a</title><link href="https://x.example/1" rel="alternate"/>'
        "<id>https://x.example/1</id><updated>2024-10-20T00:00:00+02:00</updated></entry></feed>"
    )
    assert atom_problems(valid.encode()) == []
    no_author = valid.replace("<author><name>Region</name></author>", "")
    assert any("author" in problem for problem in atom_problems(no_author.encode()))
    twice = valid.replace("</feed>", valid[valid.index("<entry>") :].replace("/1<", "/2<"))
    assert "two entries share an atom:updated" in atom_problems(twice.encode())
    no_id = valid.replace("<id>https://x.example/f</id>", "")
    assert atom_problems(no_id.encode()) != []
    no_zone = valid.replace(
        "2024-10-20T00:00:00+02:00</updated></entry>", "2024-10-20T00:00:00</updated></entry>"
    )
    assert any("RFC 3339" in problem for problem in atom_problems(no_zone.encode()))


def test_each_entry_has_its_committee_as_author_and_a_permanent_id(client, feed_world):
    document = etree.fromstring(client.get(reverse("portal:protokoll_feed")).content)
    ns = {"a": ATOM[1:-1]}
    assert document.findtext("a:author/a:name", namespaces=ns) == feed_world.organisation.name
    base = settings.PARAGRAF_BASE_URL.rstrip("/")
    assert document.findtext("a:id", namespaces=ns) == base + reverse("portal:protokoll_feed")
    for entry in document.findall("a:entry", ns):
        assert entry.findtext("a:author/a:name", namespaces=ns) == "Nämnd för arbetsmarknad"
        assert entry.findtext("a:author/a:uri", namespaces=ns) == base + reverse(
            "portal:committee", args=["ana"]
        )
        link = entry.find("a:link[@rel='alternate']", ns).get("href")
        assert entry.findtext("a:id", namespaces=ns) == base + link.removeprefix("http://testserver")


def test_an_anslag_entry_is_updated_when_the_anslag_changes(client, feed_world):
    def updated_of(title):
        found = {
            entry["title"]: entry["updated"] for entry in entries(client.get(reverse("portal:anslag_feed")))
        }
        return datetime.fromisoformat(found[title])

    before = updated_of("Protokoll 2024-10-11")
    anslag = Anslag.objects.get(title="Protokoll 2024-10-11")
    anslag.body = "Rättelse: lokalen är sal B."
    anslag.save()
    assert updated_of("Protokoll 2024-10-11") > before


# --- RFC 5545: the calendar events -----------------------------------------------------------------

RFC5545_REQUIRED = ("UID", "DTSTAMP", "DTSTART")


def assert_valid_rfc5545(calendar: icalendar.Calendar) -> None:
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"])
    found = calendar.walk("VEVENT")
    assert found
    for event in found:
        for name in RFC5545_REQUIRED:
            assert name in event, f"{name} missing"
        assert ("DTEND" in event) != ("DURATION" in event), "DTEND or DURATION, not both (3.6.1)"
        assert event.decoded("DTEND") > event.decoded("DTSTART")
        assert event.decoded("DTSTAMP").tzinfo is not None, "DTSTAMP is in UTC (3.8.7.2)"
    assert len({str(event["UID"]) for event in found}) == len(found)


def calendar_of(client, url=None) -> icalendar.Calendar:
    response = client.get(url or reverse("portal:calendar"))
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content)


def event_by_uid(calendar, meeting) -> icalendar.Event:
    uid = meeting_calendar_uid(meeting)
    return next(event for event in calendar.walk("VEVENT") if str(event["UID"]) == uid)


def test_every_calendar_event_has_the_properties_rfc_5545_requires(client, calendar_world):
    assert_valid_rfc5545(calendar_of(client))
    assert_valid_rfc5545(calendar_of(client, reverse("portal:committee_calendar", args=["ana"])))


def test_an_event_without_an_end_lasts_the_committees_usual_length(client, calendar_world):
    upcoming = calendar_world["upcoming"]
    assert upcoming.end is None
    event = event_by_uid(calendar_of(client), upcoming)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=180)
    Committee.objects.filter(pk=upcoming.committee_id).update(default_meeting_minutes=90)
    event = event_by_uid(calendar_of(client), upcoming)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=90)


def test_dtstamp_is_the_meetings_last_change_not_the_download_time(client, calendar_world):
    upcoming = calendar_world["upcoming"]
    first = event_by_uid(calendar_of(client), upcoming)
    second = event_by_uid(calendar_of(client), upcoming)
    assert first.decoded("DTSTAMP") == second.decoded("DTSTAMP") == first.decoded("LAST-MODIFIED")
    saved = upcoming.history.latest().history_date
    assert first.decoded("DTSTAMP") == saved.replace(microsecond=0)  # iCalendar counts seconds


def test_sequence_and_last_modified_go_up_when_the_meeting_changes(client, calendar_world):
    upcoming = Meeting.objects.get(pk=calendar_world["upcoming"].pk)
    # Created an hour ago, so that a change now is a later second (iCalendar counts seconds).
    upcoming.history.update(history_date=timezone.now() - timedelta(hours=1))
    before = event_by_uid(calendar_of(client), upcoming)

    upcoming.start += timedelta(hours=2)  # moved: a new time is a new version
    upcoming.save()
    moved = event_by_uid(calendar_of(client), upcoming)
    assert int(moved["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert moved.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")
    assert moved.decoded("DTSTART") == timezone.localtime(upcoming.start).replace(microsecond=0)

    upcoming.note = "Intern anteckning"  # not on the calendar: the same version
    upcoming.save()
    assert int(event_by_uid(calendar_of(client), upcoming)["SEQUENCE"]) == int(moved["SEQUENCE"])

    meeting_cancel(meeting=upcoming)  # a new status is a new version too
    cancelled = event_by_uid(calendar_of(client), upcoming)
    assert int(cancelled["SEQUENCE"]) == int(moved["SEQUENCE"]) + 1
    assert cancelled.decoded("LAST-MODIFIED") >= moved.decoded("LAST-MODIFIED")


def test_a_cancelled_meeting_stays_on_the_calendar_as_cancelled_for_90_days(client, calendar_world):
    upcoming = calendar_world["upcoming"]
    event = event_by_uid(calendar_of(client), upcoming)
    assert str(event["STATUS"]) == "CONFIRMED"
    meeting_cancel(meeting=upcoming, note="Inga ärenden")
    calendar = calendar_of(client)
    assert_valid_rfc5545(calendar)
    event = event_by_uid(calendar, upcoming)
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["DESCRIPTION"]) == "Sammanträdet är inställt."
    assert "Inga ärenden" not in calendar.to_ical().decode()  # the secretary's note stays internal
    assert str(event["URL"]) == "http://testserver" + reverse("portal:committee", args=["kommunalt-forum"])
    assert client.get(str(event["URL"])).status_code == 200
    assert event_by_uid(
        calendar_of(client, reverse("portal:committee_calendar", args=["kommunalt-forum"])), upcoming
    )

    # 90 days after its date it is gone.
    def noon_days_ago(days):  # a local day, whatever the hour and summer time
        return timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=days), time(12)))

    Meeting.objects.filter(pk=upcoming.pk).update(start=noon_days_ago(91))
    uids = {str(e["UID"]) for e in calendar_of(client).walk("VEVENT")}
    assert meeting_calendar_uid(upcoming) not in uids
    Meeting.objects.filter(pk=upcoming.pk).update(start=noon_days_ago(90))
    uids = {str(e["UID"]) for e in calendar_of(client).walk("VEVENT")}
    assert meeting_calendar_uid(upcoming) in uids


def test_a_past_meeting_is_described_by_what_happened(client, calendar_world):
    calendar = calendar_of(client)
    published = event_by_uid(calendar, calendar_world["published"])
    protokoll = "http://testserver" + reverse("portal:protokoll", args=[calendar_world["published"].pk])
    assert str(published["DESCRIPTION"]) == (
        f"Sammanträdet har hållits. Protokollet justerades 2024-10-18: {protokoll}"
    )
    assert str(published["STATUS"]) == "CONFIRMED"
    upcoming = calendar_world["upcoming"]
    page = "http://testserver" + reverse("portal:meeting", args=[upcoming.pk])
    assert str(event_by_uid(calendar, upcoming)["DESCRIPTION"]) == f"Sammanträdets sida: {page}"
    # Its date passed but nobody has marked it held or justerat its protokoll yet.
    Meeting.objects.filter(pk=upcoming.pk).update(start=timezone.now() - timedelta(days=2))
    past = event_by_uid(calendar_of(client), upcoming)
    assert str(past["DESCRIPTION"]).startswith(
        "Sammanträdesdagen har passerat; protokollet är inte justerat än."
    )


def test_the_kallelse_invitation_uses_the_same_event_builder(calendar_world):
    upcoming = calendar_world["upcoming"]
    invitation = icalendar.Calendar.from_ical(meeting_ics(meeting=upcoming))
    assert_valid_rfc5545(invitation)
    public = event_by_uid(icalendar.Calendar.from_ical(meetings_ics_for(upcoming)), upcoming)
    (event,) = invitation.walk("VEVENT")
    for name in ("DTSTART", "DTEND", "DTSTAMP", "LAST-MODIFIED", "STATUS"):
        assert event.decoded(name) == public.decoded(name), name
    meeting_cancel(meeting=upcoming)
    cancelled = icalendar.Calendar.from_ical(meeting_ics(meeting=Meeting.objects.get(pk=upcoming.pk)))
    assert str(cancelled.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"


def meetings_ics_for(meeting) -> bytes:
    from django.test import RequestFactory

    from portal.views.feeds import meetings_ics

    return meetings_ics(
        meetings=Meeting.objects.filter(pk=meeting.pk), name="x", request=RequestFactory().get("/")
    )
