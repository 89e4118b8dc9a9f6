"""The public search (/sok/): Swedish full-text search over everything published, and only that.

Tests marked `postgresql` need the `swedish` text search configuration (run them with
scripts/test-services.sh); the SQLite fallback is tested on SQLite.
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit import locks
from meetings.justering.services import protokoll_unfreeze
from meetings.models import AgendaItemDocument, Justering, Meeting, Paragraph
from meetings.services.lifecycle import meeting_transition
from portal.models import SearchEntry
from portal.search import search_index_meeting, search_reindex_all, search_results
from tests.factories import (
    AgendaItemFactory,
    CaseFactory,
    CommitteeFactory,
    MeetingFactory,
    PdfDocumentFactory,
    local,
)

pytestmark = pytest.mark.django_db

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Swedish full-text search needs PostgreSQL"
)
sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the fallback is for SQLite")

_numbers = itertools.count(1)


def published_meeting(committee, start, paragraphs, *, status=Meeting.Status.POSTED):
    """A meeting whose protokoll is justerat, with the given paragraphs (dicts of fields)."""
    meeting = MeetingFactory(committee=committee, start=start, status=Meeting.Status.PROTOKOLL_DRAFTED)
    for order, fields in enumerate(paragraphs, start=1):
        Paragraph.objects.create(
            meeting=meeting,
            committee=committee,
            year=start.year,
            number=next(_numbers),
            order=order,
            **fields,
        )
    Meeting.objects.filter(pk=meeting.pk).update(status=status)
    Justering.objects.create(meeting=meeting, completed_at=timezone.now())
    meeting.refresh_from_db()
    search_index_meeting(meeting=meeting)
    return meeting


def search(client, **params):
    return client.get(reverse("portal:search"), params)


def hit_titles(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<h3 class="listing__title"><a href="[^"]*">([^<]*)</a></h3>', html)


@pytest.fixture
def committee():
    return CommitteeFactory(name="Kommunalt forum", slug="kommunalt-forum")


# --- Swedish full text (PostgreSQL) ---------------------------------------------------------------


@postgresql
def test_other_word_forms_are_found_motionen_finds_motion_and_remisser_finds_remiss(client, committee):
    published_meeting(
        committee,
        local(2024, 10, 11),
        [
            {"title": "Svar på motion om kulturstöd", "decision": "<p>Nämnden avslår förslaget.</p>"},
            {"title": "Yttrande", "decision": "<p>Nämnden besvarar en remiss från Trafikverket.</p>"},
        ],
    )

    titles = hit_titles(search(client, q="motionen"))
    assert len(titles) == 1 and "Svar på motion om kulturstöd" in titles[0]
    titles = hit_titles(search(client, q="remisser"))
    assert len(titles) == 1 and "Yttrande" in titles[0]


@postgresql
def test_a_title_hit_ranks_above_a_text_hit(client, committee):
    published_meeting(
        committee,
        local(2024, 10, 11),
        [
            {"title": "Ekonomisk uppföljning", "decision": "<p>Budgeten följs upp. Budgeten hålls.</p>"},
            {"title": "Budget 2025", "decision": "<p>Nämnden fastställer planen.</p>"},
        ],
    )

    titles = hit_titles(search(client, q="budget"))
    assert len(titles) == 2
    assert "Budget 2025" in titles[0]


@postgresql
def test_snippets_mark_the_words_found_and_escape_the_text(client, committee):
    published_meeting(
        committee,
        local(2024, 10, 11),
        [
            {
                "title": "Motion om skolmat",
                "basis": "Motion <script>alert('x')</script> daterad 2024-09-01 om skolmaten",
            }
        ],
    )

    response = search(client, q="skolmaten")
    html = response.content.decode()
    snippet = re.search(r'<p class="search-hit__snippet">(.*?)</p>', html, re.S)[1]
    assert "<mark>skolmaten</mark>" in snippet
    assert "&lt;script&gt;" in snippet
    assert "<script>" not in html


@postgresql
def test_the_index_uses_the_stored_vector_with_a_gin_index(committee):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'search_entry_vector_gin'")
        (definition,) = cursor.fetchone()
    assert "gin (search_vector)" in definition
    published_meeting(committee, local(2024, 10, 11), [{"title": "Budget 2025"}])
    sql = str(search_results(q="budget").query)
    assert "search_vector" in sql and "to_tsvector" not in sql


# --- On every database ----------------------------------------------------------------------------


def test_a_diarienummer_finds_its_case_first(client, committee):
    case = CaseFactory(prefix="KS", year=2022, serial=2018, title="Motion om kultur för hälsa")
    published_meeting(
        committee,
        local(2024, 10, 11),
        [
            {"title": "Motion om kultur för hälsa", "case": case},
            {"title": "Annat ärende", "decision": "<p>Jämför 2022/2019.</p>"},
        ],
    )

    for query in ("2022/2018", "KS 2022/2018", "ks 2022/2018"):
        response = search(client, q=query)
        assert response.status_code == 200
        html = response.content.decode()
        first = re.search(
            r'<li class="listing__item search-hit search-hit--(\w+)">.*?href="([^"]+)"', html, re.S
        )
        assert first[1] == "case" and first[2] == reverse("portal:case", args=[case.pk]), query
        assert "Annat ärende" not in html
    assert not hit_titles(search(client, q="RJL 2022/2018"))


def test_results_are_filtered_by_committee_and_dates(client, committee):
    other = CommitteeFactory(name="Kulturutskottet", slug="kulturutskottet")
    published_meeting(committee, local(2024, 10, 11), [{"title": "Kulturstrategi hösten"}])
    published_meeting(committee, local(2024, 3, 1), [{"title": "Kulturstrategi våren"}])
    published_meeting(other, local(2024, 10, 11), [{"title": "Kulturstrategi utskottet"}])

    assert len(hit_titles(search(client, q="Kulturstrategi"))) == 3
    titles = hit_titles(search(client, q="Kulturstrategi", organ="kulturutskottet"))
    assert len(titles) == 1 and "utskottet" in titles[0]
    titles = hit_titles(search(client, q="Kulturstrategi", organ="kommunalt-forum", fran="2024-06-01"))
    assert len(titles) == 1 and "hösten" in titles[0]
    titles = hit_titles(search(client, q="Kulturstrategi", till="2024-06-01"))
    assert len(titles) == 1 and "våren" in titles[0]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "budget", "fran": "2024-13-45"},
        {"q": "budget", "till": "igår"},
        {"q": "budget", "fran": "2024-10-01", "till": "2024-01-01"},
        {"q": "budget", "organ": "finns-inte"},
        {"q": "budget", "sida": "999999999999999999999"},
        {"q": "budget", "sida": "-1"},
        {"q": "budget", "sida": "två"},
        {"q": "budget", "sida": "50"},
        {"q": "x" * 5000},
        {"q": "budget\x00"},
        {"q": '"""&&&|||!!!((('},
        {"q": "och"},
    ],
)
def test_bad_parameters_give_a_message_never_an_error(client, committee, params):
    published_meeting(committee, local(2024, 10, 11), [{"title": "Budget 2025"}])
    response = search(client, **params)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="search-form"' in html
    assert 'role="alert"' in html or 'id="no-hits"' in html or 'id="search-results"' in html


def test_an_empty_query_shows_only_the_form(client, committee):
    published_meeting(committee, local(2024, 10, 11), [{"title": "Budget 2025"}])
    for params in ({}, {"q": ""}, {"q": "   "}):
        html = search(client, **params).content.decode()
        assert 'id="search-form"' in html
        assert 'id="result-heading"' not in html


def test_results_are_paginated(client, committee):
    published_meeting(committee, local(2024, 10, 11), [{"title": f"Projektbidrag {n}"} for n in range(25)])

    first = search(client, q="Projektbidrag")
    second = search(client, q="Projektbidrag", sida="2")
    assert len(hit_titles(first)) == 20 and len(hit_titles(second)) == 5
    assert set(hit_titles(first)).isdisjoint(hit_titles(second))
    assert 'rel="next"' in first.content.decode()


def test_the_number_of_queries_does_not_grow_with_the_hits(client, committee, django_assert_max_num_queries):
    published_meeting(committee, local(2024, 10, 11), [{"title": f"Projektbidrag {n}"} for n in range(3)])
    other = CommitteeFactory(slug="kulturutskottet")
    published_meeting(other, local(2024, 10, 12), [{"title": f"Projektbidrag {n}"} for n in range(3, 40)])

    def count(**params):
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert search(client, **params).status_code == 200
        return len(queries)

    few, many = (
        count(q="Projektbidrag", organ="kommunalt-forum"),
        count(q="Projektbidrag", organ="kulturutskottet"),
    )
    assert few == many
    with django_assert_max_num_queries(8):
        search(client, q="Projektbidrag")


def test_confidential_and_unpublished_text_is_never_indexed_or_found(client, signing_ca):
    from tests.portal_data import CANARIES, OPEN_TITLE, public_world

    world = public_world()
    confidential_case = CaseFactory(
        prefix="KS", year=2023, serial=4711, title="Sekretessärende KANARIE-ÄRENDE-1"
    )
    confidential_case.confidential, confidential_case.osl_reference = True, "26 kap. 1 §"
    confidential_case.save()
    withheld = AgendaItemFactory(
        meeting=world.upcoming, order=3, title="Hemligt ärende", case=confidential_case
    )
    withheld_document = PdfDocumentFactory(title="Bilaga KANARIE-BILAGA-3", pages=("Text KANARIE-BILAGA-3",))
    AgendaItemDocument.objects.create(agenda_item=withheld, document=withheld_document)
    for meeting in Meeting.objects.all():
        search_index_meeting(meeting=meeting)
    search_reindex_all()

    assert SearchEntry.objects.filter(title__icontains=OPEN_TITLE.split()[0]).exists()
    for canary in (*CANARIES, "KANARIE-ÄRENDE-1", "2023/4711", "Hemligt ärende", "KANARIE-BILAGA-3"):
        assert not SearchEntry.objects.filter(title__contains=canary).exists(), canary
        assert not SearchEntry.objects.filter(text__contains=canary).exists(), canary
        assert not SearchEntry.objects.filter(diarienummer__contains=canary).exists(), canary
        # The query itself is echoed (search box, title): the results list must not exist.
        html = search(client, q=canary).content.decode()
        assert 'id="no-hits"' in html, canary
        assert 'id="search-results"' not in html, canary
    # A confidential § is there only as its public heading, without text.
    secret = SearchEntry.objects.get(kind=SearchEntry.Kind.PARAGRAPH, title__contains="Sekretess")
    assert secret.text == "" and secret.diarienummer == ""


def test_a_handling_is_found_by_the_text_of_its_pdf_and_extracted_once(client, committee, monkeypatch):
    meeting = MeetingFactory(
        committee=committee, start=timezone.now() + timedelta(days=5), status=Meeting.Status.SUMMONED
    )
    item = AgendaItemFactory(meeting=meeting, title="Budget för kultur 2027")
    document = PdfDocumentFactory(title="Tjänsteskrivelse", pages=("Regional kulturplan for Smaland",))
    AgendaItemDocument.objects.create(agenda_item=item, document=document)
    Meeting.objects.filter(pk=meeting.pk).update(agenda_published=True)
    search_index_meeting(meeting=meeting)

    entry = SearchEntry.objects.get(kind=SearchEntry.Kind.DOCUMENT)
    assert "kulturplan" in entry.text and entry.source_sha256 == document.sha256
    titles = hit_titles(search(client, q="kulturplan"))
    assert titles == ["Tjänsteskrivelse"]

    def fail(content):
        raise AssertionError("extracted again")

    monkeypatch.setattr("portal.search.pdf_extract_text", fail)
    search_index_meeting(meeting=meeting)
    search_reindex_all()
    assert "kulturplan" in SearchEntry.objects.get(kind=SearchEntry.Kind.DOCUMENT).text


def test_entries_go_when_the_protokoll_is_reopened_and_the_agenda_withdrawn(
    client, committee, django_capture_on_commit_callbacks
):
    meeting = published_meeting(committee, local(2024, 10, 11), [{"title": "Kulturstrategi"}])
    AgendaItemFactory(meeting=meeting, title="Sammanträdesplan 2025")  # handled without a §
    Meeting.objects.filter(pk=meeting.pk).update(agenda_published=True)
    search_index_meeting(meeting=meeting)
    assert len(hit_titles(search(client, q="Kulturstrategi"))) == 1
    assert len(hit_titles(search(client, q="Sammanträdesplan"))) == 1

    # The protokoll is no longer justerat (sent back to drafting): the task removes its §§.
    # Only a database administrator can move a justerat protokoll back (the triggers of
    # audit.locks refuse it); the index still follows when one does.
    locks.records_lock_uninstall(connection=connection)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.READY_FOR_JUSTERING)
    Justering.objects.filter(meeting=meeting).update(completed_at=None)
    locks.records_lock_install(connection=connection)
    with django_capture_on_commit_callbacks(execute=True):
        protokoll_unfreeze(meeting=meeting, reason="Fel i § 1")
    assert not hit_titles(search(client, q="Kulturstrategi"))
    assert len(hit_titles(search(client, q="Sammanträdesplan"))) == 1

    # The agenda withdrawn from the public calendar: its items go too.
    meeting.refresh_from_db()
    meeting.agenda_published = False
    with django_capture_on_commit_callbacks(execute=True):
        meeting.save()
    assert not hit_titles(search(client, q="Sammanträdesplan"))
    assert not SearchEntry.objects.filter(meeting=meeting).exists()


