"""The protokoll and the protokollsutdrag as documents: what a reader finds in the PDF, page by
page, and the secretary's preview. The demo's Kommunalt forum meetings (seeds 000 and 001)
are the yardstick."""

import io
import re
import subprocess

import pikepdf
import pytest
from django.db import transaction
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import pgettext

from attendance.models import Attendance, Ballot, Disqualification, Reservation, Vote
from meetings import signing
from meetings.justering.services import protokoll_set_signers
from meetings.models import Meeting
from meetings.protokoll.context import BESTYRKANDE_FIELD, protokoll_context, protokollsutdrag_context
from meetings.protokoll.document import (
    protokoll_html,
    protokoll_render,
    protokoll_render_pdf,
    protokollsutdrag_render_pdf,
)
from meetings.protokoll.views import protokoll_preview, protokoll_preview_pdf
from meetings.services.paragraphs import protokoll_create_draft
from tests.factories import (
    AgendaItemFactory,
    CaseFactory,
    CommitteeFactory,
    MeetingFactory,
    PartyFactory,
    PersonFactory,
    secretary_of,
)

# The views are wired into the admin by the project's urls; the tests give them their own.
urlpatterns = [
    path("preview/<int:pk>/", protokoll_preview, name="protokoll-preview"),
    path("preview/<int:pk>/pdf/", protokoll_preview_pdf, name="protokoll-preview-pdf"),
]


def pdf_text(pdf: bytes, page: int | None = None, *, layout: bool = False) -> str:
    """What a reader sees: poppler's pdftotext of the whole PDF or of one page (1-based)."""
    command = ["pdftotext", "-enc", "UTF-8"]
    if layout:
        command.append("-layout")
    if page is not None:
        command += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*command, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def flat(text: str) -> str:
    return " ".join(text.split())


def page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def sv(context: str, message: str) -> str:
    """A document term as the (Swedish) protokoll prints it, translated or not yet."""
    with translation.override("sv"):
        return pgettext(context, message)


