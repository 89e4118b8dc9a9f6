"""Re-verification of every stored file against the SHA-256 recorded when it was stored.

Handlingar (`Document.file`, and the original `source_file`, stored under its hash), built
PDFs (`RenderedDocument`) and the frozen and signed protokoll of each `Justering` are read
back from storage in chunks and hashed again. Each file is reported as:

- OK: the content matches its recorded hash;
- CHANGED: the content differs from what was stored (tampering, corruption, a bad restore);
- MISSING: the record points to a file that is not in storage;
- UNRECORDED: the file is there but no hash was recorded, so it cannot be verified.

`manage.py verify_files` prints the report; the backup restore runs it at the end.
"""

import hashlib
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath

from django.db.models.fields.files import FieldFile

OK, CHANGED, MISSING, UNRECORDED = "OK", "CHANGED", "MISSING", "UNRECORDED"
PROBLEMS = {CHANGED, MISSING}
CHUNK_SIZE = 1024 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class FileCheck:
    """One stored file of one record, and what re-hashing it found."""

    record: str  # for example "Document 12 (file)"
    name: str  # the storage name, e.g. "documents/ab/ab12….pdf"
    status: str
    expected: str = ""
    actual: str = ""


@dataclass
class IntegrityReport:
    checks: list[FileCheck] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for check in self.checks if check.status == status)

    @property
    def problems(self) -> list[FileCheck]:
        return [check for check in self.checks if check.status in PROBLEMS]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        counts = ", ".join(f"{self.count(status)} {status}" for status in (OK, CHANGED, MISSING, UNRECORDED))
        return f"{len(self.checks)} files: {counts}"

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "total": len(self.checks),
            "counts": {status: self.count(status) for status in (OK, CHANGED, MISSING, UNRECORDED)},
            "files": [asdict(check) for check in self.checks],
        }


def stored_file_sha256(stored: FieldFile) -> str | None:
    """The SHA-256 of a stored file, read in chunks (never whole into memory); None if missing."""
    try:
        handle = stored.storage.open(stored.name, "rb")
    except (FileNotFoundError, IsADirectoryError):
        return None
    digest = hashlib.sha256()
    with handle:
        for chunk in handle.chunks(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def hash_in_name(name: str) -> str:
    """The hash a content-addressed name carries (`documents/ab/<sha256>.pdf`), or ""."""
    stem = PurePosixPath(name).stem
    return stem if _HEX64.fullmatch(stem) else ""


def stored_files() -> Iterator[tuple[str, FieldFile, str]]:
    """Every stored file Paragraf keeps a record of: (record, file, expected SHA-256)."""
    from cases.models import Document
    from meetings.models import Justering, RenderedDocument

    for document in Document.objects.only("pk", "file", "source_file", "sha256").order_by("pk").iterator():
        if document.file:
            yield (
                f"Document {document.pk} (file)",
                document.file,
                document.sha256 or hash_in_name(document.file.name),
            )
        if document.source_file:
            yield (
                f"Document {document.pk} (source_file)",
                document.source_file,
                hash_in_name(document.source_file.name),
            )
    for rendered in RenderedDocument.objects.only("pk", "kind", "file", "sha256").order_by("pk").iterator():
        if rendered.file:
            yield f"RenderedDocument {rendered.pk} ({rendered.kind})", rendered.file, rendered.sha256
    justeringar = Justering.objects.only("pk", "frozen_file", "frozen_sha256", "signed_file", "signed_sha256")
    for justering in justeringar.order_by("pk").iterator():
        if justering.frozen_file:
            yield f"Justering {justering.pk} (frozen)", justering.frozen_file, justering.frozen_sha256
        if justering.signed_file:
            yield f"Justering {justering.pk} (signed)", justering.signed_file, justering.signed_sha256


def files_verify() -> IntegrityReport:
    """Re-hash every stored file and compare with its recorded SHA-256 (see the module doc).

    A file shared by several records (content-addressed handlingar) is read once.
    """
    report = IntegrityReport()
    hashed: dict[str, str | None] = {}
    for record, stored, expected in stored_files():
        if stored.name not in hashed:
            hashed[stored.name] = stored_file_sha256(stored)
        actual = hashed[stored.name]
        if actual is None:
            status = MISSING
        elif not expected:
            status = UNRECORDED
        else:
            status = OK if actual == expected.lower() else CHANGED
        report.checks.append(FileCheck(record, stored.name, status, expected, actual or ""))
    return report