def test_a_protokoll_becomes_searchable_when_it_is_justerat(
    client, committee, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory(
        committee=committee, start=local(2024, 10, 11), status=Meeting.Status.PROTOKOLL_DRAFTED
    )
    Paragraph.objects.create(
        meeting=meeting, committee=committee, year=2024, number=1, title="Kulturstrategi"
    )
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.READY_FOR_JUSTERING)
    justering = Justering.objects.create(meeting=meeting)
    justering.signed_file.save("protokoll.pdf", ContentFile(b"%PDF-1.7 signed"))  # justerat needs it
    Justering.objects.filter(pk=justering.pk).update(completed_at=timezone.now())  # then complete
    assert not hit_titles(search(client, q="Kulturstrategi"))

    with django_capture_on_commit_callbacks(execute=True):
        meeting_transition(meeting=meeting, to_status=Meeting.Status.JUSTERAT)
    assert len(hit_titles(search(client, q="Kulturstrategi"))) == 1
    # Running the task again writes nothing twice.
    assert search_index_meeting(meeting=meeting) == {"written": 0, "removed": 0}
    assert SearchEntry.objects.count() == 1


@sqlite
def test_on_sqlite_a_plain_contains_search_with_a_visible_notice(client, committee):
    published_meeting(
        committee,
        local(2024, 10, 11),
        [{"title": "Kultur för hälsa", "decision": "<p>Bifall till motionen.</p>"}],
    )
    response = search(client)
    assert 'id="simple-search-notice"' in response.content.decode()

    response = search(client, q="motionen")
    html = response.content.decode()
    assert 'id="simple-search-notice"' in html
    assert len(hit_titles(response)) == 1
    assert "<mark>motionen</mark>" in html


