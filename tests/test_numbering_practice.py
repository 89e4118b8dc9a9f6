"""§ numbering that fits practice (issue 14): justering in any order, a series' starting number,
numbering per meeting, deleting a draft meeting or protokoll; frozen numbers never change and a
series never has a gap or a duplicate (docs/workspace/numbering.md)."""

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse

from committees.models import Committee
from meetings.justering.services import protokoll_freeze, protokoll_set_signers, protokoll_unfreeze
from meetings.models import Anslag, Meeting, Paragraph
from meetings.services.deletion import meeting_delete, meeting_delete_refusal, protokoll_delete_draft
from meetings.services.lifecycle import TransitionError
from meetings.services.numbering import (
    committee_series_overview,
    committee_set_numbering,
    meeting_pinned,
    series_set_first_number,
)
from meetings.services.paragraphs import (
    paragraph_delete,
    paragraph_insert,
    paragraph_move,
    protokoll_create_draft,
)
from tests.factories import (
    AgendaItemFactory,
    CommitteeFactory,
    MeetingFactory,
    PersonFactory,
    local,
    secretary_of,
)

pytestmark = pytest.mark.django_db


def held_meeting(committee, start, titles):
    meeting = MeetingFactory(committee=committee, start=start, status=Meeting.Status.HELD)
    for index, title in enumerate(titles):
        AgendaItemFactory(meeting=meeting, order=index + 1, title=title)
    return meeting


def drafted(committee, start, titles):
    meeting = held_meeting(committee, start, titles)
    protokoll_create_draft(meeting=meeting)
    return meeting


def numbers(meeting):
    return list(meeting.paragraphs.order_by("order").values_list("number", flat=True))


def titled(meeting):
    return list(meeting.paragraphs.order_by("order").values_list("number", "title"))


def freeze(meeting):
    protokoll_set_signers(meeting=meeting, chair=PersonFactory(), adjusters=[PersonFactory()])
    protokoll_freeze(meeting=meeting)
    meeting.refresh_from_db()


def series_numbers(committee, year):
    return sorted(Paragraph.objects.filter(committee=committee, year=year).values_list("number", flat=True))


def assert_no_gap_no_duplicate(committee, year, first=1):
    found = series_numbers(committee, year)
    assert found == list(range(first, first + len(found)))


# --- Justering in any order ----------------------------------------------------------------------


@pytest.fixture
def out_of_order():
    """October and November drafted; November's protokoll goes to justering first."""
    committee = CommitteeFactory()
    october = drafted(committee, local(2025, 10, 10), ["a", "b"])
    november = drafted(committee, local(2025, 11, 14), ["c", "d", "e"])
    freeze(november)
    return committee, october, november


def test_a_later_protokoll_goes_to_justering_first_and_the_earlier_draft_keeps_its_numbers(out_of_order):
    committee, october, november = out_of_order
    assert november.status == Meeting.Status.READY_FOR_JUSTERING
    assert numbers(october) == [1, 2] and numbers(november) == [3, 4, 5]
    assert meeting_pinned(october).numbers == (1, 2)
    assert meeting_pinned(november) is None  # frozen, not a draft


def test_the_pinned_draft_reorders_its_paragraphs_among_its_numbers(out_of_order):
    _committee, october, _november = out_of_order
    paragraph_move(paragraph=october.paragraphs.get(title="b"), after=None)
    assert titled(october) == [(1, "b"), (2, "a")]


def test_the_pinned_draft_refuses_to_gain_or_lose_a_paragraph_and_nothing_changes(out_of_order):
    committee, october, november = out_of_order
    with pytest.raises(TransitionError, match="§§ 1–2") as refused:
        paragraph_insert(meeting=october, title="Extra ärende")
    assert refused.value.code == "numbers_pinned"
    with pytest.raises(TransitionError) as refused:
        paragraph_delete(paragraph=october.paragraphs.get(title="a"))
    assert refused.value.code == "numbers_pinned"
    with pytest.raises(TransitionError):
        protokoll_delete_draft(meeting=october)
    assert meeting_delete_refusal(october)
    with pytest.raises(TransitionError):
        meeting_delete(meeting=october)
    assert titled(october) == [(1, "a"), (2, "b")]
    assert numbers(november) == [3, 4, 5]


