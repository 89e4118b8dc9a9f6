"""Re-verification of every stored file against the SHA-256 recorded when it was stored.

Handlingar (`Document.file`, and the original `source_file`, stored under its hash), built
PDFs (`RenderedDocument`) and the frozen and signed protokoll of each `Justering` are read
back from storage in chunks and hashed again. Each file is reported as:

- OK: the content matches its recorded hash;
- CHANGED: the content differs from what was stored (tampering, corruption, a bad restore);
- MISSING: the record points to a file that is not in storage;
- UNRECORDED: the file is there but no hash was recorded, so it cannot be verified.

`manage.py verify_files` prints the report; the backup restore runs it at the end.

Each app names the files it keeps with `@stored_files_source` (the handlingar here; the built
PDFs and the justering's files in meetings/integrity.py, registered in `MeetingsConfig.ready`),
so this lower layer imports no app above it.
"""

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath

from django.db.models.fields.files import FieldFile

from .models import Document

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


StoredFiles = Iterator[tuple[str, FieldFile, str]]
# The functions that list the stored files of one app, in the order they were registered.
STORED_FILE_SOURCES: list[Callable[[], StoredFiles]] = []


def stored_files_source(source: Callable[[], StoredFiles]) -> Callable[[], StoredFiles]:
    """Register `source` (a decorator): it yields (record, file, expected SHA-256) for each
    stored file of its records."""
    if source not in STORED_FILE_SOURCES:
        STORED_FILE_SOURCES.append(source)
    return source


def stored_files() -> StoredFiles:
    """Every stored file Paragraf keeps a record of: (record, file, expected SHA-256)."""
    for source in STORED_FILE_SOURCES:
        yield from source()


@stored_files_source
def document_files() -> StoredFiles:
    """The handlingar: the PDF, and the original a DOCX/ODT was converted from."""
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
