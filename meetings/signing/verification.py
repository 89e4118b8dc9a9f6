"""Verifying a PDF's signatures: each signature's integrity and trust, checked against the
certificate registry (a signature made after its certificate was revoked, or by a login also
issued a certificate in another person's name, does not hold), and the reasons in words.

Over 400 lines: the PAdES levels, the timestamps and the registry checks are one reading of
the signatures, each step using what the one before found.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from meetings.models import SigningCertificate
from meetings.signing.certificates import _registry, _trust_roots, _validation_context
from meetings.signing.pdf_signatures import _outside_event_loop


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
    # PAdES baseline level (meetings/signing/longterm.py): "B-B", "B-T", "B-LT" or "B-LTA".
    level: str = "B-B"
    timestamp_at: dt.datetime | None = None  # the signature timestamp's time (B-T and up)
    timestamp_trusted: bool = False
    archived_at: dt.datetime | None = None  # the first later document timestamp (B-LTA)
    # How the signer authenticated (a certificate per signature's RFC 7773 extension).
    provider: str = ""
    assurance_level: str = ""
    authenticated_at: dt.datetime | None = None
    valid_until: dt.datetime | None = None  # the certificate's notAfter

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


# --- Verification ---------------------------------------------------------------------------


def pdf_verify(pdf: bytes, *, moment: dt.datetime | None = None) -> list[SignatureReport]:
    """Validate every signature of a PDF against the organisation's CA (and configured roots)
    and the certificate registry: per signature, who signed (a person or the e-sigill), the
    certificate's serial and issue date, its PAdES level, timestamp and the signer's
    authentication, and where it does not hold, why. `moment` validates as at another time
    (a signature timestamped and archived still holds after its certificate expired); document
    timestamps are not listed (they show as the signatures' level and archive time)."""
    found = _outside_event_loop(_pdf_verify, pdf, moment)
    return [_with_registry(report) for report in found]


def _serial_hex(cert) -> str:
    return f"{cert.serial_number:x}"


def _dss_kwargs(reader) -> dict:
    """The certificates, OCSP answers and CRLs embedded in the document's DSS."""
    from pyhanko.sign.validation import DocumentSecurityStore
    from pyhanko.sign.validation.errors import NoDSSFoundError

    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except (NoDSSFoundError, KeyError):
        return {}
    context = dss.as_validation_context({})
    return {
        "other_certs": list(dss.load_certs()),
        "ocsps": list(context.ocsps),
        "crls": list(context.crls),
    }


def _context(roots, dss: dict, *, moment: dt.datetime | None, historic: bool = False) -> ValidationContext:
    return ValidationContext(
        trust_roots=roots,
        allow_fetching=False,
        moment=moment,
        # Validating in the past: the OCSP answer embedded after the signature proves the
        # certificate was not revoked when it was made (it was produced just after).
        retroactive_revinfo=historic,
        **dss,
    )


def _has_revinfo(dss: dict, cert) -> bool:
    for response in dss.get("ocsps", []):
        try:
            basic = response["response_bytes"]["response"].parsed
            for single in basic["tbs_response_data"]["responses"]:
                if single["cert_id"]["serial_number"].native == cert.serial_number:
                    return True
        except (KeyError, ValueError, TypeError):
            continue
    return any(crl.issuer == cert.issuer for crl in dss.get("crls", []))


def _pdf_verify(pdf: bytes, moment: dt.datetime | None = None) -> list[SignatureReport]:
    from pyhanko.sign.validation import validate_pdf_timestamp

    from meetings.signing import longterm
    from meetings.signing.certificates import certificate_assurance

    context = _validation_context()
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded_signatures = list(reader.embedded_signatures)
    except Exception:  # noqa: BLE001 - damaged structure: check each signed byte range directly
        reports = _pdf_verify_byte_ranges(pdf, context)
        if reports:
            return reports
        raise
    signer_roots = _trust_roots()
    ts_roots = longterm.tsa_trust_roots()
    dss = _dss_kwargs(reader)
    at = moment or dt.datetime.now(dt.UTC)
    # The document timestamps: each checked at its own time with the validation data embedded
    # after it, and counted while its authority's certificate has not expired at `at` (then a
    # newer document timestamp must cover it; docs/signing.md).
    archives = []
    for embedded in embedded_signatures:
        if embedded.sig_object_type != "/DocTimeStamp":
            continue
        try:
            when = embedded.signed_data["encap_content_info"]["content"].parsed["gen_time"].native
            status = validate_pdf_timestamp(
                embedded, _context(ts_roots, dss, moment=when, historic=True), skip_diff=True
            )
            if (
                status.intact
                and status.valid
                and status.trusted
                and status.signing_cert.not_valid_after >= at
            ):
                archives.append((embedded.signed_revision, status.timestamp))
        except Exception:  # noqa: BLE001 - an unreadable timestamp proves nothing
            continue
    reports = []
    for embedded in embedded_signatures:
        if embedded.sig_object_type == "/DocTimeStamp":
            continue
        try:
            cert = embedded.signer_cert
            token = longterm.signature_timestamp_token(embedded.signed_data)
            notes: list[str] = []
            later = [when for revision, when in archives if revision > embedded.signed_revision]
            archived_at = min(later) if later else None
            if token is not None:
                # The signer's certificate and the timestamp's are checked when the timestamp says
                # the signature was made, with the validation data embedded just after it; the
                # timestamp's certificate must not have expired by `at` unless a document
                # timestamp covers it.
                ts_time = longterm.token_time(token)
                status = validate_pdf_signature(
                    embedded,
                    _context(signer_roots, dss, moment=ts_time, historic=True),
                    ts_validation_context=_context(ts_roots, dss, moment=ts_time, historic=True),
                )
            else:
                status = validate_pdf_signature(embedded, _context(signer_roots, dss, moment=at))
                claimed = embedded.self_reported_timestamp
                if not status.trusted and claimed and cert.not_valid_after < at:
                    # B-B with an expired certificate: only the signer's own claim of the time.
                    status = validate_pdf_signature(embedded, _context(signer_roots, dss, moment=claimed))
                    notes.append(
                        _(
                            "The signature has no timestamp: its time is the signer's own claim, and "
                            "the certificate was checked at that time."
                        )
                    )
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
        timestamp = status.timestamp_validity
        timestamp_trusted = bool(
            timestamp
            and timestamp.intact
            and timestamp.valid
            and timestamp.trusted
            and (archived_at is not None or timestamp.signing_cert.not_valid_after >= at)
        )
        if token is not None and not timestamp_trusted:
            trusted = False
            notes.append(_("The signature timestamp could not be validated: its authority is not trusted."))
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
        level = "B-B"
        if token is not None:
            level = "B-T"
            if _has_revinfo(dss, cert):
                level = "B-LTA" if archived_at else "B-LT"
        else:
            notes.append(
                _(
                    "PAdES B-B: no timestamp authority was used, so the signature cannot be validated "
                    "once its certificate has expired except by the signer's own claim of the time."
                )
            )
        assurance = certificate_assurance(cert) if trusted else None
        modification = status.modification_level.name if status.modification_level else ""
        reports.append(
            SignatureReport(
                field_name=embedded.field_name,
                signer=subject.get("common_name", cert.subject.human_friendly),
                signed_at=signed_at,
                intact=intact and valid,
                trusted=trusted,
                # The whole file, or only validation data and timestamps after it.
                covers_whole_document=status.coverage.name == "ENTIRE_FILE" or modification == "LTA_UPDATES",
                modification_level=modification,
                certifying=embedded.docmdp_level is not None,
                problem=problem,
                serial=_serial_hex(cert),
                issued_at=cert.not_valid_before,
                organisation=subject.get("organization_name", ""),
                account=subject.get("user_id", ""),
                seal=subject.get("organizational_unit_name", "") == "e-sigill",
                notes=tuple(notes),
                level=level,
                timestamp_at=timestamp.timestamp if timestamp is not None else None,
                timestamp_trusted=timestamp_trusted,
                archived_at=archived_at,
                provider=assurance["provider"] if assurance else "",
                assurance_level=assurance["level"] if assurance else "",
                authenticated_at=assurance["authenticated_at"] if assurance else None,
                valid_until=cert.not_valid_after,
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
        made_at = report.timestamp_at if report.timestamp_trusted else report.signed_at
        if made_at is not None and made_at < row.revoked_at:
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
