"""Handlingar: uploads checked by their content, content-addressed storage, conversion to PDF.

A handling is published as PDF. An uploaded PDF is stored as it is; a DOCX or ODT file is
kept as the original (`source_file`) and converted to PDF by LibreOffice in a Celery task.
Files are stored under their SHA-256 (`documents/ab/abcd….pdf`), so the same content
uploaded twice is stored once, and a refused upload leaves nothing behind.

One module (over 400 lines) because the upload checks, the storage and the conversion are
one pipeline a handling goes through.
"""

import hashlib
import io
import logging
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date as date_type
from pathlib import Path

import pikepdf
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .models import Case, Document

logger = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
SUFFIXES = {PDF: ".pdf", DOCX: ".docx", ODT: ".odt"}
CONVERTIBLE = {DOCX: "DOCX", ODT: "ODT"}

# An OLE compound file: an old Word .doc, or an Office file saved with a password.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class InspectedFile:
    """An upload that passed the checks: what it is, by its content."""

    name: str
    content: bytes
    sha256: str
    content_type: str
    page_count: int | None

    @property
    def needs_conversion(self) -> bool:
        return self.content_type in CONVERTIBLE

    @property
    def suffix(self) -> str:
        return SUFFIXES[self.content_type]


def _refuse(message: str, code: str, **params) -> None:
    raise ValidationError(message, code=code, params=params)


def conversion_available() -> bool:
    """Whether LibreOffice (`soffice`) is installed here to turn DOCX/ODT into PDF."""
    return shutil.which(settings.PARAGRAF_SOFFICE) is not None


def _read_upload(uploaded_file, name: str) -> bytes:
    """The upload's bytes, refusing an empty or oversized file before reading all of it."""
    limit = settings.PARAGRAF_UPLOAD_MAX_BYTES
    size = getattr(uploaded_file, "size", None)
    if size is None:
        uploaded_file.seek(0, os.SEEK_END)
        size = uploaded_file.tell()
    too_large = _('"%(name)s" is %(size)s; the largest file accepted is %(limit)s.')
    if size > limit:
        _refuse(too_large, "too_large", name=name, size=filesizeformat(size), limit=filesizeformat(limit))
    uploaded_file.seek(0)
    content = uploaded_file.read(limit + 1)
    uploaded_file.seek(0)
    if len(content) > limit:  # the size the client declared was wrong
        _refuse(too_large, "too_large", name=name, size=filesizeformat(size), limit=filesizeformat(limit))
    if not content:
        _refuse(_('"%(name)s" is empty (0 bytes). Choose the file again.'), "empty", name=name)
    return content


def pdf_page_count(content: bytes, *, name: str) -> int:
    """The number of pages of a PDF, refusing a damaged or encrypted one, and one with more
    pages than settings.PARAGRAF_UPLOAD_MAX_PAGES."""
    encrypted = _(
        '"%(name)s" is encrypted (protected with a password). Encrypted files cannot be '
        "published; save it without a password and upload it again."
    )
    try:
        with pikepdf.open(io.BytesIO(content)) as pdf:
            if pdf.is_encrypted:  # even with an empty user password: readers would be restricted
                _refuse(encrypted, "encrypted", name=name)
            pages = len(pdf.pages)
    except pikepdf.PasswordError:
        _refuse(encrypted, "encrypted", name=name)
    except (pikepdf.PdfError, ValueError, RuntimeError):
        pages = 0
    if pages < 1:
        _refuse(
            _(
                '"%(name)s" looks like a PDF but cannot be read; it may be damaged. Export it '
                "as PDF again and upload the new file."
            ),
            "corrupt",
            name=name,
        )
    limit = settings.PARAGRAF_UPLOAD_MAX_PAGES
    if pages > limit:
        _refuse(
            _(
                '"%(name)s" has %(pages)d pages; a handling may have at most %(limit)d. Split it into '
                "several handlingar."
            ),
            "too_many_pages",
            name=name,
            pages=pages,
            limit=limit,
        )
    return pages


# Readers look for "%%EOF" in the last 1024 bytes of a PDF (ISO 32000-1, Annex H).
PDF_EOF_WINDOW = 1024


