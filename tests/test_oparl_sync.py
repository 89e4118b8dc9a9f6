"""OParl 1.1 sync: created/modified, the four date filters, tombstones, and what a client
needs to mirror the API (CORS preflight, ETag/Last-Modified, gzip, the File and Paper
properties, parties as Organizations).

The sync client below is plain Python over the Django test client: it imports every list
from the System object following `next`, then after changes re-syncs through
`modified_since` only and must end equal to a fresh full import.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from cases.models import Document
from committees.models import Assignment
from meetings.models import AgendaItem, AgendaItemDocument, Meeting, Paragraph
from oparl import mapping, signals
from oparl.models import Record
from oparl.records import records_refresh
from tests.factories import (
    AgendaItemFactory,
    CaseFactory,
    MeetingFactory,
    ParagraphFactory,
    PdfDocumentFactory,
    local,
    publish_protokoll,
)
from tests.test_oparl import API, SCHEMA_DIR, assert_timestamps, build_world, validate

pytestmark = pytest.mark.django_db

# The Body's external lists a client imports.
BODY_LISTS = (
    "organization", "person", "membership", "meeting", "agendaItem", "paper", "file", "locationList",
    "legislativeTermList",
)  # fmt: skip


class SyncClient:
    """What an OParl importer does: a full import, then incremental syncs by `modified_since`."""

    def __init__(self, client, *, page_size: int = 2):
        self.client, self.page_size = client, page_size
        self.objects: dict[str, dict] = {}
        self.newest: str | None = None  # the largest `modified` seen
        self.tombstones: set[str] = set()

    def get(self, url: str, **params) -> dict:
        response = self.client.get(url, params)
        assert response.status_code == 200, (url, params, response.content[:300])
        return response.json()

    def pages(self, url: str, **params):
        data = self.get(url, elementsPerPage=self.page_size, **params)
        while True:
            yield from data["data"]
            if "next" not in data["links"]:
                return
            data = self.get(data["links"]["next"])  # the filters are in the link

    def lists(self):
        system = self.get(API)
        yield system["body"]
        for body in self.pages(system["body"]):
            for name in BODY_LISTS:
                yield body[name]

    def keep(self, obj: dict) -> None:
        if SCHEMA_DIR.is_dir():
            validate(obj)
        if obj.get("public") is not False:
            assert_timestamps(obj)
        if "modified" in obj and (self.newest is None or obj["modified"] > self.newest):
            self.newest = obj["modified"]
        if obj.get("deleted"):
            self.tombstones.add(obj["id"])
            self.objects.pop(obj["id"], None)
        else:
            self.objects[obj["id"]] = obj

    def full_import(self) -> SyncClient:
        for url in list(self.lists()):
            for obj in self.pages(url):
                self.keep(obj)
        return self

    def sync(self) -> None:
        since = self.newest
        assert since, "a full import saw a modified time"
        for url in list(self.lists()):
            for obj in self.pages(url, modified_since=since):
                self.keep(obj)


@pytest.fixture
def world(private_file_dirs):
    world = build_world()
    records_refresh()
    return world


def test_a_sync_client_that_follows_modified_since_ends_equal_to_a_fresh_full_import(world, client):
    mirror = SyncClient(client).full_import()
    before = dict(mirror.objects)
    assert f"{API}meeting/{world.upcoming.pk}/" in before

    # A new meeting is published: a justerat protokoll with an open § and its handling.
    case = CaseFactory(title="Ny motion om bibliotek", committee=world.committee)
    new = MeetingFactory(committee=world.committee, start=local(2024, 12, 20, 9), agenda_published=True)
    item = AgendaItemFactory(meeting=new, title=case.title, case=case)
    AgendaItemDocument.objects.create(
        agenda_item=item, document=PdfDocumentFactory(title="Ny handling", case=case)
    )
    ParagraphFactory(meeting=new, agenda_item=item, number=90, title=case.title, case=case)
    publish_protokoll(new, justerat_at=local(2024, 12, 27, 10))
    # An assignment is removed.
    removed = Assignment.objects.get(committee__short_name="AU", role=Assignment.Role.SUBSTITUTE)
    removed_url = f"{API}membership/{removed.pk}/"
    removed.delete()
    # A § of a published protokoll is made confidential. The product offers no path for it (a
    # justerat protokoll is locked, down to the database's triggers), so the test does what a
    # correction by the database administrator would: triggers off for this transaction only.
    secret = world.open_paragraph
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        Paragraph.objects.filter(pk=secret.pk).update(confidential=True, osl_reference="26 kap. 1 §")
        AgendaItem.objects.filter(pk=secret.agenda_item_id).update(
            confidential=True, osl_reference="26 kap. 1 §"
        )
        cursor.execute("SET LOCAL session_replication_role = origin")
    # A handling is no longer public.
    budget = Document.objects.get(title="Budgetunderlag")
    budget.confidential, budget.osl_reference = True, "39 kap. 3 §"
    budget.save()
    # A meeting is cancelled.
    world.upcoming.status = Meeting.Status.CANCELLED
    world.upcoming.save()

    counts = records_refresh()
    assert counts["created"] and counts["changed"] and counts["deleted"]
    mirror.sync()
    fresh = SyncClient(client).full_import()
    assert mirror.objects == fresh.objects
    assert mirror.objects != before

    # What the incremental sync learnt: the new meeting, and every removal as a tombstone.
    assert f"{API}meeting/{new.pk}/" in mirror.objects
    handling = f"{API}file/{world.open_paragraph.agenda_item.attachments.get().document_id}/"
    gone = {
        removed_url,
        f"{API}meeting/{world.upcoming.pk}/",
        f"{API}location/{world.upcoming.pk}/",
        f"{API}file/{budget.pk}/",
        handling,
    }
    assert gone <= mirror.tombstones
    assert not gone & set(mirror.objects)
    # The case was public through the masked § and the cancelled meeting's agenda only: its
    # Paper went. A Consultation has no list of its own (OParl has none): it went with the
    # paper's `consultation`, and its id answers with a tombstone.
    assert f"{API}paper/{secret.case_id}/" in mirror.tombstones
    assert client.get(f"{API}paragraph/{secret.pk}/consultation/").json()["deleted"] is True
    # The § itself stays, masked: number and OSL ground only.
    masked = mirror.objects[f"{API}paragraph/{secret.pk}/"]
    assert masked["public"] is False and "resolutionText" not in masked
    # The person whose membership went changed too.
    person = mirror.objects[f"{API}person/{removed.person_id}/"]
    assert removed_url not in json.dumps(person)


def test_a_removed_object_answers_at_its_id_with_a_tombstone(world, client):
    assignment = Assignment.objects.filter(committee=world.committee).first()
    url = f"{API}membership/{assignment.pk}/"
    assert client.get(url).json()["type"] == mapping.oparl_type("Membership")
    assignment.delete()
    records_refresh()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    tombstone = response.json()
    assert set(tombstone) == {"id", "type", "deleted", "modified"}
    assert tombstone["id"] == url and tombstone["deleted"] is True
    validate(tombstone)
    # Listed under modified_since only.
    body = f"{API}body/{world.committee.organisation_id}/membership/"
    assert url not in [obj["id"] for obj in client.get(body).json()["data"]]
    listed = client.get(body, {"modified_since": "2000-01-01T00:00:00+00:00"}).json()["data"]
    assert tombstone in listed
    # Something never published stays a 404.
    assert client.get(f"{API}meeting/{world.draft.pk}/").status_code == 404


def test_an_object_that_changes_gets_a_new_modified_and_its_created_stays(world, client):
    url = f"{API}meeting/{world.upcoming.pk}/"
    before = client.get(url).json()
    records_refresh()  # nothing changed: nothing moves
    assert client.get(url).json() == before
    world.upcoming.location = "Regionens hus, sal C"
    world.upcoming.save()
    records_refresh()
    after = client.get(url).json()
    assert after["created"] == before["created"]
    assert after["modified"] > before["modified"]
    assert after["location"]["description"] == "Regionens hus, sal C"


def test_the_date_filters_select_by_created_and_modified(world, client):
    meetings = f"{API}body/{world.committee.organisation_id}/meeting/"
    every = client.get(meetings).json()["data"]
    stamps = sorted(obj["modified"] for obj in every)
    later = (timezone.now() + timedelta(days=3650)).isoformat()
    assert client.get(meetings, {"modified_since": later}).json()["pagination"]["totalElements"] == 0
    assert client.get(meetings, {"created_since": later}).json()["data"] == []
    until = client.get(meetings, {"modified_until": stamps[0]}).json()["data"]
    assert until and all(obj["modified"] <= stamps[0] for obj in until)
    since = client.get(meetings, {"modified_since": stamps[-1]}).json()["data"]
    assert since and all(obj["modified"] >= stamps[-1] for obj in since)
    created = client.get(meetings, {"created_until": "2000-01-01T00:00:00Z"}).json()["data"]
    assert created == []
    # An offset's "+" sent unencoded arrives as a space, and is still understood.
    unencoded = client.get(f"{meetings}?modified_since=2000-01-01T00:00:00 00:00").json()
    assert unencoded["pagination"]["totalElements"] == len(every)


@pytest.mark.parametrize(
    "query",
    [
        {"modified_since": "not-a-date"},
        {"created_since": "2024-13-01T00:00:00"},
        {"modified_until": "yesterday"},
        {"created_until": ""},
        {"elementsPerPage": "0"},
        {"elementsPerPage": "-1"},
        {"elementsPerPage": "many"},
        {"page": "first"},
    ],
)
def test_a_bad_filter_or_page_size_gives_400_with_a_json_error(world, client, query):
    response = client.get(f"{API}body/{world.committee.organisation_id}/meeting/", query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["error"] == "bad_request" and next(iter(query)) in body["message"]


def test_a_page_size_above_the_limit_is_lowered_to_it(world, client):
    data = client.get(
        f"{API}body/{world.committee.organisation_id}/meeting/", {"elementsPerPage": 5000}
    ).json()
    assert data["pagination"]["elementsPerPage"] == 100


def test_the_filters_are_kept_in_the_paging_links(world, client):
    query = {"modified_since": "2000-01-01T00:00:00+00:00", "created_until": "2100-01-01T00:00:00+00:00"}
    data = client.get(
        f"{API}body/{world.committee.organisation_id}/meeting/", {**query, "elementsPerPage": 1}
    ).json()
    assert data["pagination"]["totalPages"] > 1
    for name in ("first", "self", "last", "next"):
        link = data["links"][name]
        assert "modified_since=2000-01-01T00%3A00%3A00%2B00%3A00" in link, link
        assert "created_until=2100-01-01" in link and "elementsPerPage=1" in link
    following = client.get(data["links"]["next"]).json()
    assert following["pagination"]["currentPage"] == 2
    assert following["links"]["prev"] == data["links"]["self"]


def test_an_options_preflight_is_answered_with_the_cors_headers(world, client):
    response = client.options(f"{API}body/{world.committee.organisation_id}/meeting/")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]
    assert client.post(API).status_code == 405


def test_etag_and_last_modified_answer_304_when_nothing_changed(world, client):
    url = f"{API}meeting/{world.published.pk}/"
    response = client.get(url)
    etag, last_modified = response["ETag"], response["Last-Modified"]
    assert response["Access-Control-Expose-Headers"] == "ETag, Last-Modified"
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["Access-Control-Allow-Origin"] == "*"
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    gzipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert client.get(url, HTTP_IF_NONE_MATCH=gzipped["ETag"], HTTP_ACCEPT_ENCODING="gzip").status_code == 304


def test_answers_are_gzipped_for_a_client_that_accepts_it(world, client):
    url = f"{API}body/{world.committee.organisation_id}/meeting/"
    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert json.loads(gzip.decompress(packed.content)) == plain.json()


def test_system_and_body_carry_the_license(world, client):
    assert client.get(API).json()["license"] == mapping.LICENSE
    body = client.get(f"{API}body/{world.committee.organisation_id}/").json()
    assert body["license"] == "https://creativecommons.org/publicdomain/zero/1.0/"


def test_a_file_has_its_download_url_size_type_and_sha512_of_the_stored_file(world, client):
    document = AgendaItemDocument.objects.get(agenda_item=world.open_paragraph.agenda_item).document
    data = client.get(f"{API}file/{document.pk}/").json()
    document.file.open("rb")
    content = document.file.read()
    document.file.close()
    assert data["sha512Checksum"] == hashlib.sha512(content).hexdigest()
    assert data["size"] == len(content)
    assert data["mimeType"] == "application/pdf"
    download = client.get(data["downloadUrl"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content


def test_a_paper_has_its_type_date_and_consultations(world, client):
    case = world.open_paragraph.case
    data = client.get(f"{API}paper/{case.pk}/").json()
    assert data["paperType"] == "Ärende"
    assert data["date"] == "2022-03-01"
    consultations = {c["agendaItem"]: c for c in data["consultation"]}
    decided = consultations[f"{API}paragraph/{world.open_paragraph.pk}/"]
    assert decided["authoritative"] is True
    assert decided["meeting"] == f"{API}meeting/{world.published.pk}/"
    alone = client.get(decided["id"]).json()
    assert {key: value for key, value in alone.items() if key not in ("created", "modified")} == decided
    upcoming = [c for c in data["consultation"] if c["meeting"] == f"{API}meeting/{world.upcoming.pk}/"]
    assert len(upcoming) == 1 and upcoming[0]["authoritative"] is False
    paragraph = client.get(f"{API}paragraph/{world.open_paragraph.pk}/").json()
    assert paragraph["consultation"] == decided["id"]


def test_parties_are_organizations_with_the_memberships_of_their_people(world, client):
    organizations = client.get(f"{API}body/{world.committee.organisation_id}/organization/").json()["data"]
    parties = {o["shortName"]: o for o in organizations if o.get("organizationType") == "Fraktion"}
    assert set(parties) == {"C", "S"}
    assert parties["C"]["classification"] == "parti"
    [membership_url] = parties["C"]["membership"]
    membership = client.get(membership_url).json()
    assert membership["organization"] == parties["C"]["id"]
    person = client.get(membership["person"]).json()
    assert person["familyName"] == "Eriksson"


def test_a_save_asks_for_one_records_refresh_which_runs_when_the_transaction_commits(world, client):
    url = f"{API}meeting/{world.upcoming.pk}/"
    before = client.get(url).json()
    world.upcoming.location = "Regionens hus, sal D"
    world.upcoming.save()
    world.open_paragraph.case.title = "Ny rubrik"
    world.open_paragraph.case.save()
    connection = transaction.get_connection()
    due = [
        callback
        for _sids, callback, _robust in connection.run_on_commit
        if callback is signals._refresh_on_commit
    ]
    assert len(due) == 1, "one refresh per transaction, however many rows it changed"
    due[0]()  # what the commit runs: the refresh task (eager in the tests)
    after = client.get(url).json()
    assert after["modified"] > before["modified"]
    assert after["location"]["description"] == "Regionens hus, sal D"


def test_commits_while_a_refresh_waits_in_the_queue_queue_no_other_one(world, monkeypatch):
    from django.core.cache import cache

    from oparl import tasks

    queued = []  # what reaches the broker (counted here, instead of sent: nothing may run yet)
    monkeypatch.setattr(tasks.refresh_records, "delay", lambda: queued.append(1))
    cache.delete(tasks.PENDING)
    for _ in range(3):
        signals._refresh_on_commit()
    assert len(queued) == 1, "one refresh waits; the later commits are in what it will read"
    tasks.refresh_records.run()  # the worker starts it: from now on a commit queues the next
    signals._refresh_on_commit()
    assert len(queued) == 2
    cache.delete(tasks.PENDING)


def test_an_object_not_recorded_yet_is_new_to_every_filter_and_never_ahead_of_the_next_refresh(world, client):
    newest = Record.objects.aggregate(newest=Max("modified"))["newest"]
    meeting = MeetingFactory(
        committee=world.committee, start=timezone.now() + timedelta(days=30), status=Meeting.Status.PLANNED
    )
    url = f"{API}meeting/{meeting.pk}/"
    listed = client.get(
        f"{API}body/{world.committee.organisation_id}/meeting/", {"modified_since": newest.isoformat()}
    ).json()["data"]
    [shown] = [obj for obj in listed if obj["id"] == url]
    assert datetime.fromisoformat(shown["modified"]) == newest
    records_refresh()
    recorded = client.get(url).json()
    assert datetime.fromisoformat(recorded["modified"]) > newest
