"""The OParl 1.1 API at /oparl/v1.1/: published data only, every object valid per the official
schemas, lists paged with `next` links, and nothing confidential or unpublished in it.

The data is built once for the module inside a transaction that is rolled back afterwards;
each test runs in a savepoint of it.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from committees.models import Assignment, Committee
from meetings import signing
from meetings.models import AgendaItemDocument, Meeting
from oparl import mapping, views
from oparl.records import records_refresh
from tests.factories import (
    AgendaItemFactory,
    AnslagFactory,
    AssignmentFactory,
    CaseFactory,
    CommitteeFactory,
    MeetingFactory,
    OrganisationFactory,
    ParagraphFactory,
    PartyFactory,
    PdfDocumentFactory,
    PersonFactory,
    local,
    publish_protokoll,
)

pytestmark = pytest.mark.django_db

API = "http://testserver/oparl/v1.1/"


def _schema_dir() -> Path:
    """../shared/conformance/oparl-1.1/schema next to the checkout; for a clone (CI clones the
    repository elsewhere) also next to the repository it was cloned from. PARAGRAF_OPARL_SCHEMA_DIR
    overrides both."""
    if os.environ.get("PARAGRAF_OPARL_SCHEMA_DIR"):
        return Path(os.environ["PARAGRAF_OPARL_SCHEMA_DIR"])
    relative = Path("shared") / "conformance" / "oparl-1.1" / "schema"
    candidates = [Path(settings.BASE_DIR).parent / relative]
    origin = subprocess.run(
        ["git", "-C", str(settings.BASE_DIR), "config", "--get", "remote.origin.url"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    if origin and "://" not in origin and Path(origin).is_dir():
        candidates.append(Path(origin).resolve().parent / relative)
    return next((path for path in candidates if path.is_dir()), candidates[0])


SCHEMA_DIR = _schema_dir()

CANARY_CONFIDENTIAL = "KANARIE-OPARL-SEKRETESS-4471"
CANARY_DRAFT = "KANARIE-OPARL-UTKAST-9013"
CANARY_AGENDA = "KANARIE-OPARL-DAGORDNING-3385"
CANARY_DOCUMENT = "KANARIE-OPARL-HANDLING-6620"
CANARY_INACTIVE = "KANARIE-OPARL-VILANDE-1207"
SECRET_EMAIL = "hemlig.adress@example.org"
SECRET_PHONE = "070-555 12 34"
CANARIES = (CANARY_CONFIDENTIAL, CANARY_DRAFT, CANARY_AGENDA, CANARY_DOCUMENT, CANARY_INACTIVE)


@dataclass
class World:
    committee: Committee
    published: Meeting
    upcoming: Meeting
    draft: Meeting
    cancelled: Meeting
    open_paragraph: object
    secret_paragraph: object


def build_world() -> World:
    """A region with a nämnd and its utskott: two published protokoll (one with a confidential
    §), an upcoming meeting with a published agenda, a draft, a cancelled meeting and an
    inactive committee, each unpublished thing carrying a canary."""
    region = OrganisationFactory(website="https://www.rjl.se", email="registrator@rjl.se", short_name="RJL")
    nämnd = CommitteeFactory(
        organisation=region, name="Nämnd för arbetsmarknad", short_name="ANA", slug="ana"
    )
    utskott = CommitteeFactory(
        organisation=region,
        name="Arbetsutskott",
        short_name="AU",
        slug="au",
        kind=Committee.Kind.SUBCOMMITTEE,
    )
    utskott.parent = nämnd
    utskott.save()
    inactive = CommitteeFactory(organisation=region, name=f"Vilande {CANARY_INACTIVE}", is_active=False)

    centre, social_democrats = PartyFactory(abbreviation="C"), PartyFactory(abbreviation="S")
    chair = PersonFactory(first_name="Rachel", last_name="De Basso", party=social_democrats)
    member = PersonFactory(first_name="Per", last_name="Eriksson", party=centre, email=SECRET_EMAIL)
    member.phone = SECRET_PHONE
    member.save()
    official = PersonFactory(first_name="Anna", last_name="Tjänsteman", title="regiondirektör")
    AssignmentFactory(
        person=chair, committee=nämnd, role=Assignment.Role.CHAIR, valid_from=local(2022, 10, 15).date()
    )
    AssignmentFactory(person=member, committee=nämnd, role=Assignment.Role.MEMBER)
    AssignmentFactory(
        person=member,
        committee=utskott,
        role=Assignment.Role.SUBSTITUTE,
        valid_from=local(2022, 10, 15).date(),
        valid_to=local(2026, 10, 14).date(),
    )
    AssignmentFactory(person=official, committee=nämnd, role=Assignment.Role.OFFICIAL)
    AssignmentFactory(person=PersonFactory(last_name=CANARY_INACTIVE), committee=inactive)

    case = CaseFactory(
        title="Motion om kultur för hälsa", registered_on=local(2022, 3, 1).date(), committee=nämnd
    )
    secret_case = CaseFactory(
        title=f"Ärende {CANARY_CONFIDENTIAL}", confidential=True, osl_reference="26 kap. 1 §"
    )

    # A published protokoll: an open § with a case and a handling, and a confidential §.
    published = MeetingFactory(
        committee=nämnd, start=local(2024, 10, 11, 9), end=local(2024, 10, 11, 12), agenda_published=True
    )
    open_item = AgendaItemFactory(meeting=published, order=1, title="Motion om kultur för hälsa", case=case)
    secret_item = AgendaItemFactory(
        meeting=published, order=2, title=f"Personärende {CANARY_CONFIDENTIAL}", confidential=True,
        osl_reference="26 kap. 1 §", case=secret_case,
    )  # fmt: skip
    handling = PdfDocumentFactory(
        title="Tjänsteskrivelse kultur för hälsa", case=case, date=local(2024, 9, 1).date()
    )
    AgendaItemDocument.objects.create(agenda_item=open_item, document=handling)
    open_paragraph = ParagraphFactory(
        meeting=published, agenda_item=open_item, number=41, order=1, title=open_item.title, case=case,
        decision="<p>Nämnden bifaller motionen.</p><p>Beslutet skickas till regionfullmäktige &amp; KS.</p>",
    )  # fmt: skip
    secret_paragraph = ParagraphFactory(
        meeting=published, agenda_item=secret_item, number=42, order=2, title=secret_item.title,
        case=secret_case, confidential=True, osl_reference="26 kap. 1 §",
        decision=f"<p>Beslut {CANARY_CONFIDENTIAL}</p>", summary=f"<p>{CANARY_CONFIDENTIAL}</p>",
    )  # fmt: skip
    publish_protokoll(published, justerat_at=local(2024, 10, 18, 15))
    # The public version (a § is confidential) is certified with the organisation's e-sigill,
    # so it is linked once there is a signing CA.
    if not signing.signing_ca_exists():
        signing.signing_ca_create(organisation_name="Region Jönköpings län")
    AnslagFactory(committee=nämnd, meeting=published, title="Justerat protokoll ANA 2024-10-11")

    # A second published protokoll, of the utskott.
    au_meeting = MeetingFactory(committee=utskott, start=local(2024, 12, 3, 13), location="Sal B")
    ParagraphFactory(meeting=au_meeting, number=1, title="Uppföljning")
    publish_protokoll(au_meeting, justerat_at=local(2024, 12, 5, 10), status=Meeting.Status.JUSTERAT)

    # An upcoming meeting with a published agenda: an open item with handlingar, a confidential one.
    upcoming = MeetingFactory(
        committee=nämnd,
        start=timezone.now() + timedelta(days=20),
        status=Meeting.Status.SUMMONED,
        agenda_published=True,
    )
    next_item = AgendaItemFactory(meeting=upcoming, order=1, title="Budget för kultur", case=case)
    AgendaItemFactory(
        meeting=upcoming, order=2, title=f"Personärende {CANARY_AGENDA}", confidential=True,
        osl_reference="39 kap. 3 §", public_title="Ansökan om stöd",
    )  # fmt: skip
    AgendaItemDocument.objects.create(
        agenda_item=next_item, document=PdfDocumentFactory(title="Budgetunderlag"), order=1
    )
    AgendaItemDocument.objects.create(
        agenda_item=next_item,
        document=PdfDocumentFactory(
            title=f"Bilaga {CANARY_DOCUMENT}", confidential=True, osl_reference="39 kap. 3 §"
        ),
        order=2,
    )

    # Not public: a drafted protokoll, a cancelled meeting, a meeting of an inactive committee.
    draft = MeetingFactory(
        committee=nämnd, start=local(2024, 12, 13, 9), status=Meeting.Status.PROTOKOLL_DRAFTED
    )
    draft_case = CaseFactory(title=f"Utkastärende {CANARY_DRAFT}")
    draft_item = AgendaItemFactory(meeting=draft, title=f"Utkast {CANARY_DRAFT}", case=draft_case)
    ParagraphFactory(meeting=draft, agenda_item=draft_item, number=43, title=f"Utkast {CANARY_DRAFT}",
                     decision=f"<p>{CANARY_DRAFT}</p>", case=draft_case)  # fmt: skip
    cancelled = MeetingFactory(
        committee=nämnd,
        start=timezone.now() + timedelta(days=40),
        status=Meeting.Status.CANCELLED,
        location=f"Inställt {CANARY_DRAFT}",
    )
    MeetingFactory(committee=inactive, start=local(2024, 9, 1), location=f"Rum {CANARY_INACTIVE}")
    return World(nämnd, published, upcoming, draft, cancelled, open_paragraph, secret_paragraph)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, private_file_dirs):
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        records_refresh()
        yield world
        transaction.set_rollback(True)


# --- Walking the API -------------------------------------------------------------------------------


@cache
def schema(type_name: str) -> dict:
    if not SCHEMA_DIR.is_dir():
        pytest.skip(f"The OParl 1.1 schemas are not at {SCHEMA_DIR}")
    return json.loads((SCHEMA_DIR / f"{type_name}.json").read_text())


def validate(obj: dict) -> str:
    """Validate an object against the schema of its type, and its embedded objects against theirs
    (the schemas mark them `"schema": "X.json"`). Returns the type's name."""
    assert isinstance(obj, dict), obj
    type_name = obj["type"].rsplit("/", 1)[-1]
    definition = schema(type_name)
    if obj.get("deleted"):
        # A tombstone (OParl 1.1 "deleted" objects): id, type, deleted and modified, nothing else;
        # the schema's other required properties do not apply to it.
        assert set(obj) == {"id", "type", "deleted", "modified"}, obj
        tombstone_schema = {**definition, "required": ["id", "type", "deleted", "modified"]}
        jsonschema.validate(obj, tombstone_schema, format_checker=jsonschema.FormatChecker())
        return type_name
    jsonschema.validate(obj, definition, format_checker=jsonschema.FormatChecker())
    for key, prop in definition["properties"].items():
        if key not in obj:
            continue
        if prop.get("type") == "object" and "schema" in prop:
            assert validate(obj[key]) == prop["schema"].removesuffix(".json")
        elif prop.get("type") == "array" and "schema" in prop.get("items", {}):
            for item in obj[key]:
                assert validate(item) == prop["items"]["schema"].removesuffix(".json")
    return type_name