def pdf_check_whole(content: bytes, *, name: str) -> None:
    """Refuse a PDF that is cut off, or that is a ZIP archive as well (a polyglot, which can
    carry other content past the checks). pikepdf would otherwise repair a cut-off file
    silently and publish what is left of it."""
    if zipfile.is_zipfile(io.BytesIO(content)):
        _refuse(
            _(
                '"%(name)s" is both a PDF and a ZIP archive. Such a file can hide other content; '
                "export the document as PDF again and upload the new file."
            ),
            "polyglot",
            name=name,
        )
    if b"%%EOF" not in content[-PDF_EOF_WINDOW:]:
        _refuse(
            _(
                '"%(name)s" is incomplete: the end of the PDF is missing (it may have been cut off '
                "while it was copied or downloaded). Upload the complete file."
            ),
            "truncated",
            name=name,
        )


# What a PDF reader would run or open by itself, by the kind of thing: actions (by their /S),
# and the keys that hold scripts or files. Plain links (absolute http, https, mailto, tel) and
# jumps within the document are kept: they do nothing until the reader clicks them.
ACTIVE_ACTIONS = {
    "/JavaScript": "javascript",
    "/RichMediaExecute": "javascript",
    "/Launch": "launch",
    "/GoToR": "launch",
    "/GoToE": "launch",
    "/ImportData": "launch",
    "/SubmitForm": "submit",
}
SAFE_LINK_SCHEMES = {"http", "https", "mailto", "tel"}


def _active_kinds(dictionary) -> set[str]:
    """The kinds of active content one PDF dictionary is or holds directly."""
    keys = set(dictionary.keys())
    found = set()
    if keys & {"/JS", "/JavaScript", "/XFA"}:  # a script, the document's scripts, an XFA form
        found.add("javascript")
    if keys & {"/EmbeddedFiles", "/EF"} or str(dictionary.get("/Type", "")) == "/EmbeddedFile":
        found.add("embedded")
    if str(dictionary.get("/Subtype", "")) in ("/FileAttachment", "/RichMedia"):
        found.add("embedded")
    action = str(dictionary.get("/S", ""))
    if action in ACTIVE_ACTIONS:
        found.add(ACTIVE_ACTIONS[action])
    if action == "/URI":
        uri = bytes(dictionary["/URI"]).decode("latin-1") if "/URI" in keys else ""
        # A link without a scheme is relative: a reader resolves it against where the PDF
        # is, which on a computer is a local file (LibreOffice writes file: links that way).
        scheme = re.match(r"\s*([a-z][a-z0-9+.-]*):", uri, flags=re.IGNORECASE)
        if uri.strip() and (scheme is None or scheme.group(1).lower() not in SAFE_LINK_SCHEMES):
            found.add("link")
    return found


def _walk(obj, found: set[str]) -> None:
    """Every dictionary inside one object, without following references to other objects
    (each of those is visited on its own)."""
    if isinstance(obj, pikepdf.Stream):
        found |= _active_kinds(obj.stream_dict)
        return
    if isinstance(obj, pikepdf.Dictionary):
        found |= _active_kinds(obj)
        children = obj.values()
    elif isinstance(obj, pikepdf.Array):
        children = list(obj)
    else:
        return
    for child in children:
        if isinstance(child, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)) and not child.is_indirect:
            _walk(child, found)


def pdf_active_content(content: bytes) -> set[str]:
    """What in a PDF a reader runs or opens by itself: "javascript" (scripts, in an
    /OpenAction, an /AA of the document, a page, an annotation or a form field, the document's
    /Names, an XFA form), "launch" (starting a program, opening another file), "embedded"
    (attached files), "submit" (a form that sends its data elsewhere), "link" (a link to
    something other than an absolute web, e-mail or phone address: javascript:, file:, a
    relative path)."""
    found: set[str] = set()
    with pikepdf.open(io.BytesIO(content)) as pdf:
        _walk(pdf.trailer, found)
        for obj in pdf.objects:
            _walk(obj, found)
    return found


