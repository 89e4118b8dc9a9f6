"""In a real browser: a secretary reorders the agenda in the admin and sends the kallelse;
a member then signs in and finds the meeting with its agenda."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from committees.models import Assignment
from meetings.models import KallelseDelivery, Meeting
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    CommitteeFactory,
    MeetingFactory,
    PersonFactory,
    member_of,
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


def test_secretary_reorders_the_agenda_and_sends_the_kallelse_in_the_admin(live_server, page):
    committee = CommitteeFactory(name="Nämnd för arbetsmarknad, näringsliv och attraktivitet")
    secretary = secretary_of(committee, username="linda")
    for first, address in [("Per", "per@example.org"), ("Monica", "monica@example.org")]:
        AssignmentFactory(
            committee=committee,
            role=Assignment.Role.MEMBER,
            person=PersonFactory(first_name=first, email=address),
        )
    start = (timezone.now() + timedelta(days=14)).replace(hour=8, minute=0, second=0, microsecond=0)
    meeting = MeetingFactory(committee=committee, start=start, status=Meeting.Status.AGENDA_DRAFTED)
    first = AgendaItemFactory(meeting=meeting, order=1, title="Kultur för hälsa")
    second = AgendaItemFactory(meeting=meeting, order=2, title="Fastställande av dagordning")

    log_in_to_admin(page, live_server, secretary.username)

    # Swap the two items with the order fields of the agenda on the meeting's page, and save.
    page.goto(f"{live_server.url}/admin/meetings/meeting/{meeting.pk}/change/")
    rows = {
        page.input_value(f"input[name='agenda_items-{i}-title']"): f"input[name='agenda_items-{i}-order']"
        for i in range(2)
    }
    page.fill(rows["Kultur för hälsa"], "2")
    page.fill(rows["Fastställande av dagordning"], "1")
    page.click("input[name=_continue]")
    page.wait_for_selector("ul.messagelist li.success")

    # Send the kallelse with the action on the list of meetings.
    page.goto(f"{live_server.url}/admin/meetings/meeting/")
    page.check(f"input[name=_selected_action][value='{meeting.pk}']")
    page.select_option("select[name=action]", "send_kallelse")
    page.click("button[name=index]")
    success = page.wait_for_selector("ul.messagelist li.success")
    assert str(meeting) in success.inner_text()

    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.order, first.order) == (1, 2)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SUMMONED
    deliveries = KallelseDelivery.objects.filter(dispatch__meeting=meeting)
    assert {d.email for d in deliveries} >= {"per@example.org", "monica@example.org"}
    assert all(d.sent_at for d in deliveries)
    assert len(mail.outbox) == deliveries.count()
    body = next(m for m in mail.outbox if m.to == ["per@example.org"]).body
    assert body.index("1 Fastställande av dagordning") < body.index("2 Kultur för hälsa")


def test_member_signs_in_and_finds_the_meeting_and_its_agenda(live_server, page):
    committee = CommitteeFactory(name="Nämnd för folkhälsa och sjukvård")
    member = member_of(committee, username="ordforande", first_name="Per", last_name="Eriksson")
    meeting = MeetingFactory(
        committee=committee,
        start=timezone.now() + timedelta(days=7),
        location="Regionens hus, sal A",
        status=Meeting.Status.SUMMONED,
    )
    AgendaItemFactory(meeting=meeting, order=1, title="Upprop och val av protokollsjusterare")

    page.goto(f"{live_server.url}/mina-sammantraden/")
    assert "/konto/logga-in/" in page.url
    assert page.get_attribute("html", "lang") == "sv"
    page.fill("#id_username", member.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/mina-sammantraden/")

    assert page.locator("h1").inner_text()
    page.click(f"a[href='/mina-sammantraden/{meeting.pk}/']")
    assert page.locator("h1").inner_text() == "Nämnd för folkhälsa och sjukvård"
    assert "Upprop och val av protokollsjusterare" in page.locator("#main").inner_text()

    # Keyboard: the skip link is the first thing Tab reaches, and it leads to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
