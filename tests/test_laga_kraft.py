"""Laga kraft: the state of each § of a posted protokoll (meetings/lagakraft/rules.py) across
weekends, holidays and the three eves, an appeal received on the last day, a gemensam nämnd's
last posting, the register of överklaganden, the public § page and OParl showing the state, the
sealed laga kraft-bevis and the secretary's reminder sent once."""

import json
import subprocess
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from meetings import signing
from meetings.anslag.rules import anslag_post, appeal_period_end
from meetings.lagakraft.bevis import SEAL_FIELD, laga_kraft_bevis_get_or_create
from meetings.lagakraft.rules import (
    State,
    anslag_period_ended,
    appeal_register,
    joint_posting_register,
    laga_kraft_of,
    paragraph_laga_kraft,
)
from meetings.lagakraft.tasks import remind_appeal_periods_ended
from meetings.models import Anslag, Appeal, JointPosting, Meeting, RenderedDocument
from oparl.lagakraft import EXTENSION, SCHEMA_PATH
from tests.factories import (
    AnslagFactory,
    CommitteeFactory,
    MeetingFactory,
    ParagraphFactory,
    local,
    publish_protokoll,
    secretary_of,
)

Outcome = Appeal.Outcome
SCHEMA = json.loads((Path(settings.BASE_DIR) / SCHEMA_PATH).read_text())


def anslag_on(posted_on: date) -> Anslag:
    """An anslag in memory, its last appeal day as `anslag_post` sets it."""
    return Anslag(posted_on=posted_on, appeal_ends_on=appeal_period_end(posted_on), take_down_on=posted_on)


def appeal(received_on, outcome=Outcome.PENDING, decided_on=None, final_on=None) -> Appeal:
    return Appeal(received_on=received_on, outcome=outcome, decided_on=decided_on, final_on=final_on)


# --- The date rules (no database: the rule is a function of the anslag and the appeals) ----------


@pytest.mark.parametrize(
    ("posted", "last_day", "why"),
    [
        (date(2024, 10, 28), date(2024, 11, 18), "three weeks to a plain Monday"),
        (date(2024, 10, 26), date(2024, 11, 18), "ends on a Saturday: the Monday after"),
        (date(2024, 10, 27), date(2024, 11, 18), "ends on a Sunday: the Monday after"),
        (date(2026, 3, 16), date(2026, 4, 7), "ends on Easter Monday: the Tuesday"),
        (date(2026, 5, 29), date(2026, 6, 22), "ends on midsommarafton: past midsommardagen, the Monday"),
        (date(2026, 12, 3), date(2026, 12, 28), "ends on julafton: past juldagen and annandag jul"),
        (date(2026, 12, 10), date(2027, 1, 4), "ends on nyårsafton: past nyårsdagen and the weekend"),
    ],
)
def test_the_appeal_period_runs_to_the_last_day_and_the_decision_vinner_laga_kraft_the_day_after(
    posted, last_day, why
):
    anslag = anslag_on(posted)

    on_last_day = laga_kraft_of(anslag=anslag, today=last_day)
    day_after = laga_kraft_of(anslag=anslag, today=last_day + timedelta(days=1))

    assert on_last_day.appeal_ends_on == last_day, why
    assert on_last_day.state == State.RUNNING and on_last_day.final_on is None
    assert day_after.state == State.FINAL and day_after.final_on == last_day + timedelta(days=1)


def test_an_appeal_received_on_the_last_day_counts_and_one_received_the_day_after_does_not():
    anslag = anslag_on(date(2026, 5, 29))  # last day Monday 2026-06-22 (midsommarafton moved it)
    last_day, after = date(2026, 6, 22), date(2026, 7, 1)

    in_time = laga_kraft_of(anslag=anslag, appeals=[appeal(last_day)], today=after)
    late = laga_kraft_of(anslag=anslag, appeals=[appeal(last_day + timedelta(days=1))], today=after)

    assert in_time.state == State.APPEALED and in_time.appealed
    assert late.state == State.FINAL and not late.appealed  # the court avvisar a late appeal
    # Appealed while the period still runs: överklagat at once.
    assert laga_kraft_of(anslag=anslag, appeals=[appeal(date(2026, 6, 1))], today=date(2026, 6, 2)).state == (
        State.APPEALED
    )


