"""The public calendars (ICS) and the Atom feeds of protokoll and anslag."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from committees.models import Committee
from meetings.models import Meeting
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
