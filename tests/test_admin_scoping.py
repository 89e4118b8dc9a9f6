"""A secretary sees and changes only the committees they are secretary of; superusers see all."""

import pytest
from django.urls import reverse

from committees.models import Committee
from tests.factories import (
    AgendaItemFactory,
    CommitteeFactory,
    DelegatedDecisionFactory,
    DelegationPointFactory,
    MeetingFactory,
    RemissFactory,
    UserFactory,
    local,
    secretary_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_committees():
    a = CommitteeFactory(name="Nämnd A")
    b = CommitteeFactory(name="Nämnd B")
    return a, b


def test_secretary_lists_only_their_committees_meetings(client, two_committees):
    a, b = two_committees
    MeetingFactory(committee=a, start=local(2024, 3, 1))
    MeetingFactory(committee=b, start=local(2024, 4, 2))
    client.force_login(secretary_of(a))
    page = client.get(reverse("admin:meetings_meeting_changelist")).content.decode()
    assert "Nämnd A 2024-03-01" in page
    assert "Nämnd B" not in page


def test_secretary_cannot_open_another_committees_meeting_by_url(client, two_committees):
    a, b = two_committees
    other = MeetingFactory(committee=b)
    client.force_login(secretary_of(a))
    response = client.get(reverse("admin:meetings_meeting_change", args=[other.pk]))
    assert response.status_code == 302  # the admin's "does not exist" redirect
    assert reverse("admin:meetings_meeting_change", args=[other.pk]) not in response["Location"]
    response = client.post(
        reverse("admin:meetings_meeting_change", args=[other.pk]),
        {"committee": b.pk, "location": "Inbrott", "start_0": "2024-10-11", "start_1": "10:00"},
    )
    other.refresh_from_db()
    assert other.location != "Inbrott"


def test_secretary_cannot_delete_another_committees_meeting(client, two_committees):
    a, b = two_committees
    other = MeetingFactory(committee=b)
    client.force_login(secretary_of(a))
    client.post(reverse("admin:meetings_meeting_delete", args=[other.pk]), {"post": "yes"})
    assert type(other).objects.filter(pk=other.pk).exists()


def test_secretary_cannot_create_a_meeting_for_another_committee(client, two_committees):
    a, b = two_committees
    client.force_login(secretary_of(a))
    response = client.post(
        reverse("admin:meetings_meeting_add"),
        {
            "committee": b.pk,
            "start_0": "2024-10-11",
            "start_1": "10:00",
            "location": "X",
            "agenda_items-TOTAL_FORMS": "0",
            "agenda_items-INITIAL_FORMS": "0",
            "paragraphs-TOTAL_FORMS": "0",
            "paragraphs-INITIAL_FORMS": "0",
            "transitions-TOTAL_FORMS": "0",
            "transitions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # the form comes back with an error
    assert (
        "Select a valid choice" in response.content.decode()
        or "Välj ett giltigt" in response.content.decode()
    )
    assert not b.meetings.exists()


def test_secretary_sees_only_own_agenda_items_registers_and_committees(client, two_committees):
    a, b = two_committees
    AgendaItemFactory(meeting=MeetingFactory(committee=a), title="Eget ärende")
    AgendaItemFactory(meeting=MeetingFactory(committee=b), title="Främmande ärende")
    RemissFactory(committee=a, title="Egen remiss")
    RemissFactory(committee=b, title="Främmande remiss")
    DelegatedDecisionFactory(point=DelegationPointFactory(committee=a), description="Eget beslut")
    DelegatedDecisionFactory(point=DelegationPointFactory(committee=b), description="Annat beslut")
    client.force_login(secretary_of(a))
    for url, own, foreign in [
        ("admin:meetings_agendaitem_changelist", "Eget ärende", "Främmande ärende"),
        ("admin:cases_remiss_changelist", "Egen remiss", "Främmande remiss"),
        ("admin:cases_delegateddecision_changelist", "Eget beslut", "Annat beslut"),
        ("admin:committees_committee_changelist", "Nämnd A", "Nämnd B"),
    ]:
        page = client.get(reverse(url)).content.decode()
        assert own in page, url
        assert foreign not in page, url


def test_superuser_sees_every_committee(client, two_committees):
    MeetingFactory(committee=two_committees[0], start=local(2024, 3, 1))
    MeetingFactory(committee=two_committees[1], start=local(2024, 4, 2))
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:meetings_meeting_changelist")).content.decode()
    assert "Nämnd A" in page and "Nämnd B" in page


def test_member_without_staff_cannot_enter_the_admin(client):
    client.force_login(UserFactory(username="ledamot"))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_committee_queryset_for_secretary_respects_the_assignment_period(two_committees):
    from committees.models import Assignment

    a, _b = two_committees
    user = secretary_of(a)
    Assignment.objects.filter(person__user=user).update(valid_to=local(2020, 1, 1).date())
    assert not Committee.objects.for_secretary(user).exists()


def test_secretary_sees_only_handlingar_and_cases_of_own_committees(client, two_committees):
    from cases.models import Document
    from meetings.models import AgendaItemDocument
    from tests.factories import CaseFactory, DocumentFactory

    a, b = two_committees
    own_item = AgendaItemFactory(meeting=MeetingFactory(committee=a))
    other_item = AgendaItemFactory(meeting=MeetingFactory(committee=b))
    own = DocumentFactory(title="Egen tjänsteskrivelse")
    secret = DocumentFactory(title="Hemlig handling B", confidential=True, osl_reference="OSL 26 kap. 1 §")
    AgendaItemDocument.objects.create(agenda_item=own_item, document=own)
    AgendaItemDocument.objects.create(agenda_item=other_item, document=secret)
    CaseFactory(title="Ärende hos A", committee=a)
    CaseFactory(title="Ärende hos B", committee=b)
    client.force_login(secretary_of(a))
    documents = client.get(reverse("admin:cases_document_changelist")).content.decode()
    assert "Egen tjänsteskrivelse" in documents
    assert "Hemlig handling B" not in documents
    response = client.get(reverse("admin:cases_document_change", args=[secret.pk]))
    assert response.status_code == 302 and Document.objects.filter(pk=secret.pk).exists()
    cases = client.get(reverse("admin:cases_case_changelist")).content.decode()
    assert "Ärende hos A" in cases
    assert "Ärende hos B" not in cases
