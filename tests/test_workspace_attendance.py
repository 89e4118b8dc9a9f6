"""The workspace's attendance grid (issue 14): every kallad of a meeting on one page, saved at
once; "alla närvarande"; tjänstgör för and från/till § under the rules of attendance_record;
errors per row without losing the other rows; guests and people missing from the register
added from the grid; a member list imported from CSV or XLSX after a dry run; read-only once
the protokoll is frozen."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from attendance.models import Attendance
from attendance.services import attendance_record
from committees.models import Assignment, Person
from meetings.models import Meeting
from meetings.services.paragraphs import protokoll_create_draft
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    CommitteeFactory,
    MeetingFactory,
    PartyFactory,
    PersonFactory,
    secretary_of,
)

pytestmark = pytest.mark.django_db


class Forum:
    """A Kommunalt forum: 21 ledamöter, 21 ersättare, 25 tjänstepersoner (67 kallade), a
    meeting held with 8 §§, and its secretary's login."""

    def __init__(self, *, paragraphs=8, members=21, substitutes=21, officials=25):
        self.s, self.m = (
            PartyFactory(abbreviation="S", name="Socialdemokraterna"),
            PartyFactory(abbreviation="M", name="Moderaterna"),
        )
        self.committee = CommitteeFactory(name="Kommunalt forum")
        self.members, self.substitutes, self.officials = [], [], []
        for i in range(members):
            p = PersonFactory(
                first_name=f"Led{i:02d}", last_name="Ledamot", party=self.s if i % 2 else self.m
            )
            AssignmentFactory(person=p, committee=self.committee, role=Assignment.Role.MEMBER, order=i)
            self.members.append(p)
        for i in range(substitutes):
            p = PersonFactory(first_name=f"Ers{i:02d}", last_name="Ersättare", party=self.s)
            AssignmentFactory(
                person=p, committee=self.committee, role=Assignment.Role.SUBSTITUTE, substitute_order=i + 1
            )
            self.substitutes.append(p)
        for i in range(officials):
            p = PersonFactory(
                first_name=f"Tj{i:02d}", last_name="Tjänsteperson", represents=f"Kommun {i % 17}"
            )
            AssignmentFactory(person=p, committee=self.committee, role=Assignment.Role.OFFICIAL)
            self.officials.append(p)
        self.meeting = MeetingFactory(committee=self.committee, status=Meeting.Status.SUMMONED)
        for n in range(paragraphs):
            AgendaItemFactory(meeting=self.meeting, title=f"Ärende {n + 1}")
        self.meeting.status = Meeting.Status.HELD
        self.meeting.save()
        self.paragraphs = protokoll_create_draft(meeting=self.meeting) if paragraphs else []
        self.user = secretary_of(self.committee, username="sekreteraren")
        self.url = reverse("workspace:attendance", args=[self.meeting.pk])


@pytest.fixture
def forum():
    return Forum()


@pytest.fixture
def small():
    return Forum(paragraphs=3, members=5, substitutes=3, officials=1)


def grid_data(response) -> dict:
    """What the browser would send from the grid as rendered (checked boxes as "on")."""
    data = {}
    for form in response.context["forms"]:
        data[f"{form.prefix}-row"] = "1"
        for field in form:
            value = field.value()
            if field.widget_type == "checkbox":
                if value:
                    data[field.html_name] = "on"
            elif value is None:
                data[field.html_name] = ""
            elif hasattr(value, "strftime"):
                data[field.html_name] = value.strftime("%H:%M")
            else:
                data[field.html_name] = str(value)
    return data


def p(person, name) -> str:
    return f"p{person.pk}-{name}"


def present_people(meeting) -> set:
    return set(
        Attendance.objects.filter(meeting=meeting, status=Attendance.Status.PRESENT).values_list(
            "person_id", flat=True
        )
    )


def test_the_grid_lists_every_kallad_with_a_label_for_every_input(client, forum):
    client.force_login(forum.user)
    response = client.get(forum.url)
    assert response.status_code == 200
    forms = response.context["forms"]
    assert len(forms) == 67
    assert [f.row.person for f in forms[:21]] == forum.members
    assert [f.row.person for f in forms[21:42]] == forum.substitutes  # in their order
    html = response.content.decode()
    for form in forms:
        for field in form:
            assert f'for="{field.id_for_label}"' in html, field.html_name
    assert "data-all-present" in html and "attendance.js" in html


