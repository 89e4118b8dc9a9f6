"""Justerat means unchangeable: a paragraph, its attendance and a vote of a justerat protokoll
cannot be changed through the admin, a form post, the ORM (save, update, delete) or raw SQL,
which a database trigger refuses (audit.locks)."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from attendance.models import Attendance, Ballot, Reservation, Vote
from attendance.services import attendance_record, reservation_record, vote_record
from audit import locks
from audit.middleware import ProtokollLockedMiddleware
from meetings.justering.services import protokoll_freeze, protokoll_set_signers
from meetings.models import Meeting, Paragraph, ProtokollLockedError
from meetings.services.lifecycle import meeting_transition
from tests.factories import secretary_of
from tests.test_attendance_services import Board, held

pytestmark = pytest.mark.django_db

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no DELETE trigger (its flush deletes table by table); PostgreSQL guards it",
)


class Justerat:
    """A meeting held, recorded (attendance, an open vote, a reservation), frozen and justerat."""

    def __init__(self):
        board = self.board = Board()
        self.meeting = board.meeting
        self.paragraph = held(board, "Budget 2025")[0]
        for person in board.members:
            attendance_record(meeting=self.meeting, person=person, present=True)
        self.vote = vote_record(
            paragraph=self.paragraph,
            proposition_yes="Bifall",
            proposition_no="Avslag",
            ballots={
                board.anna: "ja",
                board.bo: "nej",
                board.cecilia: "ja",
                board.dan: "nej",
                board.eva: "ja",
            },
        )
        reservation_record(paragraph=self.paragraph, person=board.bo, text="Ofinansierat.")
        self.attendance = Attendance.objects.get(meeting=self.meeting, person=board.bo)
        self.ballot = Ballot.objects.get(vote=self.vote, person=board.bo)
        self.reservation = Reservation.objects.get(paragraph=self.paragraph)
        protokoll_set_signers(meeting=self.meeting, chair=board.anna, adjusters=[board.cecilia])
        protokoll_freeze(meeting=self.meeting)
        # Every signer has signed (the file of record is the frozen one here: the rows are tested).
        self.meeting.justering.signatures.update(signed_at=timezone.now())
        meeting_transition(meeting=self.meeting, to_status=Meeting.Status.JUSTERAT)
        self.secretary = secretary_of(board.committee)
        self.before = self.state()

    def state(self) -> dict:
        """What the database holds for the protokoll's rows."""
        return {
            "paragraph": Paragraph.objects.filter(pk=self.paragraph.pk).values().first(),
            "attendance": list(Attendance.objects.filter(meeting=self.meeting).order_by("pk").values()),
            "vote": Vote.objects.filter(pk=self.vote.pk).values().first(),
            "ballots": list(Ballot.objects.filter(vote=self.vote).order_by("pk").values()),
            "reservations": list(Reservation.objects.filter(paragraph=self.paragraph).values()),
        }

    def assert_unchanged(self):
        assert self.state() == self.before


@pytest.fixture
def justerat():
    return Justerat()


def test_the_triggers_lock_the_same_statuses_as_the_meeting_model():
    assert set(locks.LOCKED_STATUSES) == {str(status) for status in Meeting.Status.FROZEN}


# --- (1) the admin ----------------------------------------------------------------------------


