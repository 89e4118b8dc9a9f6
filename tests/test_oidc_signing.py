"""Sign-in and justering through a real OpenID Connect provider (tests/fixtures_oidc.py: the npm
`oidc-provider` run with node), driven over HTTP here and by Playwright in
tests/test_browser_oidc.py.

Proves: a known person's first sign-in creates their login, later ones reuse it, an unknown or
unverified identity is refused and creates nothing; "Justera med e-legitimation" asks the provider
for a fresh login at the required level (prompt=login, max_age=0, acr_values, PKCE) and signs only
when the token names the signer, recording provider, level and authentication time; a token naming
someone else, a level too low or a replayed answer signs nothing; an external justerare signs on a
one-time invitation link with no login created, the link cannot be reused nor used by anyone the
token does not name; the secretary cannot sign for anyone by these routes."""

import re
import shutil
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from attendance.models import Attendance
from committees.models import Assignment, Person
from meetings import signing
from meetings.justering.external import signing_invitation_create
from meetings.justering.services import protokoll_freeze, protokoll_set_signers
from meetings.models import Meeting, Signature, SigningInvitation
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
from tests.fixtures_oidc import LOA3

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signing_ca", "fresh_certificates")]

SITE = "https://paragraf.example.org"


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
    """A meeting sent for justering: the ordförande Rachel (a login), the justerare Anna Gäst (no
    login, from another organisation) and the secretary Josefine (a login)."""

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
        self.meeting = MeetingFactory(
            committee=self.committee, start=local(2025, 3, 14, 9, 0), status=Meeting.Status.HELD
        )
        for p in (self.chair.person, self.guest):
            Attendance.objects.create(meeting=self.meeting, person=p, capacity=Attendance.Capacity.MEMBER)
        AgendaItemFactory(meeting=self.meeting, order=1, title="Val av protokollsjusterare")
        protokoll_create_draft(meeting=self.meeting)
        protokoll_set_signers(
            meeting=self.meeting,
            chair=self.chair.person,
            adjusters=[self.guest],
            secretary=self.secretary.person,
        )
        protokoll_freeze(meeting=self.meeting, by=self.secretary)
        self.meeting.refresh_from_db()

    def signature_of(self, person) -> Signature:
        return Signature.objects.get(justering__meeting=self.meeting, person=person)


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return World()


def _provider_round(client, oidc, response, login: str):
    """From Paragraf's redirect to the provider, through its login page, back to the callback;
    returns the callback's response and the authorization request's parameters."""
    assert response.status_code == 302, response
    authorize = response.url
    params = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    back = oidc.log_in(authorize, login)
    assert back.startswith("http://testserver/konto/e-legitimation/retur/"), back
    callback = back.removeprefix("http://testserver")
    return client.get(callback), params, callback


def _finish(client, response):
    assert response.status_code == 302, getattr(response, "content", b"")[:500]
    return client.get(response.url, follow=True)


# --- Sign-in ----------------------------------------------------------------------------------


def test_login_page_offers_the_provider_only_when_configured(client, settings, oidc):
    assert b'id="oidc-login"' in client.get(reverse("meetings:login")).content
    settings.PARAGRAF_OIDC_ISSUER = ""
    assert b'id="oidc-login"' not in client.get(reverse("meetings:login")).content
    assert client.get(reverse("account:oidc_login")).status_code == 404


def test_first_sign_in_of_a_known_person_creates_their_login_and_later_ones_reuse_it(client, world, oidc):
    response = client.get(reverse("account:oidc_login"), {"next": reverse("meetings:home")})
    answer, params, _ = _provider_round(client, oidc, response, "anna")
    assert params["code_challenge_method"] == "S256" and params["code_challenge"]
    assert params["nonce"] and params["state"] and params["response_type"] == "code"
    assert answer.status_code == 302 and answer.url == reverse("meetings:home")
    world.guest.refresh_from_db()
    user = world.guest.user
    assert user is not None and user.username == "anna.gast@example.org"
    assert not user.has_usable_password() and not user.is_staff
    assert client.get(reverse("meetings:home")).status_code == 200  # signed in
    history = world.guest.history.order_by("-history_date").first()
    assert oidc.issuer in history.history_change_reason

    client.logout()
    answer, _, _ = _provider_round(client, oidc, client.get(reverse("account:oidc_login")), "anna")
    assert answer.status_code == 302
    assert get_user_model().objects.filter(email__iexact="anna.gast@example.org").count() == 1
    assert int(client.session["_auth_user_id"]) == user.pk


def test_an_unknown_or_unverified_identity_is_refused_and_creates_no_login(client, world, oidc):
    users = get_user_model().objects.count()
    answer, _, _ = _provider_round(client, oidc, client.get(reverse("account:oidc_login")), "mallory")
    assert answer.status_code == 403
    assert "känner inte till" in answer.content.decode() or "knows no person" in answer.content.decode()
    answer, _, _ = _provider_round(client, oidc, client.get(reverse("account:oidc_login")), "unverified")
    assert answer.status_code == 403
    assert get_user_model().objects.count() == users
    assert "_auth_user_id" not in client.session
    assert Person.objects.get(pk=world.guest.pk).user_id is None


def test_the_answer_of_the_provider_cannot_be_replayed(client, world, oidc):
    first, _, callback = _provider_round(client, oidc, client.get(reverse("account:oidc_login")), "rachel")
    assert first.status_code == 302
    client.logout()
    again = client.get(callback)
    assert again.status_code == 403 and "_auth_user_id" not in client.session


# --- Justering by a member with a login -------------------------------------------------------


def test_justera_with_e_legitimation_asks_for_a_fresh_login_and_records_the_assurance(client, world, oidc):
    client.force_login(world.chair)
    signature = world.signature_of(world.chair.person)
    page = client.get(reverse("meetings:justering", args=[signature.pk]))
    assert b'id="oidc-sign"' in page.content
    start = client.post(reverse("meetings:justering_oidc_start", args=[signature.pk]))
    before = timezone.now()
    answer, params, _ = _provider_round(client, oidc, start, "rachel")
    assert params["prompt"] == "login" and params["max_age"] == "0" and params["acr_values"] == LOA3
    assert params["code_challenge_method"] == "S256"
    done = _finish(client, answer)
    assert done.status_code == 200
    signature.refresh_from_db()
    assert signature.signed_at and signature.signed_by == world.chair
    assert signature.assurance_method == "oidc"
    assert signature.assurance_provider == oidc.issuer
    assert signature.assurance_level == LOA3
    assert before - timedelta(seconds=5) <= signature.authenticated_at <= timezone.now()
    with world.meeting.justering.signed_file.open("rb") as handle:
        reports = signing.pdf_verify(handle.read())
    assert [r.signer for r in reports] == ["Rachel De Basso"]
    assert all(r.intact and r.trusted for r in reports)


def test_a_token_naming_someone_else_or_too_low_a_level_signs_nothing(client, world, oidc):
    client.force_login(world.chair)
    signature = world.signature_of(world.chair.person)
    for login, text in (("anna", "någon annan"), ("anna-loa2", "tillitsnivå"), ("mallory", "någon annan")):
        start = client.post(reverse("meetings:justering_oidc_start", args=[signature.pk]))
        answer, _, _ = _provider_round(client, oidc, start, login)
        if answer.status_code == 403:  # refused at the callback (level too low)
            assert "tillitsnivå" in answer.content.decode() or "assurance level" in answer.content.decode()
        else:
            page = _finish(client, answer)
            content = page.content.decode()
            assert text in content or "someone else" in content, content[:2000]
        signature.refresh_from_db()
        assert not signature.signed_at and not signature.assurance_method
    with world.meeting.justering.signed_file.open("rb") as handle:
        assert signing.pdf_verify(handle.read()) == []  # the frozen PDF carries no signature


def test_the_secretary_cannot_sign_for_a_signer_through_the_provider(client, world, oidc):
    client.force_login(world.secretary)
    for person in (world.chair.person, world.guest):
        signature = world.signature_of(person)
        assert client.post(reverse("meetings:justering_oidc_start", args=[signature.pk])).status_code == 404
        assert client.get(reverse("meetings:justering_oidc_finish", args=[signature.pk])).status_code == 404
    # Her own identity on the guest's invitation link signs nothing.
    _, token = signing_invitation_create(signature=world.signature_of(world.guest), by=world.secretary)
    start = client.post(reverse("meetings:external_justering", args=[token]))
    answer, _, _ = _provider_round(client, oidc, start, "josefine")
    refused = client.get(answer.url)
    assert refused.status_code == 403
    assert not world.signature_of(world.guest).signed_at
    assert not SigningInvitation.objects.get(token_hash__isnull=False).used_at
    # Nor can she send the invitation to her own address.
    world.guest.email = "josefine@example.org"
    world.guest.save()
    response = client.post(
        reverse("workspace:justering", args=[world.meeting.pk]),
        {"action": "invite_sign", "signature": world.signature_of(world.guest).pk},
        follow=True,
    )
    assert "din egen" in response.content.decode() or "your own" in response.content.decode()


# --- External justerare by invitation ---------------------------------------------------------


