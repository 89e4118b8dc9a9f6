"""Issue 19's members' walk in one real browser on a phone: a member annotates a handling in the
reading view, saves the meeting for offline reading, reads the handling and its notes with the
network cut, writes a note offline, and the note reaches the server when the network is back."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from meetings.models import AgendaItemDocument, Meeting
from reading.models import Annotation
from tests.factories import AgendaItemFactory, CommitteeFactory, DocumentFactory, MeetingFactory, member_of
from tests.test_browser_reading import PASSWORD, TEXT, text_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_annotates_reads_offline_and_the_offline_note_syncs(live_server, browser):
    committee = CommitteeFactory()
    member = member_of(committee).person.user
    meeting = MeetingFactory(
        committee=committee, start=timezone.now() + timedelta(days=3), status=Meeting.Status.SUMMONED
    )
    item = AgendaItemFactory(meeting=meeting, title="Stipendier")
    document = DocumentFactory(title="Tjänsteskrivelse", content_type="application/pdf", page_count=1)
    document.file.save("handling.pdf", ContentFile(text_pdf(TEXT)))
    AgendaItemDocument.objects.create(agenda_item=item, document=document, order=1)
    reading_url = f"{live_server.url}/mina-sammantraden/{meeting.pk}/handlingar/{document.pk}/las/"

    context = browser.new_context(locale="sv-SE", viewport={"width": 360, "height": 740})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{live_server.url}/konto/logga-in/")
        page.fill("#id_username", member.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit], input[type=submit]")
        page.wait_for_url(f"{live_server.url}/mina-sammantraden/")

        # Online: a note in the reading view goes to the server.
        page.goto(reading_url)
        page.wait_for_selector(".textLayer span")
        page.fill("#reading-note", "Fråga om beloppet")
        page.click("#reading-add-note")
        page.wait_for_selector("#reading-list li")
        assert Annotation.objects.of(member).get().text == "Fråga om beloppet"

        # Save the meeting for offline reading (the worker controls the members' pages first).
        page.goto(f"{live_server.url}/mina-sammantraden/{meeting.pk}/")
        page.evaluate("navigator.serviceWorker.ready")
        page.reload()
        page.click("[data-offline-save]")
        status = "[data-offline-status]"
        for _ in range(150):
            if "Sparad för läsning offline" in page.inner_text(status):
                break
            page.wait_for_timeout(200)
        assert "Sparad för läsning offline" in page.inner_text(status), (page.inner_text(status), errors)
        page.goto(reading_url)  # the notes are now kept on the device as well
        page.wait_for_selector("#reading-list li")

        # Offline: the reading view, the handling and the note open from the device.
        context.set_offline(True)
        page.goto(reading_url)
        page.wait_for_selector(".textLayer span")
        assert TEXT in page.inner_text(".textLayer")
        page.wait_for_selector("#reading-list li")
        assert "Fråga om beloppet" in page.inner_text("#reading-list")

        page.fill("#reading-note", "Skrivet på tåget")
        page.click("#reading-add-note")
        page.wait_for_selector("#reading-list li:has-text('Skrivet på tåget')")
        assert Annotation.objects.of(member).count() == 1

        # Back online: the queued note is sent, and the reading view shows both from the server.
        context.set_offline(False)
        page.goto(reading_url)
        page.wait_for_selector("#reading-list li:has-text('Skrivet på tåget')")
        for _ in range(30):
            if Annotation.objects.of(member).count() == 2:
                break
            page.wait_for_timeout(200)
        texts = sorted(a.text for a in Annotation.objects.of(member))
        assert texts == ["Fråga om beloppet", "Skrivet på tåget"]
    finally:
        context.close()