def pdf_check_active_content(content: bytes, *, name: str) -> None:
    """Refuse a PDF with scripts, launch actions, embedded files or script links.

    A handling is refused rather than stored with them removed: Paragraf publishes a handling
    exactly as it was uploaded (its SHA-256 is the record's), and removing parts would change
    the document and break a signature it carries (docs/decisions.md)."""
    found = pdf_active_content(content)
    if not found:
        return
    labels = {
        "javascript": _("JavaScript (scripts a PDF reader runs)"),
        "launch": _("actions that start a program or open another file"),
        "embedded": _("embedded files"),
        "submit": _("a form that sends its data to another address"),
        "link": _("links that run a script or open a local file"),
    }
    what = ", ".join(str(labels[kind]) for kind in labels if kind in found)
    _refuse(
        _(
            '"%(name)s" contains %(what)s. A handling may not contain anything a PDF reader runs '
            "or opens by itself. Save the document as PDF again without it (for example by "
            "printing it to PDF, or as PDF/A) and upload the new file."
        ),
        "active_content",
        name=name,
        what=what,
    )


# More entries than any real document has: a package made to exhaust the converter.
MAX_ZIP_ENTRIES = 5000
# What reading a damaged package raises (RuntimeError: an encrypted entry; NotImplementedError:
# an unknown compression method).
UNREADABLE_ZIP = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    KeyError,
    OSError,
    EOFError,
    NotImplementedError,
    RuntimeError,
)


def _check_unpacked_size(package: zipfile.ZipFile, *, name: str) -> None:
    """Refuse a zip bomb: a package that unpacks to more than PARAGRAF_UPLOAD_MAX_UNPACKED_BYTES.

    The sizes the package declares are checked first; then every entry is unpacked (and its
    checksum verified) without keeping it, stopping at the limit, so a package that lies
    about its sizes is refused as damaged."""
    limit = settings.PARAGRAF_UPLOAD_MAX_UNPACKED_BYTES
    entries = package.infolist()
    too_large = _(
        '"%(name)s" unpacks to more than %(limit)s, more than a document can be. It may be made '
        "to overload the server; save the document again (as PDF) and upload the new file."
    )
    if len(entries) > MAX_ZIP_ENTRIES or sum(entry.file_size for entry in entries) > limit:
        _refuse(too_large, "too_large_unpacked", name=name, limit=filesizeformat(limit))
    unpacked = 0
    for entry in entries:
        with package.open(entry) as stream:
            while chunk := stream.read(1 << 20):
                unpacked += len(chunk)
                if unpacked > limit:
                    _refuse(too_large, "too_large_unpacked", name=name, limit=filesizeformat(limit))


def _office_type(content: bytes, *, name: str) -> str | None:
    """DOCX or ODT by what the zip package holds, or None if it is neither."""
    if not content.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            entries = package.infolist()
            names = {entry.filename for entry in entries}
            office_type = None
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                office_type = DOCX
            elif entries and entries[0].filename == "mimetype":
                if package.read("mimetype").strip() == ODT.encode():
                    office_type = ODT
            if office_type:
                _check_unpacked_size(package, name=name)
            return office_type
    except UNREADABLE_ZIP:
        _refuse(
            _('"%(name)s" cannot be read; it may be damaged. Save it again and upload the new file.'),
            "corrupt",
            name=name,
        )
    return None


def document_inspect(*, uploaded_file) -> InspectedFile:
    """Check an upload by its content (not its name) and say what it is.

    Accepted: PDF (readable, not encrypted), DOCX and ODT (when LibreOffice is installed
    to convert them). Everything else is refused with a ValidationError naming the file.
    """
    name = Path(getattr(uploaded_file, "name", "") or _("the file")).name
    content = _read_upload(uploaded_file, name)
    sha256 = hashlib.sha256(content).hexdigest()
    if content.startswith(b"%PDF-"):
        page_count = pdf_page_count(content, name=name)  # first: unreadable is "corrupt"
        pdf_check_whole(content, name=name)
        pdf_check_active_content(content, name=name)
        return InspectedFile(name, content, sha256, PDF, page_count)
    office_type = _office_type(content, name=name)
    if office_type:
        if not conversion_available():
            _refuse(
                _(
                    '"%(name)s" is a %(type)s file, but conversion to PDF is not available on this '
                    "server. Save it as PDF and upload the PDF."
                ),
                "conversion_unavailable",
                name=name,
                type=CONVERTIBLE[office_type],
            )
        return InspectedFile(name, content, sha256, office_type, None)
    if content.startswith(OLE_MAGIC):
        _refuse(
            _(
                '"%(name)s" is an old Word file (.doc) or a password-protected Office file. Save it '
                "as PDF or DOCX without a password and upload it again."
            ),
            "unsupported_type",
            name=name,
        )
    _refuse(
        _('"%(name)s" is not a PDF, DOCX or ODT document. Handlingar are uploaded as PDF (or DOCX/ODT).'),
        "unsupported_type",
        name=name,
    )


