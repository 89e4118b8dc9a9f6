"""Digital signatures for protokoll and protokollsutdrag (PAdES, with pyHanko).

The organisation runs a small signing CA (created by `manage.py signing_setup`) that
issues one certificate per signer. The server signs on behalf of a signer after they
re-authenticate: `SignerBackend.sign` is the one seam, so a PKCS#11 token or an
external e-signing service can replace `LocalCertificateBackend` (set
PARAGRAF_SIGNER_BACKEND to the dotted path of another class with the same method).

A frozen protokoll gets every required signer's empty signature field before the
first signature (a field added after a certification signature is a change that
validators flag); the first signature certifies the document and permits only
form filling (i.e. the later signatures); each signature is an incremental update.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import logging
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

logger = logging.getLogger(__name__)


class SigningError(Exception):
    """Signing is not possible (no CA, no certificate for the signer, broken PDF)."""


@dataclass(frozen=True)
class SignatureField:
    """An empty signature field to pre-create: its name, page (0-based) and box in points."""

    name: str
    page: int
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class SignatureReport:
    """What a validator says about one signature of a PDF."""

    field_name: str
    signer: str
    signed_at: dt.datetime | None
    intact: bool
    trusted: bool
    covers_whole_document: bool
    modification_level: str
    certifying: bool

    @property
    def ok(self) -> bool:
        return self.intact and self.trusted


# --- Keys and certificates ------------------------------------------------------------------


def signing_dir() -> Path:
    return Path(settings.PARAGRAF_SIGNING_DIR)


def _passphrase() -> bytes:
    return settings.PARAGRAF_SIGNING_PASSPHRASE.encode()


def _write_key(path: Path, key) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(_passphrase()),
        )
    )
    path.chmod(0o600)


def _ca_paths() -> tuple[Path, Path]:
    return signing_dir() / "ca.key.pem", signing_dir() / "ca.cert.pem"


def _person_paths(person_id: int) -> tuple[Path, Path]:
    base = signing_dir() / "people"
    return base / f"{person_id}.key.pem", base / f"{person_id}.cert.pem"


def signing_ca_exists() -> bool:
    return all(path.exists() for path in _ca_paths())


def signing_ca_create(*, organisation_name: str, replace: bool = False) -> x509.Certificate:
    """Create the organisation's signing CA (key and self-signed certificate), once."""
    key_path, cert_path = _ca_paths()
    if signing_ca_exists() and not replace:
        return x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation_name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation_name} Paragraf signing CA"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * 20))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_key(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    # Person certificates of an earlier CA no longer chain; issue them again.
    for old in (signing_dir() / "people").glob("*.pem"):
        old.unlink()
    return cert


def person_certificate_issue(*, person, replace: bool = False) -> x509.Certificate:
    """Issue (once) the signing certificate of one person, signed by the organisation's CA."""
    if not signing_ca_exists():
        raise SigningError(_("There is no signing CA yet: run manage.py signing_setup."))
    key_path, cert_path = _person_paths(person.pk)
    if cert_path.exists() and not replace:
        return x509.load_pem_x509_certificate(cert_path.read_bytes())
    ca_key_path, ca_cert_path = _ca_paths()
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), _passphrase())
    ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
        x509.NameAttribute(
            NameOID.ORGANIZATION_NAME,
            ca_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value,
        ),
        x509.NameAttribute(NameOID.COMMON_NAME, person.full_name),
    ]
    if person.email:
        attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, person.email))
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * 5))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert


def person_certificates_revoke(*, person, reason: str) -> int:
    """Revoke every current signing certificate of the person (for example after their login
    link changed): the next `person_certificate_issue` makes a new one, with a new serial, for
    the person as they are now. Returns how many certificates were revoked.

    Minimal version: a person has at most one certificate, kept as files, and revoking it
    removes its key and certificate (the signatures already made stay in their PDFs)."""
    key_path, cert_path = _person_paths(person.pk)
    revoked = 0
    if cert_path.exists():
        serial = x509.load_pem_x509_certificate(cert_path.read_bytes()).serial_number
        logger.info("Signing certificate %x of person %s revoked: %s", serial, person.pk, reason)
        revoked = 1
    for path in (key_path, cert_path):
        path.unlink(missing_ok=True)
    return revoked


def _validation_context() -> ValidationContext:
    _key, ca_cert_path = _ca_paths()
    roots = [load_cert_from_pemder(str(ca_cert_path))] if ca_cert_path.exists() else []
    extra = [Path(p) for p in settings.PARAGRAF_SIGNING_TRUST_ROOTS]
    roots += [load_cert_from_pemder(str(p)) for p in extra if p.exists()]
    return ValidationContext(trust_roots=roots, allow_fetching=False)


