"""Bilagor of the protokoll: a handling attached to a § is numbered (after the närvarolista when
that is Bilaga 1), merged into the protokoll PDF after the §§ with its page range in the
innehållsförteckning, named in its §, published unless confidential, and locked with the
protokoll once it is frozen (service, ORM and database trigger)."""

import io
import re
import subprocess

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext

from meetings.justering.document import protokoll_snapshot, snapshot_hash
from meetings.models import Meeting, ParagraphAnnex, ProtokollLockedError
from meetings.protokoll.annexes import annex_attach, annex_move, annex_remove, meeting_annexes
from meetings.protokoll.document import protokoll_render
from portal.published import withheld_in_public_protokoll
from tests.factories import PdfDocumentFactory, pdf_bytes
from tests.test_justering_flow import Cast, fresh_certificates  # noqa: F401 - the fixture

pytestmark = [pytest.mark.django_db]


def pdf_text(pdf: bytes, first: int | None = None, last: int | None = None, *, layout=False) -> str:
    command = ["pdftotext", "-enc", "UTF-8"]
    if layout:
        command.append("-layout")
    if first:
        command += ["-f", str(first), "-l", str(last or first)]
    return subprocess.run([*command, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def flat(text: str) -> str:
    return " ".join(text.split())


def page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def sv(message: str, context: str = "protokoll", **params) -> str:
    with translation.override("sv"):
        return pgettext(context, message) % params if params else pgettext(context, message)


def presentation(title: str, pages: int, **kwargs):
    return PdfDocumentFactory(
        title=title, pages=tuple(f"{title} sida {n}" for n in range(1, pages + 1)), **kwargs
    )


@pytest.fixture
def cast():
    cast = Cast()
    cast.first, cast.second = cast.meeting.paragraphs.order_by("order")
    return cast


def test_bilagor_are_numbered_in_paragraph_order_after_the_narvarolista(cast):
    Meeting.objects.filter(pk=cast.meeting.pk).update(attendance_as_annex=True)
    cast.meeting.refresh_from_db()
    late = annex_attach(paragraph=cast.second, document=presentation("RUS", 2))
    early = annex_attach(paragraph=cast.first, document=presentation("Dagordning", 1))
    also_late = annex_attach(paragraph=cast.second, document=presentation("Karta", 1))
    assert [(n.number, n.annex) for n in meeting_annexes(cast.meeting)] == [
        (2, early),
        (3, late),
        (4, also_late),
    ]
    annex_move(annex=also_late, step=-1)
    assert [n.annex for n in meeting_annexes(cast.meeting)] == [early, also_late, late]
    annex_remove(annex=early)
    assert [(n.number, n.annex) for n in meeting_annexes(cast.meeting)] == [(2, also_late), (3, late)]
    Meeting.objects.filter(pk=cast.meeting.pk).update(attendance_as_annex=False)
    cast.meeting.refresh_from_db()
    assert [n.number for n in meeting_annexes(cast.meeting)] == [1, 2]


def test_a_handling_without_a_pdf_or_attached_twice_is_refused(cast):
    no_file = PdfDocumentFactory(title="Utkast", file="", sha256="")
    with pytest.raises(ValidationError):
        annex_attach(paragraph=cast.first, document=no_file)
    document = presentation("RUS", 1)
    annex_attach(paragraph=cast.first, document=document)
    with pytest.raises(ValidationError):
        annex_attach(paragraph=cast.first, document=document)


def _contents_rows(pdf: bytes) -> dict[int, tuple[int, int]]:
    """Bilaga number → (first page, last page) as the innehållsförteckning prints them."""
    label = sv("Annex %(number)s", number=0).replace("0", "")
    rows = {}
    for line in pdf_text(pdf, 1, 2, layout=True).splitlines():
        match = re.match(rf"^\s*{re.escape(label)}(\d+):.*?\s(\d+)(?:\s*-\s*(\d+))?\s*$", line)
        if match:
            first = int(match.group(2))
            rows[int(match.group(1))] = (first, int(match.group(3) or first))
    return rows


def test_bilagor_are_merged_after_the_paragraphs_with_their_pages_in_the_contents(cast):
    Meeting.objects.filter(pk=cast.meeting.pk).update(attendance_as_annex=True)
    annex_attach(paragraph=cast.second, document=presentation("Bildpresentation RUS", 3))
    annex_attach(paragraph=cast.second, document=presentation("Karta", 2))
    without = protokoll_render(meeting=cast.meeting, signature_fields=False)
    # (Rendered again with the bilagor: the protokoll's own pages are the same.)
    pdf = protokoll_render(meeting=cast.meeting).pdf
    total = page_count(pdf)
    own_pages = total - 5
    assert own_pages >= 4  # first page, two §§, Bilaga 1
    assert without.page_count == total
    rows = _contents_rows(pdf)
    assert rows == {
        1: (own_pages, own_pages),  # the närvarolista, the last of the protokoll's own pages
        2: (own_pages + 1, own_pages + 3),
        3: (own_pages + 4, own_pages + 5),
    }
    for number, title in ((2, "Bildpresentation RUS"), (3, "Karta")):
        first, last = rows[number]
        for page in range(first, last + 1):
            assert f"{title} sida {page - first + 1}" in pdf_text(pdf, page)
    # Every own page counts the whole document, in Swedish: "Sida 1 av 10".
    for page in range(1, own_pages + 1):
        assert f"{sv('Page')} {page} {sv('of', 'page x of y')} {total}" in flat(pdf_text(pdf, page))
    # The § names its bilagor by number, so the text can say "se bilaga 2".
    paragraph_text = flat(pdf_text(pdf, 3))
    assert f"{sv('Annex %(number)s', number=2)}: Bildpresentation RUS" in paragraph_text
    assert f"{sv('Annex %(number)s', number=3)}: Karta" in paragraph_text
    with pikepdf.open(io.BytesIO(pdf)) as document, document.open_outline() as outline:
        titles = [item.title for item in outline.root]
    assert f"{sv('Annex %(number)s', number=2)} Bildpresentation RUS" in titles


def test_a_confidential_bilaga_is_left_out_of_the_public_version_and_named_as_withheld(cast):
    annex_attach(paragraph=cast.second, document=presentation("Öppen presentation", 1))
    annex_attach(
        paragraph=cast.second,
        document=presentation("Hemlig utredning", 2, confidential=True, osl_reference="OSL 26 kap. 1 §"),
    )
    members = protokoll_render(meeting=cast.meeting).pdf
    public = protokoll_render(meeting=cast.meeting, public=True, signature_fields=False).pdf
    assert "Hemlig utredning sida 2" in flat(pdf_text(members))
    public_text = flat(pdf_text(public))
    assert "Hemlig utredning" not in public_text
    assert "Öppen presentation sida 1" in public_text
    assert sv("Withheld, confidential (%(osl)s)", osl="OSL 26 kap. 1 §") in public_text
    assert page_count(members) == page_count(public) + 2
    assert Meeting.objects.filter(withheld_in_public_protokoll(), pk=cast.meeting.pk).exists()


def test_a_meeting_with_only_open_bilagor_publishes_the_signed_protokoll_itself(cast):
    annex_attach(paragraph=cast.second, document=presentation("Öppen presentation", 1))
    assert not Meeting.objects.filter(withheld_in_public_protokoll(), pk=cast.meeting.pk).exists()


def test_a_changed_bilaga_changes_the_content_hash(cast):
    annex = annex_attach(paragraph=cast.second, document=presentation("RUS", 1))
    before = snapshot_hash(protokoll_snapshot(cast.meeting))
    annex_remove(annex=annex)
    annex_attach(paragraph=cast.second, document=presentation("RUS", 2))
    assert snapshot_hash(protokoll_snapshot(cast.meeting)) != before


@pytest.mark.usefixtures("signing_ca", "fresh_certificates")
def test_the_frozen_protokoll_includes_its_bilagor_and_they_are_locked(cast):
    document = presentation("Bildpresentation RUS", 2)
    annex = annex_attach(paragraph=cast.second, document=document)
    justering = cast.freeze()
    with justering.frozen_file.open("rb") as handle:
        frozen = handle.read()
    assert "Bildpresentation RUS sida 2" in flat(pdf_text(frozen))
    assert justering.snapshot["annexes"][0][2] == document.pk
    # The service refuses, the ORM refuses, and the database refuses.
    with pytest.raises(ValidationError):
        annex_attach(paragraph=cast.first, document=presentation("Sent", 1))
    with pytest.raises(ValidationError):
        annex_remove(annex=annex)
    annex.order = 5
    with pytest.raises(ProtokollLockedError):
        annex.save()
    with pytest.raises(ProtokollLockedError):
        ParagraphAnnex(paragraph=cast.first, document=presentation("Sent", 1)).save()
    late = presentation("Sent igen", 1)
    for sql, params in (
        ("UPDATE meetings_paragraphannex SET " + '"order"' + " = 7 WHERE id = %s", [annex.pk]),
        (
            "INSERT INTO meetings_paragraphannex (paragraph_id, document_id, "
            + '"order"'
            + ") VALUES (%s, %s, 0)",
            [cast.first.pk, late.pk],
        ),
        ("UPDATE cases_document SET sha256 = 'x' WHERE id = %s", [document.pk]),
    ):
        with pytest.raises(Exception, match="protokoll_locked"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)


@pytest.mark.usefixtures("signing_ca", "fresh_certificates")
def test_freezing_refuses_a_bilaga_whose_pdf_cannot_be_read(cast):
    document = presentation("Trasig", 1)
    annex_attach(paragraph=cast.second, document=document)
    with document.file.open("wb") as handle:
        handle.write(b"not a pdf")
    with pytest.raises(ValidationError):
        cast.freeze()
    cast.meeting.refresh_from_db()
    assert cast.meeting.status in Meeting.Status.DRAFTING


# --- The workspace page -------------------------------------------------------------------------


def test_the_secretary_attaches_uploads_reorders_and_removes_bilagor_on_the_workspace_page(cast, client):
    client.force_login(cast.secretary)
    url = reverse("workspace:bilagor", args=[cast.meeting.pk])
    handling = presentation("Tjänsteskrivelse RUS", 1)
    cast.second.agenda_item.attachments.create(document=handling)
    page = client.get(url)
    assert page.status_code == 200
    assert "Tjänsteskrivelse RUS" in page.content.decode()

    response = client.post(url, {"action": "attach", "paragraph": cast.second.pk, "document": handling.pk})
    assert response.status_code == 302
    upload = SimpleUploadedFile("rus.pdf", pdf_bytes("Bild 1"), "application/pdf")
    response = client.post(
        url, {"action": "upload", "paragraph": cast.second.pk, "title": "Bildpresentation", "upload": upload}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    numbered = meeting_annexes(cast.meeting)
    assert [n.document.title for n in numbered] == ["Tjänsteskrivelse RUS", "Bildpresentation"]
    client.post(url, {"action": "up", "annex": numbered[1].annex.pk})
    assert [n.document.title for n in meeting_annexes(cast.meeting)] == [
        "Bildpresentation",
        "Tjänsteskrivelse RUS",
    ]
    text = client.get(url).content.decode()
    with translation.override("sv"):
        assert "Bilaga 1" in text and "Bilaga 2" in text
    client.post(url, {"action": "remove", "annex": numbered[0].annex.pk})
    assert [n.document.title for n in meeting_annexes(cast.meeting)] == ["Bildpresentation"]


def test_the_page_refuses_a_bilaga_of_another_meeting_and_a_document_not_of_the_item(cast, client):
    client.force_login(cast.secretary)
    url = reverse("workspace:bilagor", args=[cast.meeting.pk])
    stranger = presentation("Annat ärende", 1)
    response = client.post(url, {"action": "attach", "paragraph": cast.second.pk, "document": stranger.pk})
    assert response.status_code == 404
    response = client.post(url, {"action": "remove", "annex": 999_999})
    assert response.status_code == 404


def test_an_upload_that_is_not_a_pdf_shows_the_form_again_with_the_error(cast, client):
    client.force_login(cast.secretary)
    url = reverse("workspace:bilagor", args=[cast.meeting.pk])
    upload = SimpleUploadedFile("notes.txt", b"just text", "text/plain")
    response = client.post(
        url, {"action": "upload", "paragraph": cast.second.pk, "title": "Anteckningar", "upload": upload}
    )
    assert response.status_code == 400
    assert "Anteckningar" in response.content.decode()
    assert not meeting_annexes(cast.meeting)
