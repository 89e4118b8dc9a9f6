"""Bevakning (alerts/): the public's e-mail subscriptions, end to end with the mail outbox.

A reader subscribes to "Kommunalt forum", confirms (double opt-in: nothing is stored or sent
before), gets a digest when a protokoll is justerat (through the real justering, on commit),
and unsubscribes by the RFC 8058 one-click POST or by the page; the address is then gone. A
confidential § and an unpublished meeting never reach a digest, whatever one follows.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alerts import tokens
from alerts.models import SentItem, Subscription
from alerts.services import send_digest
from alerts.tasks import send_daily_digests, send_immediate_digests
from meetings.justering.services import protokoll_freeze, protokoll_set_signers, protokoll_sign
from meetings.models import Meeting
from portal.search import search_reindex_all
from tests.factories import AgendaItemFactory, CaseFactory, MeetingFactory, local
from tests.portal_data import CANARIES, OPEN_TITLE, PASSWORD, _fill, _held_meeting, public_world

pytestmark = pytest.mark.django_db

ADDRESS = "lasare@example.org"
NEW_TITLE = "Motion om cykelbanor i centrum"
NEW_DECISION = "Kommunalt forum bifaller motionen om cykelbanor."
SECRET = "KANARIE-BEVAKNING-6120"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, signing_ca):
    """The portal's public world (a published protokoll with a confidential §, drafts, a
    frozen one, an upcoming meeting), built once; each test runs in a savepoint within it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield public_world()
        transaction.set_rollback(True)


def people():
    users = get_user_model().objects.select_related("person")
    return (users.get(username=name) for name in ("josefine", "rachel", "kerstin"))


def justera(world, *, day: int, case=None, secret_case=None) -> Meeting:
    """Hold and justera (real signatures) a new meeting: an open § on NEW_TITLE (with `case`)
    and a confidential § (on `secret_case`) whose title and decision hold SECRET."""
    secretary, chair, adjuster = people()
    secret_title = f"Personärende {SECRET}"
    meeting = _held_meeting(
        world.committee,
        secretary.person,
        chair.person,
        local(2025, 3, day, 9, 0),
        [
            {"title": NEW_TITLE, "case": case},
            {
                "title": secret_title,
                "confidential": True,
                "osl_reference": "26 kap. 1 §",
                "case": secret_case,
            },
        ],
    )
    _fill(
        meeting,
        **{
            NEW_TITLE: {"decision": f"<p>{NEW_DECISION}</p>"},
            secret_title: {
                "confidential": True,
                "osl_reference": "26 kap. 1 §",
                "decision": f"<p>{SECRET}</p>",
            },
        },
    )
    protokoll_set_signers(
        meeting=meeting, chair=chair.person, adjusters=[adjuster.person], secretary=secretary.person
    )
    protokoll_freeze(meeting=meeting, by=secretary)
    meeting.refresh_from_db()
    for signature in meeting.justering.signatures.select_related("person__user"):
        protokoll_sign(signature=signature, user=signature.person.user, password=PASSWORD)
    meeting.refresh_from_db()
    assert meeting.status in Meeting.Status.JUSTERAT_OR_LATER
    return meeting


def unpublished_meetings(world) -> None:
    """A frozen protokoll not yet justerat and an agenda not published, each with SECRET."""
    secretary, chair, adjuster = people()
    frozen = _held_meeting(
        world.committee,
        secretary.person,
        chair.person,
        local(2025, 2, 3, 9, 0),
        [{"title": f"Ojusterat {SECRET}"}],
    )
    protokoll_set_signers(
        meeting=frozen, chair=chair.person, adjusters=[adjuster.person], secretary=secretary.person
    )
    protokoll_freeze(meeting=frozen, by=secretary)
    hidden = MeetingFactory(
        committee=world.committee,
        start=timezone.now() + timedelta(days=30),
        status=Meeting.Status.AGENDA_DRAFTED,
    )
    AgendaItemFactory(meeting=hidden, title=f"Dagordning {SECRET}")


def link_in(message, name: str) -> str:
    path = reverse(f"alerts:{name}", args=["TOKEN"]).replace("TOKEN/", "")
    found = re.search(r"https?://\S+" + re.escape(path) + r"[^\s/]+/", message.body)
    assert found, message.body
    return found.group(0)