@postgresql
def test_on_postgresql_there_is_no_simple_search_notice(client, committee):
    assert 'id="simple-search-notice"' not in search(client, q="budget").content.decode()


def test_the_demo_finds_the_motion_kultur_for_halsa(client):
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    html = search(client, q="motionen").content.decode()
    assert "Kultur för hälsa" in html
    html = search(client, q="RJL 2021/1342").content.decode()
    first = re.search(r'search-hit--(\w+)">.*?<a href="[^"]*">([^<]*)</a>', html, re.S)
    assert first[1] == "case" and "Kultur för hälsa" in first[2]


@postgresql
def test_very_many_hits_are_listed_newest_first_with_a_note(client, committee, monkeypatch):
    monkeypatch.setattr("portal.search.RANK_LIMIT", 2)
    published_meeting(
        committee, local(2023, 1, 10), [{"title": "Budget", "decision": "<p>Budget budget.</p>"}]
    )
    published_meeting(
        committee, local(2024, 5, 10), [{"title": "Uppföljning", "decision": "<p>Om budget.</p>"}]
    )
    published_meeting(committee, local(2024, 9, 10), [{"title": "Plan", "decision": "<p>Enligt budget.</p>"}])

    response = search(client, q="budget")
    assert 'id="sorted-by-date"' in response.content.decode()
    titles = hit_titles(response)
    assert [title.split(" ", 2)[-1] for title in titles] == ["Plan", "Uppföljning", "Budget"]
    monkeypatch.setattr("portal.search.RANK_LIMIT", 2000)
    assert 'id="sorted-by-date"' not in search(client, q="budget").content.decode()
