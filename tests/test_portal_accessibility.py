"""WCAG 2.1 AA on every public page type: axe-core (npm, injected into Debian's Chromium by
Playwright) finds zero violations, and every page works with JavaScript switched off."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.portal_data import OPEN_TITLE, public_world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("signing_ca"),
]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def public_pages(world) -> dict[str, str]:
    """One URL per public page type."""
    published = world.published
    open_paragraph = published.paragraphs.get(confidential=False)
    anslag = published.anslag.first()
    case = open_paragraph.case
    return {
        "start": reverse("portal:start"),
        "anslagstavla": reverse("portal:anslagstavla"),
        "anslag": reverse("portal:anslag", args=[anslag.pk]),
        "anslag archive": reverse("portal:anslag_archive"),
        "committees": reverse("portal:committees"),
        "committee": reverse("portal:committee", args=[world.committee.slug]),
        "protokoll list": reverse("portal:protokoll_list") + f"?organ={world.committee.slug}&ar=2024",
        "protokoll": reverse("portal:protokoll", args=[published.pk]),
        "paragraph": reverse("portal:paragraph", args=[published.pk, open_paragraph.number]),
        "meeting": reverse("portal:meeting", args=[world.upcoming.pk]),
        "case": reverse("portal:case", args=[case.pk]),
        "search": reverse("portal:search") + "?q=motionen",
        "empty search": reverse("portal:search"),
        "accessibility statement": reverse("portal:accessibility"),
        "verification": reverse("meetings:verify"),
        "login": reverse("meetings:login"),
    }


def _axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
    ]


def test_every_public_page_type_has_no_axe_violations(live_server, browser):
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE} missing: run `npm ci` (make test does)")
        pytest.skip(f"{AXE} missing: run `npm ci` (make test does)")
    world = public_world()
    # The test injects axe-core itself: let the script past the site's Content Security Policy.
    context = browser.new_context(locale="sv-SE", bypass_csp=True)
    page = context.new_page()
    failures = {}
    try:
        for name, path in public_pages(world).items():
            response = page.goto(live_server.url + path)
            assert response.status == 200, (name, path, response.status)
            assert page.get_attribute("html", "lang") == "sv"
            violations = _axe_violations(page)
            if violations:
                failures[name] = violations
    finally:
        context.close()
    assert failures == {}


def test_every_public_page_works_without_javascript(live_server, browser):
    world = public_world()
    context = browser.new_context(locale="sv-SE", java_script_enabled=False)
    page = context.new_page()
    try:
        for name, path in public_pages(world).items():
            response = page.goto(live_server.url + path)
            assert response.status == 200, (name, path)
            assert page.locator("h1").count() >= 1, name
            assert page.locator("a.skip-link").count() == 1, name
        # The search and the filters are plain GET forms: they work without JavaScript.
        page.goto(live_server.url + reverse("portal:search"))
        page.locator("main form input[name=q]").fill("motionen")
        page.locator("main form input[name=q]").press("Enter")
        page.wait_for_load_state()
        assert "q=motionen" in page.url
        assert OPEN_TITLE in page.content()
    finally:
        context.close()
