"""Issue 12, item 1: a secretary cannot reach another committee's rows by POSTing their ids.

Each test plays one attack through the test client, as the admin's own pages would post it, and
asserts the form is refused with Django's "Select a valid choice" error and nothing was saved.
The registry-wide proof (every admin, every inline, every relation field) is
tests/test_admin_scope_registry.py.
"""

import pytest
from django.urls import reverse

from attendance.models import Attendance
from cases.models import Remiss
from committees.models import Assignment, Committee
from meetings.models import AgendaItemDocument, Meeting
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    CaseFactory,
    CommitteeFactory,
    DelegatedDecisionFactory,
    DelegationPointFactory,
    MeetingFactory,
    OrganisationFactory,
    ParagraphFactory,
    PdfDocumentFactory,
    PersonFactory,
    RemissFactory,
    local,
    member_of,
    secretary_of,
)

pytestmark = pytest.mark.django_db

OSL = "OSL 26 kap. 1 §"
INVALID_CHOICE = ("Select a valid choice", "Välj ett giltigt alternativ")


def refused(response) -> bool:
    page = response.content.decode()
    return response.status_code == 200 and any(text in page for text in INVALID_CHOICE)


def change_form_data(response, **changes) -> dict:
    """Everything the browser posts back from an admin change form, inlines included."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms += formset.forms
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif value is not None:
                data[key] = value
    data.update(changes)
    return data


@pytest.fixture
def forum_and_ana():
    """Kommunalt forum (its secretary and a member) and ANA, which has a confidential handling."""
    organisation = OrganisationFactory()
    forum = CommitteeFactory(
        organisation=organisation, name="Kommunalt forum", short_name="KF", kind=Committee.Kind.FORUM
    )
    ana = CommitteeFactory(organisation=organisation, name="Nämnden för arbetsmarknad", short_name="ANA")
    secret = PdfDocumentFactory(
        title="Utredning om enskild",
        pages=("HEMLIG-ANA-UTREDNING",),
        case=CaseFactory(organisation=organisation, committee=ana, confidential=True, osl_reference=OSL),
        confidential=True,
        osl_reference=OSL,
    )
    ana_item = AgendaItemFactory(meeting=MeetingFactory(committee=ana))
    AgendaItemDocument.objects.create(agenda_item=ana_item, document=secret, order=1)
    meeting = MeetingFactory(
        committee=forum,
        start=local(2030, 3, 1),
        status=Meeting.Status.SUMMONED,
        agenda_published=True,
    )
    item = AgendaItemFactory(meeting=meeting, title="Samverkan")
    return {
        "forum": forum,
        "ana": ana,
        "secret": secret,
        "meeting": meeting,
        "item": item,
        "secretary": secretary_of(forum, username="forum-sekreterare"),
        "member": member_of(forum, username="forum-ledamot"),
    }


def test_forum_secretary_cannot_attach_anas_confidential_handling_to_a_forum_item(client, forum_and_ana):
    world = forum_and_ana
    item, secret = world["item"], world["secret"]
    client.force_login(world["secretary"])
    url = reverse("admin:meetings_agendaitem_change", args=[item.pk])
    data = change_form_data(client.get(url))
    prefix = "attachments"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    data[f"{prefix}-{total}-document"] = str(secret.pk)
    data[f"{prefix}-{total}-order"] = "1"
    response = client.post(url, data)
    assert refused(response), response.status_code
    assert not AgendaItemDocument.objects.filter(agenda_item=item).exists()

    # Nothing leaks to the forum's members or the public.
    client.force_login(world["member"])
    download = reverse("meetings:document", args=[world["meeting"].pk, secret.pk])
    assert client.get(download).status_code == 404
    client.logout()
    assert client.get(reverse("portal:document", args=[secret.pk])).status_code == 404


def test_forum_secretary_cannot_find_anas_handling_through_autocomplete(client, forum_and_ana):
    world = forum_and_ana
    client.force_login(world["secretary"])
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "meetings",
            "model_name": "agendaitemdocument",
            "field_name": "document",
            "term": "Utredning",
        },
    )
    assert response.status_code == 200
    assert str(world["secret"].pk) not in [row["id"] for row in response.json()["results"]]


def test_secretary_cannot_put_another_committees_case_on_her_agenda(client, forum_and_ana):
    world = forum_and_ana
    item = world["item"]
    foreign_case = world["secret"].case
    client.force_login(world["secretary"])
    url = reverse("admin:meetings_agendaitem_change", args=[item.pk])
    response = client.post(url, change_form_data(client.get(url), case=foreign_case.pk))
    assert refused(response)
    item.refresh_from_db()
    assert item.case_id is None


def test_secretary_cannot_record_attendance_of_another_committees_meeting_or_person(client):
    organisation_a, organisation_b = (
        OrganisationFactory(),
        OrganisationFactory(name="Region Kronoberg", diarium_prefix="RK"),
    )
    a, b = CommitteeFactory(organisation=organisation_a), CommitteeFactory(organisation=organisation_b)
    own_meeting, foreign_meeting = MeetingFactory(committee=a), MeetingFactory(committee=b)
    own_person = AssignmentFactory(committee=a).person
    foreign_person = AssignmentFactory(committee=b).person
    client.force_login(secretary_of(a))
    url = reverse("admin:attendance_attendance_add")
    base = {"status": Attendance.Status.PRESENT, "capacity": "ledamot", "serving": "on"}
    for meeting, person in [(foreign_meeting, own_person), (own_meeting, foreign_person)]:
        response = client.post(url, {**base, "meeting": meeting.pk, "person": person.pk})
        assert refused(response)
    assert not Attendance.objects.exists()


def test_secretary_cannot_answer_a_remiss_with_another_committees_paragraph(client):
    a, b = CommitteeFactory(), CommitteeFactory()
    remiss = RemissFactory(committee=a)
    foreign = ParagraphFactory(meeting=MeetingFactory(committee=b))
    client.force_login(secretary_of(a))
    url = reverse("admin:cases_remiss_change", args=[remiss.pk])
    data = change_form_data(
        client.get(url),
        status=Remiss.Status.ANSWERED,
        answered_by_paragraph=foreign.pk,
        reported_at_meeting=foreign.meeting_id,
    )
    response = client.post(url, data)
    assert refused(response)
    remiss.refresh_from_db()
    assert remiss.answered_by_paragraph_id is None and remiss.reported_at_meeting_id is None


def test_secretary_cannot_report_a_delegationsbeslut_at_another_committees_meeting(client):
    a, b = CommitteeFactory(), CommitteeFactory()
    decision = DelegatedDecisionFactory(point=DelegationPointFactory(committee=a))
    foreign = ParagraphFactory(meeting=MeetingFactory(committee=b))
    client.force_login(secretary_of(a))
    url = reverse("admin:cases_delegateddecision_change", args=[decision.pk])
    data = change_form_data(
        client.get(url), reported_at_meeting=foreign.meeting_id, reported_in_paragraph=foreign.pk
    )
    response = client.post(url, data)
    assert refused(response)
    decision.refresh_from_db()
    assert decision.reported_at_meeting_id is None and decision.reported_in_paragraph_id is None


def test_secretary_cannot_make_another_committees_person_a_signer(client):
    organisation_b = OrganisationFactory(name="Region Kronoberg", diarium_prefix="RK")
    a, b = CommitteeFactory(), CommitteeFactory(organisation=organisation_b)
    meeting = MeetingFactory(committee=a, status=Meeting.Status.HELD)
    chair = AssignmentFactory(committee=a, role=Assignment.Role.CHAIR).person
    foreign = AssignmentFactory(committee=b, role=Assignment.Role.CHAIR).person
    client.force_login(secretary_of(a))
    url = reverse("admin:meetings_meeting_signers", args=[meeting.pk])
    response = client.post(url, {"chair": foreign.pk, "adjuster": chair.pk})
    assert refused(response)
    assert not hasattr(Meeting.objects.get(pk=meeting.pk), "justering")


def test_secretary_cannot_add_an_assignment_in_another_committee(client):
    a, b = CommitteeFactory(), CommitteeFactory()
    person = PersonFactory()
    client.force_login(secretary_of(a))
    response = client.post(
        reverse("admin:committees_assignment_add"),
        {"person": person.pk, "committee": b.pk, "role": Assignment.Role.MEMBER},
    )
    assert refused(response)
    assert not Assignment.objects.filter(committee=b).exists()


def test_an_admin_action_does_not_reach_another_committees_rows(client):
    a, b = CommitteeFactory(), CommitteeFactory()
    own, foreign = (
        AgendaItemFactory(meeting=MeetingFactory(committee=a)),
        AgendaItemFactory(meeting=MeetingFactory(committee=b)),
    )
    client.force_login(secretary_of(a))
    client.post(
        reverse("admin:meetings_agendaitem_changelist"),
        {"action": "delete_selected", "_selected_action": [own.pk, foreign.pk], "post": "yes"},
    )
    assert not type(own).objects.filter(pk=own.pk).exists()  # her own row: deleted as asked
    assert type(foreign).objects.filter(pk=foreign.pk).exists()


def test_a_row_keeps_the_link_it_has_and_cannot_be_given_another(client):
    """A value already saved stays acceptable (a person's login, which no secretary may choose),
    so the secretary can still edit the person; she cannot link another login."""
    from tests.factories import UserFactory, admin_form_data

    a = CommitteeFactory()
    login, other_login = UserFactory(), UserFactory()
    person = AssignmentFactory(committee=a, person=PersonFactory(user=login, email="anna@example.org")).person
    client.force_login(secretary_of(a))
    url = reverse("admin:committees_person_change", args=[person.pk])
    response = client.post(url, admin_form_data(client.get(url), phone="036-10 10 10"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    assert person.phone == "036-10 10 10" and person.user == login
    client.post(url, admin_form_data(client.get(url), user=other_login.pk))
    person.refresh_from_db()
    assert person.user == login
