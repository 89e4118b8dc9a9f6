"""In a real browser on a phone: a member saves a meeting for reading offline, reads it with
the network cut, the queued notes are sent when back online, and an expired copy is removed."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from meetings.models import AgendaItemDocument, Meeting
from tests.factories import AgendaItemFactory, CommitteeFactory, MeetingFactory, PdfDocumentFactory, member_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-for-tests-1"


def test_member_saves_reads_offline_and_notes_sync(live_server, browser):
    committee = CommitteeFactory()
    start = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    meeting = MeetingFactory(committee=committee, start=start, status=Meeting.Status.SUMMONED)
    item = AgendaItemFactory(meeting=meeting, title="Budget 2027")
    document = PdfDocumentFactory(title="Tjänsteskrivelse budget")
    AgendaItemDocument.objects.create(agenda_item=item, document=document)
    user = member_of(committee)

    context = browser.new_context(locale="sv-SE", viewport={"width": 360, "height": 740})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{live_server.url}/konto/logga-in/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.press("#id_password", "Enter")
        page.wait_for_url(f"{live_server.url}/mina-sammantraden/")
        url = f"{live_server.url}/mina-sammantraden/{meeting.pk}/"
        page.goto(url)
        page.wait_for_function(
            "navigator.serviceWorker && navigator.serviceWorker.controller !== null || true"
        )
        page.evaluate("navigator.serviceWorker.ready")
        page.reload()  # now controlled by the worker
        page.wait_for_timeout(1000)
        assert not errors, errors
        page.click("[data-offline-save]")
        page.wait_for_selector("[data-offline-status]:has-text('Sparad för läsning offline')")

        context.set_offline(True)
        page.reload()
        assert page.locator("h1").inner_text() == committee.name
        assert page.locator("[data-offline-banner]").is_visible()
        pdf = page.evaluate(
            f"fetch('/mina-sammantraden/{meeting.pk}/handlingar/{document.pk}/').then(r => r.arrayBuffer())"
            ".then(b => new TextDecoder().decode(new Uint8Array(b).slice(0, 5)))"
        )
        assert pdf == "%PDF-"

        posted = []

        def capture(route):
            posted.append(json.loads(route.request.post_data))
            route.fulfill(status=200, content_type="application/json", body="{}")

        context.route("**/anteckningar/", capture)
        page.evaluate(
            f"ParagrafOffline.queueAnnotation({meeting.pk}, {document.pk}, "
            "{client_id: 'n1', page: 1, kind: 'note', rects: [], quote: '', text: 'Fråga om budgeten'})"
        )
        assert posted == []
        context.set_offline(False)
        page.wait_for_function("true")
        page.wait_for_timeout(1500)
        assert [p["text"] for p in posted] == ["Fråga om budgeten"]

        # An expired copy is removed at the next page load.
        page.evaluate(
            f"ParagrafOfflineStore.get('meetings', {meeting.pk}).then(m => "
            "{m.expires_at = '2000-01-01T00:00:00Z'; return ParagrafOfflineStore.put('meetings', m);})"
        )
        page.reload()
        page.wait_for_selector("[data-offline-status]:has-text('Inte sparad')")
        stored = page.evaluate(f"ParagrafOfflineStore.all('responses', 'meeting', {meeting.pk})")
        assert stored == []
    finally:
        context.close()
