"""`manage.py verify_files` re-hashes every stored file and reports a changed or missing one."""

import hashlib
import json

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.integrity import CHANGED, MISSING, OK, UNRECORDED, files_verify
from meetings.models import Justering, RenderedDocument
from tests.factories import MeetingFactory, PdfDocumentFactory, pdf_bytes

pytestmark = pytest.mark.django_db


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@pytest.fixture
def store():
    """Two handlingar, a built kallelse and a justering with its frozen and signed PDFs."""
    first = PdfDocumentFactory(pages=("Tjänsteskrivelse",))
    second = PdfDocumentFactory(pages=("Missiv",))
    meeting = MeetingFactory()
    content = pdf_bytes("Kallelse")
    kallelse = RenderedDocument(
        meeting=meeting, kind=RenderedDocument.Kind.KALLELSE, content_hash="x" * 64, sha256=sha256(content)
    )
    kallelse.file.save("kallelse.pdf", ContentFile(content), save=False)
    kallelse.save()
    protokoll = pdf_bytes("Protokoll")
    justering = Justering(meeting=meeting, frozen_sha256=sha256(protokoll), signed_sha256=sha256(protokoll))
    justering.frozen_file.save("protokoll.pdf", ContentFile(protokoll), save=False)
    justering.signed_file.save("protokoll.pdf", ContentFile(protokoll), save=False)
    justering.save()
    return first, second, kallelse, justering


def statuses(report) -> dict[str, str]:
    return {check.record: check.status for check in report.checks}


def test_a_clean_store_passes_with_every_file_ok(store, capsys):
    first, second, kallelse, justering = store
    report = files_verify()
    assert statuses(report) == {
        f"Document {first.pk} (file)": OK,
        f"Document {second.pk} (file)": OK,
        f"RenderedDocument {kallelse.pk} (kallelse)": OK,
        f"Justering {justering.pk} (frozen)": OK,
        f"Justering {justering.pk} (signed)": OK,
    }
    call_command("verify_files")  # no CommandError
    assert "5 files: 5 OK, 0 CHANGED, 0 MISSING, 0 UNRECORDED" in capsys.readouterr().out


def test_a_tampered_and_a_deleted_file_are_reported_and_the_command_fails(store, capsys):
    first, second, kallelse, justering = store
    with open(first.file.path, "r+b") as handle:  # one byte changed, same size
        handle.seek(20)
        byte = handle.read(1)
        handle.seek(20)
        handle.write(bytes([byte[0] ^ 1]))
    justering.signed_file.storage.delete(justering.signed_file.name)

    report = files_verify()
    assert statuses(report)[f"Document {first.pk} (file)"] == CHANGED
    assert statuses(report)[f"Justering {justering.pk} (signed)"] == MISSING
    assert statuses(report)[f"Document {second.pk} (file)"] == OK
    assert not report.ok and len(report.problems) == 2

    with pytest.raises(CommandError, match="2 stored file"):
        call_command("verify_files")
    out = capsys.readouterr().out
    assert f"CHANGED    {first.file.name}" in out and f"MISSING    {justering.signed_file.name}" in out

    with pytest.raises(CommandError):
        call_command("verify_files", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["counts"] == {OK: 3, CHANGED: 1, MISSING: 1, UNRECORDED: 0}
    changed = next(f for f in data["files"] if f["status"] == CHANGED)
    assert changed["expected"] == first.sha256 and changed["actual"] != first.sha256


def test_a_content_addressed_original_is_checked_against_the_hash_in_its_name(capsys):
    original = b"PK\x03\x04 not really a docx"
    digest = sha256(original)
    document = PdfDocumentFactory()
    document.source_file.save(f"{digest}.docx", ContentFile(original), save=True)
    unhashed = PdfDocumentFactory(sha256="")

    report = files_verify()
    assert statuses(report)[f"Document {document.pk} (source_file)"] == OK
    assert statuses(report)[f"Document {unhashed.pk} (file)"] == UNRECORDED
    call_command("verify_files", "--problems-only")
    assert "OK " not in capsys.readouterr().out
