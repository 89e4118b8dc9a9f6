"""Signatures that outlive their certificates (PAdES baseline levels, docs/signing.md).

- B-B: a signature and its certificate only (no timestamp authority configured).
- B-T: an RFC 3161 signature timestamp from the timestamp authority PARAGRAF_TSA_URL proves the
  signature existed at that time.
- B-LT: after each signature, the validation data (the certificates and an OCSP answer, or a
  CRL, for every certificate of the signer's and the TSA's chains) is embedded in the
  document's DSS, so it can be validated without asking anyone.
- B-LTA: when the last signer is done, a document timestamp covers it all (and its own
  validation data is embedded after it), so the signatures validate after their
  certificates have expired, for as long as the timestamp's certificate holds.

Our own CA's certificates get their OCSP answer in-process (meetings/signing/revocation.py);
another authority's (the TSA's) are fetched from the addresses in its certificates.
"""

from __future__ import annotations

import io
import logging

import requests
from asn1crypto import cms
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore

from meetings.signing.certificates import signing_ca_certificate
from meetings.signing.revocation import ocsp_response_for

logger = logging.getLogger(__name__)

FETCH_TIMEOUT = 10  # seconds, per OCSP or CRL request to another authority


def tsa_configured() -> bool:
    return bool(settings.PARAGRAF_TSA_URL)


def timestamper():
    """The configured timestamp authority's client (None: no TSA, signatures stay B-B)."""
    if not settings.PARAGRAF_TSA_URL:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    url = settings.PARAGRAF_TSA_URL
    return HTTPTimeStamper(url, https=url.startswith("https:"), timeout=settings.PARAGRAF_TSA_TIMEOUT)


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _crypto(cert: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())


def _signed_data_certs(signed_data: cms.SignedData) -> list[asn1_x509.Certificate]:
    return [c.chosen for c in signed_data["certificates"] or [] if c.name == "certificate"]


def signature_timestamp_token(signed_data: cms.SignedData):
    """The RFC 3161 signature timestamp token (a ContentInfo) of a CMS signature, or None."""
    signer_info = signed_data["signer_infos"][0]
    for attribute in signer_info["unsigned_attrs"] or []:
        if attribute["type"].native == "signature_time_stamp_token":
            return attribute["values"][0]
    return None


def token_time(token):
    """The time a timestamp token states (TSTInfo genTime)."""
    return token["content"]["encap_content_info"]["content"].parsed["gen_time"].native


def _issuer_of(cert: asn1_x509.Certificate, pool: list[asn1_x509.Certificate]):
    for candidate in pool:
        if candidate.subject == cert.issuer and candidate.key_identifier in (
            None,
            cert.authority_key_identifier,
        ):
            return candidate
    for candidate in pool:
        if candidate.subject == cert.issuer:
            return candidate
    return None


def _fetch_ocsp(cert: asn1_x509.Certificate, issuer: asn1_x509.Certificate) -> bytes | None:
    for url in cert.ocsp_urls:
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(_crypto(cert), _crypto(issuer), hashes.SHA256())
            .build()
            .public_bytes(serialization.Encoding.DER)
        )
        try:
            response = requests.post(
                url,
                data=request,
                headers={"Content-Type": "application/ocsp-request"},
                timeout=FETCH_TIMEOUT,
            )
            response.raise_for_status()
        except requests.RequestException:
            logger.warning("OCSP responder %s did not answer for %s", url, cert.subject.human_friendly)
            continue
        loaded = asn1_ocsp.OCSPResponse.load(response.content)
        if loaded["response_status"].native == "successful":
            return response.content
    return None


def _fetch_crl(cert: asn1_x509.Certificate) -> bytes | None:
    for point in cert.crl_distribution_points:
        url = point.url
        if not url:
            continue
        try:
            response = requests.get(url, timeout=FETCH_TIMEOUT)
            response.raise_for_status()
        except requests.RequestException:
            logger.warning("CRL %s could not be fetched", url)
            continue
        return response.content
    return None


def validation_material(signed_datas: list[cms.SignedData], extra_roots: list[asn1_x509.Certificate]):
    """The certificates and the OCSP answers (or CRLs) that validate every certificate of the
    given CMS signatures (a signature, its timestamp token, a document timestamp) up to a root."""
    own_ca = _asn1(signing_ca_certificate())
    pool = [own_ca, *extra_roots]
    leaves: list[asn1_x509.Certificate] = []
    for signed_data in signed_datas:
        certs = _signed_data_certs(signed_data)
        pool.extend(certs)
        leaves.extend(certs)
        token = signature_timestamp_token(signed_data)
        if token is not None:
            token_certs = _signed_data_certs(token["content"])
            pool.extend(token_certs)
            leaves.extend(token_certs)
    certs, ocsps, crls, seen = [], [], [], set()
    for cert in leaves:
        if cert.sha256 in seen:
            continue
        seen.add(cert.sha256)
        certs.append(cert)
        if cert.self_signed != "no":
            continue  # a root: trusted by the validator, not checked for revocation
        issuer = _issuer_of(cert, pool)
        if issuer is None:
            continue
        if issuer.sha256 == own_ca.sha256:
            ocsps.append(asn1_ocsp.OCSPResponse.load(ocsp_response_for(_crypto(cert))))
            continue
        answer = _fetch_ocsp(cert, issuer)
        if answer is not None:
            ocsps.append(asn1_ocsp.OCSPResponse.load(answer))
            continue
        revocation_list = _fetch_crl(cert)
        if revocation_list is not None:
            crls.append(asn1_crl.CertificateList.load(revocation_list))
    return certs, ocsps, crls


def tsa_trust_roots() -> list[asn1_x509.Certificate]:
    from pathlib import Path

    from pyhanko.sign.general import load_cert_from_pemder

    return [load_cert_from_pemder(str(p)) for p in map(Path, settings.PARAGRAF_TSA_TRUST_ROOTS) if p.exists()]


def embed_validation_data(pdf: bytes, *, last: int = 1) -> bytes:
    """Add to the document's DSS the validation data of its last `last` signatures (and
    timestamps): one incremental update (PAdES B-LT)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    embedded = reader.embedded_signatures[-last:]
    certs, ocsps, crls = validation_material([e.signed_data for e in embedded], tsa_trust_roots())
    out = io.BytesIO(pdf)
    DocumentSecurityStore.add_dss(out, sig_contents=None, certs=certs, ocsps=ocsps, crls=crls, strict=False)
    return out.getvalue()


def document_timestamp(pdf: bytes) -> bytes:
    """Add a document timestamp from the TSA over the whole document, then its own validation
    data (PAdES B-LTA). Without a TSA the document is returned as it is."""
    stamper = timestamper()
    if stamper is None:
        return pdf
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    out = PdfTimeStamper(stamper, field_name="archive-timestamp-" + _next_number(pdf)).timestamp_pdf(
        writer, "sha256"
    )
    return embed_validation_data(out.getvalue())


def _next_number(pdf: bytes) -> str:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return str(len(reader.embedded_signatures) + 1)
