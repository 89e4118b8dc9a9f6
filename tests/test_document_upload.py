"""Uploading handlingar: checked by content, stored once per content, DOCX/ODT converted to PDF."""

import hashlib
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import documents
from cases.documents import document_upload
from cases.models import Document
from meetings.models import AgendaItemDocument
from meetings.services.handlingar import agenda_item_attach_document
from tests.factories import AgendaItemFactory, CaseFactory, UserFactory

pytestmark = pytest.mark.django_db

SOFFICE_MISSING = shutil.which("soffice") is None


@pytest.fixture
def media(settings, tmp_path):
    """A MEDIA_ROOT of the test's own, to see exactly which files an upload leaves."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file())


def pdf_bytes(pages: int = 1, *, title: str = "Tjänsteskrivelse", **save_options) -> bytes:
    pdf = pikepdf.new()
    for _page in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = title
    buffer = io.BytesIO()
    pdf.save(buffer, **save_options)
    return buffer.getvalue()


WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_bytes(*paragraphs: str) -> bytes:
    """A minimal but complete Word document, zipped by hand."""
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/>'
            "</Relationships>"
        ),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:document xmlns:w="{WORD_NS}"><w:body>{body}</w:body></w:document>'
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in files.items():
            package.writestr(name, text)
    return buffer.getvalue()


def odt_bytes(text: str) -> bytes:
    """A minimal OpenDocument text: "mimetype" first and stored, then the content."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", documents.ODT, compress_type=zipfile.ZIP_STORED)
        package.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
            f"<office:body><office:text><text:p>{text}</text:p></office:text></office:body>"
            "</office:document-content>",
            compress_type=zipfile.ZIP_DEFLATED,
        )
        package.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
            'manifest:version="1.2">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{documents.ODT}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    return buffer.getvalue()


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def upload(name: str, content: bytes, **fields) -> Document:
    return document_upload(
        uploaded_file=SimpleUploadedFile(name, content),
        title=fields.pop("title", "Tjänsteskrivelse daterad 2022-09-05"),
        kind=fields.pop("kind", Document.Kind.TJANSTESKRIVELSE),
        **fields,
    )


def assert_refused(media, name, content, code, **fields):
    """The upload is refused with `code`, a message naming the file, and nothing stored."""
    before = stored_files(media)
    with pytest.raises(ValidationError) as refused:
        upload(name, content, **fields)
    assert refused.value.code == code
    assert name in " ".join(refused.value.messages)
    assert Document.objects.count() == 0
    assert stored_files(media) == before


# --- Refusals ---------------------------------------------------------------------------------


def test_empty_file_is_refused_and_nothing_is_stored(media):
    assert_refused(media, "tom.pdf", b"", "empty")


def test_file_over_the_size_limit_is_refused_before_it_is_read(media, settings):
    settings.PARAGRAF_UPLOAD_MAX_BYTES = 1000
    assert_refused(media, "stor.pdf", pdf_bytes() + b"%" * 1000, "too_large")


def test_png_named_pdf_is_refused_by_its_content(media):
    assert_refused(media, "x.pdf", PNG_BYTES, "unsupported_type")


def test_program_named_docx_is_refused_by_its_content(media):
    assert_refused(media, "beslut.docx", b"MZ\x90\x00" + b"\x00" * 200, "unsupported_type")


def test_zip_that_is_not_a_word_document_is_refused(media):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("readme.txt", "hej")
    assert_refused(media, "bilaga.docx", buffer.getvalue(), "unsupported_type")


def test_corrupt_pdf_is_refused(media):
    assert_refused(media, "trasig.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage\n", "corrupt")


def test_password_protected_pdf_is_refused(media):
    encrypted = pdf_bytes(encryption=pikepdf.Encryption(owner="hemligt", user="hemligt"))
    assert_refused(media, "lösenord.pdf", encrypted, "encrypted")


def test_encrypted_pdf_without_user_password_is_refused_too(media):
    encrypted = pdf_bytes(encryption=pikepdf.Encryption(owner="hemligt", user=""))
    assert_refused(media, "skyddad.pdf", encrypted, "encrypted")


