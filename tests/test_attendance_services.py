"""The meeting as it happens: ersättare called in by the committee's order, who serves in each §
(arrivals, departures, jäv), quorum, omröstningar and reservationer."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from attendance.models import AbsenceNotice, Attendance, Vote
from attendance.services import (
    attendance_record,
    disqualification_record,
    paragraphs_without_quorum,
    quorum_for_paragraph,
    reservation_record,
    serving_members,
    substitute_confirm,
    substitute_propose,
    vote_record,
)
from committees.models import Assignment, Committee
from meetings.models import Meeting
from meetings.services.paragraphs import protokoll_create_draft
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    CommitteeFactory,
    MeetingFactory,
    PartyFactory,
    PersonFactory,
)


class Board:
    """A nämnd of five ledamöter (S, M, S, M, V) and four ersättare with their order."""

    def __init__(self, *, rule=Committee.SubstituteRule.OWN_PARTY_FIRST, status=Meeting.Status.SUMMONED):
        s, m, v = (PartyFactory(abbreviation=a) for a in ("S", "M", "V"))
        self.committee = CommitteeFactory(substitute_rule=rule)

        def person(first, last, party, role, order=None):
            p = PersonFactory(first_name=first, last_name=last, party=party)
            AssignmentFactory(person=p, committee=self.committee, role=role, substitute_order=order)
            return p

        self.anna = person("Anna", "Ek", s, Assignment.Role.CHAIR)
        self.bo = person("Bo", "Lind", m, Assignment.Role.MEMBER)
        self.cecilia = person("Cecilia", "Berg", s, Assignment.Role.MEMBER)
        self.dan = person("Dan", "Holm", m, Assignment.Role.MEMBER)
        self.eva = person("Eva", "Sand", v, Assignment.Role.MEMBER)
        self.sub_s1 = person("Sara", "Ström", s, Assignment.Role.SUBSTITUTE, 3)
        self.sub_m1 = person("Mats", "Mark", m, Assignment.Role.SUBSTITUTE, 1)
        self.sub_v1 = person("Vera", "Vik", v, Assignment.Role.SUBSTITUTE, 2)
        self.sub_s2 = person("Sven", "Sjö", s, Assignment.Role.SUBSTITUTE, 4)
        self.members = [self.anna, self.bo, self.cecilia, self.dan, self.eva]
        self.meeting = MeetingFactory(committee=self.committee, status=status, chair=self.anna)


def held(board: Board, *titles: str) -> list:
    """Hold the meeting with the agenda `titles` and draft its protokoll: the §§ in order."""
    for title in titles:
        AgendaItemFactory(meeting=board.meeting, title=title)
    board.meeting.status = Meeting.Status.HELD
    board.meeting.save()
    return protokoll_create_draft(meeting=board.meeting)


def all_present(board: Board) -> None:
    for person in board.members:
        attendance_record(meeting=board.meeting, person=person, present=True)


# --- Ersättare --------------------------------------------------------------------------------


def test_ersattare_proposal_follows_own_party_first_then_the_list_order(db):
    board = Board()
    assert substitute_propose(meeting=board.meeting, absent_person=board.anna) == board.sub_s1
    assert substitute_propose(meeting=board.meeting, absent_person=board.bo) == board.sub_m1
    # Nobody of Eva's party free: the first in the list order.
    AbsenceNotice.objects.create(meeting=board.meeting, person=board.sub_v1)
    assert substitute_propose(meeting=board.meeting, absent_person=board.eva) == board.sub_m1


def test_ersattare_proposal_by_list_order_only_when_the_committee_says_so(db):
    board = Board(rule=Committee.SubstituteRule.LIST_ORDER)
    assert substitute_propose(meeting=board.meeting, absent_person=board.anna) == board.sub_m1


def test_ersattare_proposal_skips_those_already_called_in_or_with_forhinder(db):
    board = Board()
    anna_notice = AbsenceNotice.objects.create(meeting=board.meeting, person=board.anna)
    substitute_confirm(notice=anna_notice)  # Sara (S) for Anna
    cecilia_notice = AbsenceNotice.objects.create(meeting=board.meeting, person=board.cecilia)
    assert substitute_propose(meeting=board.meeting, absent_person=board.cecilia) == board.sub_s2
    AbsenceNotice.objects.create(meeting=board.meeting, person=board.sub_s2)  # Sven has förhinder
    assert substitute_propose(meeting=board.meeting, absent_person=board.cecilia) == board.sub_m1
    # Anna's ersättare is still the one proposed for Anna.
    assert substitute_propose(meeting=board.meeting, absent_person=board.anna) == board.sub_s1
    with pytest.raises(ValidationError) as error:
        substitute_confirm(notice=cecilia_notice, substitute=board.sub_s1)
    assert error.value.code == "substitute_unavailable"


def test_confirming_the_ersattare_records_them_serving_and_mails_the_meeting_link(
    db, django_capture_on_commit_callbacks, settings
):
    settings.PARAGRAF_BASE_URL = "https://paragraf.example.org"
    board = Board()
    notice = AbsenceNotice.objects.create(meeting=board.meeting, person=board.bo, reason="Sjuk")
    with django_capture_on_commit_callbacks(execute=True):
        substitute_confirm(notice=notice)
    notice.refresh_from_db()
    assert notice.substitute == board.sub_m1 and notice.substitute_confirmed_at
    row = Attendance.objects.get(meeting=board.meeting, person=board.sub_m1)
    assert row.serving and row.replaces == board.bo and row.capacity == Attendance.Capacity.SUBSTITUTE
    assert Attendance.objects.get(meeting=board.meeting, person=board.bo).status == Attendance.Status.ABSENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [board.sub_m1.email]
    link = "https://paragraf.example.org" + reverse("meetings:meeting", args=[board.meeting.pk])
    assert link in message.body and "Bo Lind (M)" in message.body

    from attendance.services import substitute_notify

    assert substitute_notify(notice_id=notice.pk) is False
    assert len(mail.outbox) == 1, "the ersättare is called once"


# --- Quorum and jäv ---------------------------------------------------------------------------


def test_quorum_is_recomputed_per_paragraph_after_departures_mid_meeting(db):
    board = Board()
    p1, p2, p3, p4 = held(board, "Val av justerare", "Budget", "Bidrag", "Övrigt")
    attendance_record(meeting=board.meeting, person=board.anna, present=True)
    attendance_record(meeting=board.meeting, person=board.bo, present=True)
    attendance_record(meeting=board.meeting, person=board.cecilia, present=True, to_paragraph=p2)
    attendance_record(meeting=board.meeting, person=board.dan, present=False)
    attendance_record(meeting=board.meeting, person=board.eva, present=True, from_paragraph=p2)

    assert quorum_for_paragraph(paragraph=p1) == (3, 5, True)  # Eva not yet there
    assert quorum_for_paragraph(paragraph=p2).serving == 4
    q3 = quorum_for_paragraph(paragraph=p3)
    assert (q3.serving, q3.seats, q3.ok) == (3, 5, True)  # Cecilia left after § 2
    attendance_record(meeting=board.meeting, person=board.bo, present=True, to_paragraph=p3)
    assert not quorum_for_paragraph(paragraph=p4).ok  # Anna and Eva only: 2 of 5
    assert paragraphs_without_quorum(meeting=board.meeting) == [p4]


def test_jav_replaces_the_member_with_an_ersattare_for_that_paragraph_only(db):
    board = Board()
    p1, p2, p3 = held(board, "Val av justerare", "Bidrag till Bo Linds förening", "Övrigt")
    all_present(board)
    attendance_record(meeting=board.meeting, person=board.sub_m1, present=True)
    attendance_record(meeting=board.meeting, person=board.sub_s1, present=True)
    assert board.sub_m1 not in serving_members(paragraph=p2)

    jav = disqualification_record(paragraph=p2, person=board.bo, reason="Ordförande i föreningen")
    assert jav.substitute == board.sub_m1  # own party's first ersättare
    assert board.bo not in serving_members(paragraph=p2)
    assert board.sub_m1 in serving_members(paragraph=p2)
    for other in (p1, p3):
        assert board.bo in serving_members(paragraph=other)
        assert board.sub_m1 not in serving_members(paragraph=other)
    assert quorum_for_paragraph(paragraph=p2).serving == 5

    with pytest.raises(ValidationError) as error:
        disqualification_record(paragraph=p2, person=board.sub_s1)
    assert error.value.code == "not_serving"


# --- Omröstning and reservation -----------------------------------------------------------------


def test_open_vote_tie_is_decided_by_the_chairs_casting_vote(db):
    board = Board()
    _p1, budget = held(board, "Val av justerare", "Budget")
    all_present(board)
    attendance_record(meeting=board.meeting, person=board.eva, present=False)
    attendance_record(meeting=board.meeting, person=board.sub_v1, present=True, replaces=board.eva)
    vote = vote_record(
        paragraph=budget,
        proposition_yes="Bifall till förslaget",
        proposition_no="Avslag",
        kind=Vote.Kind.OPEN,
        ballots={
            board.anna: "ja",
            board.cecilia: "ja",
            board.bo: "nej",
            board.dan: "nej",
            board.sub_v1: "avstar",
        },
    )
    assert (vote.yes_count, vote.no_count, vote.abstain_count) == (2, 2, 1)
    assert vote.result == Vote.Result.YES and vote.casting_vote_used and not vote.decided_by_lot
    assert {(b.person.last_name, b.choice) for b in vote.ballots.all()} == {
        ("Ek", "ja"),
        ("Berg", "ja"),
        ("Lind", "nej"),
        ("Holm", "nej"),
        ("Vik", "avstar"),
    }


def test_a_tied_election_is_decided_by_lot_not_by_the_chair(db):
    board = Board()
    _p1, val = held(board, "Val av justerare", "Val av ombud")
    all_present(board)
    counts = {"ja": 2, "nej": 2, "avstar": 1}
    with pytest.raises(ValidationError) as error:
        vote_record(
            paragraph=val,
            proposition_yes="Anna",
            proposition_no="Bo",
            kind="closed",
            is_election=True,
            counts=counts,
        )
    assert error.value.code == "lot_required"
    vote = vote_record(
        paragraph=val,
        proposition_yes="Anna",
        proposition_no="Bo",
        kind=Vote.Kind.CLOSED,
        is_election=True,
        counts=counts,
        lot_result="nej",
    )
    assert vote.result == Vote.Result.NO and vote.decided_by_lot and not vote.casting_vote_used
    assert vote.ballots.count() == 0


def test_only_members_serving_in_the_paragraph_can_be_recorded_as_voting(db):
    board = Board()
    _p1, budget = held(board, "Val av justerare", "Budget")
    all_present(board)
    attendance_record(meeting=board.meeting, person=board.sub_s1, present=True)  # present, not serving
    disqualification_record(paragraph=budget, person=board.dan, substitute=board.sub_s1)
    with pytest.raises(ValidationError) as error:
        vote_record(
            paragraph=budget,
            proposition_yes="Bifall",
            proposition_no="Avslag",
            ballots={board.anna: "ja", board.dan: "nej"},
        )
    assert error.value.code == "not_serving"
    assert "Dan Holm (M)" in error.value.messages[0]
    assert not Vote.objects.exists(), "nothing is half recorded"
    vote = vote_record(
        paragraph=budget, proposition_yes="Bifall", proposition_no="Avslag", ballots={board.sub_s1: "nej"}
    )
    assert vote.result == Vote.Result.NO


def test_reservation_only_by_a_member_who_took_part_and_did_not_vote_for_the_decision(db):
    board = Board()
    _p1, budget = held(board, "Val av justerare", "Budget")
    all_present(board)
    attendance_record(meeting=board.meeting, person=board.sub_s1, present=True)
    vote_record(
        paragraph=budget,
        proposition_yes="Bifall",
        proposition_no="Avslag",
        ballots={board.anna: "ja", board.cecilia: "ja", board.eva: "ja", board.bo: "nej", board.dan: "nej"},
    )
    reservation = reservation_record(paragraph=budget, person=board.bo, text="Budgeten är inte finansierad.")
    assert reservation.text == "Budgeten är inte finansierad."
    for person, code in ((board.anna, "voted_for_decision"), (board.sub_s1, "not_serving")):
        with pytest.raises(ValidationError) as error:
            reservation_record(paragraph=budget, person=person)
        assert error.value.code == code


def test_a_frozen_protokoll_refuses_new_attendance(db):
    board = Board()
    held(board, "Val av justerare")
    Meeting.objects.filter(pk=board.meeting.pk).update(status=Meeting.Status.READY_FOR_JUSTERING)
    with pytest.raises(ValidationError) as error:
        attendance_record(meeting=board.meeting, person=board.anna, present=True)
    assert error.value.code == "protokoll_locked"
