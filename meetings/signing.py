"""Digital signatures for protokoll and protokollsutdrag (PAdES, with pyHanko).

The organisation runs a small signing CA (created by `manage.py signing_setup`) that issues
two kinds of certificates, each recorded in the registry `SigningCertificate`:

- a person's certificate, naming the person (CN) and carrying the login it was issued to
  (UID "paragraf-user-<user id>"). It is issued only for the login linked to the person at
  issue time and never reused after a relink: `person_certificate_issue` revokes it and issues
  a new one when the person's login has changed, and `person_certificates_revoke` (called
  when an identity administrator changes a person's login) revokes every current one;
- the organisation's e-sigill (CN "<organisation> — e-sigill"), with which the server
  certifies what it certifies on its own (`pdf_seal`): protokollsutdrag made on demand and the
  masked public version of a protokoll.

The server signs on behalf of a signer after they re-authenticate: `SignerBackend` is the
one seam, so a PKCS#11 token or an external e-signing service can replace
`LocalCertificateBackend` (set PARAGRAF_SIGNER_BACKEND to the dotted path of another class
with the same methods).

A frozen protokoll gets every required signer's empty signature field before the first
signature (a field added after a certification signature is a change that validators flag);
the first signature certifies the document and permits only form filling (i.e. the later
signatures); each signature is an incremental update.

Revocation: a revoked certificate's private key is deleted at once, so nothing can be signed
with it afterwards. `pdf_verify` checks every signature's certificate against the registry: a
signature made before the revocation still holds, with a note saying the certificate was later
revoked and why; one dated after it does not. A personal certificate whose login was also
issued a certificate in another person's name (a login relinked to someone else) cannot be
attributed to the person it names: such a signature does not hold.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import os
import re
import tempfile
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import load_cert_from_pemder
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

# The font of the visible signature stamps, embedded in the PDF (PDF/A needs every font embedded).
STAMP_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
ACCOUNT_PREFIX = "paragraf-user-"


class SigningError(Exception):
    """Signing is not possible (no CA, no certificate for the signer, broken PDF)."""


@dataclass(frozen=True)
class SignatureField:
    """An empty signature field to pre-create: its name, page (0-based) and box in points."""

    name: str
    page: int
    box: tuple[int, int, int, int]


class Problem:
    """Why a signature does not hold (SignatureReport.problem); "" when it holds."""

    UNREADABLE = "unreadable"  # the signature bytes cannot be parsed
    CHANGED = "changed"  # the signed bytes were changed after signing (digest mismatch)
    INVALID = "invalid"  # the digest matches but the signature value does not
    UNTRUSTED = "untrusted"  # not issued by the organisation's CA (or a configured root)
    REVOKED = "revoked"  # made after its certificate was revoked
    UNATTRIBUTABLE = "unattributable"  # the login behind it also signed as another person


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
    problem: str = ""
    serial: str = ""
    issued_at: dt.datetime | None = None
    seal: bool = False
    organisation: str = ""
    account: str = ""
    revoked_at: dt.datetime | None = None
    revocation_reason: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.intact and self.trusted and not self.problem

    @property
    def reason(self) -> str:
        """The reason the signature does not hold, in words ("" when it holds)."""
        return problem_text(self.problem, report=self)


def problem_text(problem: str, *, report: SignatureReport | None = None) -> str:
    if problem == Problem.UNREADABLE:
        return _("The signature is invalid: its signature bytes cannot be read (they were altered).")
    if problem == Problem.CHANGED:
        return _("The signed content was changed after signing (the digest does not match).")
    if problem == Problem.INVALID:
        return _("The signature is invalid: the signature value does not match the signed content.")
    if problem == Problem.UNTRUSTED:
        return _(
            "The certificate was not issued by the organisation's signing CA: the issuer is not trusted."
        )
    if problem == Problem.REVOKED:
        when = (
            f"{timezone.localtime(report.revoked_at):%Y-%m-%d %H:%M}" if report and report.revoked_at else ""
        )
        return _("The certificate was revoked (%(when)s, %(reason)s) before this signature was made.") % {
            "when": when,
            "reason": report.revocation_reason if report else "",
        }
    if problem == Problem.UNATTRIBUTABLE:
        return _(
            "The login that made this signature was also issued a certificate in another person's "
            "name: the signature cannot be attributed to %(name)s."
        ) % {"name": report.signer if report else ""}
    return ""


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


def signing_ca_exists() -> bool:
    return all(path.exists() for path in _ca_paths())


def signing_ca_certificate() -> x509.Certificate:
    return x509.load_pem_x509_certificate(_ca_paths()[1].read_bytes())


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
    replaced = signing_ca_exists()
    _write_key(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if replaced:
        # Certificates of the earlier CA no longer chain; they are issued again when next needed.
        _revoke(
            _registry().filter(revoked_at__isnull=True),
            reason=_in_site_language("the signing CA was replaced"),
        )
    return cert


def _registry():
    from .models import SigningCertificate

    return SigningCertificate.objects.all()


def _in_site_language(message: str) -> str:
    """A reason recorded in the registry, in the organisation's language (LANGUAGE_CODE)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(message)


