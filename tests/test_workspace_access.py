"""The secretary's workspace (/sekretariat/, issue 14) is closed by construction: every view is
wrapped by a guard of workspace/access.py, which resolves the meeting or committee of the URL
through committees.visibility before the view runs.

The URL patterns are enumerated from the resolver, so a new workspace page is covered the moment
it is wired: it must carry the guard, and a secretary of another committee, a member and an
anonymous visitor must get nothing from it — for GET and for POST, with nothing changed.
(tests/test_permission_matrix.py covers the same pages for all eight roles with GET.)
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from meetings.models import Meeting
from tests.factories import (
    AgendaItemFactory,
    CommitteeFactory,
    MeetingFactory,
    OrganisationFactory,
    ParagraphFactory,
    member_of,
    secretary_of,
)
from workspace.access import GUARD_ATTRIBUTE

pytestmark = pytest.mark.django_db


def workspace_patterns() -> list[URLPattern]:
    resolver = next(
        p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and p.namespace == "workspace"
    )
    return [p for p in resolver.url_patterns if isinstance(p, URLPattern)]


def test_the_workspace_has_pages():
    assert len(workspace_patterns()) >= 2


@pytest.mark.parametrize("pattern", workspace_patterns(), ids=lambda p: p.name)
def test_every_workspace_view_carries_the_guard(pattern):
    assert getattr(pattern.callback, GUARD_ATTRIBUTE, None), (
        f"workspace:{pattern.name} is not wrapped by a guard of workspace/access.py"
    )


@pytest.fixture
def world():
    organisation = OrganisationFactory()
    a = CommitteeFactory(organisation=organisation, name="Nämnd A", short_name="NA", slug="ws-a")
    b = CommitteeFactory(organisation=organisation, name="Nämnd B", short_name="NB", slug="ws-b")
    meeting = MeetingFactory(committee=a, status=Meeting.Status.PROTOKOLL_DRAFTED)
    item = AgendaItemFactory(meeting=meeting)
    paragraph = ParagraphFactory(meeting=meeting, agenda_item=item)
    return {
        "a": a,
        "meeting": meeting,
        "secretary_a": secretary_of(a),
        "secretary_b": secretary_of(b),
        "member_a": member_of(a),
        # URL kwarg → the object of A it is filled with; add a kwarg here when a page needs one.
        "kwargs": {
            "pk": meeting.pk,
            "committee_pk": a.pk,
            "item_pk": item.pk,
            "paragraph_pk": paragraph.pk,
        },
    }


def url_of(pattern: URLPattern, world) -> str:
    names = list(pattern.pattern.converters)
    missing = [n for n in names if n not in world["kwargs"]]
    assert not missing, f"workspace:{pattern.name}: no value for {missing}: add it to the world's kwargs"
    return reverse(f"workspace:{pattern.name}", kwargs={n: world["kwargs"][n] for n in names})


def _snapshot(meeting):
    meeting.refresh_from_db()
    return (meeting.status, meeting.version, meeting.agenda_items.count(), meeting.paragraphs.count())


@pytest.mark.parametrize("pattern", workspace_patterns(), ids=lambda p: p.name)
def test_outsiders_get_nothing_for_get_or_post(client, world, pattern):
    url = url_of(pattern, world)
    before = _snapshot(world["meeting"])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("meetings:login"))
    for outsider in ("secretary_b", "member_a"):
        client.force_login(world[outsider])
        if pattern.name == "home" and outsider == "secretary_b":
            assert client.get(url).status_code == 200  # B's secretary has a workspace of her own
            continue
        assert client.get(url).status_code == 404, f"GET {url} as {outsider}"
        assert client.post(url, {"status": "justerat", "title": "x"}).status_code == 404, (
            f"POST {url} as {outsider}"
        )
    assert _snapshot(world["meeting"]) == before


# Files that exist only once the protokoll is frozen: for the world's drafted meeting they answer
# 404 to its own secretary too (the outsiders' 404 above is checked all the same).
NOT_YET_THERE = {"justering_frozen_pdf", "justering_signed_pdf"}


@pytest.mark.parametrize("pattern", workspace_patterns(), ids=lambda p: p.name)
def test_the_secretary_opens_every_page(client, world, pattern):
    client.force_login(world["secretary_a"])
    response = client.get(url_of(pattern, world))
    expected = (200, 302, 405, 404) if pattern.name in NOT_YET_THERE else (200, 302, 405)
    assert response.status_code in expected, response.status_code
