"""Signing PDFs (PAdES, with pyHanko): the pre-created empty signature fields, a person's
signature made by the server after the signer re-authenticates, and the organisation's
e-sigill. `SignerBackend` is the one seam (PARAGRAF_SIGNER_BACKEND) through which a PKCS#11
token or an external e-signing service can replace `LocalCertificateBackend`.
"""

from __future__ import annotations

import asyncio
import io
import os
import tempfile
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import connections
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from meetings.signing import longterm
from meetings.signing.assurance import Assurance
from meetings.signing.certificates import (
    SigningError,
    _passphrase,
    _seal_current,
    person_certificate_current,
    seal_certificate_issue,
    signature_certificate_issue,
    signing_ca_certificate,
    signing_ca_exists,
    signing_dir,
)

# The font of the visible signature stamps, embedded in the PDF (PDF/A needs every font embedded).
STAMP_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@dataclass(frozen=True)
class SignatureField:
    """An empty signature field to pre-create: its name, page (0-based) and box in points."""

    name: str
    page: int
    box: tuple[int, int, int, int]


# --- Signing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    """What signs: a registry certificate with its private key, and the name in its stamp."""

    certificate_pem: bytes
    key_pem: bytes
    name: str
    seal: bool
    encrypted: bool = True  # a kept key is encrypted with PARAGRAF_SIGNING_PASSPHRASE


class SignerBackend(ABC):
    """The interface of a signer: sign `pdf` in the named field as `person`, or seal it with the
    organisation's e-sigill.

    Implementations return the whole signed PDF (an incremental update of the input).
    `certify=True` makes it the document's certification signature, which allows only
    the later signatures of the pre-created fields.
    """

    @abstractmethod
    def sign(
        self,
        pdf: bytes,
        *,
        person,
        field_name: str,
        reason: str,
        location: str,
        certify: bool,
        assurance: Assurance | None = None,
    ) -> bytes:
        """Return `pdf` signed in `field_name` by `person`, who authenticated as `assurance`
        says just before (meetings/signing/assurance.py)."""

    @abstractmethod
    def seal(
        self, pdf: bytes, *, organisation, field_name: str, reason: str, location: str, certify: bool
    ) -> bytes:
        """Return `pdf` sealed in `field_name` with the organisation's e-sigill."""


# The characters a stamp is made of: Latin script with its accents (U+0020–U+024F: every
# Swedish, Nordic and European name), general punctuation and the euro sign.
STAMP_CHARACTERS = frozenset(chr(code) for code in [*range(0x20, 0x250), *range(0x2000, 0x2070), 0x20AC])


def _stamp_font(text: str = "") -> Path:
    """STAMP_FONT scaled to 1000 units per em, made once per machine. pyHanko writes a font's
    glyph widths (/W) in the font's own units, which PDF reads as thousandths of an em: with
    DejaVu's 2048 units the letters of a stamp stood twice as far apart as they should.

    A stamp whose text is all STAMP_CHARACTERS gets a copy cut down to them (90 kB instead of
    700 kB), which pyHanko subsets for each signature three times faster; any other text (a
    name in Greek or Cyrillic letters) gets the whole font."""
    from fontTools import subset
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
    if not set(text) <= STAMP_CHARACTERS:
        return scaled
    latin = scaled.with_name(f"paragraf-{STAMP_FONT.stem}-1000upem-latin.ttf")
    if not latin.exists():
        font = TTFont(str(scaled))
        options = subset.Options()
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.layout_features = ["*"]
        options.drop_tables += ["FFTM"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(ord(character) for character in STAMP_CHARACTERS))
        subsetter.subset(font)
        partial = latin.with_suffix(f".{os.getpid()}.tmp")
        font.save(str(partial))
        partial.replace(latin)
    return latin