def account_identifier(user) -> str:
    """The stable identifier of a login, as written in the certificates issued to it."""
    return f"{ACCOUNT_PREFIX}{user.pk}"


def _current(queryset):
    now = timezone.now()
    return queryset.filter(revoked_at__isnull=True, not_after__gt=now).order_by("-issued_at", "-pk").first()


def _revoke(rows, *, reason: str) -> int:
    """Revoke registry rows and delete their private keys (nothing can be signed with them after)."""
    count = 0
    now = timezone.now()
    reason = str(reason)
    for row in list(rows.filter(revoked_at__isnull=True)):
        row.revoked_at = now
        row.revocation_reason = reason[:300]
        row.save(update_fields=["revoked_at", "revocation_reason"])
        (signing_dir() / row.key_file).unlink(missing_ok=True)
        count += 1
    return count


def _issue(*, kind: str, attributes: list, person=None, user=None, organisation=None, years: int = 5):
    """Issue one certificate from the organisation's CA and record it in the registry."""
    from .models import SigningCertificate

    if not signing_ca_exists():
        raise SigningError(_("There is no signing CA yet: run manage.py signing_setup."))
    ca_key_path, ca_cert_path = _ca_paths()
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), _passphrase())
    ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    organisation_name = ca_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation_name),
            *attributes,
        ]
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    serial = x509.random_serial_number()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
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
    key_file = f"keys/{serial:x}.key.pem"
    _write_key(signing_dir() / key_file, key)
    SigningCertificate.objects.create(
        kind=kind,
        person=person,
        user=user,
        account=account_identifier(user) if user is not None else "",
        organisation=organisation,
        serial=f"{serial:x}",
        subject=subject.rfc4514_string()[:500],
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        issued_at=timezone.now(),
        key_file=key_file,
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
    )
    return cert


def _load(row) -> x509.Certificate:
    return x509.load_pem_x509_certificate(row.certificate_pem.encode())


def _usable(row) -> bool:
    """The row's certificate was issued by the current CA and its private key is there (a CA
    made anew, or a lost key, means a new certificate)."""
    try:
        _load(row).verify_directly_issued_by(signing_ca_certificate())
    except (ValueError, TypeError, InvalidSignature):
        return False
    return (signing_dir() / row.key_file).exists()


def _names(row) -> str:
    cert = _load(row)
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return names[0].value if names else ""


def person_certificate_current(*, person):
    """The person's registry row that may sign now: valid, not revoked, and issued to the login
    linked to the person now (None otherwise)."""
    from .models import SigningCertificate

    if person.user_id is None:
        return None
    row = _current(_registry().filter(kind=SigningCertificate.Kind.PERSON, person=person))
    if row is None or row.user_id != person.user_id:
        return None
    return row


