"""Access (docs/security.md): login throttling with a clear lockout page, also for the password
re-entered to sign; secure cookies; strong passwords; optional two-step verification (TOTP),
required by the admin once a user has a device; a Content Security Policy with no inline script
on public and members' pages; `check --deploy` clean with the production settings."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from committees.access import client_ip_address
from committees.models import Assignment
from config.middleware import csp_hash
from meetings.models import Meeting
from tests.factories import AgendaItemFactory, CommitteeFactory, MeetingFactory, member_of, secretary_of

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"  # UserFactory's
LOGIN = "/konto/logga-in/"
ADMIN_LOGIN = "/admin/login/"


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows now (or that many 30-second steps later: a code
    is accepted once, so a second verification uses the next one; the device tolerates one)."""
    device.refresh_from_db()
    token = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{token:0{device.digits}d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Telefon", confirmed=True)


def log_in(client, username, password, url=LOGIN, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


# --- Login throttling (django-axes) ------------------------------------------------------------


def test_five_wrong_passwords_lock_the_login_with_a_clear_page_even_for_the_right_password(client):
    member = member_of(CommitteeFactory())
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = log_in(client, member.username, "wrong-password")
        assert response.status_code == 200 and response.context["form"].errors
    locked = log_in(client, member.username, "wrong-password")
    assert locked.status_code == 429
    assert 'id="lockout"' in locked.content.decode()
    assert locked.context["minutes"] == 15
    assert "<html" in locked.content.decode()  # a page of the site, not a bare text

    again = log_in(client, member.username, PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_throttled_the_same_way(client):
    staff = secretary_of(CommitteeFactory())
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        response = log_in(client, staff.username, "wrong-password", url=ADMIN_LOGIN)
    assert response.status_code == 429
    assert 'id="lockout"' in response.content.decode()
    assert log_in(client, staff.username, PASSWORD, url=ADMIN_LOGIN).status_code == 429


def test_a_correct_login_clears_the_count_of_failures(client):
    member = member_of(CommitteeFactory())
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, member.username, "wrong-password")
    assert log_in(client, member.username, PASSWORD).status_code == 302
    client.post(reverse("meetings:logout"))
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = log_in(client, member.username, "wrong-password")
    assert response.status_code == 200  # four new failures: not locked, the count started again
    assert log_in(client, member.username, PASSWORD).status_code == 302


def test_the_lockout_is_per_username_and_address(client):
    member, other = member_of(CommitteeFactory()), member_of(CommitteeFactory())
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, member.username, "wrong-password")
    assert log_in(Client(), other.username, PASSWORD).status_code == 302  # another user: unaffected
    from_elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    assert log_in(from_elsewhere, member.username, PASSWORD).status_code == 302


@override_settings(PARAGRAF_TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_is_the_one_the_proxy_appended(rf):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.10", REMOTE_ADDR="10.0.0.2")
    assert client_ip_address(request) == "192.0.2.10"  # the left entry is the client's own claim


@pytest.mark.usefixtures("signing_ca")
def test_wrong_passwords_on_the_signing_page_count_toward_the_lockout(client):
    from meetings.justering.services import protokoll_freeze, protokoll_set_signers
    from meetings.services.paragraphs import protokoll_create_draft

    committee = CommitteeFactory()
    secretary = secretary_of(committee)
    chair = member_of(committee, role=Assignment.Role.CHAIR)
    adjuster = member_of(committee)
    meeting = MeetingFactory(
        committee=committee, status=Meeting.Status.HELD, secretary=secretary.person, chair=chair.person
    )
    AgendaItemFactory(meeting=meeting, order=1, title="Budget")
    protokoll_create_draft(meeting=meeting)
    protokoll_set_signers(
        meeting=meeting, chair=chair.person, adjusters=[adjuster.person], secretary=secretary.person
    )
    protokoll_freeze(meeting=meeting, by=secretary)
    signature = meeting.justering.signatures.get(person=chair.person)
    page = reverse("meetings:justering", args=[signature.pk])

    client.force_login(chair)
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(page, {"password": "guess"})
        assert response.status_code == 200 and response.context["password_error"]
    locked = client.post(page, {"password": "guess"})
    assert locked.status_code == 429 and 'id="lockout"' in locked.content.decode()

    refused = client.post(page, {"password": PASSWORD})  # the right password, while locked out
    assert refused.status_code == 429
    signature.refresh_from_db()
    assert signature.signed_at is None
    assert log_in(Client(), chair.username, PASSWORD).status_code == 429  # the login too


# --- Passwords and cookies ---------------------------------------------------------------------


def test_password_validators_reject_short_numeric_and_common_passwords():
    with pytest.raises(ValidationError) as refused:
        validate_password("12345678")
    codes = {error.code for error in refused.value.error_list}
    assert {"password_too_short", "password_entirely_numeric", "password_too_common"} <= codes
    with pytest.raises(ValidationError) as short:
        validate_password("kort-lösen1")  # 11 characters
    assert "password_too_short" in {error.code for error in short.value.error_list}
    validate_password("Nämndsekreterare-i-Jönköping")


def test_session_and_csrf_cookies_are_httponly_and_samesite_lax(client):
    member = member_of(CommitteeFactory())
    client.get(LOGIN)
    response = log_in(client, member.username, PASSWORD)
    session_cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session_cookie["httponly"] and session_cookie["samesite"] == "Lax"
    assert int(session_cookie["max-age"]) <= 12 * 60 * 60
    csrf_cookie = client.get(LOGIN).cookies.get(settings.CSRF_COOKIE_NAME) or client.cookies["csrftoken"]
    assert csrf_cookie["httponly"] and csrf_cookie["samesite"] == "Lax"


def test_check_deploy_is_clean_with_the_production_settings(tmp_path):
    """Secure cookies, HSTS, SSL redirect, a long secret key, DEBUG off: Django's own
    deployment checks pass at WARNING level (in a subprocess, so settings are read anew)."""
    env = {
        **os.environ,
        "PARAGRAF_PRODUCTION": "1",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "paragraf.example.se",
        "PARAGRAF_LOCAL_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    for name in ("DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"):  # the latter is the browser tests'
        env.pop(name, None)
    script = (
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('check', '--deploy', '--fail-level', 'WARNING')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- Two-step verification (django-otp) -------------------------------------------------------


def test_a_member_enrols_an_app_and_from_then_on_logs_in_with_a_code(client):
    member = member_of(CommitteeFactory())
    client.force_login(member)
    page = client.get(reverse("account:two_factor"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="two-factor-qr"' in html and 'id="two-factor-secret"' in html
    device = TOTPDevice.objects.get(user=member, confirmed=False)
    qr = client.get(reverse("account:two_factor_qr"))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    assert "no-store" in qr["Cache-Control"]

    assert client.post(reverse("account:two_factor"), {"token": "000000"}).status_code == 200
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()  # a wrong code makes the next try wait a second (django-otp)
    response = client.post(reverse("account:two_factor"), {"token": code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("account:two_factor_qr")).status_code == 404  # the secret is not shown again

    client.post(reverse("meetings:logout"))
    login = log_in(client, member.username, PASSWORD)
    assert login.status_code == 302
    home = client.get(reverse("meetings:home"))
    assert home.status_code == 302
    assert home.url == reverse("account:otp_verify") + "?next=" + reverse("meetings:home").replace("/", "%2F")

    wrong = client.post(reverse("account:otp_verify"), {"token": "123456", "next": reverse("meetings:home")})
    assert wrong.status_code == 200 and wrong.context["error"]
    assert client.get(reverse("meetings:home")).status_code == 302
    device.throttle_reset()

    verified = client.post(
        reverse("account:otp_verify"),
        {"token": code(device, steps_ahead=1), "next": reverse("meetings:home")},
    )
    assert verified.status_code == 302 and verified.url == reverse("meetings:home")
    assert client.get(reverse("meetings:home")).status_code == 200


def test_the_admin_requires_a_verified_session_from_a_user_with_a_device(client):
    secretary = secretary_of(CommitteeFactory())
    device = confirmed_device(secretary)
    client.force_login(secretary)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith(reverse("account:otp_verify"))
    assert client.get("/admin/meetings/meeting/").status_code == 302

    client.post(reverse("account:otp_verify"), {"token": code(device), "next": "/admin/"})
    assert client.get("/admin/").status_code == 200


def test_users_without_a_device_are_not_asked_for_a_code(client):
    secretary = secretary_of(CommitteeFactory())
    client.force_login(secretary)
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("meetings:home")).status_code == 200


@override_settings(PARAGRAF_REQUIRE_OTP_FOR_SECRETARIES=True)
def test_the_setting_makes_secretaries_enrol_before_anything_else(client):
    committee = CommitteeFactory()
    secretary, member = secretary_of(committee), member_of(committee)
    client.force_login(secretary)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith(reverse("account:two_factor"))
    device = TOTPDevice.objects.get_or_create(user=secretary, confirmed=False, defaults={"name": "x"})[0]
    client.post(reverse("account:two_factor"), {"token": code(device)})
    assert client.get("/admin/").status_code == 200
    refused = client.post(reverse("account:two_factor"), {"token": code(device, steps_ahead=1)})
    assert refused.status_code == 200 and refused.context["required"]
    assert TOTPDevice.objects.filter(user=secretary, confirmed=True).exists()  # cannot turn it off

    other = Client()
    other.force_login(member)  # members are not forced
    assert other.get(reverse("meetings:home")).status_code == 200


def test_a_member_with_the_app_turns_it_off_with_a_code(client):
    member = member_of(CommitteeFactory())
    device = confirmed_device(member)
    client.force_login(member)
    client.post(reverse("account:otp_verify"), {"token": code(device)})
    assert client.get(reverse("account:two_factor")).context["enabled"]
    client.post(reverse("account:two_factor"), {"token": code(device, steps_ahead=1)})
    assert not TOTPDevice.objects.filter(user=member).exists()


# --- Content Security Policy -------------------------------------------------------------------


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: <script> without src (data
    blocks such as application/json are not scripts), <style> elements, style="" and on*=""."""

    DATA_TYPES = {"application/json", "application/ld+json"}

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        for name, _value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and "src" not in names and names.get("type") not in self.DATA_TYPES:
            self._in_script = True
            self.inline_scripts.append("")

    def handle_data(self, data):
        if self._in_script:
            self.inline_scripts[-1] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def inline_code(html: str) -> InlineCode:
    parser = InlineCode()
    parser.feed(html)
    return parser


def assert_strict_page(response, url):
    rules = policy(response)
    assert rules["script-src"] == ["'self'"], url
    assert rules["style-src"] == ["'self'"], url
    assert rules["frame-ancestors"] == ["'none'"] and rules["object-src"] == ["'none'"], url
    assert rules["default-src"] == ["'self'"] and rules["base-uri"] == ["'self'"], url
    found = inline_code(response.content.decode())
    assert not found.found and not found.inline_scripts, (url, found.found, found.inline_scripts)


SKIPPED_SUFFIXES = (".pdf", ".ics", ".atom", ".svg", ".csv", ".xlsx")


def crawl(client, start: list[str], limit: int = 60) -> dict[str, object]:
    """Every HTML page reachable from the start pages by internal links (one site, no admin,
    no files), up to limit pages: what a visitor can open."""
    pages, queue, seen = {}, list(start), set(start)
    while queue and len(pages) < limit:
        url = queue.pop(0)
        response = client.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        pages[url] = response
        for href in re.findall(r'href="([^"#]+)"', response.content.decode()):
            href = href.replace("&amp;", "&")
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/") or parts.path.endswith(SKIPPED_SUFFIXES):
                continue
            if parts.path.startswith(
                ("/admin/", "/static/", "/media/", "/i18n/", "/oparl/", "/konto/logga-ut/")
            ):
                continue
            if href not in seen:
                seen.add(href)
                queue.append(href)
    return pages


@pytest.mark.usefixtures("signing_ca")
def test_public_pages_have_a_strict_policy_and_no_inline_script_or_style(client):
    from tests.portal_data import public_world

    public_world()
    client.raise_request_exception = False  # a page still being built is not this test's subject
    start = [reverse(f"portal:{name}") for name in ("start", "anslagstavla", "protokoll_list", "committees")]
    start += [reverse("portal:search") + "?q=x", reverse("portal:search") + "?q=motionen"]
    start += [reverse("meetings:verify"), reverse("meetings:login")]
    pages = crawl(client, start)
    assert len(pages) >= 6, sorted(pages)
    for url, response in pages.items():
        assert_strict_page(response, url)


def test_members_pages_have_a_strict_policy_and_no_inline_script_or_style(client):
    committee = CommitteeFactory()
    member = member_of(committee)
    meeting = MeetingFactory(committee=committee, status=Meeting.Status.SUMMONED, agenda_published=True)
    AgendaItemFactory(meeting=meeting, order=1, title="Budget")
    client.force_login(member)
    urls = [
        reverse("meetings:home"),
        reverse("meetings:meeting", args=[meeting.pk]),
        reverse("attendance:mine"),
        reverse("account:two_factor"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_page(response, url)


def test_only_the_admin_allows_inline_styles_and_its_one_inline_script_by_hash(client):
    """The admin relaxes style-src and allows the prose editor's import map by its hash: every
    inline script on a change page with the editor is allowed, and nothing else is."""
    committee = CommitteeFactory()
    secretary = secretary_of(committee)
    meeting = MeetingFactory(committee=committee, secretary=secretary.person)
    AgendaItemFactory(meeting=meeting, order=1, title="Budget")
    client.force_login(secretary)
    for url in (
        reverse("admin:meetings_meeting_change", args=[meeting.pk]),
        reverse("admin:cases_delegateddecision_add"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        rules = policy(response)
        assert "'unsafe-inline'" not in rules["script-src"], url
        assert "'unsafe-inline'" in rules["style-src"], url
        for script in inline_code(response.content.decode()).inline_scripts:
            assert csp_hash(script) in rules["script-src"], (url, script[:80])
    add_page = client.get(reverse("admin:cases_delegateddecision_add")).content.decode()
    assert "cases/js/delegated_decision_form.js" in add_page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_no_page_breaks_the_policy_and_the_admin_editor_still_works(live_server, page):
    """Chromium reports every CSP violation on the console: there are none on the login, the
    public start page, the members' pages and the admin's meeting page, where the agenda's script
    runs, and the agenda item's page, where the prose editor (its import map allowed by hash) runs."""
    committee = CommitteeFactory()
    secretary = secretary_of(committee)
    meeting = MeetingFactory(committee=committee, secretary=secretary.person)
    item = AgendaItemFactory(meeting=meeting, order=1, title="Budget")
    violations = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and violations.append(message.text),
    )

    page.goto(live_server.url + reverse("portal:start"))
    page.goto(live_server.url + reverse("meetings:login"))
    page.fill("#id_username", secretary.username)
    page.fill("#id_password", PASSWORD)
    page.click("#main button[type=submit]")
    page.wait_for_url(f"**{reverse('meetings:home')}")
    page.goto(live_server.url + reverse("account:two_factor"))
    assert page.locator("#two-factor-qr").evaluate("img => img.naturalWidth") > 0
    page.goto(live_server.url + reverse("admin:meetings_meeting_change", args=[meeting.pk]))
    page.goto(live_server.url + reverse("admin:meetings_agendaitem_change", args=[item.pk]))
    page.locator(".ProseMirror").first.wait_for()
    page.goto(live_server.url + reverse("admin:cases_delegateddecision_add"))
    assert violations == []