# --- Signing --------------------------------------------------------------------------------


class SignerBackend(ABC):
    """The interface of a signer: sign `pdf` in the named field as `person`.

    Implementations return the whole signed PDF (an incremental update of the input).
    `certify=True` makes it the document's certification signature, which allows only
    the later signatures of the pre-created fields.
    """

    @abstractmethod
    def sign(
        self, pdf: bytes, *, person, field_name: str, reason: str, location: str, certify: bool
    ) -> bytes:
        """Return `pdf` signed in `field_name` by `person`."""


class LocalCertificateBackend(SignerBackend):
    """Signs with the person's certificate from the organisation's own CA (PAdES B-B)."""

    def _signer(self, person) -> signers.SimpleSigner:
        key_path, cert_path = _person_paths(person.pk)
        if not cert_path.exists():
            raise SigningError(
                _("%(person)s has no signing certificate: run manage.py signing_setup.")
                % {"person": person.full_name}
            )
        _ca_key, ca_cert_path = _ca_paths()
        return signers.SimpleSigner(
            signing_cert=load_cert_from_pemder(str(cert_path)),
            signing_key=load_private_key_from_pemder(str(key_path), passphrase=_passphrase()),
            cert_registry=SimpleCertificateStore.from_certs([load_cert_from_pemder(str(ca_cert_path))]),
        )

    def sign(
        self, pdf: bytes, *, person, field_name: str, reason: str, location: str, certify: bool
    ) -> bytes:
        from pyhanko.sign.fields import MDPPerm
        from pyhanko.stamp import TextStampStyle

        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            reason=reason,
            location=location,
            name=person.full_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            certify=certify,
            docmdp_permissions=MDPPerm.FILL_FORMS,
        )
        style = TextStampStyle(
            stamp_text=_("Digitally signed by %(name)s\n%(ts)s") % {"name": person.full_name, "ts": "%(ts)s"},
            timestamp_format="%Y-%m-%d %H:%M",
            border_width=0,
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        out = signers.PdfSigner(meta, signer=self._signer(person), stamp_style=style).sign_pdf(
            writer, existing_fields_only=True
        )
        return out.getvalue()


def signer_backend() -> SignerBackend:
    return import_string(settings.PARAGRAF_SIGNER_BACKEND)()


def pdf_add_signature_fields(pdf: bytes, signature_fields: list[SignatureField]) -> bytes:
    """Pre-create the empty signature fields of every required signer (one incremental update)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    for spec in signature_fields:
        fields.append_signature_field(
            writer, fields.SigFieldSpec(sig_field_name=spec.name, on_page=spec.page, box=spec.box)
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _outside_event_loop(function, *args, **kwargs):
    """Run `function` where pyHanko can start its own asyncio loop.

    pyHanko's synchronous API calls asyncio.run(), which refuses to run in a thread that
    already has a running loop (an ASGI worker, or Playwright's sync API in the tests).
    There the work goes to a short-lived thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def pdf_sign(
    pdf: bytes, *, person, field_name: str, reason: str, location: str = "", certify: bool = False
) -> bytes:
    """Sign a PDF in a pre-created field with the configured backend."""
    return _outside_event_loop(
        signer_backend().sign,
        pdf,
        person=person,
        field_name=field_name,
        reason=reason,
        location=location,
        certify=certify,
    )


# --- Verification ---------------------------------------------------------------------------


def pdf_verify(pdf: bytes) -> list[SignatureReport]:
    """Validate every signature of a PDF against the organisation's CA (and configured roots)."""
    return _outside_event_loop(_pdf_verify, pdf)


def _pdf_verify(pdf: bytes) -> list[SignatureReport]:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    context = _validation_context()
    reports = []
    for embedded in reader.embedded_signatures:
        status = validate_pdf_signature(embedded, context)
        cert = embedded.signer_cert
        reports.append(
            SignatureReport(
                field_name=embedded.field_name,
                signer=cert.subject.native.get("common_name", cert.subject.human_friendly),
                signed_at=embedded.self_reported_timestamp,
                intact=bool(status.intact and status.valid),
                trusted=bool(status.trusted),
                covers_whole_document=status.coverage.name == "ENTIRE_FILE",
                modification_level=status.modification_level.name if status.modification_level else "",
                certifying=embedded.docmdp_level is not None,
            )
        )
    return reports


def pdf_sha256(pdf: bytes) -> str:
    return hashlib.sha256(pdf).hexdigest()
