"""The test PKI's services, started once per test run on free ports of 127.0.0.1: a timestamp
authority (RFC 3161 over HTTP, POST application/timestamp-query) and the OCSP responder of the
TSA's own root CA (RFC 6960 over HTTP), both real HTTP services the signing code talks to as it
would to a production TSA.

The TSA signs its tokens with pyHanko's RFC 3161 implementation (`DummyTimeStamper`, which
builds and signs the TSTInfo) behind a small HTTP server; the OCSP answers are made by
`meetings.signing.revocation.ocsp_answer`, the code that answers for Paragraf's own CA.

Fixtures: `pki_services` (session: the running services, their root's PEM file) and `tsa`
(per test: PARAGRAF_TSA_URL and PARAGRAF_TSA_TRUST_ROOTS set to them).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID


@dataclass
class PkiServices:
    tsa_url: str
    ocsp_url: str
    root_pem: Path
    requests: dict  # path -> count of requests answered


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test-TSA AB"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _make_pki(ocsp_url: str):
    now = dt.datetime.now(dt.UTC)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = (
        x509.CertificateBuilder()
        .subject_name(_name("Test-TSA Root CA"))
        .issuer_name(_name("Test-TSA Root CA"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * 30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Test-TSA Timestamp Unit"))
        .issuer_name(root.subject)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * 10))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(tsa_key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
                    )
                ]
            ),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    return root, root_key, tsa_cert, tsa_key


@pytest.fixture(scope="session")
def pki_services(tmp_path_factory):
    from pyhanko.sign.timestamps import DummyTimeStamper

    from meetings.signing.revocation import ocsp_answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    root, root_key, tsa_cert, tsa_key = _make_pki(f"{base}/ocsp")
    der = serialization.Encoding.DER
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(tsa_cert.public_bytes(der)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            tsa_key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        certs_to_embed=[asn1_x509.Certificate.load(root.public_bytes(der))],
    )
    counts = {"/tsa": 0, "/ocsp": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path == "/tsa" and self.headers.get("Content-Type") == "application/timestamp-query":
                answer = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                content_type = "application/timestamp-reply"
            elif self.path == "/ocsp":
                answer = ocsp_answer(
                    body, issuer=root, issuer_key=root_key, status_of=lambda serial: ("good", None)
                )
                content_type = "application/ocsp-response"
            else:
                self.send_error(404)
                return
            counts[self.path] += 1
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, name="test-pki", daemon=True)
    thread.start()
    root_pem = tmp_path_factory.mktemp("test-pki") / "tsa-root.pem"
    root_pem.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    try:
        yield PkiServices(tsa_url=f"{base}/tsa", ocsp_url=f"{base}/ocsp", root_pem=root_pem, requests=counts)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def tsa(settings, pki_services):
    """Signing with the test PKI's timestamp authority (PAdES B-LT per signature, B-LTA when done)."""
    settings.PARAGRAF_TSA_URL = pki_services.tsa_url
    settings.PARAGRAF_TSA_TRUST_ROOTS = [str(pki_services.root_pem)]
    return pki_services
