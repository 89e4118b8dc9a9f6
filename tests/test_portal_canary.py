"""Nothing confidential or unpublished reaches the public: a crawler follows every link the
public can reach (pages, PDFs, search results, feeds, calendars, the OParl API) and looks for
the canary strings planted in a confidential §, a confidential agenda item and handling, a
draft protokoll and a frozen-but-unsigned one."""

from __future__ import annotations

import json
import re
import subprocess
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.db import connection
from django.urls import reverse

from attendance.models import Ballot, Disqualification, Reservation, Vote
from committees.models import Person
from tests.portal_data import (
    CANARIES,
    CANARY_CONFIDENTIAL,
    CANARY_DRAFT,
    CANARY_FROZEN,
    OPEN_DECISION,
    public_world,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signing_ca")]

# Member and administration areas are not public: anonymous visitors are sent to the login.
NOT_PUBLIC = ("/admin/", "/konto/", "/mina-sammantraden/", "/i18n/", "/narvaro/", "/register/", "/justera/")
MAX_URLS = 400
LINK = re.compile(r"""(?:href|src|action)="([^"]+)\"""")
ABSOLUTE = re.compile(r"https?://testserver(/[^\s\"'<>]*)")


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        result = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=body, capture_output=True)
        return result.stdout.decode()
    return body.decode("utf-8", errors="replace")


