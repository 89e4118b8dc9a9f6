"""The admin in a real browser (headless Chromium against the live server)."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_anonymous_visitor_is_sent_to_login_and_superuser_reaches_admin_index(live_server, page):
    get_user_model().objects.create_superuser(
        username="admin-check", email="admin@example.org", password="correct horse battery"
    )

    page.goto(f"{live_server.url}/admin/")
    assert "/admin/login/" in page.url
    assert "next=/admin/" in page.url

    page.fill("#id_username", "admin-check")
    page.fill("#id_password", "correct horse battery")
    page.click("input[type=submit]")

    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.locator("body.dashboard").count() == 1
    assert "admin-check" in page.locator("#user-tools").inner_text().lower()
    assert page.locator("#site-name").inner_text() == "Paragraf"