def test_once_every_appeal_is_finally_decided_the_decision_has_vunnit_laga_kraft_unless_upheld():
    anslag = anslag_on(date(2024, 10, 28))  # last day 2024-11-18
    received, decided, final = date(2024, 11, 15), date(2025, 3, 1), date(2025, 3, 25)
    today = date(2025, 6, 1)

    def state(*appeals):
        return laga_kraft_of(anslag=anslag, appeals=appeals, today=today)

    assert state(appeal(received, Outcome.REJECTED, decided)).state == State.APPEALED  # not final yet
    rejected = state(appeal(received, Outcome.REJECTED, decided, final))
    assert rejected.state == State.FINAL and rejected.final_on == final
    two = state(
        appeal(received, Outcome.DISMISSED, decided, final), appeal(received, Outcome.WITHDRAWN, decided)
    )
    assert two.state == State.APPEALED  # one of them is not final
    assert state(appeal(received, Outcome.UPHELD, decided, final)).state == State.QUASHED


def test_a_gemensam_namnd_counts_the_appeal_time_from_the_last_posting_among_the_organisations():
    anslag = anslag_on(date(2026, 5, 29))  # own last day 2026-06-22
    postings = [
        JointPosting(organisation_name="Jönköpings kommun", posted_on=date(2026, 6, 1)),
        JointPosting(organisation_name="Habo kommun", posted_on=date(2026, 6, 3)),  # the last one
    ]

    state = laga_kraft_of(anslag=anslag, joint_postings=postings, today=date(2026, 6, 23))

    assert state.last_posted_on == date(2026, 6, 3)
    assert state.appeal_ends_on == date(2026, 6, 24) == appeal_period_end(date(2026, 6, 3))
    assert state.state == State.RUNNING  # the committee's own three weeks are over, not the last one's
    assert laga_kraft_of(anslag=anslag, joint_postings=postings, today=date(2026, 6, 25)).is_final
    # An appeal received on the last day counted from the last posting counts.
    counted = laga_kraft_of(
        anslag=anslag, joint_postings=postings, appeals=[appeal(date(2026, 6, 24))], today=date(2026, 7, 1)
    )
    assert counted.state == State.APPEALED


# --- The register (database) -----------------------------------------------------------------------


def posted_meeting(
    committee, start, *, posted_on, titles=("Regional utvecklingsstrategi",), secret=(), first=1
):
    """A justerat protokoll with one § per title (those in `secret` confidential), posted."""
    meeting = MeetingFactory(committee=committee, start=start, end=start + timedelta(hours=2))
    paragraphs = [
        ParagraphFactory(
            meeting=meeting,
            number=number,
            order=number,
            title=title,
            **({"confidential": True, "osl_reference": "26 kap. 1 §"} if title in secret else {}),
        )
        for number, title in enumerate(titles, start=first)
    ]
    publish_protokoll(meeting, justerat_at=start + timedelta(days=5))
    AnslagFactory(
        committee=committee,
        meeting=meeting,
        title=f"Protokoll {committee.name}",
        posted_on=posted_on,
        appeal_ends_on=appeal_period_end(posted_on),
        take_down_on=appeal_period_end(posted_on) + timedelta(days=1),
    )
    return meeting, paragraphs


@pytest.mark.django_db
def test_an_appeal_is_registered_against_the_paragraphs_anslag_and_turns_the_state_to_overklagat():
    committee = CommitteeFactory()
    meeting, (paragraph,) = posted_meeting(committee, local(2024, 10, 11), posted_on=date(2024, 10, 19))
    last_day = appeal_period_end(date(2024, 10, 19))

    registered = appeal_register(
        paragraph=paragraph,
        appellant="Anna Andersson",
        received_on=last_day,
        court="Förvaltningsrätten i Jönköping",
        court_case_number="1234-24",
    )

    assert registered.anslag == Anslag.objects.get(meeting=meeting)
    assert paragraph_laga_kraft(paragraph, today=date(2025, 1, 1)).state == State.APPEALED
    registered.outcome, registered.decided_on, registered.final_on = (
        Outcome.REJECTED,
        date(2025, 2, 3),
        date(2025, 2, 26),
    )
    registered.full_clean()
    registered.save()
    assert paragraph_laga_kraft(paragraph, today=date(2025, 3, 1)).final_on == date(2025, 2, 26)


