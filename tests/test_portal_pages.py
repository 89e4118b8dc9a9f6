"""The public portal's pages: the start page, committees, the protokoll list with its
bookmarkable filters, a protokoll and its paragraphs as HTML, the public PDF and the
protokollsutdrag, meetings, cases and handlingar. Only published protokoll are shown and a
confidential § shows only "§ n — Sekretess (OSL …)"."""

import shutil
import subprocess
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attendance.models import Attendance, Ballot, Disqualification, Reservation, Vote
from committees.models import Assignment
from meetings import signing
from meetings.justering.services import protokoll_freeze, protokoll_set_signers, protokoll_sign
from meetings.justering.utdrag import pdf_signed_field_names
from meetings.models import AgendaItem, AgendaItemDocument, Anslag, Justering, Meeting, RenderedDocument
from meetings.services.paragraphs import protokoll_create_draft
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    CaseFactory,
    CommitteeFactory,
    MeetingFactory,
    PartyFactory,
    PdfDocumentFactory,
    PersonFactory,
    local,
    member_of,
    secretary_of,
    store_signed_file,
)

pytestmark = pytest.mark.django_db

Status = Meeting.Status
PASSWORD = "pw-for-tests-1"  # UserFactory's
CANARY = "HEMLIG-KANARIE-4711"
QUERY_LIMIT = 20  # per page, whatever the size of the protokoll or the archive


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def pdf_text(pdf: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def held_meeting(committee, start, items, **fields) -> Meeting:
    """A held meeting with one agenda item per dict of `items`, drafted into paragraphs (the
    item's `proposal` becomes the § decision)."""
    meeting = MeetingFactory(committee=committee, start=start, status=Status.HELD, **fields)
    for order, item in enumerate(items, start=1):
        AgendaItemFactory(meeting=meeting, order=order, **item)
    protokoll_create_draft(meeting=meeting)
    meeting.refresh_from_db()
    return meeting


def mark_justerat(meeting, *, status=Status.JUSTERAT) -> Meeting:
    """Justerat without the signing ceremony (the pages only read the state)."""
    justering, _created = Justering.objects.get_or_create(meeting=meeting)
    # The signed file first: once the justering is complete, the database refuses to change it.
    store_signed_file(justering)
    Justering.objects.filter(pk=justering.pk, completed_at__isnull=True).update(completed_at=timezone.now())
    Meeting.objects.filter(pk=meeting.pk).update(status=status)
    meeting.refresh_from_db()
    return meeting


def published_meeting(committee, start, items, **fields) -> Meeting:
    return mark_justerat(held_meeting(committee, start, items, **fields))


@pytest.fixture
def organ():
    return CommitteeFactory(name="Kommunalt forum", short_name="KF", slug="kommunalt-forum")


# --- Start page, committees ------------------------------------------------------------------------


def test_start_page_shows_upcoming_meeting_todays_anslag_and_latest_protokoll(client, organ):
    upcoming = MeetingFactory(
        committee=organ,
        start=timezone.now() + timedelta(days=7),
        status=Status.SUMMONED,
        agenda_published=True,
    )
    protokoll = published_meeting(organ, local(2024, 10, 11), [{"title": "Regional utvecklingsstrategi"}])
    today = timezone.localdate()
    anslag = Anslag.objects.create(
        committee=organ,
        meeting=protokoll,
        title="Protokoll Kommunalt forum 2024-10-11",
        posted_on=today - timedelta(days=2),
        take_down_on=today + timedelta(days=19),
    )
    old = Anslag.objects.create(
        committee=organ,
        title="Nedtaget anslag",
        kind=Anslag.Kind.OTHER,
        posted_on=today - timedelta(days=60),
        take_down_on=today - timedelta(days=30),
    )

    response = client.get(reverse("portal:start"))

    assert response.status_code == 200
    assert list(response.context["upcoming"]) == [upcoming]
    assert response.context["anslag"] == [anslag]
    assert list(response.context["latest"]) == [protokoll]
    html = response.content.decode()
    assert reverse("portal:meeting", args=[upcoming.pk]) in html
    assert reverse("portal:anslag", args=[anslag.pk]) in html and old.title not in html
    assert reverse("portal:protokoll", args=[protokoll.pk]) in html
    assert reverse("portal:anslagstavla") in html


def test_committee_page_lists_current_members_with_party_and_role_and_its_years(client, organ):
    party = PartyFactory(abbreviation="KD", name="Kristdemokraterna")
    chair = AssignmentFactory(
        committee=organ,
        role=Assignment.Role.CHAIR,
        person=PersonFactory(last_name="Ordförandesson", party=party),
    )
    AssignmentFactory(
        committee=organ,
        role=Assignment.Role.MEMBER,
        person=PersonFactory(last_name="Avgången"),
        valid_to=timezone.localdate() - timedelta(days=1),
    )
    substitute = AssignmentFactory(committee=organ, role=Assignment.Role.SUBSTITUTE, substitute_order=1)
    published_meeting(organ, local(2023, 3, 1), [{"title": "Ett ärende"}])
    published_meeting(organ, local(2024, 3, 1), [{"title": "Ett annat ärende"}])

    response = client.get(reverse("portal:committee", args=[organ.slug]))

    assert response.context["members"] == [chair]
    assert response.context["substitutes"] == [substitute]
    assert response.context["years"] == [2024, 2023]
    html = response.content.decode()
    assert "Ordförandesson" in html and ">KD<" in html and "Avgången" not in html
    assert "email" not in html.lower() or chair.person.email not in html
    assert f"{reverse('portal:protokoll_list')}?organ={organ.slug}&amp;ar=2024" in html
    assert reverse("portal:committee_calendar", args=[organ.slug]) in html
    assert organ.name in client.get(reverse("portal:committees")).content.decode()
    inactive = CommitteeFactory(is_active=False)
    assert client.get(reverse("portal:committee", args=[inactive.slug])).status_code == 404


# --- The list ------------------------------------------------------------------------------------


def test_protokoll_list_filters_by_organ_year_kind_and_text_with_bookmarkable_get_urls(client, organ):
    other = CommitteeFactory(name="Kulturutskottet", slug="kulturutskottet")
    strategy = published_meeting(
        organ,
        local(2024, 10, 11),
        [
            {"title": "Regional utvecklingsstrategi", "kind": AgendaItem.Kind.DECISION},
            {"title": "Information om Nära vård", "kind": AgendaItem.Kind.INFORMATION},
        ],
    )
    older = published_meeting(
        organ, local(2023, 5, 4), [{"title": "Budget", "kind": AgendaItem.Kind.DECISION}]
    )
    culture = published_meeting(other, local(2024, 9, 29), [{"title": "Kulturstipendier"}])
    held_meeting(organ, local(2024, 12, 13), [{"title": "Utkast om strategi"}])  # a draft: never listed

    def listed(query: str):
        response = client.get(reverse("portal:protokoll_list") + query)
        assert response.status_code == 200
        return list(response.context["page"].object_list)

    assert listed("") == [strategy, culture, older]
    assert listed("?organ=kommunalt-forum") == [strategy, older]
    assert listed("?organ=kommunalt-forum&ar=2024") == [strategy]
    assert listed("?typ=information") == [strategy]
    assert listed("?text=strategi") == [strategy]
    assert listed("?typ=information&text=strategi") == []  # both must match the same §
    assert listed("?ar=2023&typ=beslut") == [older]

    # The filtered list names the matching paragraphs and keeps the filter in the form and pager.
    response = client.get(reverse("portal:protokoll_list") + "?organ=kommunalt-forum&text=strategi")
    page = response.context["page"]
    assert [p.title for p in page.object_list[0].matches] == ["Regional utvecklingsstrategi"]
    html = response.content.decode()
    assert 'method="get"' in html
    assert 'name="organ"' in html and 'value="kommunalt-forum" selected' in html
    assert 'name="text"' in html and 'value="strategi"' in html
    number = strategy.paragraphs.get().number if strategy.paragraphs.count() == 1 else None
    assert number is None  # two paragraphs; the link goes to the matching one's anchor
    matching = strategy.paragraphs.get(title="Regional utvecklingsstrategi")
    assert f"{reverse('portal:protokoll', args=[strategy.pk])}#paragraf-{matching.number}" in html


def test_protokoll_list_finds_a_diarienummer_and_is_paginated(client, organ):
    case = CaseFactory(prefix="RJL", year=2021, serial=1342, title="Motion om hälsa")
    found = published_meeting(organ, local(2022, 2, 22), [{"title": "Motion", "case": case}])
    for day in range(1, 4):
        published_meeting(organ, local(2021, 3, day), [{"title": f"Ärende {day}"}])
    assert list(client.get(reverse("portal:protokoll_list") + "?text=RJL+2021/1342").context["page"]) == [
        found
    ]

    from portal.views import pages

    original = pages.PROTOKOLL_PER_PAGE
    pages.PROTOKOLL_PER_PAGE = 2
    try:
        first = client.get(reverse("portal:protokoll_list") + "?organ=kommunalt-forum")
        second = client.get(reverse("portal:protokoll_list") + "?organ=kommunalt-forum&sida=2")
    finally:
        pages.PROTOKOLL_PER_PAGE = original
    assert len(first.context["page"].object_list) == 2 and len(second.context["page"].object_list) == 2
    assert "?organ=kommunalt-forum&amp;sida=2" in first.content.decode()


# --- One protokoll -------------------------------------------------------------------------------


def test_protokoll_page_shows_each_paragraph_of_a_justerat_meeting_and_404_for_draft_and_frozen(
    client, organ, signing_ca
):
    case = CaseFactory(year=2024, serial=3336)
    meeting = published_meeting(
        organ,
        local(2024, 10, 11, 9, 0),
        [
            {"title": "Val av justerare", "proposal": "<p>Kerstin Hammar utses att justera.</p>"},
            {
                "title": "Regional utvecklingsstrategi",
                "case": case,
                "proposal": "<p>Kommunalt forum ställer sig bakom strategin.</p>",
            },
        ],
        location="Regionens hus, sal A",
    )
    first, second = meeting.paragraphs.order_by("order")
    # The organisation's e-sigill certifies the protokollsutdrag (signing_ca), so they are linked.
    draft = held_meeting(organ, local(2024, 12, 13), [{"title": "Utkast"}])
    frozen = held_meeting(organ, local(2024, 11, 15), [{"title": "Fryst"}])
    Meeting.objects.filter(pk=frozen.pk).update(status=Status.READY_FOR_JUSTERING)
    Justering.objects.create(meeting=frozen, frozen_at=timezone.now())

    response = client.get(reverse("portal:protokoll", args=[meeting.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Kommunalt forum ställer sig bakom strategin." in html
    assert "Regionens hus, sal A" in html
    assert f'id="paragraf-{second.number}"' in html
    assert reverse("portal:paragraph", args=[meeting.pk, second.number]) in html
    assert reverse("portal:protokollsutdrag", args=[meeting.pk, second.number]) in html
    assert reverse("portal:protokoll_pdf", args=[meeting.pk]) in html
    assert reverse("portal:case", args=[case.pk]) in html and case.diarienummer in html

    one = client.get(reverse("portal:paragraph", args=[meeting.pk, first.number]))
    assert one.status_code == 200
    assert "Kerstin Hammar utses att justera." in one.content.decode()
    assert "ställer sig bakom strategin" not in one.content.decode()
    assert client.get(reverse("portal:paragraph", args=[meeting.pk, 999])).status_code == 404

    for hidden in (draft, frozen):
        assert client.get(reverse("portal:protokoll", args=[hidden.pk])).status_code == 404
        assert client.get(reverse("portal:protokoll_pdf", args=[hidden.pk])).status_code == 404
        number = hidden.paragraphs.get().number
        assert client.get(reverse("portal:paragraph", args=[hidden.pk, number])).status_code == 404
        assert client.get(reverse("portal:protokollsutdrag", args=[hidden.pk, number])).status_code == 404
    # A meeting whose protokoll is not public is not on the calendar either once it is held.
    assert client.get(reverse("portal:meeting", args=[draft.pk])).status_code == 404


def test_protokoll_page_shows_attendance_votes_reservations_jav_justering_and_anslag(client, organ):
    party = PartyFactory(abbreviation="M")
    kerstin = PersonFactory(first_name="Kerstin", last_name="Hammar", party=party)
    per = PersonFactory(first_name="Per", last_name="Eriksson")
    for person in (kerstin, per):
        AssignmentFactory(committee=organ, person=person)
    meeting = held_meeting(organ, local(2024, 10, 11), [{"title": "Budget"}])
    paragraph = meeting.paragraphs.get()
    Attendance.objects.create(meeting=meeting, person=kerstin, capacity=Attendance.Capacity.MEMBER)
    Attendance.objects.create(meeting=meeting, person=per, capacity=Attendance.Capacity.MEMBER)
    vote = Vote.objects.create(
        paragraph=paragraph, proposition_yes="Bifall", proposition_no="Avslag", result=Vote.Result.YES
    )
    Ballot.objects.create(vote=vote, person=kerstin, choice=Ballot.Choice.YES)
    Ballot.objects.create(vote=vote, person=per, choice=Ballot.Choice.NO)
    Reservation.objects.create(paragraph=paragraph, person=per, text="Reservationstext om budgeten")
    Disqualification.objects.create(paragraph=paragraph, person=kerstin, reason="släkt")
    # The signature is made before the protokoll is justerat (then no signer can be added).
    justering = Justering.objects.create(meeting=meeting)
    store_signed_file(justering)  # before its last signature: then the file is fixed
    signer = justering.signatures.create(
        person=kerstin, role="justerare", signed_at=timezone.now() - timedelta(days=1)
    )
    mark_justerat(meeting, status=Status.POSTED)
    justering = meeting.justering
    Anslag.objects.create(
        committee=organ,
        meeting=meeting,
        title="Anslag",
        posted_on=local(2024, 10, 18).date(),
        appeal_ends_on=local(2024, 11, 8).date(),
        take_down_on=local(2024, 11, 9).date(),
    )

    response = client.get(reverse("portal:protokoll", args=[meeting.pk]))

    html = response.content.decode()
    assert "Kerstin Hammar (M)" in html and "Per Eriksson" in html  # attendance and ballots
    assert "Bifall" in html and "Avslag" in html
    assert "Reservationstext om budgeten" in html
    assert response.context["paragraphs"][0]["disqualifications"][0]["name"] == "Kerstin Hammar (M)"
    assert response.context["signers"] == [
        {
            "role": "justerare",
            "name": "Kerstin Hammar (M)",
            "signed_on": timezone.localtime(signer.signed_at).date(),
        }
    ]
    assert response.context["justerat_on"] == timezone.localdate(justering.completed_at)
    assert (
        'datetime="2024-10-18"' in html
        and 'datetime="2024-11-08"' in html
        and 'datetime="2024-11-09"' in html
    )


# --- Confidential paragraphs -----------------------------------------------------------------------


@pytest.fixture
def secret_meeting(organ):
    """A justerat protokoll with an open § and a confidential § full of canaries."""
    case = CaseFactory(title="Öppet ärende")
    secret_case = CaseFactory(title=f"Ärende {CANARY}", confidential=True, osl_reference="26 kap. 1 §")
    meeting = published_meeting(
        organ,
        local(2024, 10, 11),
        [
            {"title": "Öppen paragraf", "case": case, "proposal": "<p>Öppet beslut.</p>"},
            {
                "title": f"Personärende {CANARY}",
                "case": secret_case,
                "confidential": True,
                "osl_reference": "26 kap. 1 §",
                "proposal": f"<p>Beslut {CANARY}</p>",
                "summary": f"<p>Sammanfattning {CANARY}</p>",
            },
        ],
    )
    return meeting


def test_confidential_paragraph_shows_only_its_number_and_osl_ground(client, secret_meeting):
    secret = secret_meeting.paragraphs.get(confidential=True)
    heading = f"§ {secret.number} — Sekretess (OSL 26 kap. 1 §)"
    urls = [
        reverse("portal:protokoll", args=[secret_meeting.pk]),
        reverse("portal:paragraph", args=[secret_meeting.pk, secret.number]),
        reverse("portal:protokoll_list"),
        reverse("portal:start"),
    ]
    for url in urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="sv")
        assert response.status_code == 200, url
        html = response.content.decode()
        assert CANARY not in html, url
    protokoll = client.get(urls[0]).content.decode()
    assert heading in protokoll and f'id="paragraf-{secret.number}"' in protokoll
    assert "Öppet beslut." in protokoll
    searched = client.get(reverse("portal:protokoll_list") + f"?text={CANARY}")
    assert list(searched.context["page"].object_list) == []  # the text only echoes in the form
    assert client.get(reverse("portal:case", args=[secret.case_id])).status_code == 404


def test_protokollsutdrag_of_a_confidential_paragraph_is_404(client, secret_meeting):
    secret = secret_meeting.paragraphs.get(confidential=True)
    response = client.get(reverse("portal:protokollsutdrag", args=[secret_meeting.pk, secret.number]))
    assert response.status_code == 404
    assert not RenderedDocument.objects.filter(paragraph=secret).exists()


def test_public_pdf_that_cannot_be_certified_is_not_served(client, secret_meeting, settings, tmp_path):
    """No signing CA, so no e-sigill: nothing can certify the public version, so none is served."""
    settings.PARAGRAF_SIGNING_DIR = tmp_path / "no-signing-ca"
    response = client.get(reverse("portal:protokoll_pdf", args=[secret_meeting.pk]))
    assert response.status_code == 503
    assert not RenderedDocument.objects.filter(meeting=secret_meeting).exists()


# --- The PDFs (real justering and signatures) ---------------------------------------------------


@pytest.fixture
def fresh_certificates():
    """Person certificates are keyed by the person's id, which SQLite may reuse between tests."""
    people = signing.signing_dir() / "people"
    shutil.rmtree(people, ignore_errors=True)
    yield
    shutil.rmtree(people, ignore_errors=True)


def justera(meeting, committee) -> Meeting:
    """Choose signers, freeze and sign the protokoll for real: it is justerat."""
    secretary = secretary_of(committee)
    chair = member_of(committee, role=Assignment.Role.CHAIR)
    adjuster = member_of(committee)
    protokoll_set_signers(
        meeting=meeting, chair=chair.person, adjusters=[adjuster.person], secretary=secretary.person
    )
    protokoll_freeze(meeting=meeting, by=secretary)
    meeting.refresh_from_db()
    for signature in meeting.justering.signatures.select_related("person__user"):
        protokoll_sign(signature=signature, user=signature.person.user, password=PASSWORD)
    meeting.refresh_from_db()
    assert meeting.status in (Status.JUSTERAT, Status.POSTED)
    return meeting


@pytest.mark.usefixtures("signing_ca", "fresh_certificates")
def test_public_pdf_of_a_protokoll_with_a_confidential_paragraph_leaves_out_its_text(client, organ):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    meeting = held_meeting(
        organ,
        local(2024, 10, 11),
        [
            {"title": "Öppen paragraf", "proposal": "<p>Öppet beslut om budget.</p>"},
            {
                "title": f"Personärende {CANARY}",
                "confidential": True,
                "osl_reference": "26 kap. 1 §",
                "proposal": f"<p>Beslut {CANARY}</p>",
            },
        ],
    )
    meeting = justera(meeting, organ)
    url = reverse("portal:protokoll_pdf", args=[meeting.pk])

    response = client.get(url)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = content(response)
    text = pdf_text(pdf)
    assert "Öppet beslut om budget." in text
    assert CANARY not in text
    assert CANARY in pdf_text(meeting.justering.signed_file.open("rb").read())  # the original has it
    assert pdf_signed_field_names(pdf) == ["bestyrkande"]
    (seal,) = signing.pdf_verify(pdf)  # sealed with the organisation's e-sigill, not in a person's name
    assert seal.ok and seal.seal and seal.signer == f"{meeting.committee.organisation.name} — e-sigill"
    # Built once: a second download serves the stored copy.
    assert content(client.get(url)) == pdf
    assert (
        RenderedDocument.objects.filter(meeting=meeting, kind=RenderedDocument.Kind.PROTOKOLL_PUBLIC).count()
        == 1
    )
    page = client.get(reverse("portal:protokoll", args=[meeting.pk]))
    assert page.context["has_confidential"] is True


@pytest.mark.usefixtures("signing_ca", "fresh_certificates")
def test_signed_protokoll_and_certified_extract_are_served_when_nothing_is_confidential(client, organ):
    meeting = held_meeting(organ, local(2024, 10, 11), [{"title": "Öppen paragraf"}])
    meeting = justera(meeting, organ)
    paragraph = meeting.paragraphs.get()

    response = client.get(reverse("portal:protokoll_pdf", args=[meeting.pk]))

    assert response.status_code == 200
    assert content(response) == meeting.justering.signed_file.open("rb").read()
    assert not RenderedDocument.objects.filter(kind=RenderedDocument.Kind.PROTOKOLL_PUBLIC).exists()
    extract = client.get(reverse("portal:protokollsutdrag", args=[meeting.pk, paragraph.number]))
    assert extract.status_code == 200 and extract["Content-Type"] == "application/pdf"
    assert pdf_signed_field_names(content(extract)) == ["bestyrkande"]


# --- Meetings, cases, handlingar ---------------------------------------------------------------------


def test_meeting_page_shows_the_published_agenda_and_a_published_meeting_redirects(client, organ):
    case = CaseFactory(title="Budget för kultur")
    upcoming = MeetingFactory(
        committee=organ,
        start=timezone.now() + timedelta(days=10),
        status=Status.SUMMONED,
        agenda_published=True,
        location="Regionens hus",
    )
    item = AgendaItemFactory(meeting=upcoming, order=1, title="Budget för kultur 2027", case=case)
    AgendaItemFactory(
        meeting=upcoming,
        order=2,
        title=f"Personärende {CANARY}",
        confidential=True,
        osl_reference="39 kap. 3 §",
    )
    document = PdfDocumentFactory(title="Tjänsteskrivelse budget")
    AgendaItemDocument.objects.create(agenda_item=item, document=document)
    unpublished = MeetingFactory(
        committee=organ, start=timezone.now() + timedelta(days=20), status=Status.SUMMONED
    )
    AgendaItemFactory(meeting=unpublished, title="Ej publicerad punkt")
    published = published_meeting(organ, local(2024, 10, 11), [{"title": "Ärende"}])

    html = client.get(reverse("portal:meeting", args=[upcoming.pk])).content.decode()

    assert "Budget för kultur 2027" in html and "Regionens hus" in html
    assert reverse("portal:document", args=[document.pk]) in html
    assert reverse("portal:case", args=[case.pk]) in html
    assert "Sekretess (OSL 39 kap. 3 §)" in html and CANARY not in html
    assert (
        "Ej publicerad punkt"
        not in client.get(reverse("portal:meeting", args=[unpublished.pk])).content.decode()
    )
    response = client.get(reverse("portal:meeting", args=[published.pk]))
    assert response.status_code == 302 and response.url == reverse("portal:protokoll", args=[published.pk])


def test_case_page_follows_a_case_across_two_committees(client, organ):
    case = CaseFactory(prefix="RJL", year=2021, serial=1342, title="Motion - Kultur för hälsa")
    presidium = CommitteeFactory(name="Regionfullmäktiges presidium")
    board = CommitteeFactory(name="Nämnd för folkhälsa och sjukvård")
    first = published_meeting(
        presidium,
        local(2021, 8, 19),
        [{"title": "Motion - Kultur för hälsa", "case": case, "proposal": "<p>Motionen fördelas.</p>"}],
    )
    second = published_meeting(
        organ,
        local(2022, 2, 22),
        [{"title": "Motion - Kultur för hälsa", "case": case, "proposal": "<p>Nämnden ger medskick.</p>"}],
    )
    coming = MeetingFactory(
        committee=board,
        start=timezone.now() + timedelta(days=5),
        status=Status.SUMMONED,
        agenda_published=True,
    )
    AgendaItemFactory(meeting=coming, title="Motion - Kultur för hälsa, beslut", case=case)

    response = client.get(reverse("portal:case", args=[case.pk]))

    assert response.status_code == 200
    events = response.context["events"]
    assert [e["meeting"] for e in events] == [first, second, coming]
    html = response.content.decode()
    assert "Motionen fördelas." in html and "Nämnden ger medskick." in html
    assert presidium.name in html and organ.name in html and board.name in html
    number = first.paragraphs.get().number
    assert reverse("portal:paragraph", args=[first.pk, number]) in html
    assert reverse("portal:meeting", args=[coming.pk]) in html


def test_document_download_only_for_a_public_handling(client, organ):
    upcoming = MeetingFactory(
        committee=organ,
        start=timezone.now() + timedelta(days=10),
        status=Status.SUMMONED,
        agenda_published=True,
    )
    open_item = AgendaItemFactory(meeting=upcoming, title="Öppen punkt")
    secret_item = AgendaItemFactory(
        meeting=upcoming, title="Hemlig", confidential=True, osl_reference="39 kap. 3 §"
    )
    public = PdfDocumentFactory(title="Öppen handling", pages=("Öppen text",))
    confidential = PdfDocumentFactory(title="Hemlig handling", confidential=True, osl_reference="39 kap. 3 §")
    on_secret_item = PdfDocumentFactory(title="Handling till hemlig punkt")
    not_on_agenda = PdfDocumentFactory(title="Lös handling")
    hidden_meeting = MeetingFactory(
        committee=organ, start=timezone.now() + timedelta(days=12), status=Status.SUMMONED
    )
    on_unpublished_agenda = PdfDocumentFactory(title="Opublicerad dagordning")
    AgendaItemDocument.objects.create(agenda_item=open_item, document=public)
    AgendaItemDocument.objects.create(agenda_item=open_item, document=confidential)
    AgendaItemDocument.objects.create(agenda_item=secret_item, document=on_secret_item)
    AgendaItemDocument.objects.create(
        agenda_item=AgendaItemFactory(meeting=hidden_meeting), document=on_unpublished_agenda
    )

    response = client.get(reverse("portal:document", args=[public.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "inline" in response["Content-Disposition"]
    assert content(response).startswith(b"%PDF")
    for hidden in (confidential, on_secret_item, not_on_agenda, on_unpublished_agenda):
        assert client.get(reverse("portal:document", args=[hidden.pk])).status_code == 404


def test_accessibility_statement_and_public_navigation(client):
    response = client.get(reverse("portal:accessibility"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("portal:anslagstavla", "portal:protokoll_list", "portal:committees", "portal:search"):
        assert f'href="{reverse(name)}"' in html
    assert f'class="brand" href="{reverse("portal:start")}"' in html
    assert 'class="skip-link" href="#main"' in html
    assert "digg.se" in html


# --- Queries per request -----------------------------------------------------------------------------


def rich_meeting(committee, start, paragraphs: int, people) -> Meeting:
    """A justerat protokoll with `paragraphs` §, each with a vote, ballots, a reservation and jäv,
    and everyone present."""
    meeting = held_meeting(
        committee,
        start,
        [{"title": f"Ärende {n}", "case": CaseFactory()} for n in range(paragraphs)]
        + [{"title": "Hemligt", "confidential": True, "osl_reference": "26 kap. 1 §"}],
    )
    for person in people:
        Attendance.objects.create(meeting=meeting, person=person)
    for paragraph in meeting.paragraphs.filter(confidential=False):
        vote = Vote.objects.create(paragraph=paragraph, proposition_yes="Ja", proposition_no="Nej")
        for person in people:
            Ballot.objects.create(vote=vote, person=person, choice=Ballot.Choice.YES)
        Reservation.objects.create(paragraph=paragraph, person=people[0], text="Reservation")
        Disqualification.objects.create(paragraph=paragraph, person=people[1])
    return mark_justerat(meeting)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_protokoll_page_and_list_make_the_same_number_of_queries_at_any_size(
    client, organ, django_assert_max_num_queries
):
    party = PartyFactory(abbreviation="S")
    people = [PersonFactory(party=party) for _ in range(4)]
    for person in people:
        AssignmentFactory(committee=organ, person=person)
    small = rich_meeting(organ, local(2024, 1, 10), 2, people)
    list_url = reverse("portal:protokoll_list") + "?text=rende"
    small_page = count_queries(client, reverse("portal:protokoll", args=[small.pk]))
    small_list = count_queries(client, list_url)

    large = rich_meeting(organ, local(2024, 2, 10), 12, people)
    for day in range(1, 10):
        published_meeting(organ, local(2023, 3, day), [{"title": f"Ärende {day}"}, {"title": "Övrigt"}])

    with django_assert_max_num_queries(QUERY_LIMIT):
        assert client.get(reverse("portal:protokoll", args=[large.pk])).status_code == 200
    with django_assert_max_num_queries(QUERY_LIMIT):
        response = client.get(list_url)
    assert len(response.context["page"].object_list) == 11
    assert count_queries(client, reverse("portal:protokoll", args=[large.pk])) == small_page
    assert count_queries(client, list_url) == small_list
