"""Hostile and broken uploads are refused with a clear, coded message and leave nothing behind;
the conversion to PDF has a time and a memory limit, so no file can hang the worker.

(tests/test_document_upload.py has the ordinary refusals: empty, too large, PNG or program
named .pdf/.docx, a corrupt PDF, a password.)"""

import io
import struct
import sys
import zipfile
from pathlib import Path

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import documents
from cases.documents import document_convert_to_pdf, document_upload
from cases.models import Document
from config.celery import app as celery_app
from tests.test_document_upload import docx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file())


def pdf_bytes(pages: int = 1, **save_options) -> bytes:
    pdf = pikepdf.new()
    for _page in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    buffer = io.BytesIO()
    pdf.save(buffer, **save_options)
    return buffer.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in entries.items():
            package.writestr(name, content)
    return buffer.getvalue()


def upload(name: str, content: bytes) -> Document:
    return document_upload(
        uploaded_file=SimpleUploadedFile(name, content),
        title="Tjänsteskrivelse",
        kind=Document.Kind.TJANSTESKRIVELSE,
    )


def assert_refused(media, name: str, content: bytes, code: str) -> ValidationError:
    """Refused with `code` and a message naming the file; no row and no file stored."""
    with pytest.raises(ValidationError) as refused:
        upload(name, content)
    assert refused.value.code == code
    assert name in " ".join(refused.value.messages)
    assert Document.objects.count() == 0
    assert stored_files(media) == []
    return refused.value


# --- PDFs -------------------------------------------------------------------------------------


def test_a_cut_off_pdf_is_refused_although_it_could_be_repaired(media):
    whole = pdf_bytes(pages=3)
    cut = whole[: len(whole) * 3 // 4]
    with pikepdf.open(io.BytesIO(cut)) as repaired:  # qpdf rebuilds what is left, silently
        assert len(repaired.pages) >= 1

    assert_refused(media, "avbruten.pdf", cut, "truncated")


def test_a_pdf_that_is_also_a_zip_archive_is_refused(media):
    polyglot = pdf_bytes() + zip_bytes({"payload.html": b"<script>alert(1)</script>"})
    assert zipfile.is_zipfile(io.BytesIO(polyglot))
    with pikepdf.open(io.BytesIO(polyglot)) as pdf:  # a reader shows the PDF part
        assert len(pdf.pages) == 1

    assert_refused(media, "polyglott.pdf", polyglot, "polyglot")


@pytest.mark.parametrize(
    "encryption",
    [
        pikepdf.Encryption(owner="ägare", user="läsare", R=6),  # AES-256
        pikepdf.Encryption(
            owner="ägare", user="", R=4, aes=False, metadata=False
        ),  # RC4, no password to open
    ],
    ids=["aes256-with-password", "rc4-without-user-password"],
)
def test_an_encrypted_pdf_is_refused(media, encryption):
    assert_refused(media, "krypterad.pdf", pdf_bytes(encryption=encryption), "encrypted")


def test_a_pdf_of_twenty_thousand_pages_is_refused_above_the_page_limit(media, settings):
    assert settings.PARAGRAF_UPLOAD_MAX_PAGES == 2000  # the default
    huge = pdf_bytes(pages=20_000)  # 4.7 MB: blank pages cost little

    refused = assert_refused(media, "tjugotusen.pdf", huge, "too_many_pages")
    assert refused.params["pages"] == 20_000


def test_the_page_limit_is_a_setting_and_a_pdf_at_the_limit_is_accepted(media, settings):
    settings.PARAGRAF_UPLOAD_MAX_PAGES = 5
    assert upload("fem.pdf", pdf_bytes(pages=5)).page_count == 5
    Document.objects.all().delete()
    with pytest.raises(ValidationError) as refused:
        upload("sex.pdf", pdf_bytes(pages=6))
    assert refused.value.code == "too_many_pages"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        (
            "sida.pdf",
            b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
            "unsupported_type",
        ),
        ("program.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120 + b"PE\x00\x00", "unsupported_type"),
        ("skript.pdf", b"#!/bin/sh\nrm -rf /\n", "unsupported_type"),
        ("html-med-rubrik.pdf", b"%PDF-1.7\n<html><script>alert(1)</script></html>\n%%EOF\n", "corrupt"),
        ("pdf-senare.pdf", b"<html>" + b" " * 100 + pdf_bytes(), "unsupported_type"),
        ("tom.pdf", b"", "empty"),
        ("bara-rubrik.pdf", b"%PDF-", "corrupt"),
    ],
    ids=["html", "exe", "shell", "pdf-header-html-body", "pdf-after-html", "empty", "header-only"],
)
def test_files_that_claim_to_be_pdf_but_are_not_are_refused(media, name, content, code):
    assert_refused(media, name, content, code)


