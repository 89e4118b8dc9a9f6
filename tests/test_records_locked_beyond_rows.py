"""Locked means locked for every row: besides the rows in a protokoll (tests/test_records_locked.py),
the database refuses changes to the records about it (audit.locks, "Records beyond the
protokoll's rows"): its meeting's status moving backwards and its content, the justering's hashes
and files, a signature once made, and the file of a handling it refers to. Raw SQL and
`QuerySet.update()` are refused alike; the services still do what they do."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from audit import locks
from audit.middleware import ProtokollLockedMiddleware
from cases.models import Document
from meetings.admin import meeting as meetings_admin
from meetings.anslag.rules import anslag_post, anslag_take_down
from meetings.justering.services import protokoll_sign, protokoll_unfreeze
from meetings.models import AgendaItemDocument, Justering, Meeting, Signature
from meetings.services.lifecycle import meeting_archive
from tests.factories import MeetingFactory, PdfDocumentFactory, UserFactory
from tests.test_justering_flow import PASSWORD, Cast, fresh_certificates  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signing_ca", "fresh_certificates")]

Status = Meeting.Status

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no DELETE trigger (its flush deletes table by table); PostgreSQL guards it",
)


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def refused(sql, params):
    with pytest.raises(IntegrityError, match=locks.MARKER):
        _raw(sql, params)


def refused_orm(attempt):
    with pytest.raises(IntegrityError, match=locks.MARKER), transaction.atomic():
        attempt()


class Signed(Cast):
    """Cast's meeting with a handling on its agenda item, frozen; `sign(n)` signs the first n."""

    def __init__(self):
        super().__init__()
        item = self.meeting.agenda_items.get(order=2)
        self.handling = PdfDocumentFactory(pages=["Regional utvecklingsstrategi"])
        AgendaItemDocument.objects.create(agenda_item=item, document=self.handling)
        self.justering = self.freeze()

    def sign(self, count=None):
        for user in self.signers[:count]:
            signature = self.signature_of(user)
            if not Signature.objects.get(pk=signature.pk).signed_at:
                protokoll_sign(signature=signature, user=user, password=PASSWORD)
        self.meeting.refresh_from_db()
        self.justering.refresh_from_db()

    def rows(self):
        return {
            "meeting": Meeting.objects.filter(pk=self.meeting.pk).values().get(),
            "justering": Justering.objects.filter(pk=self.justering.pk).values().get(),
            "signatures": list(self.justering.signatures.order_by("pk").values()),
            "handling": Document.objects.filter(pk=self.handling.pk).values().get(),
        }


@pytest.fixture
def signed():
    return Signed()


# --- The constants agree with the models ----------------------------------------------------------


def test_the_triggers_allow_the_forward_steps_of_the_meeting_model():
    model_steps = {
        (str(origin), str(to))
        for origin, targets in Meeting.TRANSITIONS.items()
        if origin in Meeting.Status.FROZEN
        for to in targets
    }
    assert {*locks.FORWARD_STEPS, locks.REOPENING} == model_steps
    assert set(locks.SIGNED_STATUSES) == {str(s) for s in Meeting.Status.FROZEN} - {"frozen"}


def test_the_guarded_meeting_columns_are_the_ones_the_admin_makes_read_only(rf):
    admin = meetings_admin.MeetingAdmin(Meeting, meetings_admin.admin.site)
    meeting = Meeting(status=Status.JUSTERAT)
    read_only = set(admin.get_readonly_fields(rf.get("/"), meeting)) - {"status"}
    columns = {Meeting._meta.get_field(name).column for name in read_only}
    assert columns == set(locks.MEETING_CONTENT_COLUMNS)


# --- (1) the meeting's status moves only forward ----------------------------------------------------


def test_raw_sql_cannot_move_a_justerat_posted_taken_down_or_archived_meeting_back(signed):
    signed.sign()
    meeting = signed.meeting
    assert meeting.status == Status.JUSTERAT
    anslag = anslag_post(meeting=meeting, posted_on=timezone.localdate() - timedelta(days=60))
    anslag_take_down(anslag=anslag)
    for status in (Status.TAKEN_DOWN, Status.ARCHIVED):
        meeting.refresh_from_db()
        assert meeting.status == status
        for back in [
            Status.PROTOKOLL_DRAFTED,
            Status.HELD,
            Status.PLANNED,
            Status.READY_FOR_JUSTERING,
            Status.JUSTERAT,
            Status.POSTED,
            Status.CANCELLED,
        ]:
            refused("UPDATE meetings_meeting SET status = %s WHERE id = %s", [back, meeting.pk])
        refused_orm(lambda: Meeting.objects.filter(pk=meeting.pk).update(status=Status.PROTOKOLL_DRAFTED))
        if status == Status.TAKEN_DOWN:
            meeting_archive(meeting=meeting)
    # Its paragraphs stay locked.
    refused("UPDATE meetings_paragraph SET title = %s WHERE meeting_id = %s", ["Ändrat", meeting.pk])