def test_67_kallade_are_saved_in_two_submits_everyone_present_then_one_save(client, forum):
    client.force_login(forum.user)
    page = client.get(forum.url)
    submits = 0

    marked = client.post(forum.url, {**grid_data(page), "action": "all_present"})
    submits += 1
    assert marked.status_code == 200
    data = grid_data(marked)
    assert all(data.get(p(f.row.person, "present")) == "on" for f in marked.context["forms"])
    assert not Attendance.objects.filter(meeting=forum.meeting).exists()  # nothing saved yet

    # Uncheck 28 of the 67: 39 present. Three ledamöter absent, three ersättare serve for them.
    absent = forum.members[18:] + forum.substitutes[3:] + forum.officials[18:]
    assert len(absent) == 28
    for person in absent:
        del data[p(person, "present")]
    for substitute, member in zip(forum.substitutes[:3], forum.members[18:], strict=True):
        data[p(substitute, "replaces")] = str(member.pk)
    data[p(forum.members[0], "arrived_at")] = "13:05"
    data[p(forum.members[1], "note")] = "Deltog på distans"
    saved = client.post(forum.url, {**data, "action": "save"})
    submits += 1

    assert saved.status_code == 302, saved.context and [f.errors for f in saved.context["forms"] if f.errors]
    assert submits <= 3
    assert len(present_people(forum.meeting)) == 39
    serving = Attendance.objects.filter(meeting=forum.meeting, serving=True)
    assert serving.count() == 21
    assert (
        Attendance.objects.get(meeting=forum.meeting, person=forum.substitutes[0]).replaces
        == forum.members[18]
    )
    first = Attendance.objects.get(meeting=forum.meeting, person=forum.members[0])
    assert f"{first.arrived_at:%H:%M}" == "13:05"
    assert Attendance.objects.get(meeting=forum.meeting, person=forum.members[1]).note == "Deltog på distans"
    # The server's quorum after the save: 21 of 21 serve in every §.
    after = client.get(forum.url)
    assert [(r.serving, r.ok) for _p, r, *_jav in after.context["quorum"]] == [(21, True)] * 8
    assert "39" in after.content.decode()


def test_errors_are_shown_per_row_and_the_other_rows_keep_their_input(client, small):
    client.force_login(small.user)
    data = grid_data(client.get(small.url))
    eva, bo = small.members[4], small.members[1]
    vera, sven = small.substitutes[0], small.substitutes[1]
    for person in [*small.members[:4], vera, sven]:
        data[p(person, "present")] = "on"
    data[p(vera, "replaces")] = str(eva.pk)
    data[p(sven, "replaces")] = str(eva.pk)  # overlapping: Vera already serves for Eva
    data[p(bo, "arrived_at")] = "14:00"
    data[p(bo, "left_at")] = "13:00"  # left before arriving
    data[p(small.members[2], "arrived_at")] = "25:99"  # not a time
    data[p(small.members[0], "note")] = "Ordförande från § 2"

    response = client.post(small.url, {**data, "action": "save"})

    assert response.status_code == 400
    assert not Attendance.objects.filter(meeting=small.meeting).exists()  # nothing half-saved
    errors = {f.row.person: f.errors for f in response.context["forms"] if f.errors}
    assert set(errors) == {sven, bo, small.members[2]}
    assert "replaces" in errors[sven] and "left_at" in errors[bo] and "arrived_at" in errors[small.members[2]]
    html = response.content.decode()
    assert 'value="Ordförande från § 2"' in html  # the others' input is kept
    kept = grid_data(response)
    assert kept[p(vera, "replaces")] == str(eva.pk) and kept[p(small.members[3], "present")] == "on"
    assert f'href="#row-{sven.pk}"' in html  # the summary links to the row

    # Corrected, the same grid saves.
    kept[p(sven, "replaces")] = str(bo.pk)
    kept[p(bo, "present")] = ""
    kept[p(bo, "left_at")] = ""
    kept[p(small.members[2], "arrived_at")] = ""
    assert client.post(small.url, {**kept, "action": "save"}).status_code == 302
    assert Attendance.objects.get(meeting=small.meeting, person=sven).replaces == bo