def person_certificate_issue(*, person, replace: bool = False) -> x509.Certificate:
    """The valid signing certificate of a person for the login linked to them now, issued if
    needed. A certificate issued to another login (the person was relinked) or in another
    name is revoked and a new one issued; `replace` always issues a new one."""
    from committees.models import Person

    from .models import SigningCertificate

    if not signing_ca_exists():
        raise SigningError(_("There is no signing CA yet: run manage.py signing_setup."))
    with transaction.atomic():
        person = Person.objects.select_for_update(of=("self",)).select_related("user").get(pk=person.pk)
        if person.user_id is None:
            raise SigningError(
                _("%(person)s has no login, so no signing certificate can be issued.")
                % {"person": person.full_name}
            )
        mine = _registry().filter(kind=SigningCertificate.Kind.PERSON, person=person)
        row = _current(mine)
        if row is not None and not replace:
            if row.user_id != person.user_id:
                _revoke(mine, reason=_in_site_language("affiliation changed: the person's login was changed"))
            elif _names(row) != person.full_name:
                _revoke(mine, reason=_in_site_language("superseded: the person's name was changed"))
            elif _usable(row):
                return _load(row)
        _revoke(mine, reason=_in_site_language("superseded"))
        attributes = [
            x509.NameAttribute(NameOID.COMMON_NAME, person.full_name),
            x509.NameAttribute(NameOID.USER_ID, account_identifier(person.user)),
        ]
        if person.email:
            attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, person.email))
        return _issue(
            kind=SigningCertificate.Kind.PERSON, attributes=attributes, person=person, user=person.user
        )


def person_certificates_revoke(*, person, reason: str) -> int:
    """Revoke every current certificate of a person (their login link was changed, they left):
    returns how many. The next signature of the person gets a new certificate for their login."""
    from .models import SigningCertificate

    with transaction.atomic():
        return _revoke(
            _registry().filter(kind=SigningCertificate.Kind.PERSON, person_id=person.pk), reason=reason
        )


def seal_name(organisation_name: str) -> str:
    return f"{organisation_name} — e-sigill"


def seal_certificate_issue(*, organisation, replace: bool = False) -> x509.Certificate:
    """The organisation's e-sigill certificate (CN "<organisation> — e-sigill"), issued once."""
    from .models import SigningCertificate

    with transaction.atomic():
        rows = (
            _registry()
            .select_for_update()
            .filter(kind=SigningCertificate.Kind.SEAL, organisation=organisation)
        )
        row = _current(rows)
        if row is not None and not replace and _usable(row):
            return _load(row)
        _revoke(rows, reason=_in_site_language("superseded"))
        attributes = [
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "e-sigill"),
            x509.NameAttribute(NameOID.COMMON_NAME, seal_name(organisation.name)),
        ]
        return _issue(
            kind=SigningCertificate.Kind.SEAL, attributes=attributes, organisation=organisation, years=10
        )


def _seal_current(*, organisation):
    from .models import SigningCertificate

    return _current(_registry().filter(kind=SigningCertificate.Kind.SEAL, organisation=organisation))


def _validation_context() -> ValidationContext:
    _key, ca_cert_path = _ca_paths()
    roots = [load_cert_from_pemder(str(ca_cert_path))] if ca_cert_path.exists() else []
    extra = [Path(p) for p in settings.PARAGRAF_SIGNING_TRUST_ROOTS]
    roots += [load_cert_from_pemder(str(p)) for p in extra if p.exists()]
    return ValidationContext(trust_roots=roots, allow_fetching=False)


# --- Signing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    """What signs: a registry certificate with its private key, and the name in its stamp."""

    certificate_pem: bytes
    key_pem: bytes
    name: str
    seal: bool