def test_a_justerat_meeting_cannot_skip_a_step_or_go_back_to_frozen(signed):
    signed.sign()
    for status in (Status.READY_FOR_JUSTERING, Status.PROTOKOLL_DRAFTED, Status.ARCHIVED, Status.TAKEN_DOWN):
        refused("UPDATE meetings_meeting SET status = %s WHERE id = %s", [status, signed.meeting.pk])
    assert Meeting.objects.get(pk=signed.meeting.pk).status == Status.JUSTERAT


def test_after_the_last_signature_the_protokoll_cannot_be_reopened_even_before_it_is_justerat(signed):
    # Every signature made, the meeting still "frozen" (as between the last signature and the
    # status change): the justering is complete, so it does not go back to a draft.
    signed.sign(3)
    last = signed.signature_of(signed.signers[3])
    Signature.objects.filter(pk=last.pk).update(signed_at=timezone.now(), signed_by=signed.signers[3])
    refused(
        "UPDATE meetings_meeting SET status = %s WHERE id = %s",
        [Status.PROTOKOLL_DRAFTED, signed.meeting.pk],
    )


@needs_postgresql
def test_a_locked_meeting_cannot_be_deleted(signed):
    refused("DELETE FROM meetings_meeting WHERE id = %s", [signed.meeting.pk])


# --- (2) the meeting's content ------------------------------------------------------------------


def test_raw_sql_and_update_cannot_change_a_locked_meetings_content(signed):
    meeting = signed.meeting
    other = MeetingFactory()
    changes = {
        "committee_id": other.committee_id,
        "start": meeting.start - timedelta(days=1),
        "end": meeting.start + timedelta(hours=5),
        "location": "Någon annanstans",
        "chair_id": signed.adjuster.person.pk,
        "secretary_id": signed.chair.person.pk,
        "signature_reference": other.signature_reference.hex[::-1],
        "attendance_as_annex": True,
    }
    for stage in ("frozen", "justerat"):
        if stage == "justerat":
            signed.sign()
        before = signed.rows()
        for column, value in changes.items():
            refused(f'UPDATE meetings_meeting SET "{column}" = %s WHERE id = %s', [value, meeting.pk])
        refused_orm(lambda: Meeting.objects.filter(pk=meeting.pk).update(location="Sal B"))
        assert signed.rows() == before
    # Bookkeeping stays writable.
    Meeting.objects.filter(pk=meeting.pk).update(note="Arkiveras i december", agenda_published=True)
    assert Meeting.objects.get(pk=meeting.pk).note == "Arkiveras i december"


def test_a_draft_meeting_can_still_be_changed_and_moved_back(signed):
    draft = MeetingFactory(status=Status.SUMMONED)
    _raw(
        "UPDATE meetings_meeting SET location = %s, status = %s WHERE id = %s", ["Sal B", "agenda", draft.pk]
    )
    draft.refresh_from_db()
    assert (draft.location, draft.status) == ("Sal B", Status.AGENDA_DRAFTED)


# --- (3) the justering's hashes and files --------------------------------------------------------------


def test_raw_sql_cannot_change_a_justerat_protokolls_hashes_files_or_completion(signed):
    signed.sign()
    justering = signed.justering
    assert justering.completed_at and justering.signed_sha256 != justering.frozen_sha256
    before = signed.rows()
    for column, value in {
        "signed_sha256": "0" * 64,
        "frozen_sha256": "0" * 64,
        "content_hash": "0" * 64,
        "signed_file": "protokoll/2024/forfalskat.pdf",
        "frozen_file": "protokoll/2024/forfalskat.pdf",
        "snapshot": '{"paragraphs": []}',
        "completed_at": None,
    }.items():
        refused(f"UPDATE meetings_justering SET {column} = %s WHERE id = %s", [value, justering.pk])
    refused(
        "UPDATE meetings_justering SET completed_at = completed_at + interval '1 day' WHERE id = %s"
        if connection.vendor == "postgresql"
        else "UPDATE meetings_justering SET completed_at = '2000-01-01 00:00:00' WHERE id = %s",
        [justering.pk],
    )
    refused_orm(lambda: Justering.objects.filter(pk=justering.pk).update(signed_sha256="1" * 64))
    assert signed.rows() == before


def test_the_frozen_protokoll_cannot_change_once_someone_has_signed(signed):
    signed.sign(1)
    for column in ("frozen_sha256", "content_hash"):
        refused(f"UPDATE meetings_justering SET {column} = %s WHERE id = %s", ["0" * 64, signed.justering.pk])
    # Nor can it be marked complete while signatures are missing.
    refused(
        "UPDATE meetings_justering SET completed_at = %s WHERE id = %s",
        [timezone.now(), signed.justering.pk],
    )


@needs_postgresql
def test_a_justering_of_a_locked_protokoll_cannot_be_deleted(signed):
    refused("DELETE FROM meetings_justering WHERE id = %s", [signed.justering.pk])
    signed.sign()
    refused("DELETE FROM meetings_justering WHERE id = %s", [signed.justering.pk])