def content_store(*, content: bytes, sha256: str, suffix: str, folder: str = "documents") -> tuple[str, bool]:
    """Store bytes under their hash; returns (name, created). Existing content is not copied again."""
    name = f"{folder}/{sha256[:2]}/{sha256}{suffix}"
    if default_storage.exists(name):
        return name, False
    saved = default_storage.save(name, ContentFile(content))
    if saved != name:  # a concurrent upload of the same content stored it first
        default_storage.delete(saved)
        return name, False
    return name, True


def stored_file_delete_if_unreferenced(name: str) -> None:
    """Remove a stored file that no handling refers to (after a failed save)."""
    if name and not Document.objects.filter(Q(file=name) | Q(source_file=name)).exists():
        default_storage.delete(name)


def document_upload(
    *,
    uploaded_file,
    title: str,
    kind: str,
    case: Case | None = None,
    date: date_type | None = None,
    registration_id: str = "",
    confidential: bool = False,
    osl_reference: str = "",
    created_by=None,
) -> Document:
    """Store an uploaded handling after checking it by content (see `document_inspect`).

    A PDF is published as uploaded. A DOCX/ODT is kept as the original and queued for
    conversion to PDF (`conversion="pending"`); if the same original was converted
    before, its PDF is reused at once. Nothing is stored when the upload is refused.
    """
    inspected = document_inspect(uploaded_file=uploaded_file)
    document = Document(
        title=title,
        kind=kind,
        case=case,
        date=date,
        registration_id=registration_id,
        confidential=confidential,
        osl_reference=osl_reference,
        created_by=created_by,
        original_name=inspected.name[:255],
        size=len(inspected.content),
        content_type=inspected.content_type,
        page_count=inspected.page_count,
    )
    document.full_clean()  # before anything is written to storage
    folder = "documents/source" if inspected.needs_conversion else "documents"
    name, created = content_store(
        content=inspected.content, sha256=inspected.sha256, suffix=inspected.suffix, folder=folder
    )
    if inspected.needs_conversion:
        document.source_file.name = name
        document.conversion = Document.Conversion.PENDING
        converted = (
            Document.objects.filter(source_file=name, conversion=Document.Conversion.DONE)
            .exclude(file="")
            .first()
        )
        if converted:  # the same original was converted before: publish its PDF
            _copy_pdf(converted, to=document)
    else:
        document.file.name = name
        document.sha256 = inspected.sha256
    try:
        with transaction.atomic():
            document.save()
    except Exception:
        if created:
            stored_file_delete_if_unreferenced(name)
        raise
    if document.conversion == Document.Conversion.PENDING:
        transaction.on_commit(lambda: _enqueue_conversion(document.pk))
    return document


def _copy_pdf(source: Document, *, to: Document) -> None:
    to.file.name = source.file.name
    to.sha256 = source.sha256
    to.size = source.size
    to.content_type = PDF
    to.page_count = source.page_count
    to.conversion = Document.Conversion.DONE
    to.conversion_error = ""


def _enqueue_conversion(document_id: int) -> None:
    from .tasks import convert_document_to_pdf  # the tasks import this module (cases/tasks.py)

    try:
        convert_document_to_pdf.delay(document_id)
    except Exception:  # the broker is down: the document stays pending; the sweep converts it
        logger.exception("Document %s saved but its conversion was not queued", document_id)


def document_queue_conversion(*, document: Document) -> Document:
    """Queue a DOCX/ODT handling for conversion again (after a failure); a done one is left alone."""
    if not document.source_file:
        _refuse(_('"%(title)s" has no original to convert.'), "nothing_to_convert", title=document.title)
    if document.conversion == Document.Conversion.DONE:
        return document
    Document.objects.filter(pk=document.pk).update(
        conversion=Document.Conversion.PENDING, conversion_error=""
    )
    document.conversion, document.conversion_error = Document.Conversion.PENDING, ""
    transaction.on_commit(lambda: _enqueue_conversion(document.pk))
    return document


