"""Votes as open data: the OParl extension `paragraf:votes` on each open § of a published
protokoll (validated against its JSON Schema, oparl/schema/paragraf-votes.json) and the same
data as CSV per protokoll. A confidential § or an unpublished protokoll gives neither."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings
from django.urls import reverse

from attendance.models import Ballot, Disqualification, Reservation, Vote
from meetings.models import Meeting
from oparl.votes import EXTENSION, SCHEMA_PATH
from tests.factories import (
    AssignmentFactory,
    CommitteeFactory,
    MeetingFactory,
    ParagraphFactory,
    PartyFactory,
    PersonFactory,
    local,
    publish_protokoll,
)
from tests.test_oparl import validate as validate_oparl

pytestmark = pytest.mark.django_db

API = "http://testserver/oparl/v1.1/"
CANARY_SECRET = "KANARIE-VOTERING-SEKRETESS-6093"
CANARY_DRAFT = "KANARIE-VOTERING-UTKAST-2718"
SCHEMA = json.loads((Path(settings.BASE_DIR) / SCHEMA_PATH).read_text())


def _vote(paragraph, *, kind=Vote.Kind.OPEN, ballots=(), counts=(0, 0, 0), result="ja", order=1, **fields):
    vote = Vote.objects.create(
        paragraph=paragraph,
        order=order,
        kind=kind,
        proposition_yes=fields.pop("yes", "Bifall till arbetsutskottets förslag"),
        proposition_no=fields.pop("no", "Avslag"),
        yes_count=counts[0],
        no_count=counts[1],
        abstain_count=counts[2],
        result=result,
        **fields,
    )
    for person, choice in ballots:
        Ballot.objects.create(vote=vote, person=person, choice=choice)
    return vote


@pytest.fixture
def world():
    nämnd = CommitteeFactory(name="Nämnd för arbetsmarknad", slug="ana")
    s, m = PartyFactory(abbreviation="S"), PartyFactory(abbreviation="M")
    anna = PersonFactory(first_name="Anna", last_name="Andersson", party=s)
    bo = PersonFactory(first_name="Bo", last_name="Berg", party=m)
    cia = PersonFactory(first_name="Cia", last_name="Carlsson", party=m)
    ersättare = PersonFactory(first_name="Dan", last_name="Dahl", party=s)
    for person in (anna, bo, cia, ersättare):
        AssignmentFactory(person=person, committee=nämnd)
    guest = PersonFactory(first_name="Eva", last_name="Ek", party=None)  # no published assignment

    meeting = MeetingFactory(committee=nämnd, start=local(2024, 10, 11))
    budget = ParagraphFactory(
        meeting=meeting,
        number=12,
        title="Budget 2025",
        motions="<p>Anna Andersson (S) yrkar bifall. Cia Carlsson (M) yrkar avslag.</p>",
        procedure="<p>Ordföranden ställer proposition och finner bifall. Votering begärs.</p>",
        notes="<p>M lämnar en protokollsanteckning.</p>",
    )
    Y, N, A = Ballot.Choice.YES, Ballot.Choice.NO, Ballot.Choice.ABSTAIN
    _vote(budget, ballots=[(anna, Y), (bo, A), (cia, N), (guest, Y)], counts=(2, 1, 1))
    _vote(budget, kind=Vote.Kind.CLOSED, counts=(1, 3, 0), result="nej", order=2, is_election=True,
          yes="Anna Andersson", no="Cia Carlsson", decided_by_lot=False)  # fmt: skip
    Reservation.objects.create(paragraph=budget, person=cia, text="Till förmån för eget yrkande.")
    Disqualification.objects.create(
        paragraph=budget, person=bo, substitute=ersättare, reason="Styrelseledamot"
    )
    ParagraphFactory(meeting=meeting, number=13, title="Anmälningar")  # nothing to tell

    secret = ParagraphFactory(
        meeting=meeting,
        number=14,
        title=f"Personärende {CANARY_SECRET}",
        confidential=True,
        osl_reference="26 kap. 1 §",
        motions=f"<p>{CANARY_SECRET}</p>",
        notes=f"<p>{CANARY_SECRET}</p>",
    )
    _vote(secret, ballots=[(anna, Y), (cia, N)], counts=(1, 1, 0), yes=CANARY_SECRET, no=CANARY_SECRET)
    Reservation.objects.create(paragraph=secret, person=cia, text=CANARY_SECRET)
    Disqualification.objects.create(paragraph=secret, person=anna, reason=CANARY_SECRET)
    publish_protokoll(meeting, justerat_at=local(2024, 10, 18, 15))

    draft = MeetingFactory(
        committee=nämnd, start=local(2024, 12, 13), status=Meeting.Status.PROTOKOLL_DRAFTED
    )
    unpublished = ParagraphFactory(meeting=draft, number=30, title="Utkast", notes=f"<p>{CANARY_DRAFT}</p>")
    _vote(unpublished, ballots=[(anna, Y)], counts=(1, 0, 0), yes=CANARY_DRAFT, no=CANARY_DRAFT)
    Reservation.objects.create(paragraph=unpublished, person=cia, text=CANARY_DRAFT)
    return dict(meeting=meeting, budget=budget, secret=secret, draft=draft, unpublished=unpublished,
                anna=anna, bo=bo, cia=cia, ersättare=ersättare, guest=guest)  # fmt: skip


def extensions_in(data) -> list[dict]:
    """Every `paragraf:votes` object anywhere in an OParl response."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key == EXTENSION:
                found.append(value)
            else:
                found += extensions_in(value)
    elif isinstance(data, list):
        for value in data:
            found += extensions_in(value)
    return found