def api_urls(value):
    """Every URL into the API in a JSON value."""
    if isinstance(value, str):
        if value.startswith(API):
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from api_urls(item)
    elif isinstance(value, list):
        for item in value:
            yield from api_urls(item)


def assert_timestamps(obj: dict) -> None:
    """`created` and `modified` (a tombstone: `modified` only) as ISO 8601 date-times with an offset."""
    names = ("modified",) if obj.get("deleted") else ("created", "modified")
    for name in names:
        assert name in obj, (obj["id"], name)
        assert datetime.fromisoformat(obj[name]).tzinfo is not None, (obj["id"], obj[name])


def walk(client: Client) -> tuple[dict[str, str], set[str]]:
    """Fetch the System object and every API URL reachable from it (list pages and `next`
    links included). Returns {url: response text} and the set of types seen."""
    seen, types = {}, set()
    queue = deque([API])
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response["Access-Control-Allow-Origin"] == "*"
        seen[url] = response.content.decode()
        data = response.json()
        if "data" in data:  # a list page
            assert set(data) >= {"data", "pagination", "links"}, url
            pagination = data["pagination"]
            if pagination["currentPage"] < pagination["totalPages"]:
                assert "next" in data["links"], url
            for obj in data["data"]:
                types.add(validate(obj))
            objects = data["data"]
        else:
            types.add(validate(data))
            assert data["id"] == url, "an object's id is the URL it is fetched from"
            objects = [data]
        for obj in objects:  # created/modified on every object but the System and masked ones
            if obj["type"] != mapping.oparl_type("System") and obj.get("public") is not False:
                assert_timestamps(obj)
        queue.extend(api_urls(data))
    return seen, types


