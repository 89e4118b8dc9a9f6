"""Nothing the demo publishes links to something that does not exist.

The demo is loaded once for the module (inside a transaction rolled back at the end, as in
tests/test_load_demo.py). A crawler starts from the public start page, the anslagstavla, the
protokoll list, the Atom feeds, the calendar and the OParl System object, and follows every
internal link: href/src in HTML, links in Atom, URLs in ICS, and every URL in OParl's JSON
(object ids, lists and their `next` pages, `web`, a File's `accessUrl`/`downloadUrl`). Each must
answer 200 with the content type it claims: a PDF link gives application/pdf starting with
%PDF; an OParl File gives its `mimeType`. The demo's invented confidential material (see
demo/data/README.md) must not show on any of it.
"""

import io
import json
import re
import subprocess
import time
from collections import deque
from html import unescape
from urllib.parse import urljoin, urlsplit, urlunsplit

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from meetings.models import Meeting

pytestmark = pytest.mark.django_db

HOST = "testserver"
MAX_URLS = 3000  # the demo has some 600; a runaway crawl stops here and fails
CANARY = "Gnistrafors"  # the invented person of the demo's confidential material

HTML_LINK = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""", re.I)
ICS_URL = re.compile(r"^(?:URL|ATTACH)[^:]*:(.+)$", re.M)


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once and rolled back after the module's tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def internal(url: str, base: str) -> str | None:
    """The path (and query) of an internal link, without its fragment; None for external ones."""
    url = unescape(url.strip())
    if not url or url.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(urljoin(f"http://{HOST}{base}", url))
    if parts.scheme not in ("http", "https") or parts.netloc != HOST:
        return None
    return urlunsplit(("", "", parts.path, parts.query, ""))


def json_urls(value):
    """Every URL string in an OParl object, with the mimeType its File claims (or None)."""
    if isinstance(value, dict):
        mime = value.get("mimeType") if value.get("type", "").endswith("/File") else None
        for key, item in value.items():
            if key in ("accessUrl", "downloadUrl") and isinstance(item, str):
                yield item, mime
            else:
                yield from json_urls(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_urls(item)
    elif isinstance(value, str) and value.startswith(f"http://{HOST}/"):
        yield value, None


def ics_text(body: str) -> str:
    return re.sub(r"\r?\n[ \t]", "", body)  # unfold continued lines (RFC 5545 3.1)


def media_type(response) -> str:
    return response.get("Content-Type", "").split(";")[0].strip()


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def crawl(client, start: list[str]):
    """Visit every internal URL reachable from `start`. Returns (visited {url: media type},
    problems [text], texts {url: text of HTML/JSON/Atom/ICS}, pdfs {url: bytes})."""
    expected: dict[str, str | None] = dict.fromkeys(start)
    queue = deque(start)
    visited: dict[str, str] = {}
    problems: list[str] = []
    texts: dict[str, str] = {}
    pdfs: dict[str, bytes] = {}
    seconds: dict[str, float] = {}  # time spent per media type, printed by the test

    def add(url: str | None, claimed: str | None) -> None:
        if url is None:
            return
        if claimed and not expected.get(url):
            expected[url] = claimed
        if url not in visited and url not in queue:
            queue.append(url)

    while queue:
        url = queue.popleft()
        if url in visited:
            continue
        if len(visited) >= MAX_URLS:
            problems.append(f"more than {MAX_URLS} URLs: the crawl does not end")
            break
        began = time.monotonic()
        response = client.get(url)
        hops = 0
        while response.status_code in (301, 302, 303, 307, 308) and hops < 5:
            target = internal(response["Location"], url)
            if target is None:
                break
            response, hops = client.get(target), hops + 1
        kind = media_type(response)
        visited[url] = kind
        seconds[kind] = seconds.get(kind, 0.0) + time.monotonic() - began
        if response.status_code != 200:
            problems.append(f"{url}: {response.status_code}")
            continue
        data = body_of(response)
        claimed = expected.get(url)
        if claimed and kind != claimed:
            problems.append(f"{url}: {kind}, but the link claims {claimed}")
        if kind == "application/pdf":
            if not data.startswith(b"%PDF"):
                problems.append(f"{url}: application/pdf that is not a PDF")
            pdfs[url] = data
            continue
        text = data.decode("utf-8", errors="replace")
        if kind == "text/html":
            texts[url] = text
            for link in HTML_LINK.findall(text):
                target = internal(link, url)
                pdf = target and urlsplit(target).path.endswith(".pdf")
                add(target, "application/pdf" if pdf else None)
        elif kind in ("application/atom+xml", "application/xml", "text/xml"):
            texts[url] = text
            for link in HTML_LINK.findall(text):
                add(internal(link, url), None)
        elif kind == "text/calendar":
            texts[url] = text
            for link in ICS_URL.findall(ics_text(text)):
                add(internal(link, url), None)
        elif kind == "application/json":
            texts[url] = text
            for link, mime in json_urls(json.loads(text)):
                target = internal(link, url)
                add(target, mime or ("application/json" if target and target.startswith("/oparl/") else None))
    print("crawl time per media type:", {kind: round(t, 1) for kind, t in seconds.items()})
    return visited, problems, texts, pdfs


def pdf_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode()


@pytest.fixture(scope="module")
def crawled(django_db_blocker):
    from django.test import Client

    start = [
        reverse("portal:start"),
        reverse("portal:anslagstavla"),
        reverse("portal:protokoll_list"),
        reverse("portal:protokoll_feed"),
        reverse("portal:anslag_feed"),
        reverse("portal:calendar"),
        "/oparl/v1.1/",
    ]
    began = time.monotonic()
    # The stylesheets too: WhiteNoise serves them from the finders (the tests run no collectstatic).
    with django_db_blocker.unblock(), override_settings(WHITENOISE_USE_FINDERS=True):
        result = crawl(Client(), start)
    return (*result, time.monotonic() - began)


def test_every_public_link_of_the_demo_answers_200_with_the_content_type_it_claims(crawled):
    visited, problems, texts, pdfs, seconds = crawled

    assert problems == []
    print(f"crawl: {len(visited)} URLs checked ({len(pdfs)} PDFs) in {seconds:.0f} s")
    assert len(visited) > 300
    kinds = set(visited.values())
    assert {"text/html", "application/json", "application/pdf", "text/calendar"} <= kinds
    # Every justerat protokoll is linked and served as its signed PDF, in HTML and in OParl.
    for meeting in Meeting.objects.filter(status__in=("justerat", "posted", "taken_down", "archived")):
        assert reverse("portal:protokoll", args=[meeting.pk]) in visited, meeting
        pdf = reverse("portal:protokoll_pdf", args=[meeting.pk])
        assert visited.get(pdf) == "application/pdf", meeting
        assert f"/oparl/v1.1/meeting/{meeting.pk}/" in visited
    assert any(url.endswith("/protokollsutdrag.pdf") for url in pdfs)


def test_an_extract_is_linked_exactly_when_it_can_be_certified(crawled, client):
    from meetings.justering.utdrag import certified_copy_possible
    from meetings.models import Justering

    visited = crawled[0]
    published = Meeting.objects.filter(status__in=("justerat", "posted", "taken_down", "archived"))
    for meeting in published:
        page = client.get(reverse("portal:protokoll", args=[meeting.pk])).content.decode()
        certifiable = certified_copy_possible(justering=Justering.objects.get(meeting=meeting))
        linked = "/protokollsutdrag.pdf" in page
        assert linked == certifiable, meeting
        for paragraph in meeting.paragraphs.filter(confidential=False):
            url = reverse("portal:protokollsutdrag", args=[meeting.pk, paragraph.number])
            assert (url in visited) == certifiable, url


def test_the_demo_sekretess_is_masked_on_every_public_page_feed_calendar_api_and_pdf(crawled, client):
    visited, _problems, texts, pdfs, _seconds = crawled

    assert [url for url, text in texts.items() if CANARY in text] == []
    assert [url for url, data in pdfs.items() if CANARY in pdf_text(data)] == []
    # The masked § of the published protokoll is there, as its number and OSL ground only.
    secret = Meeting.objects.get(committee__short_name="ANA-P", start__date="2022-09-21")
    page = texts[reverse("portal:protokoll", args=[secret.pk])]
    assert "§ 139 — Sekretess (OSL 21 kap. 1 §)" in page
    assert reverse("portal:protokollsutdrag", args=[secret.pk, 139]) not in visited
    # Search finds nothing of it.
    found = client.get(reverse("portal:search"), {"q": CANARY})
    assert found.status_code == 200
    assert found.context["searched"] and found.context["count"] == 0 and not found.context["hits"]
