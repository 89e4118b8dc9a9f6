"""Diarienummer: allocated per prefix and year without gaps or duplicates, also under concurrency."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from cases.models import Case
from cases.services import case_register, diarienummer_parse
from tests.factories import CaseFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_numbers_are_allocated_in_sequence_per_year():
    org = OrganisationFactory()
    first = case_register(organisation=org, title="A", registered_on=date(2022, 3, 1))
    second = case_register(organisation=org, title="B", registered_on=date(2022, 3, 2))
    next_year = case_register(organisation=org, title="C", registered_on=date(2023, 1, 2))
    assert [first.diarienummer, second.diarienummer, next_year.diarienummer] == [
        "RJL 2022/1",
        "RJL 2022/2",
        "RJL 2023/1",
    ]


def test_allocation_continues_after_numbers_entered_by_hand():
    org = OrganisationFactory()
    case_register(organisation=org, title="Registrerat", diarienummer="RJL 2022/2018")
    following = case_register(organisation=org, title="Nytt", registered_on=date(2022, 10, 1))
    assert following.diarienummer == "RJL 2022/2019"


def test_a_hand_entered_number_must_be_well_formed_and_unused():
    org = OrganisationFactory()
    case_register(organisation=org, title="Kultur för hälsa", diarienummer="RJL 2021/1342")
    with pytest.raises(ValidationError, match="används redan"):
        case_register(organisation=org, title="Igen", diarienummer="RJL 2021/1342")
    with pytest.raises(ValidationError, match="är inte ett diarienummer"):
        case_register(organisation=org, title="Fel", diarienummer="2021-1342")
    assert Case.objects.count() == 1


def test_parse_gives_prefix_year_serial():
    assert diarienummer_parse(" RJL 2022/2018 ") == ("RJL", 2022, 2018)


def test_database_refuses_a_duplicate_diarienummer():
    CaseFactory(prefix="RJL", year=2022, serial=7)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(prefix="RJL", year=2022, serial=7)


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocation_gives_distinct_gapless_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL (make test)")
    org = OrganisationFactory()
    results, errors = [], []
    barrier = threading.Barrier(8)

    def register(n):
        try:
            barrier.wait()
            case = case_register(organisation=org, title=f"Ärende {n}", registered_on=date(2022, 5, 1))
            results.append(case.serial)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == list(range(1, 9))