ALL_TYPES = {
    "System", "Body", "Organization", "Person", "Membership", "Meeting", "AgendaItem", "Paper", "File",
    "Location", "LegislativeTerm", "Consultation",
}  # fmt: skip


@pytest.fixture
def small_pages(monkeypatch):
    """Two objects a page, so that the walk follows `next` links."""
    monkeypatch.setattr(views, "PAGE_SIZE", 2)


def test_every_object_reachable_from_the_system_object_validates_against_the_oparl_schemas(
    world, client, small_pages
):
    if not SCHEMA_DIR.is_dir():
        pytest.skip(f"The OParl 1.1 schemas are not at {SCHEMA_DIR}")
    pages, types = walk(client)
    assert types == ALL_TYPES
    assert any("page=2" in url for url in pages), "the walk followed a next link"
    assert f"{API}meeting/{world.published.pk}/" in pages
    assert f"{API}paragraph/{world.secret_paragraph.pk}/" in pages


def test_nothing_confidential_or_unpublished_appears_anywhere_in_the_api_or_the_feeds(
    world, client, small_pages
):
    pages, _types = walk(client)
    feeds = [reverse("portal:calendar"), reverse("portal:protokoll_feed"), reverse("portal:anslag_feed")]
    feeds += [reverse("portal:committee_calendar", args=[slug]) for slug in ("ana", "au")]
    for url in feeds:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    everything = "\n".join(pages.values())
    for canary in (*CANARIES, SECRET_EMAIL, SECRET_PHONE):
        assert canary not in everything, canary
    assert f"{API}meeting/{world.draft.pk}/" not in pages
    assert f"{API}meeting/{world.cancelled.pk}/" not in pages