def test_a_row_added_since_the_page_was_opened_is_left_as_it_is(client, small):
    client.force_login(small.user)
    data = grid_data(client.get(small.url))
    guest = PersonFactory(first_name="Sen", last_name="Ankomling")
    attendance_record(meeting=small.meeting, person=guest, present=True, capacity=Attendance.Capacity.OTHER)
    data[p(small.members[0], "present")] = "on"
    assert client.post(small.url, {**data, "action": "save"}).status_code == 302
    assert present_people(small.meeting) == {small.members[0].pk, guest.pk}


def test_tjanstgor_for_moves_from_one_ersattare_to_another_in_one_save(client, small):
    client.force_login(small.user)
    eva = small.members[4]
    vera, sven = small.substitutes[:2]
    attendance_record(meeting=small.meeting, person=vera, present=True, replaces=eva)
    data = grid_data(client.get(small.url))
    data[p(sven, "present")] = "on"
    assert data.pop(p(vera, "serving")) == "on"  # Vera no longer serves…
    data[p(vera, "replaces")] = ""
    data[p(sven, "replaces")] = str(eva.pk)  # …Sven does, for Eva: saved after Vera's row
    assert client.post(small.url, {**data, "action": "save"}).status_code == 302
    assert Attendance.objects.get(meeting=small.meeting, person=sven).replaces == eva
    vera_row = Attendance.objects.get(meeting=small.meeting, person=vera)
    assert vera_row.replaces is None and not vera_row.serving


def test_an_ersattare_marked_serving_must_say_for_whom(client, small):
    client.force_login(small.user)
    data = grid_data(client.get(small.url))
    vera = small.substitutes[0]
    data[p(vera, "present")] = "on"
    data[p(vera, "serving")] = "on"
    response = client.post(small.url, {**data, "action": "save"})
    assert response.status_code == 400
    assert "replaces" in next(f for f in response.context["forms"] if f.row.person == vera).errors


def test_from_and_to_paragraph_decide_the_quorum_per_paragraph(client, small):
    client.force_login(small.user)
    first, second, third = small.paragraphs
    data = grid_data(client.get(small.url))
    for person in small.members[:3]:
        data[p(person, "present")] = "on"
    data[p(small.members[2], "from_paragraph")] = str(second.pk)  # arrives for § 2
    data[p(small.members[1], "to_paragraph")] = str(second.pk)  # leaves after § 2
    assert client.post(small.url, {**data, "action": "save"}).status_code == 302
    quorum = client.get(small.url).context["quorum"]
    assert [(r.serving, r.ok) for _p, r, *_j in quorum] == [(2, False), (3, True), (2, False)]

    data[p(small.members[1], "from_paragraph")] = str(third.pk)
    data[p(small.members[1], "to_paragraph")] = str(first.pk)
    response = client.post(small.url, {**data, "action": "save"})
    assert response.status_code == 400
    assert (
        "to_paragraph"
        in next(f for f in response.context["forms"] if f.row.person == small.members[1]).errors
    )


def test_everyone_present_works_without_javascript_and_keeps_the_rest(client, small):
    client.force_login(small.user)
    data = grid_data(client.get(small.url))
    data[p(small.members[0], "note")] = "Kom sent"
    response = client.post(small.url, {**data, "action": "all_present"})
    assert response.status_code == 200
    kept = grid_data(response)
    assert all(kept.get(p(f.row.person, "present")) == "on" for f in response.context["forms"])
    assert kept[p(small.members[0], "note")] == "Kom sent"
    assert not Attendance.objects.filter(meeting=small.meeting).exists()