@pytest.mark.django_db
def test_bad_appeals_are_refused_with_a_clear_error():
    committee = CommitteeFactory()
    meeting, (paragraph,) = posted_meeting(committee, local(2024, 10, 11), posted_on=date(2024, 10, 19))
    unposted = ParagraphFactory(meeting=MeetingFactory(committee=committee, start=local(2024, 12, 1)))

    with pytest.raises(ValidationError) as not_posted:
        appeal_register(paragraph=unposted, appellant="A", received_on=date(2024, 12, 5), court="FR")
    assert not_posted.value.code == "not_posted"
    with pytest.raises(ValidationError) as too_early:
        appeal_register(paragraph=paragraph, appellant="A", received_on=date(2024, 10, 18), court="FR")
    assert "received_on" in too_early.value.message_dict
    undecided = Appeal(
        paragraph=paragraph, anslag=meeting.anslag.get(), appellant="A", received_on=date(2024, 10, 20),
        court="FR", outcome=Outcome.REJECTED,
    )  # fmt: skip
    with pytest.raises(ValidationError) as no_decision_day:
        undecided.full_clean()
    assert "decided_on" in no_decision_day.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        undecided.save()  # the database refuses it too
    assert not Appeal.objects.exists()


@pytest.mark.django_db
def test_a_cooperating_organisations_later_posting_moves_the_anslags_last_appeal_day():
    committee = CommitteeFactory()
    meeting, (paragraph,) = posted_meeting(committee, local(2026, 5, 20), posted_on=date(2026, 5, 29))
    anslag = meeting.anslag.get()

    joint_posting_register(anslag=anslag, organisation_name="Habo kommun", posted_on=date(2026, 6, 3))

    anslag.refresh_from_db()
    assert anslag.appeal_ends_on == date(2026, 6, 24)
    assert anslag.take_down_on == date(2026, 6, 25)  # stays up until the period is over
    assert paragraph_laga_kraft(paragraph, today=date(2026, 6, 23)).state == State.RUNNING


# --- The public page, OParl and the bevis ----------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def published(db, signing_ca):
    """A 2024 protokoll (its period long over): § 1 not appealed, § 2 appealed in time, § 3
    confidential; and a protokoll posted today, its period running."""
    committee = CommitteeFactory(name="Kommunalt forum", short_name="KF", slug="kommunalt-forum")
    old, (final, appealed, secret) = posted_meeting(
        committee,
        local(2024, 10, 11),
        posted_on=date(2024, 10, 19),
        titles=("Budget", "Taxa", "Personärende"),
        secret=("Personärende",),
    )
    appeal_register(
        paragraph=appealed,
        appellant="Bo Bengtsson",
        received_on=date(2024, 11, 1),
        court="Förvaltningsrätten i Jönköping",
    )
    today = timezone.localdate()
    running, (fresh,) = posted_meeting(committee, local(2024, 12, 13), posted_on=today, first=10)
    return {
        "old": old,
        "final": final,
        "appealed": appealed,
        "secret": secret,
        "running": running,
        "fresh": fresh,
    }


def paragraph_page(client, paragraph):
    return client.get(
        reverse("portal:paragraph", args=[paragraph.meeting_id, paragraph.number])
    ).content.decode()


def test_the_public_paragraph_page_shows_each_state_and_offers_the_bevis_only_once_laga_kraft(
    client, published
):
    final, appealed, fresh = published["final"], published["appealed"], published["fresh"]
    bevis_url = reverse("portal:laga_kraft_bevis", args=[final.meeting_id, final.number])

    final_page = paragraph_page(client, final)
    appealed_page = paragraph_page(client, appealed)
    fresh_page = paragraph_page(client, fresh)

    assert 'data-laga-kraft="laga_kraft"' in final_page and bevis_url in final_page
    assert 'data-laga-kraft="overklagat"' in appealed_page and "laga-kraft-bevis.pdf" not in appealed_page
    assert "Bo Bengtsson" not in appealed_page  # who appealed is not public
    assert 'data-laga-kraft="overklagandetid"' in fresh_page and "laga-kraft-bevis.pdf" not in fresh_page
    assert appeal_period_end(timezone.localdate()).isoformat() in fresh_page
    assert "data-laga-kraft" not in paragraph_page(client, published["secret"])  # confidential: no state
    for paragraph in (appealed, fresh, published["secret"]):
        url = reverse("portal:laga_kraft_bevis", args=[paragraph.meeting_id, paragraph.number])
        assert client.get(url).status_code == 404


