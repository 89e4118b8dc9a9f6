"""Motions with their deadline, the case page with the case's whole life, and the exports."""

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Motion
from meetings.models import Anslag, Meeting, Paragraph
from tests.factories import (
    AgendaItemFactory,
    CaseFactory,
    CommitteeFactory,
    DelegatedDecisionFactory,
    DelegationPointFactory,
    MeetingFactory,
    RemissFactory,
    local,
    member_of,
    secretary_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee():
    return CommitteeFactory(name="Nämnd för folkhälsa och sjukvård", short_name="FS")


def test_motion_answer_deadline_defaults_to_a_year_after_it_was_raised(committee):
    motion = Motion.objects.create(
        title="Kultur för hälsa", submitted_on=date(2021, 5, 20), raised_on=date(2021, 6, 15)
    )
    assert motion.answer_by == date(2022, 6, 15)
    leap = Motion.objects.create(title="Skottdag", submitted_on=date(2024, 2, 1), raised_on=date(2024, 2, 29))
    assert leap.answer_by == date(2025, 2, 28)


def test_unanswered_motions_list_shows_days_left(client, committee):
    today = timezone.localdate()
    Motion.objects.create(
        title="Kultur för hälsa",
        submitted_on=today - timedelta(days=300),
        raised_on=today - timedelta(days=300),
        preparing_committee=committee,
    )
    Motion.objects.create(
        title="Besvarad motion",
        submitted_on=today,
        preparing_committee=committee,
        status=Motion.Status.ANSWERED,
    )
    client.force_login(secretary_of(committee))

    page = client.get(reverse("cases:motioner")).content.decode()

    assert "Kultur för hälsa" in page
    assert "Besvarad motion" not in page
    days_left = (Motion.objects.get(title="Kultur för hälsa").answer_by - today).days
    assert f"<td>{days_left}</td>" in page


def _paragraph(meeting, item, number):
    return Paragraph.objects.create(
        meeting=meeting,
        agenda_item=item,
        committee=meeting.committee,
        year=2022,
        number=number,
        title=item.title,
    )


def test_case_page_shows_every_committee_and_paragraph_in_date_order_with_the_appeal_period(
    client, committee
):
    presidium = CommitteeFactory(name="Presidium FS", short_name="FS-pres")
    case = CaseFactory(
        title="Motion – Kultur för hälsa", committee=committee, registered_on=date(2021, 5, 20)
    )
    early = MeetingFactory(committee=presidium, start=local(2022, 3, 1), status=Meeting.Status.HELD)
    late = MeetingFactory(committee=committee, start=local(2022, 3, 15), status=Meeting.Status.HELD)
    _paragraph(early, AgendaItemFactory(meeting=early, case=case, title="Beredning av motionen"), 12)
    _paragraph(late, AgendaItemFactory(meeting=late, case=case, title="Svar på motionen"), 44)
    Meeting.objects.filter(pk__in=[early.pk, late.pk]).update(status=Meeting.Status.POSTED)
    Anslag.objects.create(
        committee=committee,
        meeting=late,
        title="Protokoll FS",
        posted_on=date(2022, 3, 20),
        appeal_ends_on=date(2022, 4, 11),
        take_down_on=date(2022, 4, 12),
    )
    RemissFactory(
        committee=committee, case=case, title="Remiss till kommunerna", received_on=date(2021, 9, 1)
    )
    DelegatedDecisionFactory(
        case=case, point=DelegationPointFactory(committee=committee), description="Beslut om bidrag"
    )
    client.force_login(secretary_of(committee))

    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()

    order = ["Remiss till kommunerna", "Beredning av motionen", "Svar på motionen", "Beslut om bidrag"]
    assert [page.index(text) for text in order] == sorted(page.index(text) for text in order)
    assert "Presidium FS" in page and "§ 12" in page and "§ 44" in page
    assert "2022-04-11" in page  # the appeal period of the posted protokoll


def test_confidential_case_only_for_officials_of_the_owning_committee(client, committee):
    case = CaseFactory(committee=committee, confidential=True, osl_reference="OSL 26 kap. 1 §")
    url = reverse("cases:case_detail", args=[case.pk])

    client.force_login(secretary_of(CommitteeFactory()))
    assert client.get(url).status_code == 404
    client.force_login(member_of(committee))
    assert client.get(url).status_code == 403  # a member is no official
    client.force_login(secretary_of(committee))
    assert client.get(url).status_code == 200


def test_case_admin_change_page_links_to_the_case_page(admin_client):
    case = CaseFactory()
    page = admin_client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert reverse("cases:case_detail", args=[case.pk]) in page


def test_remiss_register_exports_as_csv_and_xlsx_with_the_seeds_columns(client, committee):
    RemissFactory(committee=committee, title="Remiss om turism", registration_id="2022.10154")
    client.force_login(secretary_of(committee))

    response = client.get(reverse("cases:export", args=["remisser", "csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][0] == "2022.10154" and "Remiss om turism" in rows[1]
    assert len(rows[0]) == len(rows[1]) >= 10

    response = client.get(reverse("cases:export", args=["remisser", "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=1).value == "2022.10154"
    assert sheet.cell(row=2, column=3).value == "Remiss om turism"


@pytest.mark.parametrize("name", ["delegationsbeslut", "motioner", "arenden"])
def test_every_register_exports(client, committee, name):
    DelegatedDecisionFactory(point=DelegationPointFactory(committee=committee))
    Motion.objects.create(title="Motion", submitted_on=date(2022, 1, 1), preparing_committee=committee)
    CaseFactory(committee=committee)
    client.force_login(secretary_of(committee))
    for fmt in ["csv", "xlsx"]:
        response = client.get(reverse("cases:export", args=[name, fmt]))
        assert response.status_code == 200
        assert f"{name}-" in response["Content-Disposition"]


def test_demo_motion_case_page_shows_its_whole_path(client, demo_loaded):
    case = Case.objects.get(prefix="RJL", year=2021, serial=1342)
    client.force_login(secretary_of(*{item.meeting.committee for item in case.agenda_items.all()}))

    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()

    committees = {
        item.meeting.committee.name for item in case.agenda_items.select_related("meeting__committee")
    }
    assert len(committees) >= 3
    for name in committees:
        assert name in page


def test_admin_action_exports_the_selected_delegationsbeslut_as_xlsx(admin_client, committee):
    decision = DelegatedDecisionFactory(
        point=DelegationPointFactory(committee=committee, code="ANAV 4.5.3"), registration_id="2022.9001"
    )

    response = admin_client.post(
        reverse("admin:cases_delegateddecision_changelist"),
        {"action": "export_xlsx", "_selected_action": [decision.pk]},
    )

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for cell in sheet[2]]
    assert "2022.9001" in values and decision.number_label in values and "ANAV 4.5.3" in values