# --- (4) a signature once made -----------------------------------------------------------------------------


def test_raw_sql_cannot_change_a_made_signature(signed):
    signed.sign(2)
    made = signed.signature_of(signed.signers[0])
    stranger = UserFactory()
    for stage in ("frozen", "justerat"):
        if stage == "justerat":
            signed.sign()
        before = signed.rows()
        for column, value in {
            "signed_at": timezone.now() - timedelta(days=30),
            "signed_by_id": stranger.pk,
            "certificate_subject": "Någon annan",
            "field_name": "Annat fält",
            "person_id": signed.member.person.pk,
            "role": "ordforande",
        }.items():
            refused(f"UPDATE meetings_signature SET {column} = %s WHERE id = %s", [value, made.pk])
        refused("UPDATE meetings_signature SET signed_at = NULL WHERE id = %s", [made.pk])
        refused_orm(lambda: Signature.objects.filter(pk=made.pk).update(certificate_subject="Falsk"))
        assert signed.rows() == before
    # When the signer was e-mailed is bookkeeping.
    Signature.objects.filter(pk=made.pk).update(notified_at=timezone.now())


def test_no_signer_is_swapped_or_added_while_the_protokoll_is_out_for_justering(signed):
    unsigned = signed.signature_of(signed.signers[3])
    refused(
        "UPDATE meetings_signature SET person_id = %s WHERE id = %s",
        [signed.secretary.person.pk, unsigned.pk],
    )
    refused(
        'INSERT INTO meetings_signature (justering_id, person_id, role, "order", '
        "certificate_subject, field_name) VALUES (%s, %s, %s, %s, '', '')",
        [signed.justering.pk, signed.member.person.pk, "justerare", 9],
    )


@needs_postgresql
def test_a_signature_of_a_locked_protokoll_cannot_be_deleted(signed):
    signed.sign(1)
    for user in (signed.signers[0], signed.signers[3]):  # signed, and still to sign
        refused("DELETE FROM meetings_signature WHERE id = %s", [signed.signature_of(user).pk])
    signed.sign()
    refused("DELETE FROM meetings_signature WHERE justering_id = %s", [signed.justering.pk])
    refused_orm(lambda: Signature.objects.filter(justering=signed.justering).delete())


# --- (5) the handlingar a locked protokoll refers to ----------------------------------------------------


def test_the_file_of_a_handling_in_a_locked_protokoll_cannot_change(signed):
    for stage in ("frozen", "justerat"):
        if stage == "justerat":
            signed.sign()
        before = signed.rows()
        refused("UPDATE cases_document SET sha256 = %s WHERE id = %s", ["0" * 64, signed.handling.pk])
        refused(
            "UPDATE cases_document SET file = %s WHERE id = %s", ["documents/annan.pdf", signed.handling.pk]
        )
        refused_orm(lambda: Document.objects.filter(pk=signed.handling.pk).update(sha256="1" * 64))
        assert signed.rows() == before


def test_a_handling_of_a_draft_can_still_change(signed):
    draft_handling = PdfDocumentFactory()
    _raw("UPDATE cases_document SET sha256 = %s WHERE id = %s", ["0" * 64, draft_handling.pk])
    assert Document.objects.get(pk=draft_handling.pk).sha256 == "0" * 64


# --- The service paths still work --------------------------------------------------------------------------


def test_freeze_sign_reopen_freeze_again_sign_post_take_down_and_archive_still_work(signed):
    signed.sign(2)
    protokoll_unfreeze(meeting=signed.meeting, by=signed.secretary, reason="Fel i § 2")
    signed.meeting.refresh_from_db()
    assert signed.meeting.status == Status.PROTOKOLL_DRAFTED
    assert not signed.justering.signatures.filter(signed_at__isnull=False).exists()
    signed.justering = signed.freeze()
    signed.sign()
    assert signed.meeting.status == Status.JUSTERAT and signed.justering.completed_at
    assert signed.justering.signatures.filter(signed_at__isnull=True).count() == 0
    anslag = anslag_post(meeting=signed.meeting, posted_on=timezone.localdate() - timedelta(days=60))
    anslag_take_down(anslag=anslag)
    meeting_archive(meeting=signed.meeting)
    signed.meeting.refresh_from_db()
    assert signed.meeting.status == Status.ARCHIVED


# --- The message a user meets ---------------------------------------------------------------------------


def test_a_refusal_of_these_triggers_reaches_the_user_as_a_message(signed):
    signed.sign()
    try:
        _raw("UPDATE meetings_meeting SET status = %s WHERE id = %s", ["drafted", signed.meeting.pk])
    except DatabaseError as error:
        refusal = error
    request = RequestFactory().post("/admin/meetings/meeting/1/change/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    response = ProtokollLockedMiddleware(lambda r: None).process_exception(request, refusal)
    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(request)] == ["error"]
