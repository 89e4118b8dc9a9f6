"""Rich text (the förslag till beslut, the § texts) is cleaned on save with nh3: scripts, event
handlers, style, frames, javascript: links and SVG/MathML are removed, whichever way the HTML
arrives; the allowed formatting (paragraphs, bold, italic, lists, line breaks) is kept."""

import pytest
from django.urls import reverse

from meetings.models import AgendaItem, Meeting, Paragraph
from meetings.services.paragraphs import protokoll_create_draft
from tests.factories import AgendaItemFactory, CommitteeFactory, MeetingFactory, UserFactory, member_of
from tests.test_document_upload import agenda_item_post_data

pytestmark = pytest.mark.django_db

# (name, hostile HTML, what is left of it)
ATTACKS = [
    ("script", "<p>Bifalla<script>alert(1)</script> motionen</p>", "<p>Bifalla motionen</p>"),
    ("onerror", '<p>Bild</p><img src="x" onerror="alert(1)">', "<p>Bild</p>"),
    ("onclick", '<p onclick="alert(1)">Klicka</p>', "<p>Klicka</p>"),
    ("onmouseover", '<p><strong onmouseover="alert(1)">fet</strong></p>', "<p><strong>fet</strong></p>"),
    ("style-expression", '<p style="width: expression(alert(1))">Text</p>', "<p>Text</p>"),
    (
        "style-element",
        "<style>body { background: url(javascript:alert(1)) }</style><p>Text</p>",
        "<p>Text</p>",
    ),
    ("javascript-link", '<p><a href="javascript:alert(1)">länk</a></p>', "<p>länk</p>"),
    ("iframe", '<iframe src="https://example.org/"></iframe><p>Text</p>', "<p>Text</p>"),
    ("svg-script", "<svg><script>alert(1)</script></svg><p>Text</p>", "<p>Text</p>"),
    ("svg-onload", '<svg onload="alert(1)"><circle r="1"/></svg><p>Text</p>', "<p>Text</p>"),
    ("math-href", '<math><mi xlink:href="javascript:alert(1)">x</mi></math><p>Text</p>', "<p>Text</p>"),
    ("object", '<object data="x.swf"></object><embed src="x.swf"><p>Text</p>', "<p>Text</p>"),
    ("form", '<form action="https://evil.example/"><input name="pw"></form><p>Text</p>', "<p>Text</p>"),
    (
        "meta-refresh",
        '<meta http-equiv="refresh" content="0;url=https://evil.example/"><p>Text</p>',
        "<p>Text</p>",
    ),
    ("base", '<base href="https://evil.example/"><p>Text</p>', "<p>Text</p>"),
    (
        "noscript-mutation",
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
        None,  # mutation XSS: whatever is left must be inert, see `assert_inert`
    ),
]
ALLOWED = (
    "<p><strong>Fet</strong> och <em>kursiv</em><br>rad två</p>"
    "<ul><li><p>punkt</p></li></ul><ol><li><p>ett</p></li></ol>"
)

DANGEROUS = (
    "<script",
    "onerror",
    "onclick",
    "onmouseover",
    "onload",
    "style",
    "javascript:",
    "<iframe",
    "<svg",
)


def assert_inert(html: str) -> None:
    lowered = html.lower()
    for marker in DANGEROUS + ("<img", "<math", "<object", "<embed", "<form", "<meta", "<base", "<a "):
        assert marker not in lowered, (marker, html)


@pytest.mark.parametrize(("attack", "hostile", "cleaned"), ATTACKS, ids=[a[0] for a in ATTACKS])
@pytest.mark.parametrize("field", ["proposal", "summary"])
def test_agenda_item_rich_text_is_cleaned_on_save(attack, hostile, cleaned, field):
    item = AgendaItemFactory(**{field: hostile})

    stored = AgendaItem.objects.values_list(field, flat=True).get(pk=item.pk)
    assert_inert(stored)
    if cleaned is not None:
        assert stored == cleaned


@pytest.mark.parametrize(("attack", "hostile", "cleaned"), ATTACKS, ids=[a[0] for a in ATTACKS])
@pytest.mark.parametrize("field", ["decision", "summary", "motions", "procedure", "notes"])
def test_paragraph_rich_text_is_cleaned_on_save(attack, hostile, cleaned, field):
    paragraph = draft_paragraph()
    setattr(paragraph, field, hostile)
    paragraph.save()

    stored = Paragraph.objects.values_list(field, flat=True).get(pk=paragraph.pk)
    assert_inert(stored)
    if cleaned is not None:
        assert stored == cleaned


def test_the_allowed_formatting_is_kept():
    item = AgendaItemFactory(proposal=ALLOWED)
    item.refresh_from_db()
    assert item.proposal == ALLOWED


def draft_paragraph(**item_fields) -> Paragraph:
    meeting = MeetingFactory(status=Meeting.Status.HELD)
    AgendaItemFactory(meeting=meeting, title="Motion om kultur för hälsa", **item_fields)
    return protokoll_create_draft(meeting=meeting)[0]


def test_the_proposal_carried_into_the_protokoll_is_the_cleaned_one():
    paragraph = draft_paragraph(proposal='<p onclick="alert(1)">Bifalla<script>alert(1)</script></p>')

    assert paragraph.decision == "<p>Bifalla</p>"


def test_hostile_html_posted_through_the_admin_is_stored_clean(client):
    item = AgendaItemFactory(
        meeting=MeetingFactory(status=Meeting.Status.AGENDA_DRAFTED), title="Budget 2025"
    )
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    data = agenda_item_post_data(item, uploads=[])
    data["proposal"] = '<p>Bifalla</p><script>alert(1)</script><img src=x onerror="alert(1)">'
    data["summary"] = '<p style="background:url(javascript:alert(1))"><a href="javascript:alert(1)">x</a></p>'

    response = client.post(reverse("admin:meetings_agendaitem_change", args=[item.pk]), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    item.refresh_from_db()
    assert item.proposal == "<p>Bifalla</p>"
    assert item.summary == "<p>x</p>"


def test_the_members_meeting_page_shows_no_script_from_rich_text(client):
    committee = CommitteeFactory()
    meeting = MeetingFactory(committee=committee, status=Meeting.Status.SUMMONED)
    AgendaItemFactory(meeting=meeting, proposal="<p>Bifalla</p><script>alert('xss')</script>")
    client.force_login(member_of(committee))

    response = client.get(reverse("meetings:meeting", args=[meeting.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<p>Bifalla</p>" in html
    assert "alert('xss')" not in html