def test_confidential_document_without_osl_ground_is_refused_and_nothing_is_stored(media):
    before = stored_files(media)
    with pytest.raises(ValidationError) as refused:
        upload("sekretess.pdf", pdf_bytes(), confidential=True)
    assert "osl_reference" in refused.value.message_dict
    assert Document.objects.count() == 0
    assert stored_files(media) == before


def test_docx_is_refused_when_libreoffice_is_not_installed(media, monkeypatch):
    monkeypatch.setattr(documents.shutil, "which", lambda name: None)
    assert_refused(media, "missiv.docx", docx_bytes("Missiv"), "conversion_unavailable")


# --- Accepted uploads --------------------------------------------------------------------------


def test_pdf_is_stored_with_its_sha256_size_and_page_count(media):
    content = pdf_bytes(pages=3)
    document = upload("Tjänsteskrivelse.pdf", content, case=CaseFactory())

    document.refresh_from_db()
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.page_count == 3
    assert document.size == len(content)
    assert document.content_type == "application/pdf"
    assert document.original_name == "Tjänsteskrivelse.pdf"
    assert document.conversion == Document.Conversion.NONE
    assert document.file.name == f"documents/{document.sha256[:2]}/{document.sha256}.pdf"
    assert (media / document.file.name).read_bytes() == content


def test_same_content_uploaded_twice_is_stored_once(media):
    content = pdf_bytes(pages=2)
    first = upload("a.pdf", content, title="Bilaga")
    second = upload("kopia av a.pdf", content, title="Bilaga igen")

    assert first.pk != second.pk
    assert first.file.name == second.file.name
    assert stored_files(media) == [media / first.file.name]


def test_odt_is_recognised_by_content_and_waits_for_conversion(media):
    document = upload(
        "protokollsutdrag.odt", odt_bytes("Protokollsutdrag"), kind=Document.Kind.PROTOKOLLSUTDRAG
    )

    assert document.conversion == Document.Conversion.PENDING
    assert document.content_type == documents.ODT
    assert document.source_file.name.endswith(".odt")
    assert not document.file