class ConversionError(Exception):
    """LibreOffice did not produce a PDF."""


def _limit_converter() -> None:
    """In the LibreOffice process, before it starts: a ceiling on its memory (address space)
    and CPU time, so a hostile document makes the conversion fail instead of the worker."""
    memory = settings.PARAGRAF_CONVERSION_MAX_MEMORY_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = settings.PARAGRAF_CONVERSION_TIMEOUT
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))


def _soffice_convert(content: bytes, *, suffix: str) -> bytes:
    """Run LibreOffice headless on one file, with a private profile and a time limit."""
    binary = shutil.which(settings.PARAGRAF_SOFFICE)
    if not binary:
        raise ConversionError(_("LibreOffice (soffice) is not installed on this server."))
    with tempfile.TemporaryDirectory(prefix="paragraf-soffice-") as workdir:
        work = Path(workdir)
        source, outdir = work / f"source{suffix}", work / "out"
        source.write_bytes(content)
        command = [
            binary,
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            # A profile of its own, so parallel conversions never share (and lock) one.
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(source),
        ]
        env = {**os.environ, "HOME": workdir}
        # A session of its own, so a timeout kills soffice.bin and not only its launcher.
        process = subprocess.Popen(  # noqa: S603 - fixed command, no shell
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=_limit_converter,  # safe: the worker process runs one task, in one thread
        )
        try:
            output, _unused = process.communicate(timeout=settings.PARAGRAF_CONVERSION_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ConversionError(
                _("LibreOffice did not finish within %(seconds)d seconds.")
                % {"seconds": settings.PARAGRAF_CONVERSION_TIMEOUT}
            ) from None
        result = outdir / "source.pdf"
        if process.returncode != 0 or not result.exists() or result.stat().st_size == 0:
            detail = output.decode(errors="replace").strip()[-500:]
            raise ConversionError(
                _("LibreOffice could not convert the file (exit code %(code)s). %(detail)s")
                % {"code": process.returncode, "detail": detail}
            )
        return result.read_bytes()


def document_convert_to_pdf(*, document: Document) -> Document:
    """Convert a DOCX/ODT handling to PDF and publish it; does nothing if already converted.

    On failure the document is marked `conversion="failed"` with the reason, and the
    original is kept, so the secretary can fix the file or upload a PDF.
    """
    if document.conversion == Document.Conversion.DONE or not document.source_file:
        return document
    suffix = Path(document.source_file.name).suffix or ".docx"
    try:
        with document.source_file.open("rb") as source:
            content = source.read()
        pdf = _soffice_convert(content, suffix=suffix)
        try:
            page_count = pdf_page_count(pdf, name=document.original_name or document.title)
            # LibreOffice writes no scripts, but a link of the original (javascript:, file:)
            # becomes a link in the PDF.
            pdf_check_active_content(pdf, name=document.original_name or document.title)
        except ValidationError as error:
            raise ConversionError(" ".join(error.messages)) from error
    except (ConversionError, OSError) as error:
        logger.warning("Conversion of document %s failed: %s", document.pk, error)
        Document.objects.filter(pk=document.pk).exclude(conversion=Document.Conversion.DONE).update(
            conversion=Document.Conversion.FAILED, conversion_error=str(error)
        )
        document.refresh_from_db()
        return document
    sha256 = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.conversion == Document.Conversion.DONE:  # converted meanwhile by another run
            return locked
        # Stored under the lock: a run that is killed while it waits stores nothing, so the
        # task that runs again (acks_late) leaves one PDF, not two (LibreOffice's differ).
        name, _created = content_store(content=pdf, sha256=sha256, suffix=".pdf")
        locked.file.name = name
        locked.sha256 = sha256
        locked.size = len(pdf)
        locked.content_type = PDF
        locked.page_count = page_count
        locked.conversion = Document.Conversion.DONE
        locked.conversion_error = ""
        locked.save(
            update_fields=[
                "file",
                "sha256",
                "size",
                "content_type",
                "page_count",
                "conversion",
                "conversion_error",
            ]
        )
    return locked


def documents_pending_conversion() -> list[int]:
    """Ids of handlingar still waiting for conversion (for the periodic sweep)."""
    return list(
        Document.objects.filter(conversion=Document.Conversion.PENDING)
        .exclude(source_file="")
        .values_list("pk", flat=True)
    )
