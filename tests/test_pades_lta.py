"""Signatures that outlive their certificates (issue 16): a certificate per signature, issued
from the signer's authentication and short-lived; an RFC 3161 timestamp from a real TSA on
every signature, the validation data embedded after each (B-LT) and a document timestamp
when the last signer is done (B-LTA); validation still holds after the certificates expired.

The TSA and the TSA root's OCSP responder are real HTTP services of the test PKI
(tests/fixtures_pki.py); Paragraf's own CA answers OCSP at /signering/ocsp/.
"""

import datetime as dt
import io
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from meetings import signing
from meetings.justering.services import protokoll_sign
from meetings.models import SigningCertificate
from tests.test_justering_flow import PASSWORD, Cast
from tests.test_signing_trust import upload

pytestmark = pytest.mark.django_db
pdfsig = shutil.which("pdfsig")
needs_poppler = pytest.mark.skipif(not pdfsig, reason="poppler-utils")


@pytest.fixture
def cast(signing_ca):
    return Cast()


def justerat_pdf(cast) -> bytes:
    justering = cast.freeze()
    for user in cast.signers:
        protokoll_sign(signature=cast.signature_of(user), user=user, password=PASSWORD)
    justering.refresh_from_db()
    with justering.signed_file.open("rb") as handle:
        return handle.read()


def certificate_of(report) -> x509.Certificate:
    row = SigningCertificate.objects.get(serial=report.serial)
    return x509.load_pem_x509_certificate(row.certificate_pem.encode())


@needs_poppler
def test_a_justerat_protokoll_is_pades_b_lta_with_timestamps_from_the_real_tsa(cast, tsa, tmp_path, client):
    asked_before = tsa.requests["/tsa"]
    pdf = justerat_pdf(cast)
    reports = signing.pdf_verify(pdf)
    assert len(reports) == len(cast.signers)
    # A timestamp per signature and one document timestamp, from the TSA (pyHanko asks it once
    # more per timestamp to learn the token's size); the validator trusts only its root.
    assert tsa.requests["/tsa"] - asked_before >= len(cast.signers) + 1
    # The TSA's certificate was checked with its root's OCSP responder when embedding.
    assert tsa.requests["/ocsp"] > 0
    for report in reports:
        assert report.ok, (report.signer, report.problem, report.notes)
        assert report.level == "B-LTA"
        assert report.timestamp_trusted and report.timestamp_at is not None
        assert report.archived_at is not None and report.archived_at >= report.timestamp_at
        assert abs(report.timestamp_at - timezone.now()) < dt.timedelta(minutes=5)
        assert report.provider == "paragraf"
        assert report.assurance_level == signing.LOCAL_PASSWORD_LEVEL
        assert report.authenticated_at is not None
    # Only validation data and timestamps follow the last signature.
    assert reports[-1].covers_whole_document and reports[-1].modification_level == "LTA_UPDATES"

    # pdfsig (poppler) agrees: every signature and the document timestamp are valid.
    path = tmp_path / "justerat.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([pdfsig, str(path)], capture_output=True, text=True).stdout
    # (poppler 22 lists the document timestamp as a fifth signature of type "unknown": it does
    # not validate RFC 3161 document timestamps; pyHanko above does.)
    assert out.count("Signature Validation: Signature is Valid.") == len(cast.signers), out
    assert out.count("ETSI.CAdES.detached") == len(cast.signers), out
    assert f"Signature #{len(cast.signers) + 1}:" in out

    # /verifiera/ and verify_pdf say the level, the timestamp and the authentication.
    response = upload(client, pdf)
    html = response.content.decode()
    assert response.context["result"]["valid"]
    assert html.count('data-level="B-LTA"') == len(cast.signers)
    assert signing.LOCAL_PASSWORD_LEVEL in html
    stdout = io.StringIO()
    call_command("verify_pdf", str(path), stdout=stdout)
    text = stdout.getvalue()
    assert text.count("PAdES B-LTA") == len(cast.signers)
    assert f"assurance {signing.LOCAL_PASSWORD_LEVEL} at paragraf" in text
    # And as at a time after the certificates expired.
    stdout = io.StringIO()
    later = timezone.now() + dt.timedelta(days=400)
    call_command("verify_pdf", str(path), "--at", later.isoformat(), stdout=stdout)
    assert stdout.getvalue().count("PAdES B-LTA") == len(cast.signers)


def test_each_signature_has_its_own_short_lived_certificate_carrying_the_assurance_and_no_kept_key(cast, tsa):
    pdf = justerat_pdf(cast)
    reports = signing.pdf_verify(pdf)
    serials = [report.serial for report in reports]
    assert len(set(serials)) == len(serials)
    for report, user in zip(reports, cast.signers, strict=True):
        row = SigningCertificate.objects.get(serial=report.serial)
        assert row.key_file == "" and row.revoked_at is None
        assert row.person == user.person and row.account == signing.account_identifier(user)
        cert = certificate_of(report)
        lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
        assert lifetime <= signing.SIGNATURE_CERTIFICATE_LIFETIME + dt.timedelta(minutes=5)
        assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == user.person.full_name
        pseudonym = cert.subject.get_attributes_for_oid(NameOID.PSEUDONYM)[0].value
        assert (
            pseudonym.startswith("paragraf:") and str(user.pk) not in pseudonym.removeprefix("paragraf:")[:3]
        )
        assurance = signing.certificate_assurance(cert)
        assert assurance["provider"] == "paragraf" and assurance["method"] == "password"
        assert assurance["level"] == signing.LOCAL_PASSWORD_LEVEL
        # The RFC 7773 extension is a standard one, kept by any validator with the certificate.
        assert cert.extensions.get_extension_for_oid(x509.ObjectIdentifier("1.2.752.201.5.1"))
    # No personal key was written to the signing directory.
    kept = SigningCertificate.objects.filter(kind="person").exclude(key_file="")
    assert not kept.exists()