def _links(text: str) -> list[str]:
    found = [m.replace("&amp;", "&") for m in LINK.findall(text)]
    found += ABSOLUTE.findall(text)
    links = []
    for link in found:
        link = urldefrag(link)[0]
        parts = urlsplit(link)
        if parts.netloc not in ("", "testserver") or not parts.path.startswith("/"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith(NOT_PUBLIC) or path.startswith("/static/"):
            continue
        links.append(path)
    return links


def _without_own_query(url: str, text: str) -> str:
    """A search page repeats the visitor's own words (the search box, the title, the language
    switch's return address): those are not a leak, so they are removed before looking."""
    from urllib.parse import parse_qs

    for value in parse_qs(urlsplit(url).query).get("q", []):
        text = text.replace(value, "")
    return text


def crawl(client, start: list[str]) -> dict[str, str]:
    """Every public URL reachable from `start` → its text (PDFs as extracted text)."""
    seen: dict[str, str] = {}
    queue = deque(start)
    while queue and len(seen) < MAX_URLS:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        if response.status_code in (301, 302):
            queue.append(response["Location"])
            seen[url] = ""
            continue
        text = _text(response) if response.status_code == 200 else ""
        seen[url] = text
        queue.extend(link for link in _links(text) if link not in seen)
    return seen


VOTE_TABLES = ("vote", "ballot", "reservation", "disqualification")


def _plant_vote_record(paragraph, canary: str) -> None:
    """An omröstning with a ballot, a reservation and a jäv carrying `canary` in a §, as if
    recorded before the protokoll was frozen: the lock triggers (audit/locks.py) are switched
    off for the planting only, inside the test's transaction."""
    person = Person.objects.filter(assignments__committee=paragraph.meeting.committee).first()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in VOTE_TABLES:
                cursor.execute(f"ALTER TABLE attendance_{table} DISABLE TRIGGER USER")
        vote = Vote(paragraph=paragraph, proposition_yes=canary, proposition_no=canary, result="ja")
        (vote,) = Vote.objects.bulk_create([vote])
        Ballot.objects.bulk_create([Ballot(vote=vote, person=person, choice=Ballot.Choice.YES)])
        Reservation.objects.bulk_create([Reservation(paragraph=paragraph, person=person, text=canary)])
        jäv = Disqualification(paragraph=paragraph, person=person, reason=canary)
        Disqualification.objects.bulk_create([jäv])
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before ALTER TABLE
            for table in VOTE_TABLES:
                cursor.execute(f"ALTER TABLE attendance_{table} ENABLE TRIGGER USER")


def test_no_confidential_or_unpublished_string_reaches_any_public_page_pdf_feed_or_api(client):
    world = public_world()
    # Votes in the confidential §, the draft and the frozen protokoll (the votes CSV and the
    # OParl extension `paragraf:votes`), and an open vote in the open § so that both are offered.
    _plant_vote_record(world.published.paragraphs.get(confidential=True), CANARY_CONFIDENTIAL)
    _plant_vote_record(world.draft.paragraphs.first(), CANARY_DRAFT)
    _plant_vote_record(world.frozen.paragraphs.first(), CANARY_FROZEN)
    _plant_vote_record(world.published.paragraphs.get(confidential=False), "Bifall till motionen")
    start = [
        "/",
        reverse("portal:anslagstavla"),
        reverse("portal:anslag_archive"),
        reverse("portal:protokoll_list"),
        reverse("portal:committees"),
        reverse("portal:calendar"),
        reverse("portal:committee_calendar", args=[world.committee.slug]),
        reverse("portal:protokoll_feed"),
        reverse("portal:anslag_feed"),
        "/oparl/v1.1/",
        # Unpublished objects by direct address: must answer 404 and show nothing.
        reverse("portal:protokoll", args=[world.draft.pk]),
        reverse("portal:protokoll", args=[world.frozen.pk]),
        reverse("portal:protokoll_pdf", args=[world.frozen.pk]),
        reverse("portal:meeting", args=[world.draft.pk]),
        reverse("portal:protokoll_votes_csv", args=[world.published.pk]),
        reverse("portal:protokoll_votes_csv", args=[world.draft.pk]),
        reverse("portal:protokoll_votes_csv", args=[world.frozen.pk]),
    ]
    for word in ("motionen", "kultur", "personärende", "utkast", "ojusterat", "bilaga", *CANARIES):
        start.append(f"{reverse('portal:search')}?q={word}")
    pages = crawl(client, start)

    leaks = {
        url: canary
        for url, text in pages.items()
        for canary in CANARIES
        if canary in _without_own_query(url, text)
    }
    assert leaks == {}

    # The crawl really went everywhere: the published protokoll, its signed PDF, the open §'s
    # protokollsutdrag, the public handling, a search hit, the feeds and the API.
    published_page = pages[reverse("portal:protokoll", args=[world.published.pk])]
    assert OPEN_DECISION in published_page
    assert "Sekretess" in published_page and "26 kap. 1 §" in published_page
    visited = set(pages)
    assert reverse("portal:protokoll_pdf", args=[world.published.pk]) in visited
    assert reverse("portal:document", args=[world.public_document.pk]) in visited
    assert any(url.startswith("/oparl/v1.1/") and url != "/oparl/v1.1/" for url in visited)
    assert any("protokollsutdrag.pdf" in url for url in visited)
    assert "Bifall till motionen" in pages[reverse("portal:protokoll_votes_csv", args=[world.published.pk])]
    assert any('"paragraf:votes"' in text for url, text in pages.items() if url.startswith("/oparl/"))
    # Swedish stemming on PostgreSQL; SQLite's plain contains search needs the word itself.
    word = "motionen" if connection.vendor == "postgresql" else "kultur"
    assert "kultur för hälsa" in pages[f"{reverse('portal:search')}?q={word}"].lower()


def test_unpublished_protokoll_and_their_pdfs_answer_404(client):
    world = public_world()
    for meeting in (world.draft, world.frozen):
        assert client.get(reverse("portal:protokoll", args=[meeting.pk])).status_code == 404
        assert client.get(reverse("portal:protokoll_pdf", args=[meeting.pk])).status_code == 404
        paragraph = meeting.paragraphs.first()
        assert client.get(reverse("portal:paragraph", args=[meeting.pk, paragraph.number])).status_code == 404
    secret = world.published.paragraphs.get(confidential=True)
    url = reverse("portal:protokollsutdrag", args=[world.published.pk, secret.number])
    assert client.get(url).status_code == 404
    api = client.get("/oparl/v1.1/").content.decode()
    assert CANARY_CONFIDENTIAL not in api and json.loads(api)["type"].endswith("/System")