def test_the_laga_kraft_bevis_is_sealed_in_the_organisations_name_and_validates(client, published):
    final = published["final"]
    url = reverse("portal:laga_kraft_bevis", args=[final.meeting_id, final.number])

    response = client.get(url)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = content(response)
    (seal,) = signing.pdf_verify(pdf)
    organisation = final.meeting.committee.organisation
    assert seal.ok and seal.seal and seal.certifying and seal.field_name == SEAL_FIELD
    assert seal.signer == f"{organisation.name} — e-sigill"
    text = pdf_text(pdf)
    last_day = appeal_period_end(date(2024, 10, 19))
    for fact in ("2024-10-19", last_day.isoformat(), (last_day + timedelta(days=1)).isoformat(), "Budget"):
        assert fact in text
    assert "Inget överklagande" in text and "vunnit laga kraft" in text
    # Built and sealed once; the public verification page accepts it.
    assert content(client.get(url)) == pdf
    assert (
        RenderedDocument.objects.filter(paragraph=final, kind=RenderedDocument.Kind.LAGA_KRAFT).count() == 1
    )
    verified = client.post(reverse("meetings:verify"), {"file": _upload(pdf)})
    assert verified.status_code == 200 and verified.context["result"]["valid"] is True


def _upload(pdf: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("bevis.pdf", pdf, content_type="application/pdf")


def test_no_bevis_is_made_for_a_paragraph_that_has_not_vunnit_laga_kraft(published):
    with pytest.raises(ValidationError) as refused:
        laga_kraft_bevis_get_or_create(paragraph=published["appealed"])
    assert refused.value.code == "not_final"


def test_oparl_shows_the_state_of_each_open_paragraph_in_the_paragraf_laga_kraft_extension(client, published):
    def agenda_item(paragraph):
        return client.get(reverse("oparl:paragraph", args=[paragraph.pk])).json()

    final, appealed, fresh = (
        agenda_item(published["final"]),
        agenda_item(published["appealed"]),
        agenda_item(published["fresh"]),
    )

    for item in (final, appealed, fresh):
        jsonschema.validate(item[EXTENSION], SCHEMA, format_checker=jsonschema.FormatChecker())
    assert final[EXTENSION]["state"] == "laga_kraft" and final[EXTENSION]["postedOn"] == "2024-10-19"
    assert final[EXTENSION]["certificate"].endswith(
        reverse("portal:laga_kraft_bevis", args=[published["final"].meeting_id, published["final"].number])
    )
    assert appealed[EXTENSION]["state"] == "overklagat" and "finalOn" not in appealed[EXTENSION]
    assert fresh[EXTENSION]["state"] == "overklagandetid"
    assert EXTENSION not in agenda_item(published["secret"])
    assert "Bo Bengtsson" not in json.dumps(appealed)


# --- The reminder when a period ends ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_secretary_is_reminded_once_when_the_appeal_period_ends():
    committee = CommitteeFactory(name="Kommunalt forum")
    secretary = secretary_of(committee)
    secretary.person.email = "sekreterare@example.org"
    secretary.person.save()
    today = timezone.localdate()
    meeting, (paragraph,) = posted_meeting(
        committee, local(2024, 10, 11), posted_on=today - timedelta(days=30)
    )
    anslag = meeting.anslag.get()
    Anslag.objects.filter(pk=anslag.pk).update(appeal_ends_on=today - timedelta(days=1))
    running, _paragraphs = posted_meeting(committee, local(2024, 12, 13), posted_on=today, first=10)

    first = remind_appeal_periods_ended()
    again = remind_appeal_periods_ended()

    assert first == [anslag.pk] and again == []
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sekreterare@example.org"]
    assert committee.name in message.subject and paragraph.title in message.body
    assert not anslag_period_ended().filter(pk=running.anslag.get().pk).exists()  # still running


@pytest.mark.django_db
def test_a_secretary_registers_an_appeal_in_the_admin_and_another_committees_secretary_cannot_see_it(client):
    committee, other = CommitteeFactory(), CommitteeFactory()
    meeting, (paragraph,) = posted_meeting(committee, local(2024, 10, 11), posted_on=date(2024, 10, 19))
    client.force_login(secretary_of(committee))

    response = client.post(
        reverse("admin:meetings_appeal_add"),
        {
            "paragraph": paragraph.pk,
            "appellant": "Anna Andersson",
            "received_on": "2024-11-08",
            "court": "Förvaltningsrätten i Jönköping",
            "court_case_number": "",
            "outcome": Outcome.PENDING,
            "decided_on": "",
            "final_on": "",
            "note": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    registered = Appeal.objects.get()
    assert registered.anslag == meeting.anslag.get() and registered.paragraph == paragraph
    client.force_login(secretary_of(other))
    assert client.get(reverse("admin:meetings_appeal_change", args=[registered.pk])).status_code in (302, 404)
    assert client.get(reverse("admin:meetings_appeal_changelist")).context["cl"].result_count == 0


@pytest.mark.django_db
def test_posting_the_anslag_gives_each_paragraph_its_running_state():
    committee = CommitteeFactory()
    meeting = MeetingFactory(committee=committee, start=local(2026, 11, 20))
    paragraph = ParagraphFactory(meeting=meeting, number=1)
    publish_protokoll(meeting, justerat_at=local(2026, 11, 25), status=Meeting.Status.JUSTERAT)

    anslag_post(meeting=meeting, posted_on=date(2026, 12, 10))

    state = paragraph_laga_kraft(paragraph, today=date(2026, 12, 31))
    assert state.state == State.RUNNING and state.appeal_ends_on == date(2027, 1, 4)  # past nyårsafton


@pytest.mark.django_db
def test_the_secretary_registers_and_decides_an_appeal_in_the_workspace(client):
    committee, other = CommitteeFactory(), CommitteeFactory()
    meeting, (paragraph,) = posted_meeting(committee, local(2024, 10, 11), posted_on=date(2024, 10, 19))
    url = reverse("workspace:laga_kraft", args=[meeting.pk])
    client.force_login(secretary_of(committee))

    page = client.get(url)
    registered = client.post(
        url,
        {
            "action": "register",
            "paragraph": paragraph.pk,
            "appellant": "Anna Andersson",
            "received_on": "2024-11-08",  # the last day
            "court": "Förvaltningsrätten i Jönköping",
            "court_case_number": "1234-24",
        },
    )
    too_early = client.post(
        url,
        {
            "action": "register",
            "paragraph": paragraph.pk,
            "appellant": "Bo",
            "received_on": "2024-10-01",
            "court": "FR",
        },
    )

    assert page.status_code == 200 and 'data-laga-kraft="laga_kraft"' in page.content.decode()
    assert registered.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.anslag == meeting.anslag.get() and appeal.received_on == date(2024, 11, 8)
    assert too_early.status_code == 400 and Appeal.objects.count() == 1  # refused, nothing lost
    assert 'data-laga-kraft="overklagat"' in client.get(url).content.decode()
    refused = client.post(url, {"action": "decide", "appeal": appeal.pk, "outcome": Outcome.REJECTED})
    assert refused.status_code == 400  # no decision day
    decided = client.post(
        url,
        {
            "action": "decide",
            "appeal": appeal.pk,
            "outcome": Outcome.REJECTED,
            "decided_on": "2025-02-03",
            "final_on": "2025-02-26",
        },
    )
    assert decided.status_code == 302
    assert paragraph_laga_kraft(paragraph).final_on == date(2025, 2, 26)
    client.force_login(secretary_of(other))
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"action": "decide", "appeal": appeal.pk, "outcome": "avslaget"}).status_code == 404
    )


# --- The demo ----------------------------------------------------------------------------------------


def test_the_demos_2024_protokoll_have_vunnit_laga_kraft_with_a_sealed_bevis_but_the_appealed_one(
    client, demo_loaded
):
    from meetings.models import Paragraph

    paragraphs = list(Paragraph.objects.filter(committee__short_name="KF", year=2024).order_by("number"))
    states = {p.number: paragraph_laga_kraft(p).state for p in paragraphs}

    assert states == {n: (State.APPEALED if n == 16 else State.FINAL) for n in range(1, 20)}
    appealed = next(p for p in paragraphs if p.number == 16)
    assert 'data-laga-kraft="overklagat"' in paragraph_page(client, appealed)
    final = next(p for p in paragraphs if p.number == 8)
    page = paragraph_page(client, final)
    bevis_url = reverse("portal:laga_kraft_bevis", args=[final.meeting_id, final.number])
    assert 'data-laga-kraft="laga_kraft"' in page and bevis_url in page
    (seal,) = signing.pdf_verify(content(client.get(bevis_url)))
    assert seal.ok and seal.seal and seal.signer == f"{final.meeting.committee.organisation.name} — e-sigill"
