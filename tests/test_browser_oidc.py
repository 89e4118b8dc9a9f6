"""In a real browser, against a real OpenID provider (tests/fixtures_oidc.py): a person logs in
through the provider; the secretary sends an external justerare (no login in Paragraf) a link to
sign; the justerare opens the e-mailed link, identifies at the provider and signs; the link then
cannot be used again. The signature records the provider, the level and the time of the
authentication, and the pages pass axe."""

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from attendance.models import Attendance
from committees.models import Assignment, Person
from meetings import signing
from meetings.justering.services import protokoll_freeze, protokoll_set_signers
from meetings.models import Meeting, Signature, SigningInvitation
from meetings.services.paragraphs import protokoll_create_draft
from tests.factories import (
    AgendaItemFactory,
    CommitteeFactory,
    MeetingFactory,
    PersonFactory,
    local,
    member_of,
    secretary_of,
)
from tests.fixtures_oidc import LOA3, PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("signing_ca"),
]

LOCAL_PASSWORD = "pw-for-tests-1"  # UserFactory's
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(**options):
        context = browser.new_context(locale="sv-SE", **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


def _axe_violations(page) -> list[str]:
    if not AXE.exists():
        return []
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [f"{v['id']}: {v['help']}" for v in result["violations"]]


def _identify(page, oidc, login):
    page.wait_for_url(f"{oidc.issuer}/interaction/*")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("#idp-submit")


def test_a_member_logs_in_through_the_provider(live_server, new_page, oidc):
    person = PersonFactory(first_name="Rachel", last_name="De Basso", email="rachel@example.org")
    page = new_page()
    page.goto(f"{live_server.url}{reverse('meetings:login')}")
    page.click("#oidc-login")
    _identify(page, oidc, "rachel")
    page.wait_for_url(f"{live_server.url}{reverse('meetings:home')}")
    person.refresh_from_db()
    assert person.user is not None and person.user.username == "rachel@example.org"


def test_an_external_justerare_signs_by_invitation_in_the_browser(live_server, new_page, oidc, settings):
    settings.PARAGRAF_BASE_URL = live_server.url
    shutil.rmtree(signing.signing_dir() / "people", ignore_errors=True)
    committee = CommitteeFactory(name="Kommunalt forum", short_name="KF", slug="kommunalt-forum")
    secretary = secretary_of(committee, username="josefine")
    secretary.person.email = "josefine@example.org"
    secretary.person.save()
    chair = member_of(committee, role=Assignment.Role.CHAIR, first_name="Rachel", last_name="De Basso")
    guest = PersonFactory(first_name="Anna", last_name="Gäst", email="anna.gast@example.org")
    meeting = MeetingFactory(committee=committee, start=local(2025, 3, 14, 9, 0), status=Meeting.Status.HELD)
    for person in (chair.person, guest):
        Attendance.objects.create(meeting=meeting, person=person, capacity=Attendance.Capacity.MEMBER)
    AgendaItemFactory(meeting=meeting, order=1, title="Val av protokollsjusterare")
    protokoll_create_draft(meeting=meeting)
    protokoll_set_signers(meeting=meeting, chair=chair.person, adjusters=[guest], secretary=secretary.person)
    protokoll_freeze(meeting=meeting, by=secretary)
    users = get_user_model().objects.count()

    # The secretary sends the link from the justering tab of her workspace.
    page = new_page()
    page.goto(f"{live_server.url}{reverse('meetings:login')}")
    page.fill("#id_username", "josefine")
    page.fill("#id_password", LOCAL_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}{reverse('meetings:home')}")
    mail.outbox.clear()
    page.goto(f"{live_server.url}{reverse('workspace:justering', args=[meeting.pk])}")
    page.click("button[value=invite_sign]")
    page.wait_for_selector(".message--success")
    message = next(m for m in mail.outbox if m.to == ["anna.gast@example.org"])
    link = re.search(r"(https?://\S+/justera/inbjudan/\S+/)", message.body).group(1)
    assert link.startswith(live_server.url)

    # The justerare, in a browser of her own, opens the link, identifies and signs. (The test
    # injects axe-core itself: its script is let past the Content Security Policy.)
    guest_page = new_page(bypass_csp=True)
    guest_page.goto(link)
    assert guest_page.locator("#protokoll-pdf").is_visible()
    assert _axe_violations(guest_page) == []
    guest_page.click("#oidc-sign")
    _identify(guest_page, oidc, "anna")
    guest_page.wait_for_selector("#sign-done")
    assert _axe_violations(guest_page) == []

    signature = Signature.objects.get(justering__meeting=meeting, person=guest)
    assert signature.signed_at and signature.signed_by is None
    assert signature.assurance_method == "oidc"
    assert signature.assurance_provider == oidc.issuer and signature.assurance_level == LOA3
    assert signature.authenticated_at is not None
    assert get_user_model().objects.count() == users and Person.objects.get(pk=guest.pk).user_id is None
    assert SigningInvitation.objects.get(signature=signature).used_at

    # The link cannot be used again.
    guest_page.goto(link)
    assert guest_page.locator("#invitation-refused").is_visible()
    assert not guest_page.locator("#oidc-sign").count()
