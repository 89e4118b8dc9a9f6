"""Responses that depend on the user are never stored by a browser or a proxy, and files are
served so that a browser runs nothing in them (issue 12, item 6).

Every URL pattern of the project is opened as in the permission matrix (tests/
test_permission_matrix.py: its world of committees A and B, its filled-in URLs), so a new view
is checked the moment it is wired:

- to a signed-in user every answer carries `Cache-Control: private, no-store`
  (config.middleware.PrivateResponseMiddleware); public pages for anonymous readers do not,
  and the anonymous pages that set a cookie or hold a CSRF token (the logins) do;
- every answer that is not an HTML page carries `Content-Security-Policy: sandbox;
  default-src 'none'` and `nosniff`; every file is a PDF shown inline or an attachment
  (config.downloads.file_response, which no view goes around).
"""

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from config.downloads import FILE_POLICY
from config.middleware import SERVICE_WORKER_POLICY
from tests import test_permission_matrix as matrix

world = matrix.world  # the matrix's module-scoped world, built once for this module too

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def cache_directives(response) -> set[str]:
    header = response.get("Cache-Control", "")
    return {part.strip().split("=")[0].lower() for part in header.split(",") if part.strip()}


def directives(policy: str) -> set[str]:
    return {" ".join(part.split()) for part in policy.split(";") if part.strip()}


def is_private(response) -> bool:
    return {"private", "no-store"} <= cache_directives(response)


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@dataclass
class Answer:
    label: str
    key: str
    response: object
    content: bytes


def answers(world, role: str) -> list[Answer]:
    """Every URL of the matrix opened by `role` (once per role for all the checks below)."""
    client = matrix.open_as(Client(), role, world)
    found = []
    for visit in matrix.all_visits(world):
        response = client.get(visit.url)
        found.append(Answer(visit.label, visit.pattern.key, response, body(response)))
    return found


# The public pages: the same for every anonymous reader, so cacheable.
PUBLIC_VIEWS = ("portal:*", "oparl:*", "meetings:verify", "meetings:signing_*")


def private_problems(role: str, found: list[Answer]) -> list[str]:
    """To a signed-in user every answer is private and not stored. To an anonymous visitor
    every answer that is personal (it sets a cookie or holds a CSRF token) is private, and the
    public pages that are not personal are not."""
    problems = []
    for answer in found:
        response = answer.response
        if role == "anonymous":
            if response.status_code != 200:
                continue
            personal = bool(response.cookies) or b"csrfmiddlewaretoken" in answer.content
            public = any(fnmatch.fnmatchcase(answer.key, glob) for glob in PUBLIC_VIEWS)
            wrong = (personal and not is_private(response)) or (
                public and not personal and is_private(response)
            )
        else:
            wrong = not is_private(response)
        if wrong:
            cache_control = response.get("Cache-Control")
            problems.append(f"{answer.label} ({response.status_code}): Cache-Control={cache_control!r}")
    return problems


# --- Files ------------------------------------------------------------------------------------

SERVICE_WORKER_POLICY_TEXT = "; ".join(f"{name} {' '.join(v)}" for name, v in SERVICE_WORKER_POLICY.items())

# The downloads the world must reach, so the check below cannot pass by opening nothing.
FILE_VIEWS = {
    "meetings:document",
    "meetings:kallelse",
    "meetings:protokoll",
    "meetings:protokollsutdrag",
    "portal:document",
    "portal:protokoll_pdf",
    "portal:protokollsutdrag",
    "portal:calendar",
    "cases:export",
    "admin:meetings_meeting_protokoll_pdf",
    "admin:meetings_meeting_kallelse_pdf",
    "admin:meetings_justering_frozen_pdf",
    "admin:meetings_justering_signed_pdf",
}


def file_problems(answer: Answer) -> list[str]:
    """What is wrong with an answer that is not an HTML page."""
    label, response = answer.label, answer.response
    problems = []
    # The members' service worker is the one script answer: its own policy lets its fetch()
    # reach this site and nothing else (config/middleware.py SERVICE_WORKER_POLICY).
    policy = SERVICE_WORKER_POLICY_TEXT if label.startswith("meetings:service_worker ") else FILE_POLICY
    if directives(response.get("Content-Security-Policy", "")) != directives(policy):
        problems.append(f"{label}: Content-Security-Policy {response.get('Content-Security-Policy')!r}")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{label}: no X-Content-Type-Options: nosniff")
    disposition = response.get("Content-Disposition", "")
    mime = response["Content-Type"].split(";")[0]
    if getattr(response, "streaming", False) or disposition:
        content = answer.content
        if mime == "application/pdf":
            if not content.startswith(b"%PDF-"):
                problems.append(f"{label}: served as PDF but is not one")
            if not disposition.startswith(("inline", "attachment")):
                problems.append(f"{label}: PDF without a Content-Disposition")
        elif not disposition.startswith("attachment"):
            problems.append(f"{label}: {mime} is not served as an attachment ({disposition!r})")
    return problems


def file_views_reached(found: list[Answer]) -> set[str]:
    return {
        answer.key
        for answer in found
        if answer.response.status_code == 200
        and (getattr(answer.response, "streaming", False) or answer.response.get("Content-Disposition"))
    }