def test_a_guest_and_a_person_missing_from_the_register_are_added_from_the_grid(client, small):
    client.force_login(small.user)
    add = reverse("workspace:attendance_add", args=[small.meeting.pk])
    response = client.post(
        add,
        {
            "add-first_name": "Gunilla",
            "add-last_name": "Gäst",
            "add-organisation": "Länsstyrelsen",
            "add-role": "gast",
            "add-present": "on",
        },
    )
    guest = Person.objects.get(first_name="Gunilla", last_name="Gäst")
    assert response.status_code == 302 and response["Location"].endswith(f"#row-{guest.pk}")
    row = Attendance.objects.get(meeting=small.meeting, person=guest)
    assert row.capacity == Attendance.Capacity.OTHER and row.status == Attendance.Status.PRESENT
    assert guest.represents == "Länsstyrelsen" and not guest.assignments.exists()

    client.post(
        add,
        {
            "add-first_name": "Nils",
            "add-last_name": "Ny",
            "add-party": str(small.s.pk),
            "add-role": Assignment.Role.SUBSTITUTE,
        },
    )
    nils = Person.objects.get(first_name="Nils", last_name="Ny", party=small.s)
    assignment = nils.assignments.get(committee=small.committee)
    assert assignment.role == Assignment.Role.SUBSTITUTE and assignment.substitute_order == 4
    forms = client.get(small.url).context["forms"]
    people = [f.row.person for f in forms]
    assert nils in people and guest in people
    assert people.index(nils) < people.index(guest)  # the ersättare with the ersättare

    # The same name again is matched, not created twice; a bad role is refused with a message.
    client.post(add, {"add-first_name": "nils", "add-last_name": "NY", "add-role": "gast"})
    assert Person.objects.filter(last_name__iexact="ny").count() == 1
    refused = client.post(add, {"add-first_name": "X", "add-last_name": "Y", "add-role": "sekreterare"})
    assert refused.status_code == 400 and refused.context["add_form"].errors["role"]


CSV = (
    "Namn;Organisation;Roll;Parti\n"
    "Anna Andersson;Alvesta kommun;ledamot;S\n"
    "Bertil Berg;Ljungby kommun;Ersättare;M\n"
    "Led00 Ledamot;;ledamot;M\n"  # already in the committee
    "Cecilia;Växjö kommun;ledamot;S\n"  # no last name
    "David Dahl;Tingsryd;trollkarl;S\n"  # unknown role
    "Eva Ek;Markaryd;ledamot;KD\n"  # unknown party
    "Anna Andersson;Alvesta kommun;ledamot;S\n"  # twice in the file
    "Tj00 Tjänsteperson;Region Kronoberg;tjänsteperson;\n"  # in the register: gets the role? already
)


def upload(client, url, name, content):
    return client.post(url, {"action": "preview", "file": SimpleUploadedFile(name, content)})


def test_member_list_csv_dry_run_shows_every_row_then_confirm_imports_in_one_go(client, small):
    client.force_login(small.user)
    PersonFactory(first_name="Frida", last_name="Fors", party=small.m)  # in the register, no role
    rachel = PersonFactory(first_name="Rachel", last_name="De Basso", party=small.s)
    url = reverse("workspace:member_import", args=[small.committee.pk])
    assert client.get(url).status_code == 200
    content = (CSV + "Frida Fors;Lessebo;ersättare;Moderaterna\nRachel De Basso;;Ordförande;S\n").encode()
    before = Person.objects.count(), Assignment.objects.count()

    dry = upload(client, url, "ledamoter.csv", content)

    assert dry.status_code == 200
    assert (Person.objects.count(), Assignment.objects.count()) == before  # a dry run
    outcomes = [(row.line, row.outcome) for row in dry.context["plan"]]
    assert outcomes == [
        (2, "create"),
        (3, "create"),
        (4, "exists"),  # Led00 Ledamot is a ledamot already
        (5, "reject"),  # no last name
        (6, "reject"),  # unknown role
        (7, "reject"),  # unknown party
        (8, "reject"),  # the same as row 2
        (9, "exists"),  # the forum's tjänsteperson
        (10, "match"),  # Frida Fors, in the register, gets the role
        (11, "match"),  # whichever words make the last name
    ]
    html = dry.content.decode()
    assert "trollkarl" in html and ("Okänd roll" in html or "Unknown role" in html)

    confirmed = client.post(url, {"action": "confirm", "payload": dry.context["payload"]})
    assert confirmed.status_code == 302
    anna = Person.objects.get(first_name="Anna", last_name="Andersson")
    assert anna.represents == "Alvesta kommun" and anna.party == small.s
    assert anna.assignments.get(committee=small.committee).role == Assignment.Role.MEMBER
    frida = Person.objects.get(first_name="Frida", last_name="Fors")
    assert frida.assignments.get(committee=small.committee).role == Assignment.Role.SUBSTITUTE
    assert not Person.objects.filter(first_name="David").exists()
    assert rachel.assignments.get(committee=small.committee).role == Assignment.Role.CHAIR
    assert Person.objects.filter(first_name="Anna", last_name="Andersson").count() == 1

    # The same file again changes nothing: every row is matched as already there or rejected.
    again = upload(client, url, "ledamoter.csv", content)
    assert {row.outcome for row in again.context["plan"]} <= {"exists", "reject"}