@pytest.mark.skipif(SOFFICE_MISSING, reason="LibreOffice (soffice) is not installed")
def test_docx_is_converted_to_pdf_with_its_text(media, django_capture_on_commit_callbacks):
    content = docx_bytes("Förslag till beslut", "Nämnden beslutar att godkänna Projekt Smart utveckling.")
    with django_capture_on_commit_callbacks(execute=True):
        document = upload("Tjänsteskrivelse Smart utveckling.docx", content)

    document.refresh_from_db()
    assert document.conversion == Document.Conversion.DONE, document.conversion_error
    assert document.source_file.name.endswith(".docx")
    assert document.file.name.endswith(".pdf")
    assert document.content_type == "application/pdf"
    assert document.page_count == 1
    pdf = (media / document.file.name).read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == document.sha256
    text = subprocess.run(
        ["pdftotext", str(media / document.file.name), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Nämnden beslutar att godkänna Projekt Smart utveckling." in text

    # Converting again does nothing; the same original uploaded again reuses the PDF at once.
    from cases.tasks import convert_document_to_pdf

    assert convert_document_to_pdf(document.pk) == Document.Conversion.DONE
    again = upload("kopia.docx", content, title="Samma skrivelse")
    assert again.conversion == Document.Conversion.DONE
    assert again.file.name == document.file.name
    assert len(stored_files(media)) == 2  # one original, one PDF


def test_failed_conversion_is_recorded_and_keeps_the_original(media, settings, monkeypatch):
    monkeypatch.setattr(documents.shutil, "which", lambda name: "/bin/false" if name == "false" else "/x")
    document = upload("missiv.docx", docx_bytes("Missiv"))
    settings.PARAGRAF_SOFFICE = "false"  # a "LibreOffice" that always fails

    document = documents.document_convert_to_pdf(document=document)

    assert document.conversion == Document.Conversion.FAILED
    assert "LibreOffice" in document.conversion_error
    assert (media / document.source_file.name).exists()


# --- The admin -----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_admin_add_document_shows_refusal_as_form_error(admin_client, media):
    response = admin_client.post(
        reverse("admin:cases_document_add"),
        {"upload": SimpleUploadedFile("x.pdf", PNG_BYTES), "title": "Bild", "kind": "bilaga"},
    )
    assert response.status_code == 200
    assert "x.pdf" in " ".join(response.context["adminform"].form.errors["upload"])
    assert Document.objects.count() == 0
    assert stored_files(media) == []


def test_admin_add_document_uploads_through_the_service(admin_client, media):
    response = admin_client.post(
        reverse("admin:cases_document_add"),
        {"upload": SimpleUploadedFile("missiv.pdf", pdf_bytes(2)), "title": "Missiv", "kind": "missiv"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    document = Document.objects.get()
    assert (document.title, document.page_count, document.original_name) == ("Missiv", 2, "missiv.pdf")
    assert document.created_by.username == "root"


def agenda_item_post_data(item, uploads: list[dict]) -> dict:
    data = {
        "meeting": item.meeting_id,
        "order": item.order,
        "title": item.title,
        "case": item.case_id or "",
        "kind": item.kind,
        "proposal": item.proposal,
        "outcome": "",
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
        "attachments-2-TOTAL_FORMS": str(len(uploads)),
        "attachments-2-INITIAL_FORMS": "0",
    }
    for index, row in enumerate(uploads):
        data.update({f"attachments-2-{index}-{key}": value for key, value in row.items()})
    return data


def test_secretary_uploads_handlingar_on_the_agenda_item_in_order(admin_client, media):
    item = AgendaItemFactory(case=CaseFactory())
    url = reverse("admin:meetings_agendaitem_change", args=[item.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()

    response = admin_client.post(
        url,
        agenda_item_post_data(
            item,
            [
                {
                    "upload": SimpleUploadedFile("ts.pdf", pdf_bytes(1)),
                    "title": "Tjänsteskrivelse",
                    "kind": "tjansteskrivelse",
                },
                {
                    "upload": SimpleUploadedFile("bilaga.pdf", pdf_bytes(4)),
                    "title": "Bilaga 1",
                    "kind": "bilaga",
                },
            ],
        ),
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    attached = list(item.attachments.order_by("order", "id").select_related("document"))
    assert [(a.document.title, a.order) for a in attached] == [("Tjänsteskrivelse", 0), ("Bilaga 1", 1)]
    assert attached[1].document.case == item.case
    assert attached[1].document.page_count == 4

    # The item's page lists them with pages and PDF status.
    page = admin_client.get(url).content.decode()
    assert "Tjänsteskrivelse" in page and "Bilaga 1" in page


def test_same_handling_uploaded_twice_to_an_item_is_refused(admin_client, media):
    item = AgendaItemFactory()
    content = pdf_bytes(2, title="Missiv")
    document = upload("missiv.pdf", content)
    AgendaItemDocument.objects.create(agenda_item=item, document=document, order=0)

    response = admin_client.post(
        reverse("admin:meetings_agendaitem_change", args=[item.pk]),
        agenda_item_post_data(
            item,
            [{"upload": SimpleUploadedFile("missiv igen.pdf", content), "title": "Missiv", "kind": "missiv"}],
        ),
    )
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][1].formset.errors
    assert "missiv igen.pdf" in errors[0]["upload"][0]
    assert item.attachments.count() == 1
    assert Document.objects.count() == 1


def test_same_document_cannot_be_attached_twice_to_an_item(media):
    item = AgendaItemFactory()
    document = upload("missiv.pdf", pdf_bytes())
    agenda_item_attach_document(agenda_item=item, document=document)
    with pytest.raises(ValidationError) as refused:
        agenda_item_attach_document(agenda_item=item, document=document)
    assert refused.value.code == "already_attached"
    assert item.attachments.count() == 1


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(SOFFICE_MISSING, reason="LibreOffice (soffice) is not installed")
def test_docx_is_converted_by_the_real_celery_worker(run_in_worker):
    from cases.tasks import convert_document_to_pdf

    document = upload("Missiv.docx", docx_bytes("Missiv till regionfullmäktige"))

    assert run_in_worker(convert_document_to_pdf, document.pk, timeout=180) == Document.Conversion.DONE
    document.refresh_from_db()
    text = subprocess.run(
        ["pdftotext", document.file.path, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Missiv till regionfullmäktige" in text
