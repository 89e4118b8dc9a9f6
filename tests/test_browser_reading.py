"""In a real browser on a phone (360x740): a member opens the reading view of a handling, sees
the page's text (PDF.js text layer), adds a highlight with a note, reloads and sees it; axe
finds nothing on the page."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from meetings.models import AgendaItemDocument, Meeting
from reading.models import Annotation
from tests.factories import AgendaItemFactory, CommitteeFactory, DocumentFactory, MeetingFactory, member_of
from tests.test_portal_accessibility import AXE, _axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-1"  # UserFactory's
TEXT = "Stipendier till kulturarbetare"


def text_pdf(text: str) -> bytes:
    """A one-page PDF with one line of Helvetica text (PDF.js tolerates the approximate xref)."""
    stream = f"BT /F1 18 Tf 40 700 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_member_reads_and_annotates_on_a_phone(live_server, browser):
    committee = CommitteeFactory()
    member = member_of(committee).person.user
    meeting = MeetingFactory(
        committee=committee, start=timezone.now() + timedelta(days=5), status=Meeting.Status.SUMMONED
    )
    item = AgendaItemFactory(meeting=meeting, title="Stipendier")
    document = DocumentFactory(title="Tjänsteskrivelse", content_type="application/pdf", page_count=1)
    document.file.save("handling.pdf", ContentFile(text_pdf(TEXT)))
    AgendaItemDocument.objects.create(agenda_item=item, document=document, order=1)

    context = browser.new_context(locale="sv-SE", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server.url}/konto/logga-in/")
    page.fill("#id_username", member.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.goto(f"{live_server.url}/mina-sammantraden/{meeting.pk}/")
    page.get_by_role("link", name="Läs och anteckna").first.click()
    page.wait_for_selector(".textLayer span")
    assert TEXT in page.inner_text(".textLayer")

    page.evaluate(
        """() => { const span = document.querySelector('.textLayer span');
        const range = document.createRange(); range.selectNodeContents(span);
        const s = window.getSelection(); s.removeAllRanges(); s.addRange(range); }"""
    )
    page.fill("#reading-note", "Fråga om beloppet")
    page.click("#reading-highlight")
    page.wait_for_selector("#reading-list li")
    assert Annotation.objects.get().quote.startswith("Stipendier")

    page.reload()
    page.wait_for_selector("#reading-list li")
    assert "Fråga om beloppet" in page.inner_text("#reading-list")
    assert page.locator(".reading__mark").count() >= 1

    if AXE.exists():
        axe_context = browser.new_context(
            locale="sv-SE", viewport={"width": 360, "height": 740}, bypass_csp=True
        )
        axe_page = axe_context.new_page()
        axe_page.context.add_cookies(context.cookies())
        axe_page.goto(page.url)
        axe_page.wait_for_selector("#reading-list li")
        assert _axe_violations(axe_page) == []
        axe_context.close()
    context.close()
