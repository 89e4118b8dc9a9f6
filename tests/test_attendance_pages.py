"""The secretary's närvaro page and the förhinder admin action."""

from django.core import mail
from django.urls import reverse

from attendance.models import AbsenceNotice, Attendance
from committees.models import Assignment
from meetings.models import Meeting
from tests.factories import AssignmentFactory, CommitteeFactory, PersonFactory, member_of, secretary_of
from tests.test_attendance_services import Board, held


def test_narvaro_page_lists_every_kallad_person_and_only_for_the_committees_secretary(client, db):
    board = Board()
    official = PersonFactory(first_name="Olle", last_name="Tjänst")
    AssignmentFactory(person=official, committee=board.committee, role=Assignment.Role.OFFICIAL)
    url = reverse("attendance:sheet", args=[board.meeting.pk])

    client.force_login(secretary_of(CommitteeFactory()))
    assert client.get(url).status_code == 404
    client.force_login(member_of(board.committee))
    assert client.get(url).status_code == 404

    client.force_login(secretary_of(board.committee))
    page = client.get(url).content.decode()
    for person in [*board.members, board.sub_m1, board.sub_s2, official]:
        assert person.display_name in page


def test_secretary_records_present_serving_ersattare_and_departure_with_quorum_warning(client, db):
    board = Board()
    p1, p2 = held(board, "Val av justerare", "Budget")
    client.force_login(secretary_of(board.committee))
    url = reverse("attendance:sheet", args=[board.meeting.pk])

    def post(person, **fields):
        data = {"person": person.pk, f"p{person.pk}-status": "present"}
        data.update({f"p{person.pk}-{k}": v for k, v in fields.items()})
        return client.post(url, data, follow=True)

    response = post(board.anna, arrived_at="13:00")
    assert response.status_code == 200
    post(board.bo, to_paragraph=p1.pk, left_at="14:10")
    post(board.sub_v1, replaces=board.eva.pk)
    eva = Attendance.objects.get(meeting=board.meeting, person=board.sub_v1)
    assert eva.serving and eva.replaces == board.eva
    bo = Attendance.objects.get(meeting=board.meeting, person=board.bo)
    assert bo.to_paragraph == p1 and f"{bo.left_at:%H:%M}" == "14:10"

    page = client.get(url).content.decode()
    warning = page.split('id="quorum-warning"')[1].split("</div>")[0]
    # § 1: Anna, Bo and Vera for Eva serve, 3 of 5; § 2: Bo has left, 2 of 5.
    assert "Budget" in warning and "Val av justerare" not in warning
    post(board.cecilia)
    assert 'id="quorum-warning"' not in client.get(url).content.decode()


def test_bad_input_is_shown_with_the_row_kept_and_nothing_saved(client, db):
    board = Board()
    held(board, "Val av justerare")
    client.force_login(secretary_of(board.committee))
    url = reverse("attendance:sheet", args=[board.meeting.pk])
    pk = board.anna.pk
    response = client.post(
        url,
        {"person": pk, f"p{pk}-status": "present", f"p{pk}-arrived_at": "15:00", f"p{pk}-left_at": "14:00"},
    )
    assert response.status_code == 400
    assert 'value="15:00"' in response.content.decode()
    assert not Attendance.objects.exists()


def test_frozen_protokoll_refuses_attendance_changes_with_a_message(client, db):
    board = Board()
    held(board, "Val av justerare")
    Meeting.objects.filter(pk=board.meeting.pk).update(status=Meeting.Status.READY_FOR_JUSTERING)
    client.force_login(secretary_of(board.committee))
    url = reverse("attendance:sheet", args=[board.meeting.pk])
    assert "disabled" in client.get(url).content.decode()
    pk = board.anna.pk
    response = client.post(url, {"person": pk, f"p{pk}-status": "present"})
    assert response.status_code == 400
    assert not Attendance.objects.exists()


def test_admin_action_calls_in_the_proposed_ersattare(client, db, django_capture_on_commit_callbacks):
    board = Board()
    notice = AbsenceNotice.objects.create(meeting=board.meeting, person=board.dan)
    client.force_login(secretary_of(board.committee))
    changelist = reverse("admin:attendance_absencenotice_changelist")
    assert board.sub_m1.display_name in client.get(changelist).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            changelist,
            {"action": "call_in_proposed_substitute", "_selected_action": [notice.pk]},
            follow=True,
        )
    notice.refresh_from_db()
    assert notice.substitute == board.sub_m1
    assert [m.to for m in mail.outbox] == [[board.sub_m1.email]]


def test_secretary_runs_a_paragraph_jav_vote_and_reservation_from_the_paragraph_page(client, db):
    from attendance.models import Disqualification, Reservation, Vote
    from attendance.services import attendance_record

    board = Board()
    _p1, budget = held(board, "Val av justerare", "Budget")
    for person in board.members:
        attendance_record(meeting=board.meeting, person=person, present=True)
    attendance_record(meeting=board.meeting, person=board.sub_m1, present=True)
    client.force_login(secretary_of(board.committee))
    url = reverse("attendance:paragraph", args=[board.meeting.pk, budget.pk])
    assert url in client.get(reverse("attendance:sheet", args=[board.meeting.pk])).content.decode()

    response = client.post(
        url, {"action": "jav", "jav-person": board.dan.pk, "jav-reason": "Jäv"}, follow=True
    )
    assert Disqualification.objects.get(paragraph=budget).substitute == board.sub_m1
    assert "Mats Mark (M)" in response.content.decode()

    ballots = {
        board.anna: "ja",
        board.cecilia: "ja",
        board.bo: "nej",
        board.sub_m1: "nej",
        board.eva: "avstar",
    }
    data = {
        "action": "vote",
        "vote-proposition_yes": "Bifall",
        "vote-proposition_no": "Avslag",
        "vote-kind": "open",
    }
    data.update({f"vote-ballot_{person.pk}": choice for person, choice in ballots.items()})
    client.post(url, {**data, f"vote-ballot_{board.dan.pk}": "ja"})  # Dan has jäv: no field, ignored
    vote = Vote.objects.get(paragraph=budget)
    assert vote.result == "ja" and vote.casting_vote_used and vote.ballots.count() == 5

    response = client.post(url, {"action": "reservation", "res-person": board.anna.pk})
    assert response.status_code == 400 and not Reservation.objects.exists()
    client.post(url, {"action": "reservation", "res-person": board.bo.pk, "res-text": "Ofinansierat."})
    assert Reservation.objects.get(paragraph=budget).person == board.bo
