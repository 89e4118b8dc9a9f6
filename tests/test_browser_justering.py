"""In a real browser: the secretary drafts a decision for a held meeting in the admin, chooses the
signers and sends the protokoll for justering; then each signer logs in, finds it under "Att
justera" and signs with their password. The last page says the protokoll is justerat, and the
signed PDF validates."""

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail

from committees.models import Assignment
from meetings import signing
from meetings.models import Meeting
from tests.factories import AgendaItemFactory, CaseFactory, CommitteeFactory, MeetingFactory, local, member_of
from tests.factories import secretary_of as make_secretary

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("signing_ca"),
]

PASSWORD = "pw-for-tests-1"  # UserFactory's
DECISION = "Kommunalt forum ställer sig bakom den regionala utvecklingsstrategin."


def log_in_to_admin(page, live_server, username):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def run_action(page, live_server, meeting, action):
    page.goto(f"{live_server.url}/admin/meetings/meeting/")
    page.check(f"input[name=_selected_action][value='{meeting.pk}']")
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")


@pytest.fixture
def new_page(browser):
    """A page in a fresh browser context (a new login) per call; all closed at the end."""
    contexts = []

    def make():
        context = browser.new_context(locale="sv-SE")
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


def test_secretary_sends_for_justering_and_the_justerare_and_the_ordforande_sign(
    live_server, new_page, tmp_path
):
    shutil.rmtree(signing.signing_dir() / "people", ignore_errors=True)  # certificates carry today's names
    committee = CommitteeFactory(name="Kommunalt forum", short_name="KF", slug="kommunalt-forum-browser")
    secretary = make_secretary(committee, username="josefine")
    person = secretary.person
    person.first_name, person.last_name, person.email = "Josefine", "Colliander", "josefine@example.org"
    person.save()
    chair = member_of(
        committee,
        role=Assignment.Role.CHAIR,
        username="rachel",
        first_name="Rachel",
        last_name="De Basso",
        email="rachel@example.org",
    )
    kerstin = member_of(
        committee, username="kerstin", first_name="Kerstin", last_name="Hammar", email="kerstin@example.org"
    )
    therese = member_of(
        committee,
        username="therese",
        first_name="Therese",
        last_name="Petersson",
        email="therese@example.org",
    )
    meeting = MeetingFactory(
        committee=committee,
        start=local(2024, 10, 11, 9, 0),
        status=Meeting.Status.HELD,
        secretary=person,
        chair=chair.person,
    )
    AgendaItemFactory(meeting=meeting, order=1, title="Val av protokollsjusterare")
    AgendaItemFactory(
        meeting=meeting,
        order=2,
        title="Regional utvecklingsstrategi",
        case=CaseFactory(year=2024, serial=3336),
        proposal="",
    )

    # The secretary drafts the protokoll and writes the decision of § 2 in the admin.
    page = new_page()
    log_in_to_admin(page, live_server, "josefine")
    run_action(page, live_server, meeting, "create_protokoll_draft")
    page.wait_for_selector("ul.messagelist li.success")
    paragraph = meeting.paragraphs.get(title="Regional utvecklingsstrategi")
    page.goto(f"{live_server.url}/admin/meetings/paragraph/{paragraph.pk}/change/")
    editor = page.locator(".field-decision .ProseMirror")
    editor.click()
    editor.type(DECISION)
    page.click("input[name=_save]")
    page.wait_for_selector("ul.messagelist li.success")
    paragraph.refresh_from_db()
    assert DECISION in paragraph.decision

    # Chooses the signers and sends the protokoll for justering in one step.
    run_action(page, live_server, meeting, "choose_signers")
    page.wait_for_url(f"**/admin/meetings/meeting/{meeting.pk}/signers/")
    assert page.input_value("#id_chair") == str(chair.person.pk)  # the meeting's chair by default
    assert page.input_value("#id_secretary") == str(person.pk)
    page.select_option("#id_adjuster", str(kerstin.person.pk))
    page.select_option("#id_second_adjuster", str(therese.person.pk))
    page.click("input[name=_freeze]")
    page.wait_for_selector("ul.messagelist li.success")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.READY_FOR_JUSTERING
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        u.person.email for u in (secretary, chair, kerstin, therese)
    )

    # Each signer logs in, opens the protokoll from "Att justera" and signs with their password.
    for user in (secretary, kerstin, therese, chair):
        page = new_page()
        page.goto(f"{live_server.url}/konto/logga-in/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server.url}/mina-sammantraden/")
        page.wait_for_selector("#to-sign")
        page.click("#to-sign a")
        page.wait_for_url(f"{live_server.url}/justera/*/")
        page.wait_for_selector("#protokoll-pdf")  # the click commits the navigation; the page may still be loading
        if user == kerstin:  # a slip of the finger first: nothing is signed
            page.fill("#id_password", "fel")
            page.click("button[name=sign]")
            page.wait_for_selector("#password-error")
            assert page.get_attribute("#id_password", "aria-invalid") == "true"
        page.fill("#id_password", PASSWORD)
        page.click("button[name=sign]")
        page.wait_for_selector(".message--success")
        if user == chair:
            page.screenshot(path=str(tmp_path / "justerat.png"), full_page=True)
        elif user == kerstin:
            page.screenshot(path=str(tmp_path / "signed.png"), full_page=True)

    meeting.refresh_from_db()
    assert meeting.status in (Meeting.Status.JUSTERAT, Meeting.Status.POSTED)
    # The last page says it is justerat and offers the signed PDF.
    page = new_page()
    page.goto(f"{live_server.url}/konto/logga-in/")
    page.fill("#id_username", "rachel")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/mina-sammantraden/")
    page.goto(f"{live_server.url}/justera/{meeting.justering.signatures.get(person=chair.person).pk}/")
    assert page.locator("#justering-status.message--success").count() == 1
    response = page.request.get(live_server.url + page.get_attribute("#protokoll-pdf", "href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = response.body()

    # pyHanko validates with asyncio.run(), which cannot run in the thread Playwright's loop holds.
    with ThreadPoolExecutor(max_workers=1) as pool:
        reports = pool.submit(signing.pdf_verify, pdf).result()
    assert [r.signer for r in reports] == [  # in the order they signed
        "Josefine Colliander",
        "Kerstin Hammar",
        "Therese Petersson",
        "Rachel De Basso",
    ]
    assert all(r.intact and r.trusted for r in reports) and reports[-1].covers_whole_document
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert DECISION in " ".join(text.split())
    if shutil.which("pdfsig"):
        path = tmp_path / "protokoll.pdf"
        path.write_bytes(pdf)
        output = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True).stdout
        assert output.count("Signature is Valid.") == 4