def test_the_signatures_still_validate_after_their_certificates_expired(cast, tsa):
    pdf = justerat_pdf(cast)
    later = timezone.now() + signing.SIGNATURE_CERTIFICATE_LIFETIME + dt.timedelta(days=30)
    for report in signing.pdf_verify(pdf, moment=later):
        assert report.valid_until < later  # the certificate has expired by then
        assert report.ok and report.trusted and report.intact, (report.signer, report.problem, report.notes)
        assert report.level == "B-LTA"

    # Without the embedded validation data and the timestamps, a validator at that time would not
    # trust the expired certificate: pyHanko's plain validation at `later` refuses it.
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from meetings.signing.certificates import _trust_roots

    embedded = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures[0]
    from meetings.signing.pdf_signatures import _outside_event_loop

    # (in a thread of its own when a test before left Playwright's loop running in this one)
    plain = _outside_event_loop(
        validate_pdf_signature, embedded, ValidationContext(trust_roots=_trust_roots(), moment=later)
    )
    assert plain.intact and not plain.trusted


def test_without_a_tsa_signatures_are_b_b_and_verification_says_so(cast, settings, client):
    settings.PARAGRAF_TSA_URL = ""
    pdf = justerat_pdf(cast)
    reports = signing.pdf_verify(pdf)
    assert all(r.ok and r.level == "B-B" and r.timestamp_at is None for r in reports)
    assert all(any("PAdES B-B" in note for note in r.notes) for r in reports)
    html = upload(client, pdf).content.decode()
    assert 'data-level="B-B"' in html
    # After the certificates expired: checked at the signer's own claim of the time, and said so.
    later = timezone.now() + dt.timedelta(days=2)
    with translation.override("en"):
        reports = signing.pdf_verify(pdf, moment=later)
    for report in reports:
        assert report.ok
        assert any("the certificate was checked at that time" in note for note in report.notes)


def test_a_sealed_document_is_b_lta_at_once(signing_ca, tsa):
    from weasyprint import HTML

    from tests.factories import OrganisationFactory

    organisation = OrganisationFactory()
    pdf = HTML(string="<h1>Protokollsutdrag</h1>").write_pdf()
    pdf = signing.pdf_add_signature_fields(pdf, [signing.SignatureField("seal", 0, (40, 60, 220, 110))])
    sealed = signing.pdf_seal(
        pdf, organisation=organisation, field_name="seal", reason="Bestyrkande", certify=True
    )
    (report,) = signing.pdf_verify(sealed)
    assert report.ok and report.seal and report.level == "B-LTA"


def _ocsp_request(cert: x509.Certificate) -> bytes:
    issuer = signing.signing_ca_certificate()
    return (
        ocsp.OCSPRequestBuilder()
        .add_certificate(cert, issuer, hashes.SHA256())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )


def test_paragraf_answers_ocsp_and_a_crl_for_its_own_ca(cast, tsa, client):
    pdf = justerat_pdf(cast)
    report = signing.pdf_verify(pdf)[0]
    cert = certificate_of(report)
    url = (
        cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
        .value[0]
        .access_location.value
    )
    assert url.endswith(reverse("meetings:signing_ocsp"))

    def status() -> ocsp.OCSPCertStatus:
        response = client.post(
            reverse("meetings:signing_ocsp"), _ocsp_request(cert), content_type="application/ocsp-request"
        )
        assert response.status_code == 200 and response["Content-Type"] == "application/ocsp-response"
        answer = ocsp.load_der_ocsp_response(response.content)
        assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
        answer.certificates  # noqa: B018 - parsed
        signing.signing_ca_certificate().public_key().verify(
            answer.signature,
            answer.tbs_response_bytes,
            __import__("cryptography.hazmat.primitives.asymmetric.padding", fromlist=["PKCS1v15"]).PKCS1v15(),
            answer.signature_hash_algorithm,
        )
        return answer.certificate_status

    assert status() == ocsp.OCSPCertStatus.GOOD
    person = SigningCertificate.objects.get(serial=report.serial).person
    signing.person_certificates_revoke(person=person, reason="left the committee")
    assert status() == ocsp.OCSPCertStatus.REVOKED
    crl = x509.load_der_x509_crl(client.get(reverse("meetings:signing_crl")).content)
    assert crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None
    # Revoked after it was made (the timestamp says when): the signature still holds, with a note.
    (again, *_rest) = signing.pdf_verify(pdf)
    assert again.ok and any("left the committee" in note for note in again.notes)
    # Garbage is a malformed request, not an error page.
    response = client.post(reverse("meetings:signing_ocsp"), b"junk", content_type="application/ocsp-request")
    assert (
        ocsp.load_der_ocsp_response(response.content).response_status
        == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )
