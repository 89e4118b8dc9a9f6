"""Password reset by e-mail (committees/password_views.py): the whole flow in Swedish, the same
answer for an unknown address, throttled per address and per client, single-use links, the
project's password validators, and no way around the lockout's purpose or the two-step code."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import CommitteeFactory, member_of

pytestmark = pytest.mark.django_db

RESET = reverse("account:password_reset")
LOGIN = reverse("meetings:login")
OLD_PASSWORD = "pw-for-tests-1"
NEW_PASSWORD = "Nytt-lösenord-för-Maja-2026"


@pytest.fixture
def member():
    user = member_of(CommitteeFactory(), username="maja", first_name="Maja", last_name="Lind")
    user.email = "maja.lind@example.se"
    user.save()
    return user


def log_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def reset_link(message) -> str:
    found = re.search(r"https?://[^/\s]+(/konto/nytt-losenord/[^\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def ask(client, email):
    return client.post(RESET, {"email": email})


def test_the_login_page_links_to_the_reset(client):
    page = client.get(LOGIN).content.decode()
    assert f'href="{RESET}"' in page and "Glömt lösenordet?" in page


def test_the_whole_flow_in_swedish_new_password_works_and_the_old_one_not(client, member):
    form = client.get(RESET)
    assert form.status_code == 200 and '<html lang="sv">' in form.content.decode()  # the site's base page

    response = ask(client, "Maja.Lind@example.se")  # as typed, in any case
    assert response.status_code == 302 and response["Location"] == reverse("account:password_reset_done")
    assert "Kolla din e-post" in client.get(response["Location"]).content.decode()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maja.lind@example.se"]
    assert message.subject == "Ett nytt lösenord till Paragraf"
    assert "Hej Maja Lind" in message.body and "maja" in message.body

    link = reset_link(message)
    page = client.get(link, follow=True)
    assert "Välj ett nytt lösenord" in page.content.decode()
    set_password_url = page.redirect_chain[-1][0]
    done = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("account:password_reset_complete")
    assert "Lösenordet är bytt" in client.get(done["Location"]).content.decode()
    assert "_auth_user_id" not in client.session  # a reset does not log in

    assert log_in(Client(), "maja", OLD_PASSWORD).status_code == 200  # the form again, with an error
    assert log_in(Client(), "maja", NEW_PASSWORD).status_code == 302


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, member):
    known = ask(client, "maja.lind@example.se")
    unknown = ask(Client(), "ingen.alls@example.se")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert len(mail.outbox) == 1  # only the known one


def test_a_contact_address_of_the_person_is_not_where_the_link_goes(client, member):
    """A secretary edits a person's contact address, not the login's: the reset only knows the
    login's own address (User.email)."""
    member.person.email = "sekreteraren@example.se"
    member.person.save()
    ask(client, "sekreteraren@example.se")
    assert mail.outbox == []


def test_requests_are_throttled_per_address(client, member):
    limit = settings.PARAGRAF_PASSWORD_RESET_PER_ADDRESS
    for attempt in range(limit):
        assert ask(Client(REMOTE_ADDR=f"10.0.0.{attempt + 1}"), "maja.lind@example.se").status_code == 302
    refused = ask(Client(REMOTE_ADDR="10.0.0.99"), "MAJA.LIND@example.se")
    assert refused.status_code == 429
    assert "För många begäranden om nytt lösenord" in refused.content.decode()
    assert len(mail.outbox) == limit
    # The same for an address that belongs to no one: the limit says nothing about it.
    for _attempt in range(limit):
        ask(Client(REMOTE_ADDR="10.0.1.1"), "ingen@example.se")
    assert ask(Client(REMOTE_ADDR="10.0.1.2"), "ingen@example.se").status_code == 429


def test_requests_are_throttled_per_client_address(client, member, settings):
    settings.PARAGRAF_PASSWORD_RESET_PER_IP = 4
    for number in range(4):
        assert ask(client, f"prov{number}@example.se").status_code == 302
    refused = ask(client, "maja.lind@example.se")
    assert refused.status_code == 429
    assert mail.outbox == []
    assert ask(Client(REMOTE_ADDR="192.0.2.7"), "maja.lind@example.se").status_code == 302


def test_a_link_works_once(client, member):
    ask(client, "maja.lind@example.se")
    link = reset_link(mail.outbox[0])
    page = client.get(link, follow=True)
    set_password_url = page.redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().get(link, follow=True)
    assert "Länken kan inte användas" in again.content.decode()
    reuse = Client().post(
        link, {"new_password1": "Ännu-ett-lösenord-99", "new_password2": "Ännu-ett-lösenord-99"}
    )
    assert reuse.status_code == 200
    user = get_user_model().objects.get(pk=member.pk)
    assert user.check_password(NEW_PASSWORD)


def test_the_new_password_must_pass_the_validators(client, member):
    ask(client, "maja.lind@example.se")
    page = client.get(reset_link(mail.outbox[0]), follow=True)
    set_password_url = page.redirect_chain[-1][0]
    for weak in ("12345678901234", "kort", "password1234"):
        response = client.post(set_password_url, {"new_password1": weak, "new_password2": weak})
        assert response.status_code == 200 and response.context["form"].errors, weak
    assert get_user_model().objects.get(pk=member.pk).check_password(OLD_PASSWORD)


def test_a_reset_clears_the_lockout_and_still_asks_for_the_two_step_code(client, member):
    """Locked out after five wrong passwords, Maja resets hers and can log in again, but with a
    device the login still goes on to the code: a reset is no way around the second factor."""
    TOTPDevice.objects.create(user=member, name="Telefon", confirmed=True)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "maja", "fel-lösenord")
    assert log_in(client, "maja", OLD_PASSWORD).status_code == 429

    ask(client, "maja.lind@example.se")  # not blocked by the lockout
    page = client.get(reset_link(mail.outbox[0]), follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = log_in(client, "maja", NEW_PASSWORD)
    assert response.status_code == 302
    home = client.get(reverse("meetings:home"))
    assert home.status_code == 302 and home["Location"].startswith(reverse("account:otp_verify"))


def test_the_reset_pages_are_not_stored_by_browsers(client, member):
    response = client.get(RESET)
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
