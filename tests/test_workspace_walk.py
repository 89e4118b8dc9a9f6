"""Issue 14's yardstick, in a real browser: the secretary enters a whole past meeting of Kommunalt
forum through the workspace alone (no admin) — 64 kallade from 17 organisations and its
secretary, 37 present, 8 §§ written in place, two bilagor uploaded — chooses the signers
and sends the protokoll for justering; then each of the four signers logs in and signs with their
own password. The signed protokoll PDF is read back: §§ from 1 to 8, the närvarolista with every
kallad (absent people and an organisation with nobody present included), the bilagor merged and
listed with their pages, four valid signatures.

What it cost the secretary is counted on the way (benchmarks/secretary_cost.py): page loads and
form submits for the attendance (target: at most 3 submits) and for the whole meeting (target:
under 60); the counts are written to benchmarks/out/secretary_cost.json for `make bench`.
"""

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from benchmarks.secretary_cost import ActionCounter
from committees.models import Assignment
from meetings import signing
from meetings.models import Meeting
from tests.factories import (
    AssignmentFactory,
    CommitteeFactory,
    PersonFactory,
    member_of,
    pdf_bytes,
    secretary_of,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("signing_ca"),
]

PASSWORD = "pw-for-tests-1"  # UserFactory's
ORGANISATIONS = [
    "Aneby kommun",
    "Eksjö kommun",
    "Gislaveds kommun",
    "Gnosjö kommun",
    "Habo kommun",
    "Jönköpings kommun",
    "Mullsjö kommun",
    "Nässjö kommun",
    "Sävsjö kommun",
    "Tranås kommun",
    "Vaggeryds kommun",
    "Vetlanda kommun",
    "Värnamo kommun",
    "Region Jönköpings län",
    "Kommunal utveckling",
    "Länsstyrelsen",
    "Högskolan i Jönköping",
]
TITLES = [
    "Val av protokollsjusterare",
    "Fastställande av dagordning",
    "Handlingsplaner för forum inom Gemensamt ledningssystem",
    "Regional utvecklingsstrategi",
    "Nära vård och hälsa",
    "Sammanträdesplan 2026",
    "Information från länsstyrelsen",
    "Avslutning",
]


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/konto/logga-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture
def forum():
    """Kommunalt forum with 60 ledamöter from 17 organisations, four tjänstepersoner and its
    secretary; the chair and two justerare have logins, the rest are only in the register."""
    # Kommunalt forum keeps its närvarolista as Bilaga 1 (the committee's setting).
    committee = CommitteeFactory(
        name="Kommunalt forum", short_name="KF", slug="kf-walk", attendance_as_annex=True
    )
    secretary = secretary_of(committee, username="josefine")
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
        represents="Region Jönköpings län",
    )
    kerstin = member_of(
        committee,
        username="kerstin",
        first_name="Kerstin",
        last_name="Hammar",
        email="kerstin@example.org",
        represents="Region Jönköpings län",
    )
    therese = member_of(
        committee,
        username="therese",
        first_name="Therese",
        last_name="Petersson",
        email="therese@example.org",
        represents="Sävsjö kommun",
    )
    members = [chair.person, kerstin.person, therese.person]
    for n in range(57):
        organisation = ORGANISATIONS[n % 15]  # the last two organisations send only officials
        members.append(
            AssignmentFactory(
                committee=committee,
                person=PersonFactory(
                    first_name=f"Ledamot{n:02d}", last_name="Forumsson", represents=organisation
                ),
                role=Assignment.Role.MEMBER,
            ).person
        )
    officials = [
        AssignmentFactory(
            committee=committee,
            person=PersonFactory(
                first_name=f"Tjänsteperson{n}",
                last_name="Regionsdotter",
                represents=ORGANISATIONS[15 + n % 2],
            ),
            role=Assignment.Role.OFFICIAL,
        ).person
        for n in range(4)
    ]
    return {
        "committee": committee,
        "secretary": secretary,
        "signers": {"chair": chair, "kerstin": kerstin, "therese": therese},
        "members": members,
        "officials": officials,
    }