def test_member_list_xlsx_with_bad_rows(client, small):
    from openpyxl import Workbook

    client.force_login(small.user)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["name", "organisation", "role", "party"])
    sheet.append(["Greta Gran", "Uppvidinge", "ordförande", "S"])
    sheet.append(["Hans Hed", "Älmhult", None, "M"])  # no role
    sheet.append([None, None, None, None])  # empty: left out
    sheet.append(["Ida Is", 42, "tjänsteperson", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    url = reverse("workspace:member_import", args=[small.committee.pk])

    dry = upload(client, url, "lista.xlsx", buffer.getvalue())

    assert [(r.line, r.outcome) for r in dry.context["plan"]] == [(2, "create"), (3, "reject"), (5, "create")]
    assert not Person.objects.filter(last_name__in=["Gran", "Is"]).exists()
    assert client.post(url, {"action": "confirm", "payload": dry.context["payload"]}).status_code == 302
    greta = Person.objects.get(first_name="Greta", last_name="Gran")
    assert greta.assignments.get(committee=small.committee).role == Assignment.Role.CHAIR
    assert Person.objects.get(last_name="Is").represents == "42"
    assert not Person.objects.filter(last_name="Hed").exists()


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("lista.pdf", b"%PDF-1.4", "file_type"),
        ("lista.xlsx", b"not a zip at all", "not_xlsx"),
        ("lista.csv", b"Namn;Parti\nAnna Ek;S\n", "missing_columns"),
        ("lista.csv", b"\n\n", "empty"),
        ("lista.csv", b"name;role\n", "no_rows"),
    ],
    ids=["not-csv-or-xlsx", "broken-xlsx", "missing-column", "empty", "header-only"],
)
def test_wrong_member_list_files_get_a_clear_message_and_nothing_is_imported(
    client, small, name, content, code
):
    client.force_login(small.user)
    url = reverse("workspace:member_import", args=[small.committee.pk])
    before = Person.objects.count()
    response = upload(client, url, name, content)
    assert response.status_code == 400
    errors = response.context["form"].errors.as_data()["file"]
    assert [e.code for e in errors] == [code]
    assert response.context["plan"] is None and Person.objects.count() == before
    assert 'role="alert"' in response.content.decode()


def test_a_changed_dry_run_is_refused(client, small):
    client.force_login(small.user)
    url = reverse("workspace:member_import", args=[small.committee.pk])
    dry = upload(client, url, "l.csv", b"name;role\nOla Olsson;ledamot\n")
    payload = dry.context["payload"]
    refused = client.post(url, {"action": "confirm", "payload": payload[:-3] + "xyz"})
    assert refused.status_code == 400
    # The payload is for this committee only, even for a secretary of both.
    other = CommitteeFactory(name="Annan nämnd", slug="annan")
    AssignmentFactory(person=small.user.person, committee=other, role=Assignment.Role.SECRETARY)
    elsewhere = reverse("workspace:member_import", args=[other.pk])
    assert client.post(elsewhere, {"action": "confirm", "payload": payload}).status_code == 400
    assert not Person.objects.filter(last_name="Olsson").exists()
    assert client.post(url, {"action": "confirm", "payload": payload}).status_code == 302
    assert Person.objects.get(last_name="Olsson").assignments.get().committee == small.committee


def test_the_grid_is_read_only_once_the_protokoll_is_frozen(client, small):
    client.force_login(small.user)
    data = grid_data(client.get(small.url))
    attendance_record(meeting=small.meeting, person=small.members[0], present=True)
    Meeting.objects.filter(pk=small.meeting.pk).update(status=Meeting.Status.READY_FOR_JUSTERING)

    page = client.get(small.url)
    html = page.content.decode()
    assert page.status_code == 200 and "ws-att-fieldset" in html and " disabled>" in html
    assert "add-first_name" not in html  # no adding people either

    for person in small.members:
        data[p(person, "present")] = "on"
    refused = client.post(small.url, {**data, "action": "save"}, follow=True)
    assert "justering" in refused.content.decode()
    assert present_people(small.meeting) == {small.members[0].pk}
    add = reverse("workspace:attendance_add", args=[small.meeting.pk])
    client.post(add, {"add-first_name": "Sen", "add-last_name": "Gäst", "add-role": "gast"})
    assert not Person.objects.filter(first_name="Sen").exists()