def api_pages(client, world) -> dict[str, str]:
    """The OParl objects and lists where a § appears, every page of each list."""
    body = world["meeting"].committee.organisation_id
    urls = [
        f"{API}paragraph/{world['budget'].pk}/",
        f"{API}paragraph/{world['secret'].pk}/",
        f"{API}meeting/{world['meeting'].pk}/",
        f"{API}body/{body}/meeting/",
        f"{API}body/{body}/agendaitem/",
        f"{API}organization/{world['meeting'].committee_id}/meeting/",
    ]
    pages = {}
    while urls:
        url = urls.pop()
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
        following = response.json().get("links", {}).get("next")
        if following:
            urls.append(following)
    return pages


def test_the_schema_is_a_valid_draft_2020_12_schema():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_every_emitted_votes_extension_validates_against_its_schema(client, world):
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    found = [ext for text in api_pages(client, world).values() for ext in extensions_in(json.loads(text))]
    assert len(found) >= 4, "the § appears as an object, in its meeting and in three lists"
    for extension in found:
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(extension)
        ]
        assert errors == []
    # And the schema rejects what it should: a closed vote with ballots, an unknown choice.
    closed = json.loads(json.dumps(found[0]))
    closed["votes"][1]["ballots"] = []
    assert not validator.is_valid(closed)
    wrong = json.loads(json.dumps(found[0]))
    wrong["votes"][0]["ballots"][0]["choice"] = "kanske"
    assert not validator.is_valid(wrong)


def test_the_extension_tells_propositions_result_ballots_reservations_and_jav(client, world):
    item = client.get(f"{API}paragraph/{world['budget'].pk}/").json()
    assert validate_oparl(item) == "AgendaItem", "the extension leaves a valid OParl AgendaItem"
    record = item[EXTENSION]
    person = {key: f"{API}person/{world[key].pk}/" for key in ("anna", "bo", "cia", "ersättare")}
    open_vote, closed_vote = record["votes"]
    assert open_vote["propositions"] == [
        {"label": "A", "choice": "yes", "text": "Bifall till arbetsutskottets förslag"},
        {"label": "B", "choice": "no", "text": "Avslag"},
    ]
    assert open_vote["counts"] == {"yes": 2, "no": 1, "abstain": 1}
    assert open_vote["outcome"] == "A" and open_vote["kind"] == "open"
    assert open_vote["ballots"] == [
        {"name": "Anna Andersson", "person": person["anna"], "party": "S", "choice": "yes"},
        {"name": "Bo Berg", "person": person["bo"], "party": "M", "choice": "abstain"},
        {"name": "Cia Carlsson", "person": person["cia"], "party": "M", "choice": "no"},
        # Not a published person: a name, no OParl id that would answer 404.
        {"name": "Eva Ek", "choice": "yes"},
    ]
    assert closed_vote["kind"] == "closed" and "ballots" not in closed_vote
    assert closed_vote["election"] is True and closed_vote["outcome"] == "B"
    assert closed_vote["counts"] == {"yes": 1, "no": 3, "abstain": 0}
    assert record["reservations"] == [
        {
            "name": "Cia Carlsson",
            "person": person["cia"],
            "party": "M",
            "text": "Till förmån för eget yrkande.",
        }
    ]
    assert record["disqualifications"] == [
        {
            "name": "Bo Berg",
            "person": person["bo"],
            "party": "M",
            "reason": "Styrelseledamot",
            "substitute": {"name": "Dan Dahl", "person": person["ersättare"], "party": "S"},
        }
    ]
    assert record["notes"] == "M lämnar en protokollsanteckning."
    assert record["motions"].startswith("Anna Andersson (S) yrkar bifall.")
    assert record["procedure"].startswith("Ordföranden ställer proposition")
    for url in person.values():
        assert client.get(url).status_code == 200
    # A § with nothing to tell has no extension (OParl leaves out empty values).
    meeting = client.get(f"{API}meeting/{world['meeting'].pk}/").json()
    plain = next(i for i in meeting["agendaItem"] if i["number"] == "§ 13")
    assert EXTENSION not in plain


