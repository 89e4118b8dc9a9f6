"""A signer without a login gets one without an administrator: the secretary sends an invitation
from the justering tab, the person opens the one-time link, chooses their own password, is signed
in and signs through the normal signing page. The link creates a login only for the person it
names; expired, used and unknown links are refused; the secretary cannot sign for them; the
links in e-mails use the address the site is served at (SITE_URL / PARAGRAF_BASE_URL)."""

import re
import shutil
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from attendance.models import Attendance
from committees.invitations import InvitationRefusal, login_invitation_accept, login_invitation_create
from committees.models import Assignment, LoginInvitation, Person
from meetings import signing
from meetings.justering.services import protokoll_freeze, protokoll_set_signers
from meetings.models import Meeting, Signature
from meetings.services.paragraphs import protokoll_create_draft
from tests.factories import (
    AgendaItemFactory,
    CommitteeFactory,
    MeetingFactory,
    PersonFactory,
    local,
    member_of,
    secretary_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signing_ca", "fresh_certificates")]

SITE = "https://paragraf.example.org:8123"
NEW_PASSWORD = "ett-eget-lösenord-2026"


@pytest.fixture
def fresh_certificates():
    people = signing.signing_dir() / "people"
    shutil.rmtree(people, ignore_errors=True)
    yield
    shutil.rmtree(people, ignore_errors=True)


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.PARAGRAF_BASE_URL = SITE


class World:
    """A drafted meeting; present: the ordförande (a login), a justerare and an official without
    logins or uppdrag; the secretary (a login) is the meeting's secretary only through her login."""

    def __init__(self):
        self.committee = CommitteeFactory(name="Kommunalt forum", short_name="KF", slug="kommunalt-forum")
        self.secretary = secretary_of(self.committee, username="josefine")
        person = self.secretary.person
        person.first_name, person.last_name, person.email = "Josefine", "Colliander", "josefine@example.org"
        person.save()
        self.secretary.email = "josefine@example.org"
        self.secretary.save()
        self.chair = member_of(
            self.committee,
            role=Assignment.Role.CHAIR,
            username="rachel",
            first_name="Rachel",
            last_name="De Basso",
            email="rachel@example.org",
        )
        self.guest = PersonFactory(first_name="Anna", last_name="Gäst", email="anna.gast@example.org")
        self.official = PersonFactory(first_name="Olof", last_name="Tjänsteman", email="olof@example.org")
        self.meeting = MeetingFactory(
            committee=self.committee, start=local(2025, 3, 14, 9, 0), status=Meeting.Status.HELD
        )
        for p, capacity in (
            (self.chair.person, Attendance.Capacity.MEMBER),
            (self.guest, Attendance.Capacity.MEMBER),
            (self.official, Attendance.Capacity.OFFICIAL),
        ):
            Attendance.objects.create(meeting=self.meeting, person=p, capacity=capacity)
        AgendaItemFactory(meeting=self.meeting, order=1, title="Val av protokollsjusterare")
        protokoll_create_draft(meeting=self.meeting)
        self.meeting.refresh_from_db()

    def freeze(self, adjuster=None):
        protokoll_set_signers(
            meeting=self.meeting,
            chair=self.chair.person,
            adjusters=[adjuster or self.guest],
            secretary=self.secretary.person,
        )
        protokoll_freeze(meeting=self.meeting, by=self.secretary)
        self.meeting.refresh_from_db()

    def signature_of(self, person) -> Signature:
        return Signature.objects.get(justering__meeting=self.meeting, person=person)


@pytest.fixture
def world():
    return World()


def invitation_link(message) -> str:
    found = re.search(r"(https?://\S+/konto/inbjudan/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


def invite(client, world, person, django_capture_on_commit_callbacks):
    client.force_login(world.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("workspace:justering", args=[world.meeting.pk]),
            {"action": "invite", "signature": world.signature_of(person).pk},
            follow=True,
        )
    assert response.status_code == 200
    client.logout()
    return invitation_link(mail.outbox[-1])


def test_invited_signer_creates_own_login_and_signs_with_own_password(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        world.freeze()
    link = invite(client, world, world.guest, django_capture_on_commit_callbacks)
    message = mail.outbox[-1]
    assert message.to == ["anna.gast@example.org"]
    assert link.startswith(SITE + "/konto/inbjudan/")
    assert "Kommunalt forum 2025-03-14" in message.body
    invitation = LoginInvitation.objects.get(person=world.guest)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64  # only the hash

    path = link.removeprefix(SITE)
    page = client.get(path)
    assert page.status_code == 200 and "Anna Gäst" in page.content.decode()
    mismatch = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 200 and not Person.objects.get(pk=world.guest.pk).user_id
    response = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("meetings:home")

    world.guest.refresh_from_db()
    user = world.guest.user
    assert user.username == "anna.gast@example.org" and user.check_password(NEW_PASSWORD)
    assert not user.is_staff and not user.groups.exists()
    invitation.refresh_from_db()
    assert invitation.used_at and invitation.user == user

    # Signed in, the signer finds the protokoll under "Att justera" and signs it herself.
    home = client.get(reverse("meetings:home"))
    signing_url = reverse("meetings:justering", args=[world.signature_of(world.guest).pk])
    assert signing_url in home.content.decode()
    wrong = client.post(signing_url, {"password": "pw-for-tests-1"})
    assert not world.signature_of(world.guest).signed_at, wrong
    client.post(signing_url, {"password": NEW_PASSWORD})
    signature = world.signature_of(world.guest)
    assert signature.signed_at and signature.signed_by == user

    with world.meeting.justering.signed_file.open("rb") as handle:
        reports = signing.pdf_verify(handle.read())
    assert [r.signer for r in reports] == ["Anna Gäst"]
    assert all(r.intact and r.trusted for r in reports)

    # The link is used: a second visit is refused and creates nothing.
    again = client.get(path)
    assert again.status_code == 404
    client.logout()
    again = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert again.status_code == 404 and again.context["refused"]
    assert get_user_model().objects.filter(email="anna.gast@example.org").count() == 1


def test_the_secretary_cannot_sign_for_the_invited_signer(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world.freeze()
    client.force_login(world.secretary)
    signature = world.signature_of(world.guest)
    response = client.post(reverse("meetings:justering", args=[signature.pk]), {"password": "pw-for-tests-1"})
    assert response.status_code == 404
    assert not world.signature_of(world.guest).signed_at
    # Nor can she set their password: the invitation's page refuses a signed-in user.
    _, token = login_invitation_create(person=world.guest, by=world.secretary)
    page = client.post(
        reverse("account:invitation", args=[token]), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert page.status_code == 200
    assert not Person.objects.get(pk=world.guest.pk).user_id


@pytest.mark.parametrize("case", ["expired", "used", "wrong", "replaced"])
def test_expired_used_and_wrong_links_are_refused_clearly(client, world, case):
    invitation, token = login_invitation_create(person=world.guest, by=world.secretary)
    expected = {
        "expired": InvitationRefusal.EXPIRED,
        "used": InvitationRefusal.USED,
        "wrong": InvitationRefusal.UNKNOWN,
        "replaced": InvitationRefusal.EXPIRED,
    }[case]
    if case == "expired":
        invitation.expires_at = timezone.now() - timedelta(minutes=1)
        invitation.save()
    elif case == "used":
        invitation.used_at = timezone.now()
        invitation.save()
    elif case == "wrong":
        token = token[:-4] + "AAAA"
    else:
        login_invitation_create(person=world.guest, by=world.secretary)  # a newer one replaces it
    url = reverse("account:invitation", args=[token])
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 404
    assert response.context["refused"]
    with pytest.raises(ValidationError) as refused:
        login_invitation_accept(token=token, password=NEW_PASSWORD)
    assert refused.value.code == expected
    assert not Person.objects.get(pk=world.guest.pk).user_id


def test_no_invitation_for_a_person_with_a_login_or_an_address_a_login_uses(world):
    with pytest.raises(ValidationError) as refused:
        login_invitation_create(person=world.chair.person, by=world.secretary)
    assert refused.value.code == InvitationRefusal.HAS_LOGIN
    member_of(CommitteeFactory(), username="olof", email="x@example.org").__class__.objects.filter(
        username="olof"
    ).update(email="OLOF@example.org")
    with pytest.raises(ValidationError) as refused:
        login_invitation_create(person=world.official, by=world.secretary)
    assert refused.value.code == InvitationRefusal.EMAIL_TAKEN
    world.guest.email = "josefine@example.org"
    world.guest.save()
    with pytest.raises(ValidationError) as refused:
        login_invitation_create(person=world.guest, by=world.secretary)
    assert refused.value.code == InvitationRefusal.OWN_ADDRESS
    assert not LoginInvitation.objects.exists()


def test_a_login_made_meanwhile_for_the_address_stops_the_invitation(world):
    _, token = login_invitation_create(person=world.guest, by=world.secretary)
    get_user_model().objects.create_user(username="anna", email="anna.gast@example.org")
    with pytest.raises(ValidationError) as refused:
        login_invitation_accept(token=token, password=NEW_PASSWORD)
    assert refused.value.code == InvitationRefusal.EMAIL_TAKEN


def test_email_links_use_the_site_url(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world.freeze()
    requests = [m for m in mail.outbox if "rachel@example.org" in m.to]
    assert requests and SITE + reverse(
        "meetings:justering", args=[world.signature_of(world.chair.person).pk]
    ) in (requests[0].body)
    mail.outbox.clear()
    world.chair.email = "rachel@example.org"
    world.chair.save()
    client.post(reverse("account:password_reset"), {"email": "rachel@example.org"})
    (reset,) = mail.outbox
    assert SITE + "/konto/nytt-losenord/" in reset.body and "testserver" not in reset.body