class SignerBackend(ABC):
    """The interface of a signer: sign `pdf` in the named field as `person`, or seal it with the
    organisation's e-sigill.

    Implementations return the whole signed PDF (an incremental update of the input).
    `certify=True` makes it the document's certification signature, which allows only
    the later signatures of the pre-created fields.
    """

    @abstractmethod
    def sign(
        self, pdf: bytes, *, person, field_name: str, reason: str, location: str, certify: bool
    ) -> bytes:
        """Return `pdf` signed in `field_name` by `person`."""

    @abstractmethod
    def seal(
        self, pdf: bytes, *, organisation, field_name: str, reason: str, location: str, certify: bool
    ) -> bytes:
        """Return `pdf` sealed in `field_name` with the organisation's e-sigill."""


def _stamp_font() -> Path:
    """STAMP_FONT scaled to 1000 units per em, made once per machine. pyHanko writes a font's
    glyph widths (/W) in the font's own units, which PDF reads as thousandths of an em: with
    DejaVu's 2048 units the letters of a stamp stood twice as far apart as they should."""
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    scaled = Path(tempfile.gettempdir()) / f"paragraf-{STAMP_FONT.stem}-1000upem.ttf"
    if not scaled.exists():
        font = TTFont(str(STAMP_FONT))
        if font["head"].unitsPerEm != 1000:
            scale_upem(font, 1000)
        partial = scaled.with_suffix(f".{os.getpid()}.tmp")
        font.save(str(partial))
        partial.replace(scaled)
    return scaled


def _stamp_style(*, name: str, seal: bool):
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    with translation.override(settings.LANGUAGE_CODE):
        if seal:
            text = _("Sealed with the e-sigill of %(name)s\n%(ts)s")
        else:
            text = _("Digitally signed by %(name)s\n%(ts)s")
    return TextStampStyle(
        stamp_text=text % {"name": name, "ts": "%(ts)s"},
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(_stamp_font()))),
        timestamp_format="%Y-%m-%d %H:%M",
        border_width=0,
    )