# What each role must reach: the checks cannot pass by opening nothing.
REACHED = {
    "anonymous": {key for key in FILE_VIEWS if key.startswith("portal:")},
    "member_a": {key for key in FILE_VIEWS if key.startswith(("portal:", "meetings:"))},
    "secretary_a": FILE_VIEWS,
    "official": {key for key in FILE_VIEWS if key.startswith("portal:")} | {"cases:export"},
    "superuser": FILE_VIEWS - {"meetings:document", "meetings:kallelse"},  # not a member of A
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ("anonymous", "member_a", "official", "secretary_a", "superuser"))
def test_every_url_is_private_when_personal_and_every_file_is_sandboxed(world, role):
    """Opened as this role, every URL of the project: the caching rule above for every answer;
    and every answer that is not an HTML page is sandboxed, not sniffed, and a PDF inline or
    an attachment."""
    found = answers(world, role)
    assert sum(answer.response.status_code == 200 for answer in found) > 30

    problems = private_problems(role, found)
    assert not problems, f"{len(problems)} answers to {role} break the caching rule:\n" + "\n".join(problems)

    reached = file_views_reached(found)
    assert REACHED[role] <= reached, f"not reached: {sorted(REACHED[role] - reached)}"
    problems = [
        problem
        for answer in found
        if answer.response.status_code == 200 and not answer.response["Content-Type"].startswith("text/html")
        for problem in file_problems(answer)
    ]
    assert not problems, "\n".join(problems)
    if role == "anonymous":
        public = {a.key for a in found if a.response.status_code == 200 and not is_private(a.response)}
        assert {"portal:start", "portal:protokoll", "portal:document", "oparl:system"} <= public
        private = {a.key for a in found if a.response.status_code == 200 and is_private(a.response)}
        assert {"meetings:login", "admin:login"} <= private


@pytest.mark.django_db
def test_a_handling_that_is_not_a_pdf_is_a_sandboxed_download(world):
    """A DOCX waiting for conversion is served as its original: an attachment, never inline."""
    from cases.models import Document
    from meetings.models import AgendaItem, AgendaItemDocument

    item = AgendaItem.objects.select_related("meeting").get(pk=world.values["upcoming_item"])
    meeting = item.meeting  # to come, its agenda published: A's members read its handlingar
    document = Document.objects.create(
        title="Utkast till yttrande",
        content_type=DOCX,
        conversion=Document.Conversion.PENDING,
        original_name="Yttrande.docx",
    )
    document.source_file.save("yttrande.docx", ContentFile(b"PK\x03\x04 not really a docx"))
    AgendaItemDocument.objects.create(agenda_item=item, document=document, order=9)
    client = matrix.open_as(Client(), "member_a", world)
    response = client.get(reverse("meetings:document", args=[meeting.pk, document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"].startswith("attachment")
    assert file_problems(Answer("docx", "", response, body(response))) == []
    assert is_private(response)


def test_no_view_builds_a_file_response_without_the_helper():
    """config.downloads.file_response is the only place a file response is made: a new
    download cannot forget the headers."""
    root = Path(__file__).resolve().parent.parent
    offenders = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if relative.parts[0] in {".venv", "node_modules", "tests", ".local", "benchmarks"}:
            continue
        if relative.as_posix() == "config/downloads.py":
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (r"\bFileResponse\(", r"Content-Disposition\"\]\s*=", r"as_attachment\s*="):
            if re.search(pattern, text):
                offenders.append(f"{relative}: {pattern}")
    assert not offenders, "file responses not made by config.downloads.file_response:\n" + "\n".join(
        offenders
    )


PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"  # Chromium's built-in viewer


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_a_sandboxed_handling_opens_in_the_pdf_viewer(live_server, page):
    """The files' policy does not cost the members the inline view: Chromium shows a handling
    served with `sandbox; default-src 'none'` in its PDF viewer."""
    from datetime import timedelta

    from django.utils import timezone

    from meetings.models import AgendaItemDocument, Meeting
    from tests.factories import (
        AgendaItemFactory,
        CommitteeFactory,
        MeetingFactory,
        PdfDocumentFactory,
        member_of,
    )

    committee = CommitteeFactory()
    member = member_of(committee, username="pdf-lasare")
    meeting = MeetingFactory(
        committee=committee,
        start=timezone.now() + timedelta(days=5),
        status=Meeting.Status.SUMMONED,
        agenda_published=True,
    )
    item = AgendaItemFactory(meeting=meeting, order=1, title="Budget")
    document = PdfDocumentFactory(title="Budgetunderlag", pages=("Budgetunderlag 2027",))
    AgendaItemDocument.objects.create(agenda_item=item, document=document, order=1)

    page.goto(live_server.url + reverse("meetings:login"))
    page.fill("#id_username", member.username)
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.wait_for_url("**/mina-sammantraden/**")
    response = page.goto(live_server.url + reverse("meetings:document", args=[meeting.pk, document.pk]))
    headers = response.all_headers()  # .headers leaves out the security headers
    assert directives(headers["content-security-policy"]) == directives(FILE_POLICY)
    assert headers["content-disposition"].startswith("inline")
    page.wait_for_timeout(1500)
    assert any(frame.url.startswith(PDF_VIEWER) for frame in page.frames), [f.url for f in page.frames]
