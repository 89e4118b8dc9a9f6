"""PAdES signatures: pre-created fields, a certification signature, one revision per signer,
validated by pyHanko and independently by poppler's pdfsig; tampering is detected."""

import io
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command
from weasyprint import HTML

from meetings import signing
from meetings.models import SigningCertificate
from tests.factories import OrganisationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

pdfsig = shutil.which("pdfsig")


@pytest.fixture
def signing_dir(settings, tmp_path):
    settings.PARAGRAF_SIGNING_DIR = tmp_path / "signing"
    return settings.PARAGRAF_SIGNING_DIR


@pytest.fixture
def signers(signing_dir):
    OrganisationFactory()
    people = [
        PersonFactory(first_name=first, last_name=last, user=UserFactory(username=first.lower()))
        for first, last in [
            ("Josefine", "Colliander"),
            ("Rachel", "De Basso"),
            ("Kerstin", "Hammar"),
            ("Therese", "Petersson"),
        ]
    ]
    # Long-lived personal certificates only for the people named (the path of a signer backend
    # that signs without an assurance, which these tests exercise).
    call_command("signing_setup", *[f"--person={p.pk}" for p in people], stdout=io.StringIO())
    return people


def signed_protokoll(people):
    pdf = HTML(string="<h1>PROTOKOLL</h1><p>§ 1 Val av protokollsjusterare</p>").write_pdf()
    fields = [
        signing.SignatureField(f"justering-{n}", 0, (40 + 130 * n, 60, 160 + 130 * n, 110))
        for n in range(len(people))
    ]
    pdf = signing.pdf_add_signature_fields(pdf, fields)
    for n, person in enumerate(people):
        pdf = signing.pdf_sign(
            pdf, person=person, field_name=f"justering-{n}", reason="Justering", certify=(n == 0)
        )
    return pdf


def test_four_signatures_in_order_validate_and_only_fill_pre_created_fields(signers):
    reports = signing.pdf_verify(signed_protokoll(signers))
    assert [r.signer for r in reports] == [
        "Josefine Colliander",
        "Rachel De Basso",
        "Kerstin Hammar",
        "Therese Petersson",
    ]
    assert all(r.intact and r.trusted for r in reports)
    assert reports[0].certifying
    assert [r.modification_level for r in reports[:-1]] == ["FORM_FILLING"] * 3
    assert reports[-1].covers_whole_document


@pytest.mark.skipif(not pdfsig, reason="poppler-utils' pdfsig is not installed")
def test_pdfsig_independently_finds_every_signature_valid(signers, tmp_path):
    path = tmp_path / "protokoll.pdf"
    path.write_bytes(signed_protokoll(signers))
    output = subprocess.run([pdfsig, "-nocert", str(path)], capture_output=True, text=True).stdout
    assert output.count("Signature is Valid.") == 4
    assert "Therese Petersson" in output


def test_one_flipped_byte_after_signing_is_detected(signers, tmp_path):
    pdf = bytearray(signed_protokoll(signers))
    # Flip one byte inside the first signed range (the page content stream area).
    position = len(pdf) // 10
    pdf[position] ^= 0x01
    assert not all(report.intact for report in signing.pdf_verify(bytes(pdf)))
    path = tmp_path / "tampered.pdf"
    path.write_bytes(bytes(pdf))
    with pytest.raises(CommandError):
        call_command("verify_pdf", str(path), stdout=io.StringIO())
    if pdfsig:
        output = subprocess.run([pdfsig, "-nocert", str(path)], capture_output=True, text=True).stdout
        assert output.count("Signature is Valid.") < 4


def test_verify_pdf_reports_each_signer(signers, tmp_path):
    path = tmp_path / "protokoll.pdf"
    path.write_bytes(signed_protokoll(signers))
    out = io.StringIO()
    call_command("verify_pdf", str(path), stdout=out)
    text = out.getvalue()
    assert "Rachel De Basso" in text
    assert "intact" in text and "trusted" in text
    assert "unchanged since the last signature" in text


def test_verify_pdf_gives_clear_errors_for_missing_unsigned_and_non_pdf_files(signers, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("verify_pdf", str(tmp_path / "none.pdf"))
    unsigned = tmp_path / "unsigned.pdf"
    unsigned.write_bytes(HTML(string="<p>x</p>").write_pdf())
    with pytest.raises(CommandError, match="no digital signatures"):
        call_command("verify_pdf", str(unsigned))
    text = tmp_path / "text.pdf"
    text.write_text("not a pdf")
    with pytest.raises(CommandError, match="could not be read"):
        call_command("verify_pdf", str(text))


def test_a_person_without_certificate_cannot_sign(signers):
    stranger = PersonFactory(first_name="Utan", last_name="Certifikat")
    pdf = signing.pdf_add_signature_fields(
        HTML(string="<p>x</p>").write_pdf(), [signing.SignatureField("f", 0, (40, 40, 140, 90))]
    )
    with pytest.raises(signing.SigningError):
        signing.pdf_sign(pdf, person=stranger, field_name="f", reason="Justering")


def test_signing_setup_issues_no_personal_certificate_unless_asked(signing_dir):
    OrganisationFactory()
    person = PersonFactory(user=UserFactory(username="utan-certifikat"))
    call_command("signing_setup", stdout=io.StringIO())
    assert signing.person_certificate_current(person=person) is None
    assert not SigningCertificate.objects.filter(kind=SigningCertificate.Kind.PERSON).exists()


def test_signing_setup_is_idempotent(signers, signing_dir):
    before = {p.name: p.read_bytes() for p in signing_dir.rglob("*.pem")}
    call_command("signing_setup", *[f"--person={p.pk}" for p in signers], stdout=io.StringIO())
    after = {p.name: p.read_bytes() for p in signing_dir.rglob("*.pem")}
    assert before == after