# --- What the objects say ------------------------------------------------------------------------


def test_a_confidential_paragraph_gives_only_its_number_and_the_osl_ground(world, client):
    data = client.get(f"{API}paragraph/{world.secret_paragraph.pk}/").json()
    assert data["number"] == "§ 42"
    assert "26 kap. 1 §" in data["name"]
    assert data["public"] is False
    assert not {"resolutionText", "auxiliaryFile", "consultation", "modified"} & set(data)


def test_an_open_paragraph_has_its_decision_as_text_and_its_handlingar(world, client):
    data = client.get(f"{API}paragraph/{world.open_paragraph.pk}/").json()
    assert data["number"] == "§ 41"
    assert data["order"] == 0
    assert data["resolutionText"] == (
        "Nämnden bifaller motionen.\nBeslutet skickas till regionfullmäktige & KS."
    )
    assert [file["name"] for file in data["auxiliaryFile"]] == ["Tjänsteskrivelse kultur för hälsa"]
    assert data["auxiliaryFile"][0]["accessUrl"].startswith("http://testserver/handlingar/")


def test_a_published_meeting_embeds_its_paragraphs_place_and_protokoll(world, client):
    data = client.get(f"{API}meeting/{world.published.pk}/").json()
    assert data["start"] == "2024-10-11T09:00:00+02:00"
    assert data["end"] == "2024-10-11T12:00:00+02:00"
    assert data["location"]["id"] == f"{API}location/{world.published.pk}/"
    assert [item["number"] for item in data["agendaItem"]] == ["§ 41", "§ 42"]
    assert [item["order"] for item in data["agendaItem"]] == [0, 1]
    protokoll = data["resultsProtocol"]
    assert protokoll["accessUrl"] == f"http://testserver/protokoll/{world.published.pk}/protokoll.pdf"
    assert protokoll["date"] == "2024-10-18"