def test_the_earlier_protokoll_then_goes_to_justering_with_the_numbers_it_kept(out_of_order):
    committee, october, november = out_of_order
    freeze(october)
    assert numbers(october) == [1, 2] and numbers(november) == [3, 4, 5]
    december = drafted(committee, local(2025, 12, 12), ["f"])
    assert numbers(december) == [6]
    assert_no_gap_no_duplicate(committee, 2025)


def test_a_draft_after_the_frozen_one_continues_the_series_and_stays_free(out_of_order):
    committee, october, _november = out_of_order
    december = drafted(committee, local(2025, 12, 12), ["f", "g"])
    assert numbers(december) == [6, 7]
    paragraph_insert(meeting=december, title="Extra ärende")
    assert numbers(december) == [6, 7, 8] and numbers(october) == [1, 2]
    assert_no_gap_no_duplicate(committee, 2025)


def test_a_meeting_drafted_after_a_later_protokoll_froze_is_numbered_after_the_frozen_numbers():
    # Its date is earlier, but numbers below the frozen ones are taken: it follows them.
    committee = CommitteeFactory()
    november = drafted(committee, local(2025, 11, 14), ["c", "d"])
    freeze(november)
    september = drafted(committee, local(2025, 9, 12), ["a"])
    assert numbers(november) == [1, 2] and numbers(september) == [3]


def test_reopening_the_later_protokoll_frees_the_earlier_draft(out_of_order):
    committee, october, november = out_of_order
    protokoll_unfreeze(meeting=november, reason="Justeraren är sjuk")
    assert meeting_pinned(october) is None
    paragraph_insert(meeting=october, title="Extra ärende", after=october.paragraphs.get(title="a"))
    assert titled(october) == [(1, "a"), (2, "Extra ärende"), (3, "b")]
    assert numbers(november) == [4, 5, 6]
    assert_no_gap_no_duplicate(committee, 2025)


def test_reopening_an_earlier_protokoll_below_a_frozen_one_keeps_its_numbers():
    committee = CommitteeFactory()
    october = drafted(committee, local(2025, 10, 10), ["a", "b"])
    november = drafted(committee, local(2025, 11, 14), ["c"])
    freeze(october)
    freeze(november)
    protokoll_unfreeze(meeting=october, reason="Fel i beslutet")
    assert numbers(october) == [1, 2] and numbers(november) == [3]
    assert meeting_pinned(october).numbers == (1, 2)


# --- A series' starting number -------------------------------------------------------------------


def test_a_series_can_start_at_a_number_for_an_organisation_moving_mid_year():
    committee = CommitteeFactory()
    series_set_first_number(committee=committee, year=2025, first_number=112)
    september = drafted(committee, local(2025, 9, 12), ["a", "b"])
    assert numbers(september) == [112, 113]
    freeze(september)
    october = drafted(committee, local(2025, 10, 10), ["c"])
    assert numbers(october) == [114]
    other_year = drafted(committee, local(2026, 1, 16), ["d"])
    assert numbers(other_year) == [1]


def test_setting_the_starting_number_renumbers_the_drafts_of_the_year():
    committee = CommitteeFactory()
    september = drafted(committee, local(2025, 9, 12), ["a", "b"])
    series_set_first_number(committee=committee, year=2025, first_number=40)
    assert numbers(september) == [40, 41]


def test_the_starting_number_cannot_change_once_a_protokoll_of_the_year_is_frozen():
    committee = CommitteeFactory()
    september = drafted(committee, local(2025, 9, 12), ["a", "b"])
    freeze(september)
    october = drafted(committee, local(2025, 10, 10), ["c"])
    with pytest.raises(TransitionError, match="ändras aldrig") as refused:
        series_set_first_number(committee=committee, year=2025, first_number=112)
    assert refused.value.code == "series_has_frozen"
    assert numbers(september) == [1, 2] and numbers(october) == [3]
    with pytest.raises(TransitionError):
        series_set_first_number(committee=committee, year=2025, first_number=0)


# --- Numbering per meeting -----------------------------------------------------------------------