# --- In a real browser, with the keyboard only -------------------------------------------------


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()")


def tab_to(page, target: str, limit: int = 200) -> None:
    for _press in range(limit):
        if focused(page) == target:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"never reached {target}; at {focused(page)}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_secretary_fills_the_grid_with_the_keyboard_only(live_server, page):
    forum = Forum(paragraphs=3, members=5, substitutes=3, officials=1)
    eva, vera = forum.members[4], forum.substitutes[0]
    url = f"{live_server.url}{forum.url}"
    page.goto(f"{live_server.url}/admin/login/?next={forum.url}")
    page.focus("#id_username")
    page.keyboard.type(forum.user.username)
    page.keyboard.press("Tab")
    page.keyboard.type("pw-for-tests-1")
    page.keyboard.press("Enter")
    page.wait_for_url(url)

    # "Alla närvarande" checks every row without a reload; the quorum follows live.
    page.locator("[data-all-present]").focus()
    page.keyboard.press("Enter")
    assert page.url == url
    assert page.locator(".grid-present:checked").count() == 9
    assert "alla §§ beslutföra" in page.locator("#quorum-live").inner_text()
    assert page.locator(".ws-att-chip .q-serving").all_inner_texts() == ["5", "5", "5"]
    # The natural tab order leads from the button into the first row.
    page.keyboard.press("Tab")
    assert focused(page) == f"id_p{forum.members[0].pk}-present"

    # Eva was absent: Space unchecks her; Vera serves for her, chosen by typing.
    tab_to(page, f"id_p{eva.pk}-present")
    page.keyboard.press("Space")
    tab_to(page, f"id_p{vera.pk}-replaces")
    page.keyboard.type("Led04")
    page.keyboard.press("Tab")
    assert page.locator(f"#id_p{vera.pk}-serving").is_checked()  # chosen for whom: serves
    # Bo (members[1]) leaves after § 2: "till §" chosen with the arrow keys.
    tab_to(page, f"id_p{forum.members[1].pk}-to_paragraph", limit=400)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    # Without Bo and Eva in § 3 four of five serve there: still quorate.
    chips = page.locator(".ws-att-chip .q-serving").all_inner_texts()
    assert chips == ["5", "5", "4"], chips

    # The save button at the end of the grid (past every row) saves it all at once.
    for _press in range(400):
        page.keyboard.press("Tab")
        if focused(page) == "Spara närvaron":
            break
    page.keyboard.press("Enter")
    page.wait_for_selector(".message--success")

    assert page.locator(".ws-att-chip .q-serving").all_inner_texts() == ["5", "5", "4"]
    present = Attendance.objects.filter(meeting=forum.meeting, status=Attendance.Status.PRESENT)
    assert present.count() == 8 and not present.filter(person=eva).exists()
    row = Attendance.objects.get(meeting=forum.meeting, person=vera)
    assert row.serving and row.replaces == eva
    assert (
        Attendance.objects.get(meeting=forum.meeting, person=forum.members[1]).to_paragraph
        == (forum.paragraphs[1])
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_grid_and_the_import_page_have_no_axe_violations(live_server, browser, client):
    from tests.test_portal_accessibility import AXE, _axe_violations

    if not AXE.exists():
        pytest.skip(f"{AXE} missing: run `npm ci` (make test does)")
    forum = Forum(paragraphs=3, members=5, substitutes=3, officials=1)
    client.force_login(forum.user)
    context = browser.new_context(locale="sv-SE", bypass_csp=True)  # axe is injected by the test
    session = client.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    page = context.new_page()
    try:
        failures = {}
        for path in (
            forum.url,
            reverse("workspace:attendance_add", args=[forum.meeting.pk]),
            reverse("workspace:member_import", args=[forum.committee.pk]),
        ):
            assert page.goto(live_server.url + path).status == 200
            if violations := _axe_violations(page):
                failures[path] = violations
    finally:
        context.close()
    assert failures == {}