@pytest.fixture(scope="module")
def demo(demo_loaded, django_db_blocker):
    """The demo's two Kommunalt forum protokoll rendered once, with what they must contain.

    The demo is loaded in a transaction that is rolled back (conftest's demo_loaded), so the
    tests share the PDFs without sharing database rows.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        october = Meeting.objects.get(committee__name="Kommunalt forum", start__date="2024-10-11")
        december = Meeting.objects.get(committee__name="Kommunalt forum", start__date="2024-12-13")
        rendered = protokoll_render(meeting=october)
        paragraphs = list(october.paragraphs.order_by("number").select_related("case"))
        data = {
            "october": rendered.pdf,
            "october_fields": rendered.signature_fields,
            "october_reference": str(october.signature_reference),
            "paragraphs": [(p.number, p.title, p.case.diarienummer if p.case else "") for p in paragraphs],
            "signers": [s.person.display_name for s in october.justering.signatures.select_related("person")],
            "signature_names": [
                f"signature-{pk}" for pk in october.justering.signatures.values_list("pk", flat=True)
            ],
            "attendance": [a.person.full_name for a in october.attendances.select_related("person")],
            "december": protokoll_render_pdf(meeting=december),
            "december_numbers": list(december.paragraphs.order_by("number").values_list("number", flat=True)),
            "utdrag": protokollsutdrag_render_pdf(paragraph=paragraphs[8]),
            "utdrag_paragraph": (paragraphs[8].number, paragraphs[8].title),
            "secretary": october.justering.signatures.get(role="sekreterare").person.full_name,
            "secretary_certifier": protokollsutdrag_context(
                paragraph=paragraphs[8], certifier=october.justering.signatures.get(role="sekreterare").person
            )["certifier_name"],
            "seal_text": f"Bestyrkt med {october.committee.organisation.genitive_name} e-sigill",
        }
        transaction.set_rollback(True)
    return data


# --- The demo protokoll against the seeds -----------------------------------------------------


def test_demo_protokoll_holds_every_paragraph_title_diarienummer_justerare_and_attendance_name(demo):
    text = flat(pdf_text(demo["october"]))
    assert len(demo["paragraphs"]) == 11
    for number, title, diarienummer in demo["paragraphs"]:
        assert f"§ {number} {title}" in text
        if diarienummer:
            assert f"{sv('protokoll', 'Case number')}: {diarienummer}" in text
    assert "RJL 2024/3336" in text and "RJL 2024/3340" in text
    for name in [
        "Rachel De Basso (S)",
        "Kerstin Hammar (M)",
        "Therese Petersson (KD)",
        "Josefine Colliander",
    ]:
        assert name in demo["signers"] or name == "Josefine Colliander"
        assert name in text
    assert len(demo["attendance"]) == 65
    for name in demo["attendance"]:
        assert name in text
    assert "§ Paragraf" not in text
    assert "Region Jönköpings läns" in text


def test_december_protokoll_numbers_continue_the_year_from_paragraph_12(demo):
    assert demo["december_numbers"][0] == 12
    text = flat(pdf_text(demo["december"]))
    for number in demo["december_numbers"]:
        assert f"§ {number} " in text
    assert "§ 1 " not in text
    assert "§ Paragraf" not in text


def test_contents_page_numbers_match_the_pages_where_the_paragraphs_start(demo):
    pdf = demo["october"]
    contents = {}
    for page in (1, 2):
        for line in pdf_text(pdf, page, layout=True).splitlines():
            match = re.match(r"^\s*§ (\d+)\s+\S.*?\s(\d+)\s*$", line)
            if match:
                contents.setdefault(int(match.group(1)), int(match.group(2)))
    assert sorted(contents) == list(range(1, 12))
    for number, page in contents.items():
        lines = [line.strip() for line in pdf_text(pdf, page).splitlines() if line.strip()]
        # The running header comes first, then the paragraph heading.
        assert f"§ {number}" in lines[:8], (number, page, lines[:8])
        assert page > 1


def test_every_page_has_the_running_header_page_x_of_y_and_signature_reference(demo):
    pdf = demo["october"]
    total = page_count(pdf)
    assert total >= 13  # first page, 11 paragraphs, Bilaga 1
    page_word, of_word = sv("protokoll", "Page"), sv("page x of y", "of")
    for page in range(1, total + 1):
        text = flat(pdf_text(pdf, page))
        assert sv("protokoll", "MINUTES") in text
        assert "Kommunalt forum" in text
        assert sv("protokoll", "Meeting date") in text and "2024-10-11" in text
        assert f"{page_word} {page} {of_word} {total}" in text
        assert demo["october_reference"] in text


def test_attendance_is_referred_to_bilaga_1_with_the_seed_columns(demo):
    pdf = demo["october"]
    first = flat(pdf_text(pdf, 1))
    assert sv("protokoll", "Everyone present is listed in annex 1.") in first
    annex = flat(pdf_text(pdf, page_count(pdf) - 1) + pdf_text(pdf, page_count(pdf)))
    assert sv("protokoll", "Annex 1") in annex
    for column in ("Name", "Municipality/organisation", "Present (X)"):
        assert sv("protokoll", column) in annex
    assert "Mikael Fornander Aneby kommun X" in annex
    assert "Beata Allen Aneby kommun Arijana" in annex  # absent: no X


def test_outline_has_an_entry_for_every_paragraph_and_for_bilaga_1(demo):
    with pikepdf.open(io.BytesIO(demo["october"])) as document, document.open_outline() as outline:
        titles = [item.title for item in outline.root]
    for number, title, _diarienummer in demo["paragraphs"]:
        assert f"§ {number} {title}" in titles
    assert any(title.startswith(sv("protokoll", "Annex 1")) for title in titles)


def test_protokoll_is_pdf_a_2b_with_title_and_swedish_language(demo):
    with pikepdf.open(io.BytesIO(demo["october"])) as document:
        meta = document.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        assert str(document.Root.Lang).startswith("sv")
        title = str(document.docinfo["/Title"])
    assert "Kommunalt forum" in title and "2024-10-11" in title


def test_protokoll_is_untagged_so_its_signed_revisions_validate_fast(demo):
    # See meetings.pdf.render_pdf: the kallelse is tagged; signed documents are not.
    with pikepdf.open(io.BytesIO(demo["october"])) as document:
        assert "/StructTreeRoot" not in document.Root


def test_signature_boxes_lie_on_the_first_page_within_bounds_and_do_not_overlap(demo):
    fields = demo["october_fields"]
    assert sorted(f.name for f in fields) == sorted(demo["signature_names"])
    with pikepdf.open(io.BytesIO(demo["october"])) as document:
        _x0, _y0, width, height = (float(v) for v in document.pages[0].MediaBox)
    for field in fields:
        x1, y1, x2, y2 = field.box
        assert field.page == 0
        assert 0 < x1 < x2 < width and 0 < y1 < y2 < height
        assert x2 - x1 > 150 and y2 - y1 > 30  # room for a visible signature
    for a in fields:
        for b in fields:
            if a is not b:
                ax1, ay1, ax2, ay2 = a.box
                bx1, by1, bx2, by2 = b.box
                assert ax2 <= bx1 or bx2 <= ax1 or ay2 <= by1 or by2 <= ay1, (a, b)


def test_signature_fields_can_be_pre_created_in_the_reserved_boxes(demo):
    pdf = signing.pdf_add_signature_fields(demo["october"], demo["october_fields"])
    with pikepdf.open(io.BytesIO(pdf)) as document:
        names = {str(field.T) for field in document.Root.AcroForm.Fields}
        widgets = [annot for annot in document.pages[0].get("/Annots", []) if annot.get("/FT") == "/Sig"]
    assert names == set(demo["signature_names"])
    assert len(widgets) == len(names)


def test_protokollsutdrag_holds_the_paragraph_justerande_and_the_bestyrkande(demo):
    rendered = demo["utdrag"]
    number, title = demo["utdrag_paragraph"]
    text = flat(pdf_text(rendered.pdf))
    assert sv("protokoll", "EXTRACT FROM THE MINUTES") in text
    assert f"§ {number} {title}" in text
    assert "RJL 2024/3340" in text
    assert sv("protokoll", "Signatures of the adjusters") in text
    assert "Kerstin Hammar (M)" in text and "Therese Petersson (KD)" in text
    assert "2024-10-17" in text  # justerat
    assert sv("protokoll", "Certification") in text
    assert sv("protokoll", "The correctness of the extract is certified") in text
    # Made on demand, it is sealed with the organisation's e-sigill and says so; the secretary's
    # own bestyrkande names her instead.
    assert demo["seal_text"] in text
    assert demo["secretary_certifier"] == demo["secretary"]
    assert [f.name for f in rendered.signature_fields] == [BESTYRKANDE_FIELD]
    assert rendered.signature_fields[0].page == 0
    assert rendered.page_count == 1


# --- Content built with factories -------------------------------------------------------------


@pytest.fixture
def drafted(db):
    """A nämnd meeting drafted from three agenda items; attendance recorded inline."""
    committee = CommitteeFactory(name="Nämnd för arbetsmarknad, näringsliv och attraktivitet")
    meeting = MeetingFactory(committee=committee, status=Meeting.Status.HELD)
    for title in ("Val av protokollsjusterare", "Budget 2025", "Ansökan om stöd"):
        AgendaItemFactory(
            meeting=meeting,
            title=title,
            case=CaseFactory() if title != "Val av protokollsjusterare" else None,
        )
    protokoll_create_draft(meeting=meeting)
    return meeting


def test_public_version_never_shows_a_confidential_paragraph(drafted):
    confidential = drafted.paragraphs.order_by("order")[2]
    confidential.confidential = True
    confidential.osl_reference = "OSL 31 kap. 16 §"
    confidential.public_title = "Ansökan om stöd"
    confidential.decision = "<p>Bolaget Hemlighetsfull AB beviljas stöd med 812 345 kronor.</p>"
    confidential.save()
    members = flat(pdf_text(protokoll_render_pdf(meeting=drafted)))
    public = flat(pdf_text(protokoll_render_pdf(meeting=drafted, public=True)))
    assert "Hemlighetsfull AB" in members and "812 345" in members
    assert "Hemlighetsfull" not in public and "812 345" not in public
    assert confidential.case.diarienummer not in public
    assert f"§ {confidential.number}" in public and "OSL 31 kap. 16 §" in public
    assert "Ansökan om stöd" in public
    assert "Budget 2025" in public  # the open paragraphs are all there


def test_votes_reservations_jav_and_serving_substitutes_are_printed(drafted):
    party_s, party_m = PartyFactory(abbreviation="S"), PartyFactory(abbreviation="M")
    anna = PersonFactory(first_name="Anna", last_name="Ek", party=party_s)
    bo = PersonFactory(first_name="Bo", last_name="Lind", party=party_m)
    cecilia = PersonFactory(first_name="Cecilia", last_name="Berg", party=party_m)
    dan = PersonFactory(first_name="Dan", last_name="Holm", party=party_m)
    official = PersonFactory(first_name="Eva", last_name="Sand", title="ekonomichef")
    Attendance.objects.create(meeting=drafted, person=anna, serving=True)
    Attendance.objects.create(meeting=drafted, person=bo, serving=True)
    Attendance.objects.create(meeting=drafted, person=dan, status=Attendance.Status.ABSENT)
    Attendance.objects.create(
        meeting=drafted, person=cecilia, capacity=Attendance.Capacity.SUBSTITUTE, serving=True, replaces=dan
    )
    Attendance.objects.create(meeting=drafted, person=official, capacity=Attendance.Capacity.OFFICIAL)
    budget = drafted.paragraphs.get(title="Budget 2025")
    budget.motions = "<p>Bo Lind (M) yrkar avslag.</p>"
    budget.procedure = "<p>Ordföranden ställer proposition på förslagen.</p>"
    budget.save()
    vote = Vote.objects.create(
        paragraph=budget, proposition_yes="Bifall till förslaget", proposition_no="Avslag", result="ja"
    )
    Ballot.objects.create(vote=vote, person=anna, choice="ja")
    Ballot.objects.create(vote=vote, person=cecilia, choice="ja")
    Ballot.objects.create(vote=vote, person=bo, choice="nej")
    Reservation.objects.create(paragraph=budget, person=bo, text="Budgeten är inte finansierad.")
    Disqualification.objects.create(paragraph=drafted.paragraphs.get(title="Ansökan om stöd"), person=anna)

    text = flat(pdf_text(protokoll_render_pdf(meeting=drafted)))
    with translation.override("sv"):
        context = protokoll_context(meeting=drafted)
    assert context["attendance"]["serving_substitutes"][0]["replaces"] == "Dan Holm (M)"
    assert "Anna Ek (S)" in text and "Bo Lind (M)" in text
    assert "Cecilia Berg (M) " + sv("protokoll", "for %(name)s") % {"name": "Dan Holm (M)"} in text
    assert "Eva Sand, ekonomichef" in text
    assert "Bifall till förslaget" in text and "Avslag" in text
    assert sv("protokoll", "Open vote") in text
    assert "Budgeten är inte finansierad." in text
    assert "Bo Lind (M) yrkar avslag." in text
    assert "Ordföranden ställer proposition på förslagen." in text
    assert "Anna Ek (S)" in text.split(sv("protokoll", "Conflict of interest"))[-1]


def test_draft_without_chosen_signers_shows_secretary_and_chair_and_reserves_no_fields(drafted):
    drafted.secretary = PersonFactory(first_name="Linda", last_name="Byman")
    drafted.chair = PersonFactory(
        first_name="Per", last_name="Eriksson", party=PartyFactory(abbreviation="C")
    )
    drafted.save()
    rendered = protokoll_render(meeting=drafted)
    first = flat(pdf_text(rendered.pdf, 1))
    assert "Linda Byman" in first and "Per Eriksson (C)" in first
    assert rendered.signature_fields == []


def test_chosen_signers_get_one_field_each_named_after_their_signature(drafted):
    chair, adjuster, secretary = PersonFactory(), PersonFactory(), PersonFactory()
    justering = protokoll_set_signers(meeting=drafted, chair=chair, adjusters=[adjuster], secretary=secretary)
    rendered = protokoll_render(meeting=drafted)
    expected = {f"signature-{pk}" for pk in justering.signatures.values_list("pk", flat=True)}
    assert {f.name for f in rendered.signature_fields} == expected
    assert all(f.page == 0 for f in rendered.signature_fields)


def test_immediate_justering_extract_reserves_boxes_for_the_justerande(drafted):
    chair, adjuster = PersonFactory(), PersonFactory()
    justering = protokoll_set_signers(meeting=drafted, chair=chair, adjusters=[adjuster])
    paragraph = drafted.paragraphs.get(title="Budget 2025")
    paragraph.immediate_justering = True
    paragraph.save()
    rendered = protokollsutdrag_render_pdf(paragraph=paragraph)
    names = {f.name for f in rendered.signature_fields}
    assert names == {BESTYRKANDE_FIELD} | {f"signature-{s.pk}" for s in justering.signatures.all()}
    text = flat(pdf_text(rendered.pdf))
    assert sv("protokoll", "This paragraph was approved immediately (omedelbar justering).") in text


# --- Preview ----------------------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_preview_is_shown_to_the_committees_secretary_and_404_for_another_committees(client, drafted):
    own = secretary_of(drafted.committee)
    other = secretary_of(CommitteeFactory())
    html_url = reverse("protokoll-preview", args=[drafted.pk])
    pdf_url = reverse("protokoll-preview-pdf", args=[drafted.pk])

    client.force_login(own)
    response = client.get(html_url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Budget 2025" in page and "§ " in page
    assert 'class="preview-bar"' in page
    response = client.get(pdf_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Budget 2025" in flat(pdf_text(b"".join(response.streaming_content)))

    client.force_login(other)
    assert client.get(html_url).status_code == 404
    assert client.get(pdf_url).status_code == 404


def test_preview_html_is_the_document_the_pdf_is_built_from(drafted):
    html = protokoll_html(meeting=drafted)
    preview = protokoll_html(meeting=drafted, preview=True)
    assert "preview-bar" not in html and "preview-bar" in preview
    for paragraph in drafted.paragraphs.all():
        assert f'id="paragraph-{paragraph.number}"' in html