# --- DOCX/ODT packages ------------------------------------------------------------------------


def docx_with(extra: dict[str, bytes]) -> bytes:
    """A real DOCX (tests/test_document_upload.py) with extra entries added to the package."""
    buffer = io.BytesIO(docx_bytes("Tjänsteskrivelse"))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as package:
        for name, content in extra.items():
            package.writestr(name, content)
    return buffer.getvalue()


def test_a_zip_bomb_docx_is_refused_by_its_unpacked_size(media, settings):
    settings.PARAGRAF_UPLOAD_MAX_UNPACKED_BYTES = 20 * 1024 * 1024
    bomb = docx_with({"word/media/image1.png": bytes(64 * 1024 * 1024)})  # 64 MB of zeros
    assert len(bomb) < 100_000  # …in 65 kB

    assert_refused(media, "bomb.docx", bomb, "too_large_unpacked")


def test_a_zip_bomb_that_lies_about_its_size_is_refused_as_damaged(media, settings):
    settings.PARAGRAF_UPLOAD_MAX_UNPACKED_BYTES = 20 * 1024 * 1024
    bomb = bytearray(docx_with({"word/media/image1.png": bytes(64 * 1024 * 1024)}))
    # Declare 1 kB unpacked in the big member's central directory entry (its name is the
    # entry's last occurrence; the fixed part of the entry is the 46 bytes before it).
    entry = bomb.rindex(b"word/media/image1.png") - 46
    assert bomb[entry : entry + 4] == b"PK\x01\x02"
    struct.pack_into("<I", bomb, entry + 24, 1024)

    assert_refused(media, "ljuger.docx", bytes(bomb), "corrupt")


def test_a_docx_of_thousands_of_small_entries_is_refused(media):
    many = docx_with({f"word/parts/p{n}.xml": b"<p/>" for n in range(documents.MAX_ZIP_ENTRIES + 1)})

    assert_refused(media, "manga.docx", many, "too_large_unpacked")


# --- The conversion cannot hang the worker ------------------------------------------------------


def fake_soffice(tmp_path: Path, python: str) -> str:
    """An executable standing in for LibreOffice that runs `python`."""
    script = tmp_path / "soffice"
    script.write_text(f"#!{sys.executable}\n{python}\n")
    script.chmod(0o755)
    return str(script)


def pending_docx(media) -> Document:
    document = upload("beslut.docx", docx_bytes("Beslut"))
    assert document.conversion == Document.Conversion.PENDING
    return document


def test_a_conversion_that_never_finishes_is_stopped_at_the_time_limit(media, settings, tmp_path):
    document = pending_docx(media)
    settings.PARAGRAF_SOFFICE = fake_soffice(tmp_path, "import time\ntime.sleep(600)")
    settings.PARAGRAF_CONVERSION_TIMEOUT = 1

    converted = document_convert_to_pdf(document=document)

    assert converted.conversion == Document.Conversion.FAILED
    assert "1" in converted.conversion_error
    assert not converted.file


def test_a_conversion_that_takes_too_much_memory_fails_instead_of_the_worker(media, settings, tmp_path):
    document = pending_docx(media)
    settings.PARAGRAF_SOFFICE = fake_soffice(tmp_path, "ballast = bytearray(1 << 30)")  # 1 GB
    settings.PARAGRAF_CONVERSION_MAX_MEMORY_MB = 256

    converted = document_convert_to_pdf(document=document)

    assert converted.conversion == Document.Conversion.FAILED
    assert "MemoryError" in converted.conversion_error


def test_tasks_have_time_limits_and_are_given_back_when_their_worker_dies():
    conf = celery_app.conf
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
