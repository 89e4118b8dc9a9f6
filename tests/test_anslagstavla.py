"""The digital anslagstavla: a justerat protokoll is posted by a task, stays up for the appeal
period (three weeks, to the next working day) with every fact the law asks for, is taken down
by a beat task the day after and moves to the archive; a secretary is alerted once when a
justerat protokoll is not posted within a day; secretaries post other notices in the admin."""

import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from meetings.anslag.rules import (
    anslag_post,
    anslag_post_delegation_list,
    anslag_post_notice,
    appeal_period_end,
)
from meetings.justering.services import protokoll_freeze, protokoll_set_signers, protokoll_sign
from meetings.models import Anslag, Justering, Meeting
from meetings.services.paragraphs import protokoll_create_draft
from meetings.tasks import post_anslag
from tests.factories import (
    STOCKHOLM,
    AgendaItemFactory,
    CommitteeFactory,
    DelegatedDecisionFactory,
    DelegationPointFactory,
    MeetingFactory,
    PersonFactory,
    UserFactory,
    local,
    secretary_of,
)

pytestmark = pytest.mark.django_db

Status = Meeting.Status
PASSWORD = "pw-for-tests-1"  # UserFactory's


@contextmanager
def clock(moment: datetime):
    """Django's clock (timezone.now, and so localdate) stands at `moment`."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def beat_task(name: str):
    """The task the beat schedule runs under `name`, as the worker finds it (autodiscovery)."""
    celery_app.loader.import_default_modules()
    return celery_app.tasks[settings.CELERY_BEAT_SCHEDULE[name]["task"]]


def justerat_meeting(*, committee=None, start=None, completed_at=None, items=2, secretary=None) -> Meeting:
    """A meeting whose protokoll is justerat (the signatures themselves are tested elsewhere:
    here the justering is recorded directly, so no PDF is signed)."""
    meeting = MeetingFactory(
        committee=committee or CommitteeFactory(name="Kommunalt forum", slug="kommunalt-forum"),
        start=start or local(2026, 3, 5, 9, 0),
        status=Status.HELD,
        secretary=secretary,
    )
    for order in range(1, items + 1):
        AgendaItemFactory(meeting=meeting, order=order)
    protokoll_create_draft(meeting=meeting)
    Meeting.objects.filter(pk=meeting.pk).update(status=Status.JUSTERAT)
    Justering.objects.create(
        meeting=meeting,
        frozen_at=completed_at or meeting.start + timedelta(days=5),
        completed_at=completed_at or meeting.start + timedelta(days=6),
    )
    meeting.refresh_from_db()
    return meeting


# --- Posted by a task when justerat ------------------------------------------------------------


@pytest.mark.usefixtures("signing_ca")
def test_the_last_signature_posts_the_anslag_through_the_task(django_capture_on_commit_callbacks):
    meeting = MeetingFactory(status=Status.HELD)
    AgendaItemFactory(meeting=meeting)
    protokoll_create_draft(meeting=meeting)
    chair = PersonFactory(user=UserFactory(username="ordf"))
    adjuster = PersonFactory(user=UserFactory(username="just"))
    protokoll_set_signers(meeting=meeting, chair=chair, adjusters=[adjuster])
    protokoll_freeze(meeting=meeting)

    with django_capture_on_commit_callbacks(execute=True):
        for signature in meeting.justering.signatures.all():
            protokoll_sign(signature=signature, user=signature.person.user, password=PASSWORD)

    meeting.refresh_from_db()
    assert meeting.status == Status.POSTED
    anslag = Anslag.objects.get(meeting=meeting, kind=Anslag.Kind.PROTOKOLL)
    today = timezone.localdate()
    assert anslag.posted_on == today
    assert anslag.appeal_ends_on == appeal_period_end(today)
    assert anslag.take_down_on == anslag.appeal_ends_on + timedelta(days=1)


def test_the_post_anslag_task_posts_exactly_once():
    meeting = justerat_meeting()
    first = post_anslag(meeting.pk)
    second = post_anslag(meeting.pk)
    assert first == second
    assert Anslag.objects.filter(meeting=meeting).count() == 1
    assert meeting.transitions.filter(to_status=Status.POSTED).count() == 1


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_posts_the_anslag_once_and_knows_the_beat_tasks(run_in_worker):
    meeting = justerat_meeting()
    anslag_id = run_in_worker("meetings.tasks.post_anslag", meeting.pk)
    assert run_in_worker("meetings.tasks.post_anslag", meeting.pk) == anslag_id
    meeting.refresh_from_db()
    assert meeting.status == Status.POSTED
    assert Anslag.objects.get(pk=anslag_id).posted_on == timezone.localdate()
    for name in ("portal.take_down_due_anslag", "portal.alert_unposted_protokoll"):
        assert run_in_worker(settings.CELERY_BEAT_SCHEDULE[name]["task"]) == []


# --- The appeal period on the anslag ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("posted", "last_day", "take_down"),
    [
        (date(2026, 3, 16), date(2026, 4, 7), date(2026, 4, 8)),  # ends on Easter Monday 2026-04-06
        (date(2026, 5, 29), date(2026, 6, 22), date(2026, 6, 23)),  # ends on midsommarafton 2026-06-19
        (date(2026, 12, 10), date(2027, 1, 4), date(2027, 1, 5)),  # nyårsafton, across the new year
    ],
)
def test_anslag_is_taken_down_the_day_after_the_appeal_period_moved_past_holidays(
    posted, last_day, take_down
):
    anslag = anslag_post(meeting=justerat_meeting(), posted_on=posted)
    assert (anslag.posted_on, anslag.appeal_ends_on, anslag.take_down_on) == (posted, last_day, take_down)


# --- Taken down by the beat task ---------------------------------------------------------------------


def test_take_down_task_moves_the_anslag_to_the_archive_the_day_after_the_appeal_period(client):
    meeting = justerat_meeting()
    anslag = anslag_post(meeting=meeting, posted_on=date(2026, 3, 16))
    take_down = beat_task("portal.take_down_due_anslag")
    board, archive = reverse("portal:anslagstavla"), reverse("portal:anslag_archive")

    with clock(datetime(2026, 4, 7, 23, 30, tzinfo=STOCKHOLM)):  # the last day to appeal
        assert take_down.apply().get() == []
        assert f'id="anslag-{anslag.pk}"' in client.get(board).content.decode()
        assert f'id="anslag-{anslag.pk}"' not in client.get(archive).content.decode()
    anslag.refresh_from_db()
    meeting.refresh_from_db()
    assert anslag.taken_down_at is None and meeting.status == Status.POSTED

    with clock(datetime(2026, 4, 8, 0, 15, tzinfo=STOCKHOLM)):
        assert take_down.apply().get() == [anslag.pk]
        assert take_down.apply().get() == []  # run again: nothing more to do
        assert f'id="anslag-{anslag.pk}"' not in client.get(board).content.decode()
        assert f'id="anslag-{anslag.pk}"' in client.get(archive).content.decode()
        page = client.get(reverse("portal:anslag", args=[anslag.pk])).content.decode()
        assert 'id="anslag-archived"' in page
    anslag.refresh_from_db()
    meeting.refresh_from_db()
    assert anslag.taken_down_at is not None
    assert meeting.status == Status.TAKEN_DOWN
    assert meeting.transitions.filter(to_status=Status.TAKEN_DOWN).count() == 1


# --- Alerting the secretary ----------------------------------------------------------------------------


def test_secretary_is_alerted_once_when_a_justerat_protokoll_is_not_posted_within_a_day():
    committee = CommitteeFactory()
    secretary = secretary_of(committee)
    meeting_secretary = PersonFactory(email="motessekreterare@example.org")
    justerat_at = datetime(2026, 3, 11, 15, 0, tzinfo=STOCKHOLM)
    # The meeting's secretary is part of the protokoll: set before it is justerat (audit.locks).
    meeting = justerat_meeting(committee=committee, completed_at=justerat_at, secretary=meeting_secretary)
    alert = beat_task("portal.alert_unposted_protokoll")

    with clock(justerat_at + timedelta(hours=23)):
        assert alert.apply().get() == []
    assert mail.outbox == []

    with clock(justerat_at + timedelta(hours=25)):
        assert alert.apply().get() == [meeting.justering.pk]
        assert alert.apply().get() == []  # sent once
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([secretary.person.email, "motessekreterare@example.org"])
    assert reverse("admin:meetings_meeting_change", args=[meeting.pk]) in mail.outbox[0].body
    meeting.justering.refresh_from_db()
    assert meeting.justering.posting_alert_sent_at is not None


def test_no_alert_for_an_old_imported_protokoll_that_was_never_posted_here():
    committee = CommitteeFactory()
    secretary_of(committee)
    justerat_at = datetime(2022, 9, 30, 15, 0, tzinfo=STOCKHOLM)
    justerat_meeting(committee=committee, start=local(2022, 9, 21), completed_at=justerat_at)

    with clock(datetime(2026, 11, 23, 12, 0, tzinfo=STOCKHOLM)):
        assert beat_task("portal.alert_unposted_protokoll").apply().get() == []
    assert mail.outbox == []


def test_no_alert_when_the_anslag_is_posted():
    committee = CommitteeFactory()
    secretary_of(committee)
    justerat_at = datetime(2026, 3, 11, 15, 0, tzinfo=STOCKHOLM)
    meeting = justerat_meeting(committee=committee, completed_at=justerat_at)
    anslag_post(meeting=meeting, posted_on=date(2026, 3, 12))

    with clock(justerat_at + timedelta(days=3)):
        assert beat_task("portal.alert_unposted_protokoll").apply().get() == []
    assert mail.outbox == []


# --- The public pages ----------------------------------------------------------------------------------


def test_anslag_page_shows_every_fact_the_law_requires_and_how_to_appeal(client):
    committee = CommitteeFactory(name="Kommunalt forum", slug="kommunalt-forum")
    meeting = justerat_meeting(
        committee=committee,
        start=local(2026, 3, 5, 9, 0),
        completed_at=datetime(2026, 3, 13, 14, 0, tzinfo=STOCKHOLM),
        items=3,
    )
    anslag = anslag_post(meeting=meeting, posted_on=date(2026, 3, 16))

    with clock(datetime(2026, 3, 20, 12, 0, tzinfo=STOCKHOLM)):
        response = client.get(reverse("portal:anslag", args=[anslag.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Kommunalt forum" in page  # organ
    assert "2026-03-05" in page  # sammanträdesdatum
    assert "§§ 1–3" in page  # the paragraphs
    assert "2026-03-13" in page  # justeringsdatum
    assert 'class="anslag-posted" datetime="2026-03-16"' in page
    assert 'class="anslag-take-down" datetime="2026-04-08"' in page
    assert 'class="anslag-appeal-end" datetime="2026-04-07"' in page
    assert "Regionens hus, Jönköping" in page  # where the protokoll is kept
    assert f'href="{reverse("portal:protokoll", args=[meeting.pk])}"' in page
    assert 'id="how-to-appeal"' in page and 'id="anslag-current"' in page
    assert "<script" not in page and "style=" not in page and not re.search(r"\son\w+=", page)


def test_anslagstavla_lists_current_anslag_and_the_archive_filters_by_organ_and_year(client):
    forum = CommitteeFactory(name="Kommunalt forum", slug="kommunalt-forum")
    other = CommitteeFactory(name="Annan nämnd", slug="annan")
    current = anslag_post(
        meeting=justerat_meeting(committee=forum, start=local(2026, 11, 13)), posted_on=date(2026, 11, 20)
    )
    old_forum = anslag_post(
        meeting=justerat_meeting(committee=forum, start=local(2025, 3, 5)), posted_on=date(2025, 3, 14)
    )
    old_other = anslag_post(
        meeting=justerat_meeting(committee=other, start=local(2026, 3, 5)), posted_on=date(2026, 3, 16)
    )
    with clock(datetime(2026, 11, 23, 12, 0, tzinfo=STOCKHOLM)):
        board = client.get(reverse("portal:anslagstavla"))
        assert [n.anslag for n in board.context["notices"]] == [current]
        assert board.context["notices"][0].paragraphs == "§§ 1–2"

        archive = reverse("portal:anslag_archive")
        assert [n.anslag for n in client.get(archive).context["notices"]] == [old_other, old_forum]
        by_organ = client.get(archive, {"organ": "kommunalt-forum"}).context["notices"]
        assert [n.anslag for n in by_organ] == [old_forum]
        by_year = client.get(archive, {"ar": "2026"}).context["notices"]
        assert [n.anslag for n in by_year] == [old_other]
        assert client.get(archive, {"sida": "99"}).status_code == 200


def test_unknown_anslag_and_one_not_yet_posted_are_404(client):
    assert client.get(reverse("portal:anslag", args=[999999])).status_code == 404
    later = anslag_post_notice(
        committee=CommitteeFactory(),
        kind=Anslag.Kind.DELEGATION,
        title="Delegationsbeslut",
        posted_on=timezone.localdate() + timedelta(days=1),
    )
    assert client.get(reverse("portal:anslag", args=[later.pk])).status_code == 404


# --- Other notices -------------------------------------------------------------------------------------


def test_notices_are_taken_down_by_their_kind():
    committee = CommitteeFactory()
    delegation = anslag_post_notice(
        committee=committee,
        kind=Anslag.Kind.DELEGATION,
        title="Delegationsbeslut mars",
        posted_on=date(2026, 3, 16),
    )
    assert (delegation.appeal_ends_on, delegation.take_down_on) == (date(2026, 4, 7), date(2026, 4, 8))

    upcoming = MeetingFactory(committee=committee, start=local(2026, 4, 2, 9, 0))
    notice = anslag_post_notice(
        committee=committee,
        kind=Anslag.Kind.MEETING,
        title="Sammanträde 2 april",
        meeting=upcoming,
        posted_on=date(2026, 3, 20),
    )
    assert (notice.appeal_ends_on, notice.take_down_on) == (None, date(2026, 4, 3))

    other = anslag_post_notice(
        committee=committee,
        kind=Anslag.Kind.OTHER,
        title="Kungörelse",
        posted_on=date(2026, 3, 20),
        take_down_on=date(2026, 4, 30),
    )
    assert (other.appeal_ends_on, other.take_down_on) == (None, date(2026, 4, 30))


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": Anslag.Kind.OTHER}, "take_down_required"),
        ({"kind": Anslag.Kind.OTHER, "take_down_on": date(2026, 3, 20)}, "take_down_too_early"),
        ({"kind": Anslag.Kind.MEETING}, "meeting_required"),
        ({"kind": Anslag.Kind.MEETING, "meeting": "held"}, "meeting_held"),
        ({"kind": Anslag.Kind.MEETING, "meeting": "other"}, "other_committee"),
        ({"kind": Anslag.Kind.PROTOKOLL}, "not_a_notice"),
        ({"kind": Anslag.Kind.DELEGATION, "title": " "}, "title_missing"),
    ],
)
def test_notices_that_break_the_rules_are_refused(fields, code):
    committee = CommitteeFactory()
    meetings = {
        "held": MeetingFactory(committee=committee, start=local(2026, 3, 19)),
        "other": MeetingFactory(start=local(2026, 4, 2)),
    }
    fields = {"title": "Anslag", **fields}
    if "meeting" in fields:
        fields["meeting"] = meetings[fields["meeting"]]
    with pytest.raises(ValidationError) as refused:
        anslag_post_notice(committee=committee, posted_on=date(2026, 3, 20), **fields)
    assert refused.value.code == code
    assert not Anslag.objects.exists()


def test_secretary_posts_a_notice_for_their_own_committee_in_the_admin(client):
    committee, other = CommitteeFactory(), CommitteeFactory()
    client.force_login(secretary_of(committee))
    add = reverse("admin:meetings_anslag_add")
    form = client.get(add).context["adminform"].form
    assert form.fields["posted_on"].initial() == timezone.localdate()
    assert set(form.fields["committee"].queryset) == {committee}

    today = timezone.localdate()
    data = {"kind": Anslag.Kind.DELEGATION, "title": "Delegationsbeslut", "posted_on": today.isoformat()}
    refused = client.post(add, {**data, "committee": other.pk})
    assert refused.status_code == 200 and not Anslag.objects.exists()

    response = client.post(add, {**data, "committee": committee.pk, "body": "§1/2026 Beslut om bidrag"})
    assert response.status_code == 302
    anslag = Anslag.objects.get()
    assert (anslag.committee, anslag.kind, anslag.posted_on) == (committee, Anslag.Kind.DELEGATION, today)
    assert anslag.appeal_ends_on == appeal_period_end(today)
    assert anslag.take_down_on == anslag.appeal_ends_on + timedelta(days=1)

    without_day = client.post(
        add, {"kind": Anslag.Kind.OTHER, "title": "Kungörelse", "posted_on": today, "committee": committee.pk}
    )
    assert [e.code for e in without_day.context["adminform"].form.non_field_errors().as_data()] == [
        "take_down_required"
    ]


def test_delegationsbeslut_list_of_a_justerat_meeting_is_posted_once(client):
    committee = CommitteeFactory()
    point = DelegationPointFactory(committee=committee, code="ANAV 4.5.3")
    meeting = justerat_meeting(committee=committee)
    DelegatedDecisionFactory(
        point=point, reported_at_meeting=meeting, decision_maker_number=8, description="Bidrag till projekt"
    )
    planned = MeetingFactory(committee=committee, start=local(2026, 4, 2))
    DelegatedDecisionFactory(point=point, reported_at_meeting=planned)
    with pytest.raises(ValidationError) as refused:
        anslag_post_delegation_list(meeting=planned)
    assert refused.value.code == "not_justerat"

    client.force_login(secretary_of(committee))
    changelist = reverse("admin:meetings_meeting_changelist")
    client.post(changelist, {"action": "post_delegation_list", "_selected_action": [meeting.pk]})
    anslag = Anslag.objects.get(kind=Anslag.Kind.DELEGATION)
    assert anslag.meeting == meeting and "§8/2022" in anslag.body and "ANAV 4.5.3" in anslag.body
    assert anslag.take_down_on == appeal_period_end(anslag.posted_on) + timedelta(days=1)

    with pytest.raises(ValidationError) as twice:
        anslag_post_delegation_list(meeting=meeting)
    assert twice.value.code == "already_posted"
    assert Anslag.objects.filter(kind=Anslag.Kind.DELEGATION).count() == 1