def _stamp_style(*, name: str, seal: bool):
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    with translation.override(settings.LANGUAGE_CODE):
        if seal:
            text = _("Sealed with the e-sigill of %(name)s\n%(ts)s")
        else:
            text = _("Digitally signed by %(name)s\n%(ts)s")
    stamp_text = text % {"name": name, "ts": "%(ts)s"}
    return TextStampStyle(
        stamp_text=stamp_text,
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(_stamp_font(stamp_text)))),
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
        signing_key=load_private_key_from_pemder_data(
            key.key_pem, passphrase=_passphrase() if key.encrypted else None
        ),
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
        meta,
        signer=signer,
        stamp_style=_stamp_style(name=key.name, seal=key.seal),
        timestamper=longterm.timestamper(),
    ).sign_pdf(writer, existing_fields_only=True)
    signed = out.getvalue()
    if longterm.tsa_configured():  # B-T: add the validation data at once (B-LT)
        signed = longterm.embed_validation_data(signed)
    return signed


def _signing_key(row, *, name: str, seal: bool) -> SigningKey:
    path = signing_dir() / row.key_file
    if not path.exists():
        raise SigningError(
            _("The private key of certificate %(serial)s is missing.") % {"serial": row.serial}
        )
    return SigningKey(row.certificate_pem.encode(), path.read_bytes(), name, seal)


class LocalCertificateBackend(SignerBackend):
    """Signs with certificates from the organisation's own CA: for a signer who authenticated
    (`assurance`), a certificate for that signature alone, whose key is used once and never
    kept; without an assurance (direct callers only), the person's long-lived certificate for
    the login linked to them now; or the organisation's e-sigill. With PARAGRAF_TSA_URL each
    signature is timestamped and its validation data embedded (B-LT), and a seal gets its
    archive timestamp at once (B-LTA); without it they are B-B (meetings/signing/longterm.py)."""

    def sign(
        self,
        pdf: bytes,
        *,
        person,
        field_name: str,
        reason: str,
        location: str,
        certify: bool,
        assurance: Assurance | None = None,
    ) -> bytes:
        if assurance is not None:
            # A certificate for this signature alone; its key never leaves this function.
            cert, private_key = signature_certificate_issue(person=person, assurance=assurance)
            key = SigningKey(
                cert.public_bytes(serialization.Encoding.PEM),
                private_key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ),
                person.full_name,
                False,
                encrypted=False,
            )
            del private_key
            return _outside_event_loop(
                _sign_pdf,
                pdf,
                key=key,
                field_name=field_name,
                reason=reason,
                location=location,
                certify=certify,
            )
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
        sealed = _outside_event_loop(
            _sign_pdf, pdf, key=key, field_name=field_name, reason=reason, location=location, certify=certify
        )
        # A sealed document is complete when sealed: its archive timestamp at once (B-LTA).
        return _outside_event_loop(longterm.document_timestamp, sealed)


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
    There the work goes to a short-lived thread of its own, which uses the caller's database
    connections (the caller waits meanwhile): what it reads (the certificate registry, for the
    OCSP answers embedded after a signature) is what the caller's open transaction sees,
    certificates issued in it included; and in the caller's language.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    shared = [connections[alias] for alias in connections]
    language = translation.get_language()  # also the caller's language (thread-local)

    def in_thread():
        for connection in shared:
            connection.inc_thread_sharing()
            connections[connection.alias] = connection
        try:
            with translation.override(language):
                return function(*args, **kwargs)
        finally:
            for connection in shared:
                del connections[connection.alias]
                connection.dec_thread_sharing()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(in_thread).result()


def pdf_sign(
    pdf: bytes,
    *,
    person,
    field_name: str,
    reason: str,
    location: str = "",
    certify: bool = False,
    assurance: Assurance | None = None,
) -> bytes:
    """Sign a PDF in a pre-created field as `person`, with the configured backend; `assurance`
    says how the person authenticated just before."""
    return signer_backend().sign(
        pdf,
        person=person,
        field_name=field_name,
        reason=reason,
        location=location,
        certify=certify,
        assurance=assurance,
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


def pdf_archive_timestamp(pdf: bytes) -> bytes:
    """The document timestamp over a document whose last signer is done, with its validation
    data (PAdES B-LTA); without a timestamp authority the document as it is (B-B)."""
    return _outside_event_loop(longterm.document_timestamp, pdf)
