# ruff: noqa: F811 - the fixtures imported from tests.test_member_pages
"""A member's private annotations (reading/): the API's contract, its validation, the upsert by
client_id, the replaced version's annotations, and that no one else ever sees them."""

import json
import uuid

import pytest
from django.contrib import admin
from django.urls import reverse

from committees.visibility import administered
from reading.models import Annotation
from tests.factories import UserFactory, member_of
from tests.test_member_pages import (  # noqa: F401 - fixtures
    committee_a,
    committee_b,
    meeting_a,
    meeting_b,
    secretary_a,
)

pytestmark = pytest.mark.django_db


def note(page=1, **extra):
    return {
        "client_id": str(uuid.uuid4()),
        "page": page,
        "kind": "highlight",
        "rects": [[0.1, 0.2, 0.3, 0.05]],
        "quote": "stipendier",
        "text": "Fråga om beloppet",
        "updated_at": "2026-01-01T10:00:00+00:00",
        **extra,
    }


def url(meeting, document):
    return reverse("reading:annotations", args=[meeting.pk, document.pk])


def post(client, meeting, document, data):
    return client.post(url(meeting, document), json.dumps(data), content_type="application/json")


@pytest.fixture
def two_members(committee_a):
    return member_of(committee_a).person.user, member_of(committee_a).person.user


def test_private_to_the_owner(client, meeting_a, two_members, secretary_a):
    a, b = two_members
    document = meeting_a.public_document
    client.force_login(a)
    assert post(client, meeting_a, document, note()).status_code == 200
    assert len(client.get(url(meeting_a, document)).json()["annotations"]) == 1
    for other in (b, secretary_a.person.user, UserFactory(is_superuser=True, is_staff=True)):
        client.force_login(other)
        response = client.get(url(meeting_a, document))
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            assert response.json()["annotations"] == []
        assert client.get(reverse("reading:export")).json()["annotations"] == []
        assert not administered(other, Annotation).exists()
    assert Annotation not in admin.site._registry


def test_other_committee_is_not_found(client, meeting_a, meeting_b, two_members):
    client.force_login(two_members[0])
    assert client.get(url(meeting_b, meeting_b.document)).status_code == 404
    assert client.get(url(meeting_a, meeting_b.document)).status_code == 404
    assert post(client, meeting_b, meeting_b.document, note()).status_code == 404


@pytest.mark.parametrize(
    "bad",
    [
        {"page": 0},
        {"page": 99},
        {"kind": "ink"},
        {"rects": [[2, 0, 0, 0]]},
        {"rects": "x"},
        {"client_id": "nope"},
        {"text": "x" * 10_001},
        {"updated_at": "igår"},
    ],
)
def test_validation(client, meeting_a, two_members, bad):
    document = meeting_a.public_document
    document.page_count = 3
    document.save()
    client.force_login(two_members[0])
    response = post(client, meeting_a, document, note(**bad))
    assert response.status_code == 400
    assert response.json()["error"]


def test_upsert_last_writer_wins(client, meeting_a, two_members):
    document = meeting_a.public_document
    client.force_login(two_members[0])
    first = note()
    post(client, meeting_a, document, first)
    post(client, meeting_a, document, first)
    assert Annotation.objects.count() == 1
    post(client, meeting_a, document, {**first, "text": "ny", "updated_at": "2026-01-02T10:00:00+00:00"})
    post(client, meeting_a, document, {**first, "text": "gammal", "updated_at": "2025-01-01T10:00:00+00:00"})
    assert Annotation.objects.get().text == "ny"
    delete = reverse("reading:annotation_delete", args=[meeting_a.pk, document.pk, first["client_id"]])
    assert client.delete(delete).status_code == 204
    assert not Annotation.objects.exists()


def test_replaced_version_keeps_annotations_on_existing_pages(client, meeting_a, two_members):
    old, new = meeting_a.secret_document, meeting_a.public_document
    old.page_count = 5
    old.save()
    new.page_count = 2
    new.replaces = old
    new.save()
    client.force_login(two_members[0])
    post(client, meeting_a, old, note(page=2))
    post(client, meeting_a, old, note(page=5))
    pages = [a["page"] for a in client.get(url(meeting_a, new)).json()["annotations"]]
    assert pages == [2]


def test_reading_view_links_pdf(client, meeting_a, two_members):
    client.force_login(two_members[0])
    response = client.get(reverse("reading:read", args=[meeting_a.pk, meeting_a.public_document.pk]))
    assert response.status_code == 200
    assert reverse("meetings:document", args=[meeting_a.pk, meeting_a.public_document.pk]) in response.text
    page = client.get(reverse("meetings:meeting", args=[meeting_a.pk])).text
    assert reverse("reading:read", args=[meeting_a.pk, meeting_a.public_document.pk]) in page