def local_path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def subscribe(client, **fields) -> str:
    """Ask for a bevakning and return the path of the confirmation link from the e-mail."""
    before = len(mail.outbox)
    data = {"email": ADDRESS, "kind": "organ", "organ": "kommunalt-forum", "frequency": "direkt", **fields}
    response = client.post(reverse("alerts:subscribe"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == reverse("alerts:sent")
    assert len(mail.outbox) == before + 1
    return local_path(link_in(mail.outbox[-1], "confirm"))


def confirm(client, path: str) -> Subscription:
    response = client.post(path)
    assert response.status_code == 200
    assert "Bevakningen är bekräftad" in response.content.decode()
    return Subscription.objects.latest("pk")


def digests(to: str = ADDRESS) -> list:
    return [m for m in mail.outbox if m.subject.startswith("Bevakning:") and m.to == [to]]


def no_canary(text: str) -> None:
    for canary in (*CANARIES, SECRET):
        assert canary not in text


# --- The whole flow ------------------------------------------------------------------------------


def test_subscribe_confirm_digest_on_publish_and_one_click_unsubscribe(
    world, client, django_capture_on_commit_callbacks
):
    page = client.get(reverse("alerts:subscribe") + "?organ=kommunalt-forum")
    assert page.status_code == 200
    assert 'value="kommunalt-forum" selected' in page.content.decode()

    confirm_path = subscribe(client)
    confirmation = mail.outbox[-1]
    assert confirmation.to == [ADDRESS]
    assert "Kommunalt forum" in confirmation.body
    assert not Subscription.objects.exists(), "nothing stored before the address is confirmed"

    # Published before the confirmation: nothing is sent (no subscription yet), and it is not
    # news to the subscription afterwards.
    with django_capture_on_commit_callbacks(execute=True):
        justera(world, day=3)
    assert not digests()

    shown = client.get(confirm_path)
    assert shown.status_code == 200 and "Bekräfta" in shown.content.decode()
    assert not Subscription.objects.exists(), "opening the link (a mail scanner) confirms nothing"
    subscription = confirm(client, confirm_path)
    assert subscription.email == ADDRESS and subscription.committee == world.committee
    assert not digests()

    with django_capture_on_commit_callbacks(execute=True):
        unpublished_meetings(world)
    assert not digests(), "nothing unpublished is news"

    with django_capture_on_commit_callbacks(execute=True):
        published = justera(world, day=17)
    sent = digests()
    assert sent, [m.subject for m in mail.outbox]
    digest = sent[0]  # the protokoll and its decisions (the anslag may follow in its own)
    text = digest.message().as_string()
    assert NEW_TITLE in digest.body and NEW_DECISION in digest.body
    assert reverse("portal:protokoll", args=[published.pk]) in digest.body
    for message in sent:
        no_canary(message.message().as_string())
    unsubscribe_url = link_in(digest, "unsubscribe")
    assert digest.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in text

    # The task again (a redelivery, beat's sweep): nothing is sent twice.
    count = len(sent)
    assert send_immediate_digests() == {"digests": 0, "items": 0}
    assert len(digests()) == count

    # RFC 8058: the mail program POSTs, with no CSRF token, no cookie, no login.
    one_click = Client(enforce_csrf_checks=True)
    response = one_click.post(
        local_path(unsubscribe_url),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "e-postadress är raderad" in response.content.decode()
    assert not Subscription.objects.filter(email=ADDRESS).exists()
    assert not SentItem.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        justera(world, day=24)
    assert len(digests()) == count, "nothing after unsubscribing"


def test_unsubscribe_by_the_page_needs_the_button(world, client):
    subscription = confirm(client, subscribe(client))
    path = reverse("alerts:unsubscribe", args=[tokens.unsubscribe_token(subscription.pk)])

    page = client.get(path)
    assert page.status_code == 200
    assert 'id="unsubscribe-form"' in page.content.decode()
    assert Subscription.objects.filter(pk=subscription.pk).exists(), "a GET unsubscribes nobody"

    done = client.post(path)
    assert done.status_code == 200
    assert not Subscription.objects.filter(pk=subscription.pk).exists()
    again = client.get(path)
    assert again.status_code == 200
    assert "redan avslutad" in again.content.decode()


def test_confirming_twice_keeps_one_subscription_with_the_frequency_asked_last(world, client):
    confirm(client, subscribe(client))
    confirm(client, subscribe(client, frequency="daglig"))
    subscription = Subscription.objects.get(email=ADDRESS)
    assert subscription.frequency == "daglig"


# --- Nothing confidential or unpublished, whatever one follows --------------------------------------


def test_a_confidential_paragraph_and_an_unpublished_meeting_never_reach_a_digest(
    world, client, django_capture_on_commit_callbacks
):
    secret_case = CaseFactory(
        prefix="KS",
        year=2025,
        serial=77,
        title=f"Ärende {SECRET}",
        confidential=True,
        osl_reference="26 kap. 1 §",
    )
    secret_case_also_open = CaseFactory(prefix="KS", year=2025, serial=78, title="Skolskjuts")
    follows = [
        {"kind": "organ"},
        {"kind": "sokning", "q": SECRET},
        {"kind": "sokning", "q": "Personärende"},
        {"kind": "diarienummer", "diarienummer": "KS 2025/77"},
        {"kind": "diarienummer", "diarienummer": "KS 2025/78"},
    ]
    for number, fields in enumerate(follows):
        confirm(client, subscribe(client, email=f"l{number}@example.org", **fields))
    with django_capture_on_commit_callbacks(execute=True):
        unpublished_meetings(world)
        justera(world, day=10, case=secret_case_also_open, secret_case=secret_case)
    search_reindex_all()
    for subscription in Subscription.objects.all():
        send_digest(subscription.pk)
    digests = {m.to[0]: m for m in mail.outbox if m.subject.startswith("Bevakning:")}
    assert set(digests) == {"l0@example.org", "l4@example.org"}, sorted(digests)
    for message in digests.values():
        no_canary(message.message().as_string())
    assert NEW_TITLE in digests["l4@example.org"].body
    assert "KS 2025/78" in digests["l4@example.org"].body


def test_a_search_and_a_diarienummer_get_their_decisions_and_kallelser(world, client):
    search = confirm(client, subscribe(client, email="sok@example.org", kind="sokning", q="cykelbanor"))
    case = CaseFactory(prefix="KS", year=2025, serial=91, title="Cykelbanor")
    number = confirm(
        client, subscribe(client, email="dnr@example.org", kind="diarienummer", diarienummer="ks 2025/91")
    )
    assert number.diarienummer == "KS 2025/91"
    justera(world, day=12, case=case)
    upcoming = MeetingFactory(
        committee=world.committee, start=timezone.now() + timedelta(days=20), status=Meeting.Status.SUMMONED
    )
    AgendaItemFactory(meeting=upcoming, title="Cykelbanor, uppföljning", case=case)
    upcoming.agenda_published = True
    upcoming.save()
    search_reindex_all()
    assert send_digest(search.pk) == 2
    assert send_digest(number.pk) == 2
    by_address = {m.to[0]: m.body for m in mail.outbox if m.subject.startswith("Bevakning:")}
    for body in by_address.values():
        assert NEW_TITLE in body
        assert reverse("portal:meeting", args=[upcoming.pk]) in body
        no_canary(body)
    assert send_digest(search.pk) == 0, "nothing twice"


def test_a_daily_digest_waits_for_the_morning_run(world, client, django_capture_on_commit_callbacks):
    confirm(client, subscribe(client, frequency="daglig"))
    with django_capture_on_commit_callbacks(execute=True):
        justera(world, day=5)
    assert not digests()
    assert send_daily_digests()["digests"] == 1
    assert NEW_TITLE in digests()[0].body
    assert send_daily_digests() == {"digests": 0, "items": 0}


# --- The links ---------------------------------------------------------------------------------------


def test_expired_and_forged_links_are_refused_clearly(world, client, monkeypatch):
    asked = tokens.SubscriptionRequest(email=ADDRESS, kind="organ", committee_id=world.committee.pk)
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 49 * 3600)
    old = tokens.confirm_token(asked)
    monkeypatch.undo()

    expired = client.post(reverse("alerts:confirm", args=[old]))
    assert expired.status_code == 400
    assert "Bekräftelselänken har gått ut" in expired.content.decode()
    good = tokens.confirm_token(asked)
    forged = good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb")
    for path in (
        reverse("alerts:confirm", args=[forged]),
        reverse("alerts:confirm", args=["made-up"]),
        reverse("alerts:unsubscribe", args=["made-up"]),
        reverse("alerts:unsubscribe", args=[tokens.confirm_token(asked)]),  # another link's signature
    ):
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 400, path
            assert "Länken är inte giltig" in response.content.decode()
    assert not Subscription.objects.exists()


def test_too_many_requests_are_refused_with_a_message(world, client, settings):
    settings.PARAGRAF_ALERTS_PER_ADDRESS = 2
    settings.PARAGRAF_ALERTS_PER_CLIENT = 5
    data = {"email": ADDRESS, "kind": "organ", "organ": "kommunalt-forum", "frequency": "direkt"}
    url = reverse("alerts:subscribe")
    answers = [client.post(url, data) for _ in range(3)]
    assert [a.status_code for a in answers] == [302, 302, 429]
    assert "Vänta en timme" in answers[-1].content.decode()
    assert len(mail.outbox) == 2, "no more confirmation e-mails to the address"
    # Another address from the same client: the client's own limit.
    codes = [client.post(url, {**data, "email": f"x{n}@example.org"}).status_code for n in range(3)]
    assert codes == [302, 302, 429]
    # Another client still gets through for a fresh address.
    other = Client(REMOTE_ADDR="192.0.2.9")
    assert other.post(url, {**data, "email": "ny@example.org"}).status_code == 302


def test_a_bad_form_says_what_is_missing_and_keeps_what_was_written(world, client):
    response = client.post(
        reverse("alerts:subscribe"),
        {"email": ADDRESS, "kind": "diarienummer", "diarienummer": "cykel", "frequency": "direkt"},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Ange ett diarienummer" in content and ADDRESS in content
    assert mail.outbox == []


# --- The Atom feed of a search --------------------------------------------------------------------


def test_any_search_has_an_atom_feed_of_only_what_is_published(world, client):
    page = client.get(reverse("portal:search") + "?q=motionen")
    content = page.content.decode()
    assert (
        'type="application/atom+xml"' in content and reverse("portal:search_feed") + "?q=motionen" in content
    )

    response = client.get(reverse("portal:search_feed") + "?q=motionen")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    assert any(OPEN_TITLE in title for title in titles), titles
    no_canary(response.content.decode())

    for query in ("?q=" + CANARIES[0], "", "?q=x&fran=igår"):
        empty = client.get(reverse("portal:search_feed") + query)
        assert empty.status_code == 200
        assert list(ElementTree.fromstring(empty.content).iter(f"{ATOM}entry")) == []
