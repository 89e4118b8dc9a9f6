"""The revocation source of the organisation's signing CA: OCSP responses and a CRL, made from
the certificate registry and signed with the CA's own key (RFC 6960 §2.6 lets the CA answer
for itself).

Paragraf answers them itself, at /signering/ocsp/ and /signering/ca.crl (every certificate the CA
issues names these addresses), so any validator can ask. When signing, the server does not ask
itself over HTTP (a single worker would wait for itself): it calls `ocsp_response_for` directly
and embeds the answer in the document (PAdES B-LT).

`build_ocsp_response` is generic: the test PKI's OCSP responder (tests/fixtures_pki.py) uses it
for its own CA.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from meetings.models import SigningCertificate
from meetings.signing.certificates import _ca_key, _ca_paths

# How long an answer may be relied on before asking again.
OCSP_VALIDITY = dt.timedelta(days=1)
CRL_VALIDITY = dt.timedelta(days=1)


def _ca() -> tuple[x509.Certificate, object]:
    _key_path, cert_path = _ca_paths()
    return x509.load_pem_x509_certificate(cert_path.read_bytes()), _ca_key()


def build_ocsp_response(
    *,
    issuer: x509.Certificate,
    issuer_key,
    serial: int,
    issuer_name_hash: bytes,
    issuer_key_hash: bytes,
    algorithm,
    status: str,
    revoked_at: dt.datetime | None = None,
    nonce: bytes | None = None,
) -> bytes:
    """A signed OCSP response (DER) about one serial of `issuer`: status "good", "revoked"
    or "unknown"."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    cert_status = {
        "good": ocsp.OCSPCertStatus.GOOD,
        "revoked": ocsp.OCSPCertStatus.REVOKED,
        "unknown": ocsp.OCSPCertStatus.UNKNOWN,
    }[status]
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            issuer_name_hash=issuer_name_hash,
            issuer_key_hash=issuer_key_hash,
            serial_number=serial,
            algorithm=algorithm,
            cert_status=cert_status,
            this_update=now,
            next_update=now + OCSP_VALIDITY,
            revocation_time=revoked_at.astimezone(dt.UTC).replace(tzinfo=None) if revoked_at else None,
            revocation_reason=x509.ReasonFlags.unspecified if revoked_at else None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, issuer)
    )
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _status(serial: int) -> tuple[str, dt.datetime | None]:
    row = SigningCertificate.objects.filter(serial=f"{serial:x}").first()
    if row is None:
        return "unknown", None
    if row.revoked_at is not None:
        return "revoked", row.revoked_at
    return "good", None


def _issuer_hashes(issuer: x509.Certificate, algorithm) -> tuple[bytes, bytes]:
    name_digest = hashes.Hash(algorithm)
    name_digest.update(issuer.subject.public_bytes())
    key_der = issuer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    from asn1crypto import keys as asn1_keys

    bits = asn1_keys.PublicKeyInfo.load(key_der)["public_key"].contents[1:]  # without unused-bits byte
    key_digest = hashes.Hash(algorithm)
    key_digest.update(bits)
    return name_digest.finalize(), key_digest.finalize()


def ocsp_response_for(cert: x509.Certificate) -> bytes:
    """The CA's OCSP answer (DER) about one of its certificates, now."""
    issuer, key = _ca()
    algorithm = hashes.SHA256()
    name_hash, key_hash = _issuer_hashes(issuer, algorithm)
    status, revoked_at = _status(cert.serial_number)
    return build_ocsp_response(
        issuer=issuer,
        issuer_key=key,
        serial=cert.serial_number,
        issuer_name_hash=name_hash,
        issuer_key_hash=key_hash,
        algorithm=algorithm,
        status=status,
        revoked_at=revoked_at,
    )


def ocsp_answer(
    request_der: bytes, *, issuer: x509.Certificate | None = None, issuer_key=None, status_of=None
) -> bytes:
    """Answer an OCSP request (DER) for the CA (or for `issuer`, with `status_of(serial)`
    giving (status, revoked_at)): a signed response, or "unauthorized" for another issuer,
    "malformedRequest" for bytes that are no request."""
    try:
        request = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return ocsp.OCSPResponseBuilder.build_unsuccessful(
            ocsp.OCSPResponseStatus.MALFORMED_REQUEST
        ).public_bytes(serialization.Encoding.DER)
    if issuer is None:
        issuer, issuer_key = _ca()
        status_of = _status
    algorithm = request.hash_algorithm
    name_hash, key_hash = _issuer_hashes(issuer, algorithm)
    if (request.issuer_name_hash, request.issuer_key_hash) != (name_hash, key_hash):
        return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(
            serialization.Encoding.DER
        )
    try:
        nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        nonce = None
    status, revoked_at = status_of(request.serial_number)
    return build_ocsp_response(
        issuer=issuer,
        issuer_key=issuer_key,
        serial=request.serial_number,
        issuer_name_hash=name_hash,
        issuer_key_hash=key_hash,
        algorithm=algorithm,
        status=status,
        revoked_at=revoked_at,
        nonce=nonce,
    )


def crl_der() -> bytes:
    """The CA's certificate revocation list (DER): every revoked certificate of the registry."""
    issuer, key = _ca()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(now)
        .next_update(now + CRL_VALIDITY)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
    )
    for row in SigningCertificate.objects.filter(revoked_at__isnull=False).only("serial", "revoked_at"):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(int(row.serial, 16))
            .revocation_date(row.revoked_at.astimezone(dt.UTC))
            .build()
        )
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
