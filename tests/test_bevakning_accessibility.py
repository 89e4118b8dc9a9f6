"""Bevakning's pages are WCAG 2.1 AA clean (axe-core, as tests/test_portal_accessibility.py
runs it) and the whole flow works with JavaScript switched off: subscribe, confirm,
unsubscribe."""

from __future__ import annotations

import os
import re

import pytest
from django.core import mail
from django.urls import reverse

from alerts.models import Subscription
from tests.factories import CommitteeFactory
from tests.test_portal_accessibility import AXE, _axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _link(message, name: str) -> str:
    prefix = reverse(f"alerts:{name}", args=["T"]).removesuffix("T/")
    found = re.search(re.escape(prefix) + r"[^\s/]+/", message.body)
    assert found, message.body
    return found.group(0)


def _walk(page, base: str, check) -> None:
    """Subscribe to Kommunalt forum, confirm and unsubscribe through the pages, calling
    `check(name)` on each page reached."""
    page.goto(base + reverse("alerts:subscribe") + "?organ=kommunalt-forum")
    check("subscribe")
    page.locator("#subscribe-form button[type=submit]").click()
    page.wait_for_load_state()
    check("subscribe with errors")
    page.fill("#id_email", "lasare@example.org")
    page.locator("#subscribe-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#sent-message").count() == 1
    check("sent")
    confirm = _link(mail.outbox[-1], "confirm")
    page.goto(base + confirm)
    check("confirm")
    page.locator("#confirm-form button").click()
    page.wait_for_load_state()
    assert page.locator("#confirmed-message").count() == 1
    check("confirmed")
    subscription = Subscription.objects.get()
    page.locator("main a", has_text="Avsluta bevakningen").click()
    page.wait_for_load_state()
    check("unsubscribe")
    page.locator("#unsubscribe-form button").click()
    page.wait_for_load_state()
    assert page.locator("#unsubscribed-message").count() == 1
    assert not Subscription.objects.filter(pk=subscription.pk).exists()
    check("unsubscribed")
    page.goto(base + reverse("alerts:confirm", args=["made-up"]))
    check("refused link")


def test_every_bevakning_page_has_no_axe_violations(live_server, browser):
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE} missing: run `npm ci` (make test does)")
        pytest.skip(f"{AXE} missing: run `npm ci` (make test does)")
    CommitteeFactory(name="Kommunalt forum", slug="kommunalt-forum")
    context = browser.new_context(locale="sv-SE", bypass_csp=True)
    page = context.new_page()
    failures = {}

    def check(name):
        assert page.get_attribute("html", "lang") == "sv", (name, page.url, page.content()[:1500])
        violations = _axe_violations(page)
        if violations:
            failures[name] = violations

    try:
        _walk(page, live_server.url, check)
    finally:
        context.close()
    assert failures == {}


def test_the_bevakning_flow_works_without_javascript(live_server, browser):
    CommitteeFactory(name="Kommunalt forum", slug="kommunalt-forum")
    context = browser.new_context(locale="sv-SE", java_script_enabled=False)
    page = context.new_page()
    seen = []

    def check(name):
        assert page.locator("h1").count() == 1, name
        seen.append(name)

    try:
        _walk(page, live_server.url, check)
    finally:
        context.close()
    assert len(seen) == 8