def test_a_committee_numbering_per_meeting_starts_each_protokoll_at_one():
    committee = CommitteeFactory(paragraph_numbering=Committee.Numbering.PER_MEETING)
    october = drafted(committee, local(2025, 10, 10), ["a", "b"])
    november = drafted(committee, local(2025, 11, 14), ["c", "d", "e"])
    assert numbers(october) == [1, 2] and numbers(november) == [1, 2, 3]
    freeze(november)  # any order too
    paragraph_insert(meeting=october, title="Extra ärende")
    assert numbers(october) == [1, 2, 3] and numbers(november) == [1, 2, 3]


def test_the_database_refuses_a_duplicate_number_within_one_meeting():
    committee = CommitteeFactory(paragraph_numbering=Committee.Numbering.PER_MEETING)
    meeting = drafted(committee, local(2025, 10, 10), ["a"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Paragraph.objects.create(
            meeting=meeting, committee=committee, year=2025, number=1, numbered_per_meeting=True, title="x"
        )


def test_changing_to_per_meeting_renumbers_open_years_and_keeps_years_with_frozen_paragraphs():
    committee = CommitteeFactory()
    old_year = drafted(committee, local(2024, 11, 15), ["a", "b"])
    freeze(old_year)
    old_draft = drafted(committee, local(2024, 12, 13), ["c"])
    october = drafted(committee, local(2025, 10, 10), ["d", "e"])
    november = drafted(committee, local(2025, 11, 14), ["f"])
    assert numbers(november) == [3]
    kept = committee_set_numbering(committee=committee, numbering=Committee.Numbering.PER_MEETING)
    assert kept == [2024]
    assert numbers(old_year) == [1, 2] and numbers(old_draft) == [3]
    assert numbers(october) == [1, 2] and numbers(november) == [1]
    january = drafted(committee, local(2026, 1, 16), ["g", "h"])
    assert numbers(january) == [1, 2]
    committee_set_numbering(committee=committee, numbering=Committee.Numbering.PER_YEAR)
    assert numbers(october) == [1, 2] and numbers(november) == [3]
    overview = {row.year: row for row in committee_series_overview(committee)}
    assert overview[2024].frozen_span == "§§ 1–2" and overview[2024].draft_span == "§ 3"
    assert not overview[2026].per_meeting


# --- Deleting a draft meeting or protokoll -------------------------------------------------------


def test_deleting_a_draft_meeting_renumbers_the_later_drafts_and_never_a_frozen_one():
    committee = CommitteeFactory()
    september = drafted(committee, local(2025, 9, 12), ["a", "b"])
    freeze(september)
    october = drafted(committee, local(2025, 10, 10), ["c", "d"])
    protokoll_set_signers(meeting=october, chair=PersonFactory(), adjusters=[PersonFactory()])
    november = drafted(committee, local(2025, 11, 14), ["e"])
    assert numbers(november) == [5]
    meeting_delete(meeting=october)
    assert not Meeting.objects.filter(pk=october.pk).exists()
    assert numbers(september) == [1, 2] and numbers(november) == [3]
    assert_no_gap_no_duplicate(committee, 2025)


def test_a_planned_meeting_is_deleted_with_its_agenda():
    meeting = MeetingFactory(status=Meeting.Status.AGENDA_DRAFTED)
    AgendaItemFactory(meeting=meeting)
    assert meeting_delete_refusal(meeting) == ""
    meeting_delete(meeting=meeting)
    assert not Meeting.objects.filter(pk=meeting.pk).exists()


def test_a_frozen_meeting_or_an_announced_one_is_not_deleted():
    committee = CommitteeFactory()
    frozen = drafted(committee, local(2025, 9, 12), ["a"])
    freeze(frozen)
    with pytest.raises(TransitionError, match="skickats för justering") as refused:
        meeting_delete(meeting=frozen)
    assert refused.value.code == "meeting_frozen"
    announced = MeetingFactory(committee=committee, status=Meeting.Status.PLANNED, start=local(2025, 12, 1))
    Anslag.objects.create(
        committee=committee,
        meeting=announced,
        kind=Anslag.Kind.MEETING,
        title="Sammanträde",
        posted_on=local(2025, 11, 20).date(),
        take_down_on=local(2025, 12, 2).date(),
    )
    with pytest.raises(TransitionError) as refused:
        meeting_delete(meeting=announced)
    assert refused.value.code == "meeting_announced"
    assert Meeting.objects.filter(pk__in=[frozen.pk, announced.pk]).count() == 2


def test_deleting_a_draft_protokoll_returns_the_meeting_to_held_and_later_drafts_renumber():
    committee = CommitteeFactory()
    october = drafted(committee, local(2025, 10, 10), ["a", "b"])
    november = drafted(committee, local(2025, 11, 14), ["c"])
    protokoll_delete_draft(meeting=october)
    october.refresh_from_db()
    assert october.status == Meeting.Status.HELD and not october.paragraphs.exists()
    assert numbers(november) == [1]
    protokoll_create_draft(meeting=october)  # drafted again, in date order
    assert numbers(october) == [1, 2] and numbers(november) == [3]
    assert october.transitions.filter(from_status="drafted", to_status="held").exists()


# --- Never a gap or a duplicate, even drafted at the same moment ---------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_protokoll_drafted_at_the_same_moment_share_the_series_without_gap_or_duplicate():
    committee = CommitteeFactory()
    meetings = [
        held_meeting(committee, local(2025, month, 10), [f"{month}-{n}" for n in range(3)])
        for month in (3, 4, 5, 6)
    ]
    start, errors = threading.Barrier(len(meetings)), []

    def draft(meeting):
        try:
            start.wait(30)
            protokoll_create_draft(meeting=meeting)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=draft, args=(meeting,)) for meeting in meetings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert [numbers(meeting) for meeting in meetings] == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]


