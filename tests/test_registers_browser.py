"""In a real browser: an official registers a delegationsbeslut in the admin, offered only the
points of the decision maker's role; the secretary generates the next meeting's anmälan list
and finds the decision in it."""

import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import DelegatedDecision, Document
from committees.models import Assignment
from committees.roles import OFFICIAL_GROUP, ensure_groups
from meetings.models import GeneratedList, Meeting
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    CommitteeFactory,
    DelegationPointFactory,
    MeetingFactory,
    PersonFactory,
    UserFactory,
    secretary_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-1"  # UserFactory's


def log_in_to_admin(page, live_server, username):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_official_registers_a_delegationsbeslut_and_the_secretary_sees_it_in_the_next_agenda_item(
    live_server, page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    committee = CommitteeFactory(
        name="Nämnd för arbetsmarknad, näringsliv och attraktivitet", short_name="ANA"
    )
    director = PersonFactory(first_name="Anna", last_name="Direktör", title="Regional utvecklingsdirektör")
    DelegationPointFactory(
        committee=committee, code="ANAV 4.5.3", delegate_role="Regional utvecklingsdirektör"
    )
    DelegationPointFactory(committee=committee, code="ANAV 9.1", delegate_role="Ekonomichef")
    official = UserFactory(username="olle", is_staff=True)
    official.groups.add(ensure_groups()[OFFICIAL_GROUP])
    AssignmentFactory(person=PersonFactory(user=official), committee=committee, role=Assignment.Role.OFFICIAL)
    today = timezone.localdate()

    log_in_to_admin(page, live_server, "olle")
    page.goto(f"{live_server.url}/admin/cases/delegateddecision/add/")
    page.fill("#id_decided_on", today.isoformat())
    page.select_option("#id_decision_maker", str(director.pk))
    page.wait_for_url(f"**decision_maker={director.pk}**")
    offered = page.locator("#id_point option").all_inner_texts()
    assert any("ANAV 4.5.3" in text for text in offered)
    assert not any("ANAV 9.1" in text for text in offered)
    page.select_option("#id_point", label=next(text for text in offered if "ANAV 4.5.3" in text))
    page.fill("#id_description", "Beslut om projektbidrag till Science Park")
    page.fill("#id_counterpart", "Science Park Jönköping")
    page.click("input[name=_save]")
    page.wait_for_selector("ul.messagelist li.success")
    decision = DelegatedDecision.objects.get()
    assert decision.number_label == f"§1/{today.year}"

    # The secretary generates the anmälan list of the next meeting from the agenda item.
    secretary = secretary_of(committee, username="linda")
    start = timezone.now() + timedelta(days=7)
    meeting = MeetingFactory(committee=committee, start=start, status=Meeting.Status.AGENDA_DRAFTED)
    item = AgendaItemFactory(
        meeting=meeting, title="Anmälan av delegationsbeslut", generates=GeneratedList.DELEGATED_DECISIONS
    )
    page.context.clear_cookies()
    log_in_to_admin(page, live_server, secretary.username)
    page.goto(f"{live_server.url}/admin/meetings/agendaitem/")
    page.check(f"input[name=_selected_action][value='{item.pk}']")
    page.select_option("select[name=action]", "generate_list")
    page.click("button[name=index]")
    page.wait_for_selector("ul.messagelist li.success")

    document = Document.objects.get(attachments__agenda_item=item)
    text = subprocess.run(["pdftotext", document.file.path, "-"], capture_output=True, text=True).stdout
    text = " ".join(text.split())
    assert "Beslut om projektbidrag till Science Park" in text
    assert f"§1/{today.year}" in text
    decision.refresh_from_db()
    assert decision.reported_at_meeting == meeting
