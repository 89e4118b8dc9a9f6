"""Delegationsbeslut: points offered by the decision maker's role, the running number
"§8/2022" per decision maker and year, and the anmälan recorded once in its §."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from cases.models import DelegatedDecision
from cases.services import delegated_decision_register, delegation_points_for_decision_maker
from meetings.models import GeneratedList, Meeting, Paragraph
from meetings.services.registers import (
    agenda_item_generate_list,
    delegated_decisions_record_reported,
    delegated_decisions_to_report,
)
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    CommitteeFactory,
    DelegationPointFactory,
    MeetingFactory,
    PersonFactory,
    local,
    secretary_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee():
    return CommitteeFactory(name="Nämnd för arbetsmarknad, näringsliv och attraktivitet", short_name="ANA")


@pytest.fixture
def director(committee):
    return PersonFactory(first_name="Anna", last_name="Direktör", title="Regional utvecklingsdirektör")


def register(point, person, on=date(2022, 9, 1), **kwargs):
    return delegated_decision_register(
        point=point, decision_maker=person, decided_on=on, description="Beslut om projektbidrag", **kwargs
    )


def test_delegationsbeslut_offered_only_points_delegated_to_the_makers_role(committee, director):
    own = DelegationPointFactory(
        committee=committee, code="ANAV 4.5.3", delegate_role="regional utvecklingsdirektör"
    )
    other = DelegationPointFactory(committee=committee, code="ANAV 1.1", delegate_role="Ekonomichef")
    by_assignment = DelegationPointFactory(committee=committee, code="ANAV 2.2", delegate_role="Enhetschef")
    AssignmentFactory(person=director, committee=committee, role="tjansteperson", title="Enhetschef")

    offered = set(delegation_points_for_decision_maker(person=director, on=date(2022, 9, 1)))

    assert offered == {own, by_assignment}
    with pytest.raises(ValidationError) as error:
        register(other, director)
    assert error.value.code == "point_not_delegated"
    assert not DelegatedDecision.objects.exists()


def test_a_point_is_offered_only_while_its_version_of_the_delegationsordning_is_in_force(committee, director):
    old = DelegationPointFactory(
        committee=committee, code="ANAV 4.5.3", decided_on=date(2021, 1, 1), valid_to=date(2022, 5, 31)
    )
    new = DelegationPointFactory(committee=committee, code="ANAV 4.5.3", decided_on=date(2022, 6, 1))

    assert set(delegation_points_for_decision_maker(person=director, on=date(2022, 3, 1))) == {old}
    assert set(delegation_points_for_decision_maker(person=director, on=date(2022, 9, 1))) == {new}
    with pytest.raises(ValidationError) as error:
        register(old, director, on=date(2022, 9, 1))
    assert error.value.code == "point_not_in_force"


def test_decision_makers_number_runs_per_maker_and_year(committee, director):
    point = DelegationPointFactory(committee=committee)
    colleague = PersonFactory(title="Regional utvecklingsdirektör")

    labels = [
        register(point, director).number_label,
        register(point, director).number_label,
        register(point, colleague).number_label,
        register(point, director, on=date(2023, 1, 10)).number_label,
    ]

    assert labels == ["§1/2022", "§2/2022", "§1/2022", "§1/2023"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_delegationsbeslut_get_distinct_gapless_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL (make test)")
    person = PersonFactory(title="Regional utvecklingsdirektör")
    point = DelegationPointFactory()
    results, errors = [], []
    barrier = threading.Barrier(6)

    def run():
        try:
            barrier.wait()
            results.append(register(point, person).decision_maker_number)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == list(range(1, 7))


def _justerat_meeting_with_anmalan(committee, start, number):
    meeting = MeetingFactory(committee=committee, start=start, status=Meeting.Status.SUMMONED)
    item = AgendaItemFactory(
        meeting=meeting, title="Anmälan av delegationsbeslut", generates=GeneratedList.DELEGATED_DECISIONS
    )
    return meeting, item


def _justera(meeting, item, number):
    paragraph = Paragraph.objects.create(
        meeting=meeting,
        agenda_item=item,
        committee=meeting.committee,
        year=meeting.start.year,
        number=number,
        title=item.title,
    )
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.JUSTERAT)
    meeting.refresh_from_db()
    return paragraph


def test_anmalan_records_each_decision_once_and_a_second_meeting_does_not_list_it(
    committee, director, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    point = DelegationPointFactory(committee=committee)
    first_decision = register(point, director, on=date(2022, 9, 1))
    meeting, item = _justerat_meeting_with_anmalan(committee, local(2022, 10, 12), 120)
    agenda_item_generate_list(agenda_item=item)
    paragraph = _justera(meeting, item, 125)

    assert delegated_decisions_record_reported(meeting=meeting) == 1
    assert delegated_decisions_record_reported(meeting=meeting) == 0  # idempotent

    later_decision = register(point, director, on=date(2022, 10, 20))
    next_meeting, _next_item = _justerat_meeting_with_anmalan(committee, local(2022, 11, 16), 140)
    first_decision.refresh_from_db()
    assert first_decision.reported_at_meeting == meeting
    assert first_decision.reported_in_paragraph == paragraph
    assert list(delegated_decisions_to_report(meeting=next_meeting)) == [later_decision]


def test_recording_the_anmalan_before_justering_is_refused(committee, director):
    meeting, _item = _justerat_meeting_with_anmalan(committee, local(2022, 10, 12), 120)
    with pytest.raises(ValidationError) as error:
        delegated_decisions_record_reported(meeting=meeting)
    assert error.value.code == "not_justerat"


def test_admin_add_form_offers_only_the_chosen_makers_points_and_numbers_the_decision(
    client, committee, director
):
    own = DelegationPointFactory(committee=committee, code="ANAV 4.5.3")
    other = DelegationPointFactory(committee=committee, code="ANAV 9.9", delegate_role="Ekonomichef")
    client.force_login(secretary_of(committee))
    url = reverse("admin:cases_delegateddecision_add")

    page = client.get(url, {"decision_maker": director.pk, "decided_on": "2022-09-01"})
    assert "ANAV 4.5.3" in page.content.decode()
    assert "ANAV 9.9" not in page.content.decode()

    refused = client.post(
        url,
        {
            "decision_maker": director.pk,
            "decided_on": "2022-09-01",
            "point": other.pk,
            "description": "Bidrag",
        },
    )
    assert refused.status_code == 200
    assert not DelegatedDecision.objects.exists()

    saved = client.post(
        url,
        {"decision_maker": director.pk, "decided_on": "2022-09-01", "point": own.pk, "description": "Bidrag"},
    )
    assert saved.status_code == 302
    assert DelegatedDecision.objects.get().number_label == "§1/2022"


def test_posting_the_anslag_of_a_justerat_protokoll_records_where_each_decision_was_reported(
    committee, director, settings, tmp_path
):
    from meetings.models import Anslag
    from meetings.tasks import post_anslag

    settings.MEDIA_ROOT = tmp_path
    decision = register(DelegationPointFactory(committee=committee), director, on=date(2022, 9, 1))
    meeting, item = _justerat_meeting_with_anmalan(committee, local(2022, 10, 12), 120)
    agenda_item_generate_list(agenda_item=item)
    paragraph = _justera(meeting, item, 125)
    post_anslag(meeting.pk)
    post_anslag(meeting.pk)  # a retried task does nothing twice
    decision.refresh_from_db()
    assert decision.reported_in_paragraph == paragraph
    assert Anslag.objects.filter(meeting=meeting).count() == 1