# --- The workspace pages -------------------------------------------------------------------------


def test_the_secretary_deletes_a_draft_meeting_from_its_confirm_page(client):
    committee = CommitteeFactory()
    october = drafted(committee, local(2025, 10, 10), ["a", "b"])
    november = drafted(committee, local(2025, 11, 14), ["c"])
    client.force_login(secretary_of(committee))
    url = reverse("workspace:meeting_delete", args=[october.pk])
    page = client.get(url)
    assert page.status_code == 200 and "2 §§" in page.content.decode()
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("workspace:home")
    assert not Meeting.objects.filter(pk=october.pk).exists()
    assert numbers(november) == [1]


def test_the_delete_page_of_a_frozen_meeting_refuses_and_deletes_nothing(client):
    committee = CommitteeFactory()
    meeting = drafted(committee, local(2025, 10, 10), ["a"])
    freeze(meeting)
    client.force_login(secretary_of(committee))
    url = reverse("workspace:meeting_delete", args=[meeting.pk])
    page = client.get(url).content.decode()
    assert 'role="alert"' in page and '<form method="post" class="ws-confirm">' not in page
    assert client.post(url).status_code == 409
    assert Meeting.objects.filter(pk=meeting.pk).exists()


def test_the_secretary_deletes_a_draft_protokoll_from_its_confirm_page(client):
    committee = CommitteeFactory()
    meeting = drafted(committee, local(2025, 10, 10), ["a"])
    client.force_login(secretary_of(committee))
    url = reverse("workspace:protokoll_delete_draft", args=[meeting.pk])
    assert "§ 1 a" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD and not meeting.paragraphs.exists()


def test_the_series_page_sets_the_first_number_and_the_numbering_and_refuses_a_frozen_change(client):
    committee = CommitteeFactory()
    client.force_login(secretary_of(committee))
    url = reverse("workspace:numbering", args=[committee.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "first_number", "year": 2025, "first_number": 112})
    assert response.status_code == 302
    september = drafted(committee, local(2025, 9, 12), ["a", "b"])
    assert numbers(september) == [112, 113]
    freeze(september)
    refused = client.post(url, {"action": "first_number", "year": 2025, "first_number": 1})
    assert refused.status_code == 400 and "ändras aldrig" in refused.content.decode()
    assert numbers(september) == [112, 113]
    assert "§§ 112–113" in client.get(url).content.decode()
    response = client.post(url, {"action": "numbering", "numbering": "meeting"})
    assert response.status_code == 302
    committee.refresh_from_db()
    assert committee.paragraph_numbering == Committee.Numbering.PER_MEETING
    assert numbers(september) == [112, 113]
