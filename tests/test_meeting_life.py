"""The life of a meeting: each step through one service, illegal steps refused with a message."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from meetings.anslag.rules import anslag_post, anslag_take_down
from meetings.errors import JusteringRefusal, SigningRefusal
from meetings.justering.services import (
    protokoll_freeze,
    protokoll_set_signers,
    protokoll_sign,
    protokoll_unfreeze,
)
from meetings.models import Anslag, Meeting, MeetingTransition
from meetings.services.lifecycle import (
    TransitionError,
    meeting_archive,
    meeting_hold,
    meeting_mark_summoned,
    meeting_start_agenda,
    meeting_transition,
)
from meetings.services.paragraphs import protokoll_create_draft
from tests.factories import AgendaItemFactory, MeetingFactory, PersonFactory, UserFactory, local

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signing_ca")]
PASSWORD = "pw-for-tests-1"
Status = Meeting.Status


def test_the_whole_life_of_a_meeting_from_plan_to_archive(django_capture_on_commit_callbacks):
    secretary_user = UserFactory(username="sekr")
    chair_user, adjuster_user = UserFactory(username="ordf"), UserFactory(username="just")
    chair, adjuster = PersonFactory(user=chair_user), PersonFactory(user=adjuster_user)
    meeting = MeetingFactory(start=local(2024, 10, 11))
    AgendaItemFactory(meeting=meeting, title="Val av protokollsjusterare")

    meeting_start_agenda(meeting=meeting, by=secretary_user)
    meeting_mark_summoned(meeting=meeting, by=secretary_user)
    meeting_hold(meeting=meeting, by=secretary_user)
    protokoll_create_draft(meeting=meeting, by=secretary_user)
    protokoll_set_signers(meeting=meeting, chair=chair, adjusters=[adjuster])
    protokoll_freeze(meeting=meeting, by=secretary_user)
    justering = meeting.justering
    assert justering.deadline == date(2024, 10, 25)  # 14 days after the meeting
    for signature in justering.signatures.all():
        protokoll_sign(signature=signature, user=signature.person.user, password=PASSWORD)
    meeting.refresh_from_db()
    assert meeting.status == Status.JUSTERAT
    anslag = anslag_post(meeting=meeting, posted_on=date(2024, 10, 28))
    assert anslag.appeal_ends_on == date(2024, 11, 18)
    assert anslag.take_down_on == date(2024, 11, 19)
    anslag_take_down(anslag=anslag)
    meeting_archive(meeting=meeting)

    steps = list(meeting.transitions.values_list("to_status", flat=True))
    assert steps == [
        Status.AGENDA_DRAFTED,
        Status.SUMMONED,
        Status.HELD,
        Status.PROTOKOLL_DRAFTED,
        Status.READY_FOR_JUSTERING,
        Status.JUSTERAT,
        Status.POSTED,
        Status.TAKEN_DOWN,
        Status.ARCHIVED,
    ]
    assert meeting.transitions.first().by == secretary_user


@pytest.mark.parametrize(
    ("status", "target"),
    [
        (Status.PLANNED, Status.HELD),
        (Status.PLANNED, Status.JUSTERAT),
        (Status.HELD, Status.SUMMONED),
        (Status.JUSTERAT, Status.PROTOKOLL_DRAFTED),
        (Status.ARCHIVED, Status.PLANNED),
        (Status.CANCELLED, Status.HELD),
    ],
)
def test_illegal_transitions_are_refused_with_a_message_and_change_nothing(status, target):
    meeting = MeetingFactory(status=status)
    with pytest.raises(TransitionError) as refused:
        meeting_transition(meeting=meeting, to_status=target)
    assert "Sammanträdet kan inte gå från status" in refused.value.messages[0]
    assert refused.value.code == "illegal_transition"
    meeting.refresh_from_db()
    assert meeting.status == status
    assert not MeetingTransition.objects.filter(meeting=meeting).exists()


def test_kallelse_needs_an_agenda():
    meeting = MeetingFactory(status=Status.AGENDA_DRAFTED)
    with pytest.raises(TransitionError, match="saknar punkter på föredragningslistan"):
        meeting_mark_summoned(meeting=meeting)


def test_justering_needs_chair_and_justerare():
    meeting = MeetingFactory(status=Status.HELD)
    AgendaItemFactory(meeting=meeting)
    protokoll_create_draft(meeting=meeting)
    with pytest.raises(TransitionError, match="minst en justerare"):
        protokoll_freeze(meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == Status.PROTOKOLL_DRAFTED


def _frozen_meeting():
    meeting = MeetingFactory(status=Status.HELD)
    AgendaItemFactory(meeting=meeting)
    protokoll_create_draft(meeting=meeting)
    chair = PersonFactory(user=UserFactory(username="chair"))
    adjuster = PersonFactory(user=UserFactory(username="adjuster"))
    protokoll_set_signers(meeting=meeting, chair=chair, adjusters=[adjuster])
    protokoll_freeze(meeting=meeting)
    return meeting


def test_only_the_signer_can_sign_and_only_once():
    meeting = _frozen_meeting()
    chair_signature = meeting.justering.signatures.get(role="ordforande")
    with pytest.raises(ValidationError, match="Endast .* kan signera som ordförande"):
        protokoll_sign(signature=chair_signature, user=UserFactory(username="other"), password=PASSWORD)
    protokoll_sign(signature=chair_signature, user=chair_signature.person.user, password=PASSWORD)
    with pytest.raises(ValidationError, match="redan signerat"):
        protokoll_sign(signature=chair_signature, user=chair_signature.person.user, password=PASSWORD)
    meeting.refresh_from_db()
    assert meeting.status == Status.READY_FOR_JUSTERING  # the justerare has not signed yet


def test_reopening_before_the_last_signature_needs_a_reason_and_discards_signatures():
    meeting = _frozen_meeting()
    signature = meeting.justering.signatures.first()
    protokoll_sign(signature=signature, user=signature.person.user, password=PASSWORD)
    with pytest.raises(ValidationError) as refused:
        protokoll_unfreeze(meeting=meeting, reason=" ")
    assert refused.value.code == JusteringRefusal.REASON_REQUIRED
    protokoll_unfreeze(meeting=meeting, reason="Fel i § 1")
    meeting.refresh_from_db()
    assert meeting.status == Status.PROTOKOLL_DRAFTED
    assert not meeting.justering.signatures.filter(signed_at__isnull=False).exists()
    step = meeting.transitions.last()
    assert step.note.startswith("Fel i § 1") and signature.person.full_name in step.note


def test_a_wrong_password_signs_nothing():
    meeting = _frozen_meeting()
    signature = meeting.justering.signatures.first()
    with pytest.raises(ValidationError) as refused:
        protokoll_sign(signature=signature, user=signature.person.user, password="fel")
    assert refused.value.code == SigningRefusal.WRONG_PASSWORD
    signature.refresh_from_db()
    assert signature.signed_at is None


def test_anslag_only_for_justerat_protokoll_and_stays_up_for_the_appeal_period():
    meeting = _frozen_meeting()
    with pytest.raises(TransitionError, match="kräver att sammanträdet har status ”justerat”"):
        anslag_post(meeting=meeting)
    for signature in meeting.justering.signatures.all():
        protokoll_sign(signature=signature, user=signature.person.user, password=PASSWORD)
    anslag = anslag_post(meeting=meeting)
    with pytest.raises(ValidationError, match="måste sitta uppe till"):
        anslag_take_down(anslag=anslag)
    assert Anslag.objects.get(pk=anslag.pk).taken_down_at is None