def test_admin_change_posts_to_a_justerat_paragraph_attendance_and_vote_are_refused(client, justerat):
    client.force_login(justerat.secretary)
    posts = {
        reverse("admin:meetings_paragraph_change", args=[justerat.paragraph.pk]): {
            "title": "Förfalskat",
            "decision": "<p>Förfalskat</p>",
        },
        reverse("admin:attendance_attendance_change", args=[justerat.attendance.pk]): {
            "meeting": justerat.meeting.pk,
            "person": justerat.attendance.person_id,
            "status": "absent",
            "capacity": "ledamot",
        },
        reverse("admin:attendance_vote_change", args=[justerat.vote.pk]): {
            "paragraph": justerat.paragraph.pk,
            "proposition_yes": "Förfalskat",
            "proposition_no": "Avslag",
            "kind": "open",
            "result": "nej",
        },
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    for name, pk in [
        ("attendance_attendance_delete", justerat.attendance.pk),
        ("attendance_vote_delete", justerat.vote.pk),
    ]:
        assert client.post(reverse(f"admin:{name}", args=[pk]), {"post": "yes"}).status_code == 403
    justerat.assert_unchanged()


# --- (2) the secretary's forms ------------------------------------------------------------------


def test_attendance_and_paragraph_pages_refuse_posts_for_a_justerat_protokoll(client, justerat):
    client.force_login(justerat.secretary)
    bo = justerat.board.bo.pk
    sheet = reverse("attendance:sheet", args=[justerat.meeting.pk])
    response = client.post(sheet, {"person": bo, f"p{bo}-status": "absent"})
    assert response.status_code == 400

    page = reverse("attendance:paragraph", args=[justerat.meeting.pk, justerat.paragraph.pk])
    board = justerat.board
    vote = {
        "action": "vote",
        "vote-proposition_yes": "Ny",
        "vote-proposition_no": "Avslag",
        "vote-kind": "open",
    }
    vote.update({f"vote-ballot_{p.pk}": "nej" for p in board.members})
    assert client.post(page, vote).status_code == 400
    assert client.post(page, {"action": "reservation", "res-person": board.dan.pk}).status_code == 400
    assert client.post(page, {"action": "jav", "jav-person": board.eva.pk}).status_code == 400
    justerat.assert_unchanged()


# --- (3)–(5) the ORM ------------------------------------------------------------------------------


def test_orm_save_and_delete_of_justerat_rows_raise_protokoll_locked(justerat):
    justerat.paragraph.decision = "<p>Ändrat i efterhand</p>"
    justerat.attendance.status = Attendance.Status.ABSENT
    justerat.vote.result = Vote.Result.NO
    for row in (
        justerat.paragraph,
        justerat.attendance,
        justerat.vote,
        justerat.ballot,
        justerat.reservation,
    ):
        with pytest.raises(ProtokollLockedError):
            row.save()
        with pytest.raises(ProtokollLockedError):
            row.delete()
    justerat.assert_unchanged()


def test_queryset_update_and_bulk_create_are_refused_by_the_database(justerat):
    attempts = [
        lambda: Paragraph.objects.filter(pk=justerat.paragraph.pk).update(title="Ändrat"),
        lambda: Attendance.objects.filter(pk=justerat.attendance.pk).update(status="absent"),
        lambda: Vote.objects.filter(pk=justerat.vote.pk).update(result="nej", yes_count=0),
        lambda: Ballot.objects.filter(vote=justerat.vote).update(choice="avstar"),
        lambda: Reservation.objects.filter(paragraph=justerat.paragraph).update(text="Ändrat"),
        lambda: Attendance.objects.bulk_create(
            [Attendance(meeting=justerat.meeting, person=justerat.board.sub_m1)]
        ),
    ]
    for attempt in attempts:
        with pytest.raises(IntegrityError, match=locks.MARKER), transaction.atomic():
            attempt()
    justerat.assert_unchanged()


@needs_postgresql
def test_queryset_delete_is_refused_by_the_database(justerat):
    # QuerySet.delete() does not call Model.delete(), so ProtokollContentMixin never sees it.
    for queryset in (
        Ballot.objects.filter(vote=justerat.vote),
        Vote.objects.filter(pk=justerat.vote.pk),
        Reservation.objects.filter(paragraph=justerat.paragraph),
        Attendance.objects.filter(meeting=justerat.meeting),
        Paragraph.objects.filter(pk=justerat.paragraph.pk),
    ):
        with pytest.raises(IntegrityError, match=locks.MARKER), transaction.atomic():
            queryset.delete()
    justerat.assert_unchanged()


# --- (6) raw SQL ------------------------------------------------------------------------------------


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_raw_sql_updates_and_inserts_are_refused_by_the_trigger(justerat):
    statements = [
        (
            "UPDATE meetings_paragraph SET decision = %s WHERE id = %s",
            ["<p>Ändrat</p>", justerat.paragraph.pk],
        ),
        ("UPDATE attendance_attendance SET status = %s WHERE id = %s", ["absent", justerat.attendance.pk]),
        ("UPDATE attendance_vote SET result = %s WHERE id = %s", ["nej", justerat.vote.pk]),
        ("UPDATE attendance_ballot SET choice = %s WHERE id = %s", ["ja", justerat.ballot.pk]),
        ("UPDATE attendance_reservation SET text = %s WHERE id = %s", ["Ändrat", justerat.reservation.pk]),
        (
            "INSERT INTO attendance_reservation (paragraph_id, person_id, text) VALUES (%s, %s, %s)",
            [justerat.paragraph.pk, justerat.board.dan.pk, "Tillagd i efterhand"],
        ),
    ]
    for sql, params in statements:
        with pytest.raises(IntegrityError, match=locks.MARKER):
            _raw(sql, params)
    justerat.assert_unchanged()


def test_a_row_cannot_be_moved_into_or_out_of_a_justerat_protokoll(justerat):
    draft = Board()
    draft_paragraph = held(draft, "Övrigt")[0]
    attendance_record(meeting=draft.meeting, person=draft.anna, present=True)
    row = Attendance.objects.get(meeting=draft.meeting)
    with pytest.raises(IntegrityError, match=locks.MARKER):
        _raw("UPDATE attendance_attendance SET meeting_id = %s WHERE id = %s", [justerat.meeting.pk, row.pk])
    with pytest.raises(IntegrityError, match=locks.MARKER):
        _raw(
            "UPDATE attendance_vote SET paragraph_id = %s WHERE id = %s",
            [draft_paragraph.pk, justerat.vote.pk],
        )
    justerat.assert_unchanged()
    assert Attendance.objects.get(pk=row.pk).meeting_id == draft.meeting.pk


@needs_postgresql
def test_raw_sql_deletes_are_refused_by_the_trigger(justerat):
    for table, pk in [
        ("attendance_ballot", justerat.ballot.pk),
        ("attendance_vote", justerat.vote.pk),
        ("attendance_reservation", justerat.reservation.pk),
        ("attendance_attendance", justerat.attendance.pk),
    ]:
        with pytest.raises(IntegrityError, match=locks.MARKER):
            _raw(f"DELETE FROM {table} WHERE id = %s", [pk])
    justerat.assert_unchanged()


def test_a_draft_protokoll_can_still_be_changed_with_raw_sql():
    board = Board()
    paragraph = held(board, "Budget")[0]
    _raw("UPDATE meetings_paragraph SET title = %s WHERE id = %s", ["Budget 2025", paragraph.pk])
    assert Paragraph.objects.get(pk=paragraph.pk).title == "Budget 2025"


# --- The message a user meets -------------------------------------------------------------------


def test_a_refusal_by_the_database_reaches_the_user_as_a_message(justerat):
    try:
        _raw("UPDATE meetings_paragraph SET title = %s WHERE id = %s", ["Ändrat", justerat.paragraph.pk])
    except DatabaseError as error:
        refusal = error
    request = RequestFactory().post("/admin/meetings/paragraph/1/change/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    response = ProtokollLockedMiddleware(lambda r: None).process_exception(request, refusal)
    assert response.status_code == 302 and response["Location"] == "/admin/meetings/paragraph/1/change/"
    assert [m.level_tag for m in get_messages(request)] == ["error"]
    assert ProtokollLockedMiddleware(lambda r: None).process_exception(request, ValueError("x")) is None