def test_a_secretary_enters_a_whole_past_meeting_through_the_workspace_and_four_people_sign(
    live_server, browser, forum, tmp_path
):
    shutil.rmtree(signing.signing_dir() / "people", ignore_errors=True)
    context = browser.new_context(locale="sv-SE")
    context.set_default_timeout(30_000)
    page = context.new_page()
    counter = ActionCounter(page)
    committee = forum["committee"]

    # Plan: a meeting held in the past, registered afterwards — straight to held.
    counter.stage("create")
    _log_in(page, live_server, "josefine")
    page.goto(f"{live_server.url}/sekretariat/")
    page.click(f"a[href$='/namnder/{committee.pk}/nytt-sammantrade/']")
    page.fill("#id_date", "2025-10-10")
    page.fill("#id_start_time", "09:00")
    page.fill("#id_end_time", "11:50")
    page.fill("#id_location", "Region Jönköpings län, Västra torget")
    page.select_option("#id_chair", str(forum["signers"]["chair"].person.pk))
    page.check("#id_held_afterwards")
    page.click("form.ws-create button[type=submit]")
    page.wait_for_load_state()
    meeting = Meeting.objects.get(committee=committee)
    assert meeting.status == Meeting.Status.HELD

    # Protokoll: eight §§ inserted and written in place.
    counter.stage("protokoll")
    page.goto(f"{live_server.url}/sekretariat/sammantraden/{meeting.pk}/protokoll/")
    if page.locator("button[value=create_draft]").count():
        page.click("button[value=create_draft]")
        page.wait_for_load_state()
    page.fill("#insert-first", TITLES[0])
    page.click("button[value=insert]")
    page.wait_for_load_state()
    for title in TITLES[1:]:
        last = meeting.paragraphs.order_by("-order").first()
        page.fill(f"#p{last.pk}-insert-title", title)
        page.click(f"form:has(#p{last.pk}-insert-title) button[value=insert_after]")
        page.wait_for_load_state()
    paragraphs = list(meeting.paragraphs.order_by("order"))
    assert [p.title for p in paragraphs] == TITLES
    assert [p.number for p in paragraphs] == list(range(1, 9))
    for number, paragraph in enumerate(paragraphs, start=1):
        form = page.locator(f"form[action$='/paragraf/{paragraph.pk}/'].pk-form")
        editor = form.locator(".pk-field--decision [contenteditable=true]")
        editor.fill(f"Kommunalt forum beslutar i ärende {number}.")
        form.locator("button[value=save]").click()
        form.locator(".pk-status--saved").wait_for()  # saved by the page's script, no reload
    for number, paragraph in enumerate(paragraphs, start=1):
        paragraph.refresh_from_db()
        assert f"ärende {number}." in paragraph.decision, paragraph.decision

    # Attendance: everyone present, then those who were not unticked (among them both officials
    # of Högskolan i Jönköping: the organisation must still be in the närvarolista).
    counter.stage("attendance")
    page.goto(f"{live_server.url}/sekretariat/sammantraden/{meeting.pk}/narvaro/")
    page.click("button[value=all_present]")
    absent = forum["members"][35:] + [forum["officials"][1], forum["officials"][3]]
    for person in absent:
        page.uncheck(f"#row-{person.pk} input[type=checkbox][name$=present]")
    page.click("button[value=save] >> nth=0")
    page.wait_for_load_state()
    present = set(meeting.attendances.filter(status="present").values_list("person_id", flat=True))
    assert present >= {p.pk for p in forum["members"][:35] + forum["officials"][::2]}
    assert not present & {p.pk for p in absent}

    # Bilagor: two slide decks uploaded to § 3.
    counter.stage("bilagor")
    page.goto(f"{live_server.url}/sekretariat/sammantraden/{meeting.pk}/bilagor/")
    for name, pages in (("Handlingsplaner.pdf", 3), ("Utvecklingsstrategi.pdf", 2)):
        path = tmp_path / name
        path.write_bytes(pdf_bytes(*[f"{name} sida {n}" for n in range(1, pages + 1)]))
        form = page.locator(f"form.ws-upload:has(input[name=paragraph][value='{paragraphs[2].pk}'])")
        form.locator("xpath=ancestor::details").locator("summary").click()
        form.locator("input[type=file]").set_input_files(str(path))
        title = form.locator("input[name$=title]")
        if title.count():
            title.fill(name.removesuffix(".pdf"))
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()

    # Justering: ordförande and two justerare among those present; send for justering.
    counter.stage("justering")
    page.goto(f"{live_server.url}/sekretariat/sammantraden/{meeting.pk}/justering/")
    signers = forum["signers"]
    page.select_option("select[name=chair]", str(signers["chair"].person.pk))
    page.select_option("select[name=adjuster]", str(signers["kerstin"].person.pk))
    page.select_option("select[name=second_adjuster]", str(signers["therese"].person.pk))
    page.click("button[value=freeze]")
    page.wait_for_load_state()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.READY_FOR_JUSTERING
    counter.write(meeting=str(meeting), kallade=65)
    cost = counter.as_dict()
    assert cost["stages"]["attendance"]["form_submits"] <= 3, cost
    assert cost["total"]["form_submits"] < 60, cost
    context.close()

    # Each signer signs with their own password, the secretary first.
    for user in (forum["secretary"], signers["kerstin"], signers["therese"], signers["chair"]):
        context = browser.new_context(locale="sv-SE")
        context.set_default_timeout(30_000)
        page = context.new_page()
        _log_in(page, live_server, user.username)
        signature = meeting.justering.signatures.get(person=user.person)
        page.goto(f"{live_server.url}/justera/{signature.pk}/")
        page.fill("#id_password", PASSWORD)
        page.click("button[name=sign]")
        page.wait_for_selector(".message--success")
        context.close()

    meeting.refresh_from_db()
    assert meeting.status in Meeting.Status.JUSTERAT_OR_LATER
    pdf = meeting.justering.signed_file.open("rb").read()
    with ThreadPoolExecutor(max_workers=1) as pool:
        reports = pool.submit(signing.pdf_verify, pdf).result()
    assert len(reports) == 4 and all(r.intact and r.trusted for r in reports)
    text = " ".join(
        subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
        .stdout.decode()
        .split()
    )
    for number, title in enumerate(TITLES, start=1):
        assert f"§ {number} " in text and title in text
    assert "§ Paragraf" not in text
    # The närvarolista: every kallad, absent ones too, grouped by organisation.
    for person in absent[:3] + forum["members"][:3]:
        assert person.full_name in text, person.full_name
    assert "Bilaga 1" in text and "Närvaro" in text
    assert "Högskolan i Jönköping" in text  # both its officials were absent: still listed
    # The bilagor, merged and listed with their pages.
    assert "Handlingsplaner.pdf sida 3" in text and "Utvecklingsstrategi.pdf sida 2" in text
    assert re.search(r"Bilaga \d+.{0,120}?\d+ ?- ?\d+", text), "the bilagor's page ranges"
    assert "Sida 1 av" in text