def _sign_pdf(
    pdf: bytes, *, key: SigningKey, field_name: str, reason: str, location: str, certify: bool
) -> bytes:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.sign.general import load_private_key_from_pemder_data

    ca_cert = asn1_x509.Certificate.load(signing_ca_certificate().public_bytes(serialization.Encoding.DER))
    cert = asn1_x509.Certificate.load(
        x509.load_pem_x509_certificate(key.certificate_pem).public_bytes(serialization.Encoding.DER)
    )
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=load_private_key_from_pemder_data(key.key_pem, passphrase=_passphrase()),
        cert_registry=SimpleCertificateStore.from_certs([ca_cert]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        name=key.name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=certify,
        docmdp_permissions=MDPPerm.FILL_FORMS,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    out = signers.PdfSigner(
        meta, signer=signer, stamp_style=_stamp_style(name=key.name, seal=key.seal)
    ).sign_pdf(writer, existing_fields_only=True)
    return out.getvalue()


def _signing_key(row, *, name: str, seal: bool) -> SigningKey:
    path = signing_dir() / row.key_file
    if not path.exists():
        raise SigningError(
            _("The private key of certificate %(serial)s is missing.") % {"serial": row.serial}
        )
    return SigningKey(row.certificate_pem.encode(), path.read_bytes(), name, seal)


class LocalCertificateBackend(SignerBackend):
    """Signs with certificates from the organisation's own CA (PAdES B-B): a person's for the
    login linked to them now, or the organisation's e-sigill."""

    def sign(
        self, pdf: bytes, *, person, field_name: str, reason: str, location: str, certify: bool
    ) -> bytes:
        row = person_certificate_current(person=person)
        if row is None:
            raise SigningError(
                _("%(person)s has no signing certificate for their login: run manage.py signing_setup.")
                % {"person": person.full_name}
            )
        key = _signing_key(row, name=person.full_name, seal=False)
        return _outside_event_loop(
            _sign_pdf, pdf, key=key, field_name=field_name, reason=reason, location=location, certify=certify
        )

    def seal(
        self, pdf: bytes, *, organisation, field_name: str, reason: str, location: str, certify: bool
    ) -> bytes:
        seal_certificate_issue(organisation=organisation)  # once, or again for a new CA
        row = _seal_current(organisation=organisation)
        key = _signing_key(row, name=organisation.name, seal=True)
        return _outside_event_loop(
            _sign_pdf, pdf, key=key, field_name=field_name, reason=reason, location=location, certify=certify
        )


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
    There the work goes to a short-lived thread of its own (which does no database work).
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
    """Sign a PDF in a pre-created field as `person`, with the configured backend."""
    return signer_backend().sign(
        pdf, person=person, field_name=field_name, reason=reason, location=location, certify=certify
    )


def pdf_seal(
    pdf: bytes, *, organisation, field_name: str, reason: str, location: str = "", certify: bool = False
) -> bytes:
    """Seal a PDF in a pre-created field with the organisation's e-sigill (issued on demand):
    how the server certifies what it certifies on its own, in the organisation's name."""
    if not signing_ca_exists():
        raise SigningError(_("There is no signing CA yet: run manage.py signing_setup."))
    return signer_backend().seal(
        pdf,
        organisation=organisation,
        field_name=field_name,
        reason=reason,
        location=location,
        certify=certify,
    )


# --- Verification ---------------------------------------------------------------------------


def pdf_verify(pdf: bytes) -> list[SignatureReport]:
    """Validate every signature of a PDF against the organisation's CA (and configured roots)
    and the certificate registry: per signature, who signed (a person or the e-sigill), the
    certificate's serial and issue date, and where it does not hold, why."""
    found = _outside_event_loop(_pdf_verify, pdf)
    return [_with_registry(report) for report in found]


def _serial_hex(cert) -> str:
    return f"{cert.serial_number:x}"


def _pdf_verify(pdf: bytes) -> list[SignatureReport]:
    context = _validation_context()
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded_signatures = list(reader.embedded_signatures)
    except Exception:  # noqa: BLE001 - damaged structure: check each signed byte range directly
        reports = _pdf_verify_byte_ranges(pdf, context)
        if reports:
            return reports
        raise
    reports = []
    for embedded in embedded_signatures:
        try:
            cert = embedded.signer_cert
            status = validate_pdf_signature(embedded, context)
        except Exception:  # noqa: BLE001 - the CMS in /Contents cannot be parsed: altered bytes
            reports.append(
                SignatureReport(
                    field_name=embedded.field_name,
                    signer="",
                    signed_at=None,
                    intact=False,
                    trusted=False,
                    covers_whole_document=False,
                    modification_level="",
                    certifying=False,
                    problem=Problem.UNREADABLE,
                )
            )
            continue
        subject = cert.subject.native
        intact, valid, trusted = bool(status.intact), bool(status.valid), bool(status.trusted)
        problem = ""
        if not intact:
            problem = Problem.CHANGED
        elif not valid:
            problem = Problem.INVALID
        elif not trusted:
            problem = Problem.UNTRUSTED
        try:
            signed_at = embedded.self_reported_timestamp
        except Exception:  # noqa: BLE001
            signed_at = None
        reports.append(
            SignatureReport(
                field_name=embedded.field_name,
                signer=subject.get("common_name", cert.subject.human_friendly),
                signed_at=signed_at,
                intact=intact and valid,
                trusted=trusted,
                covers_whole_document=status.coverage.name == "ENTIRE_FILE",
                modification_level=status.modification_level.name if status.modification_level else "",
                certifying=embedded.docmdp_level is not None,
                problem=problem,
                serial=_serial_hex(cert),
                issued_at=cert.not_valid_before,
                organisation=subject.get("organization_name", ""),
                account=subject.get("user_id", ""),
                seal=subject.get("organizational_unit_name", "") == "e-sigill",
            )
        )
    return reports


BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def _pdf_verify_byte_ranges(pdf: bytes, context: ValidationContext) -> list[SignatureReport]:
    """Validate the signatures of a PDF whose structure no longer parses (a byte changed in a
    signed part can break it) the way poppler's pdfsig does: for each /ByteRange, the CMS
    signature between its two ranges against the bytes the ranges cover."""
    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms

    reports = []
    for match in BYTE_RANGE.finditer(pdf):
        start1, length1, start2, length2 = (int(n) for n in match.groups())
        if start1 + length1 > start2 or start2 + length2 > len(pdf):
            continue
        data = pdf[start1 : start1 + length1] + pdf[start2 : start2 + length2]
        hex_contents = pdf[start1 + length1 : start2].strip().lstrip(b"<").rstrip(b">")
        base = dict(
            field_name="",
            signed_at=None,
            covers_whole_document=start2 + length2 == len(pdf),
            modification_level="",
            certifying=False,
        )
        try:
            signed_data = cms.ContentInfo.load(bytes.fromhex(hex_contents.decode()), strict=False)["content"]
            signer_info = signed_data["signer_infos"][0]
            serial = signer_info["sid"].chosen["serial_number"].native
            cert = next(c.chosen for c in signed_data["certificates"] if c.chosen.serial_number == serial)
            status = asyncio.run(
                async_validate_detached_cms(data, signed_data, signer_validation_context=context)
            )
        except Exception:  # noqa: BLE001 - the signature bytes cannot be parsed
            reports.append(
                SignatureReport(signer="", intact=False, trusted=False, problem=Problem.UNREADABLE, **base)
            )
            continue
        intact, valid, trusted = bool(status.intact), bool(status.valid), bool(status.trusted)
        problem = (
            Problem.CHANGED
            if not intact
            else Problem.INVALID
            if not valid
            else Problem.UNTRUSTED
            if not trusted
            else ""
        )
        subject = cert.subject.native
        reports.append(
            SignatureReport(
                signer=subject.get("common_name", cert.subject.human_friendly),
                intact=intact and valid,
                trusted=trusted,
                problem=problem,
                serial=_serial_hex(cert),
                issued_at=cert.not_valid_before,
                organisation=subject.get("organization_name", ""),
                account=subject.get("user_id", ""),
                seal=subject.get("organizational_unit_name", "") == "e-sigill",
                **base,
            )
        )
    return reports


def _with_registry(report: SignatureReport) -> SignatureReport:
    """Add what the registry knows of the certificate: issue date, revocation, and whether the
    login it was issued to also signed as someone else."""
    from dataclasses import replace

    from .models import SigningCertificate

    if not report.serial or not report.trusted:
        return replace(report, seal=False)  # an untrusted certificate's claims mean nothing
    row = _registry().filter(serial=report.serial).first()
    if row is None:  # trusted through a configured root: not ours to judge, nor our seal
        return replace(report, seal=False)
    changes: dict = {"issued_at": row.issued_at, "seal": row.kind == SigningCertificate.Kind.SEAL}
    notes = list(report.notes)
    problem = report.problem
    if row.revoked_at is not None:
        changes.update(revoked_at=row.revoked_at, revocation_reason=row.revocation_reason)
        if report.signed_at is not None and report.signed_at < row.revoked_at:
            notes.append(
                _("The certificate was revoked later (%(when)s: %(reason)s); the signature was made before.")
                % {
                    "when": f"{timezone.localtime(row.revoked_at):%Y-%m-%d %H:%M}",
                    "reason": row.revocation_reason,
                }
            )
        elif not problem:
            problem = Problem.REVOKED
    if (
        not problem
        and row.kind == SigningCertificate.Kind.PERSON
        and row.account
        and _registry()
        .filter(kind=SigningCertificate.Kind.PERSON, account=row.account)
        .exclude(person_id=row.person_id)
        .exists()
    ):
        problem = Problem.UNATTRIBUTABLE
    return replace(report, problem=problem, notes=tuple(notes), **changes)


def pdf_sha256(pdf: bytes) -> str:
    return hashlib.sha256(pdf).hexdigest()