def test_a_confidential_paragraph_and_an_unpublished_protokoll_give_no_votes(client, world):
    secret = client.get(f"{API}paragraph/{world['secret'].pk}/").json()
    assert EXTENSION not in secret
    assert client.get(f"{API}paragraph/{world['unpublished'].pk}/").status_code == 404
    for url, text in api_pages(client, world).items():
        assert CANARY_SECRET not in text and CANARY_DRAFT not in text, url
    for meeting in (world["meeting"], world["draft"]):
        response = client.get(reverse("portal:protokoll_votes_csv", args=[meeting.pk]))
        if response.status_code == 200:
            assert CANARY_SECRET not in response.content.decode("utf-8-sig")
    assert client.get(reverse("portal:protokoll_votes_csv", args=[world["draft"].pk])).status_code == 404


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8; header=present"
    assert response.content.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for spreadsheet programs"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_votes_csv_has_a_row_per_vote_ballot_reservation_and_jav(client, world):
    rows = csv_rows(client.get(reverse("portal:protokoll_votes_csv", args=[world["meeting"].pk])))
    assert {row["paragraf"] for row in rows} == {"§ 12"}
    kinds = [row["typ"] for row in rows]
    assert kinds == ["omröstning", "röst", "röst", "röst", "röst", "sluten omröstning", "reservation", "jäv"]
    vote = rows[0]
    assert (vote["proposition_a"], vote["proposition_b"]) == (
        "Bifall till arbetsutskottets förslag",
        "Avslag",
    )
    assert (vote["ja"], vote["nej"], vote["avstar"], vote["utfall"]) == ("2", "1", "1", "A")
    ballots = {row["person"]: row for row in rows if row["typ"] == "röst"}
    assert ballots["Anna Andersson"]["val"] == "ja" and ballots["Anna Andersson"]["proposition"] == "A"
    assert ballots["Anna Andersson"]["parti"] == "S"
    assert ballots["Anna Andersson"]["person_id"] == f"{API}person/{world['anna'].pk}/"
    assert ballots["Cia Carlsson"]["val"] == "nej" and ballots["Cia Carlsson"]["proposition"] == "B"
    assert ballots["Bo Berg"]["val"] == "avstår" and ballots["Bo Berg"]["proposition"] == ""
    assert ballots["Eva Ek"]["person_id"] == ""
    closed = rows[5]
    assert (closed["ja"], closed["nej"], closed["utfall"]) == ("1", "3", "B")
    assert rows[6]["person"] == "Cia Carlsson" and rows[6]["text"] == "Till förmån för eget yrkande."
    assert rows[7]["person"] == "Bo Berg" and rows[7]["text"] == "Styrelseledamot"
    assert rows[7]["ersattare"] == "Dan Dahl"


def test_the_public_protokoll_page_links_the_votes_csv(client, world):
    page = client.get(reverse("portal:protokoll", args=[world["meeting"].pk])).content.decode()
    assert f'href="{reverse("portal:protokoll_votes_csv", args=[world["meeting"].pk])}"' in page
    assert "Voteringar, reservationer och jäv som öppna data (CSV)" in page


def test_a_protokoll_without_votes_does_not_link_an_empty_csv(client):
    meeting = MeetingFactory(committee=CommitteeFactory())
    ParagraphFactory(meeting=meeting, number=1)
    publish_protokoll(meeting, justerat_at=local(2024, 10, 18))
    page = client.get(reverse("portal:protokoll", args=[meeting.pk])).content.decode()
    assert "voteringar.csv" not in page
    rows = csv_rows(client.get(reverse("portal:protokoll_votes_csv", args=[meeting.pk])))
    assert rows == []