def test_an_upcoming_meeting_embeds_its_published_agenda_numbered_as_the_kallelse(world, client):
    data = client.get(f"{API}meeting/{world.upcoming.pk}/").json()
    items = data["agendaItem"]
    assert [item["number"] for item in items] == ["1", "2"]
    assert items[0]["name"] == "Budget för kultur"
    assert [file["name"] for file in items[0]["auxiliaryFile"]] == ["Budgetunderlag"]
    assert items[1]["public"] is False and "auxiliaryFile" not in items[1]
    assert "resultsProtocol" not in data
    alone = client.get(items[1]["id"]).json()
    assert alone == {**items[1], "meeting": data["id"]}


def test_a_person_has_name_party_and_memberships_but_no_contact_details(world, client):
    body = client.get(f"{API}body/{world.committee.organisation_id}/person/").json()
    per = next(person for person in body["data"] if person["familyName"] == "Eriksson")
    assert per["name"] == "Per Eriksson"
    assert per["paragraf:party"].endswith("(C)")
    assert "email" not in per and "phone" not in per
    roles = {(m["role"], m["votingRight"], m.get("endDate")) for m in per["membership"]}
    assert roles == {("ledamot", True, None), ("ersättare", False, "2026-10-14")}


def test_a_case_is_a_paper_with_its_diarienummer(world, client):
    papers = client.get(f"{API}body/{world.committee.organisation_id}/paper/").json()["data"]
    assert [paper["reference"] for paper in papers] == [world.open_paragraph.case.diarienummer]
    assert papers[0]["underDirectionOf"] == [f"{API}organization/{world.committee.pk}/"]


def test_the_legislative_terms_are_the_four_year_mandatperioder(world, client):
    body = client.get(f"{API}body/{world.committee.organisation_id}/").json()
    first = body["legislativeTerm"][0]
    assert (first["startDate"], first["endDate"]) == ("2022-10-15", "2026-10-14")
    assert first["id"] == f"{API}legislativeterm/2022/"


def test_unknown_and_unpublished_objects_give_a_json_404(world, client):
    for path in (
        f"meeting/{world.draft.pk}/",
        f"meeting/{world.cancelled.pk}/",
        "meeting/999999/",
        "legislativeterm/2021/",
        "no-such-thing/",
        "body/1/meeting/?page=99",
    ):
        response = client.get(API + path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response.json()["error"] == "not_found"


def add_more_of_everything(committee):
    """Another published protokoll, another upcoming meeting, more people and cases."""
    for day in (5, 6):
        case = CaseFactory(committee=committee)
        meeting = MeetingFactory(committee=committee, start=local(2024, 11, day), agenda_published=True)
        for number in (1, 2):
            item = AgendaItemFactory(meeting=meeting, case=case)
            AgendaItemDocument.objects.create(agenda_item=item, document=PdfDocumentFactory(case=case))
            ParagraphFactory(meeting=meeting, agenda_item=item, number=100 * day + number, case=case)
        publish_protokoll(meeting, justerat_at=local(2024, 11, day + 7))
        upcoming = MeetingFactory(
            committee=committee,
            start=timezone.now() + timedelta(days=day),
            status=Meeting.Status.AGENDA_DRAFTED,
            agenda_published=True,
        )
        item = AgendaItemFactory(meeting=upcoming, case=case)
        AgendaItemDocument.objects.create(agenda_item=item, document=PdfDocumentFactory())
        AssignmentFactory(
            person=PersonFactory(party=PartyFactory(abbreviation=f"P{day}")), committee=committee
        )
        CommitteeFactory(organisation=committee.organisation, parent=committee)


def test_queries_per_list_page_do_not_grow_with_the_number_of_objects_on_it(world, client):
    body = f"{API}body/{world.committee.organisation_id}/"
    names = ("organization", "person", "membership", "meeting", "agendaitem", "paper", "file", "location")

    def queries_per_page():
        counts = {}
        for name in names:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"{body}{name}/").status_code == 200
            counts[name] = len(queries)
        return counts

    before = queries_per_page()
    add_more_of_everything(world.committee)
    assert client.get(f"{body}meeting/").json()["pagination"]["totalElements"] == 7
    assert queries_per_page() == before