def _invitation_link(message) -> str:
    found = re.search(r"(https?://\S+/justera/inbjudan/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


def _send_invitation(client, world, django_capture_on_commit_callbacks) -> str:
    client.force_login(world.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("workspace:justering", args=[world.meeting.pk]),
            {"action": "invite_sign", "signature": world.signature_of(world.guest).pk},
            follow=True,
        )
    assert response.status_code == 200
    client.logout()
    message = mail.outbox[-1]
    assert message.to == ["anna.gast@example.org"]
    return _invitation_link(message).removeprefix(SITE)


def test_an_external_justerare_signs_by_invitation_without_a_login(
    client, world, oidc, django_capture_on_commit_callbacks
):
    users = get_user_model().objects.count()
    path = _send_invitation(client, world, django_capture_on_commit_callbacks)
    token = path.rstrip("/").rsplit("/", 1)[1]
    invitation = SigningInvitation.objects.get(signature=world.signature_of(world.guest))
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64

    page = client.get(path)
    assert page.status_code == 200 and "Anna Gäst" in page.content.decode()
    pdf = client.get(reverse("meetings:external_justering_pdf", args=[token]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")

    start = client.post(path)
    answer, params, _ = _provider_round(client, oidc, start, "anna")
    assert params["prompt"] == "login" and params["max_age"] == "0" and params["acr_values"] == LOA3
    done = _finish(client, answer)
    assert done.status_code == 200 and b'id="sign-done"' in done.content, done.context.get("error")

    signature = world.signature_of(world.guest)
    assert signature.signed_at and signature.signed_by is None
    assert (signature.assurance_method, signature.assurance_provider, signature.assurance_level) == (
        "oidc",
        oidc.issuer,
        LOA3,
    )
    assert signature.authenticated_at
    invitation.refresh_from_db()
    assert invitation.used_at and invitation.provider == oidc.issuer and invitation.subject == "idp-3f9a-anna"
    assert get_user_model().objects.count() == users  # no login created
    assert Person.objects.get(pk=world.guest.pk).user_id is None
    with world.meeting.justering.signed_file.open("rb") as handle:
        reports = signing.pdf_verify(handle.read())
    assert [r.signer for r in reports] == ["Anna Gäst"]

    # The link is used: it cannot open the page, the PDF or another signing.
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
    assert client.get(reverse("meetings:external_justering_pdf", args=[token])).status_code == 404
    assert client.get(reverse("meetings:external_justering_finish", args=[token])).status_code == 404


def test_an_invitation_link_used_with_someone_elses_identity_signs_nothing_and_stays_unused(
    client, world, oidc, django_capture_on_commit_callbacks
):
    path = _send_invitation(client, world, django_capture_on_commit_callbacks)
    for login in ("mallory", "rachel", "anna-loa2"):
        answer, _, _ = _provider_round(client, oidc, client.post(path), login)
        if answer.status_code == 302:
            answer = client.get(answer.url)
        assert answer.status_code == 403, login
        assert not world.signature_of(world.guest).signed_at
    invitation = SigningInvitation.objects.get(signature=world.signature_of(world.guest))
    assert not invitation.used_at
    # The finishing step without an identification of this browser signs nothing either.
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert client.get(reverse("meetings:external_justering_finish", args=[token])).status_code == 400
    # The right person then signs with the same link.
    answer, _, _ = _provider_round(client, oidc, client.post(path), "anna")
    assert b'id="sign-done"' in _finish(client, answer).content
    assert world.signature_of(world.guest).signed_at


def test_an_expired_or_replaced_invitation_is_refused(client, world, oidc):
    signature = world.signature_of(world.guest)
    old, old_token = signing_invitation_create(signature=signature, by=world.secretary)
    _, new_token = signing_invitation_create(signature=signature, by=world.secretary)
    assert client.get(reverse("meetings:external_justering", args=[old_token])).status_code == 404
    assert client.get(reverse("meetings:external_justering", args=[new_token])).status_code == 200
    SigningInvitation.objects.filter(signature=signature).update(expires_at=timezone.now())
    refused = client.get(reverse("meetings:external_justering", args=[new_token]))
    assert refused.status_code == 404 and b'id="invitation-refused"' in refused.content
    assert client.get(reverse("meetings:external_justering", args=["nonsense"])).status_code == 404


# --- The whole of issue 16 at once ------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("pdfsig"), reason="poppler-utils")
def test_an_external_justerare_signs_through_the_provider_and_the_protokoll_is_b_lta_after_expiry(
    client, world, oidc, tsa, django_capture_on_commit_callbacks, tmp_path
):
    """A justerare with no Paragraf account gets the invitation, authenticates at the real
    OpenID provider and signs last; with the real TSA the protokoll ends at PAdES B-LTA and
    still validates, with pyHanko and pdfsig, at a moment after every signing certificate
    expired."""
    import datetime as dt
    import subprocess

    from meetings.justering.services import protokoll_sign

    # The ordförande and the secretary sign with their passwords first (local assurance).
    for user in (world.chair, world.secretary):
        protokoll_sign(signature=world.signature_of(user.person), user=user, password="pw-for-tests-1")
    # The guest signs last, from the e-mailed link, through the provider.
    path = _send_invitation(client, world, django_capture_on_commit_callbacks)
    answer, _params, _ = _provider_round(client, oidc, client.post(path), "anna")
    done = _finish(client, answer)
    assert b'id="sign-done"' in done.content, done.context.get("error")
    world.meeting.refresh_from_db()
    assert world.meeting.status in Meeting.Status.JUSTERAT_OR_LATER
    with world.meeting.justering.signed_file.open("rb") as handle:
        pdf = handle.read()

    later = timezone.now() + signing.SIGNATURE_CERTIFICATE_LIFETIME + dt.timedelta(days=30)
    reports = signing.pdf_verify(pdf, moment=later)
    assert [r.signer for r in reports] == ["Rachel De Basso", "Josefine Colliander", "Anna Gäst"]
    for report in reports:
        assert report.valid_until < later  # expired by then
        assert report.ok and report.trusted and report.intact, (report.signer, report.problem, report.notes)
        assert report.level == "B-LTA"
    guest = reports[-1]
    assert (guest.provider, guest.assurance_level) == (oidc.issuer, LOA3)

    file = tmp_path / "protokoll.pdf"
    file.write_bytes(pdf)
    out = subprocess.run(["pdfsig", str(file)], capture_output=True, text=True).stdout
    assert out.count("Signature Validation: Signature is Valid.") == 3, out
