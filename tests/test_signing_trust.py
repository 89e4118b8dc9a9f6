"""A signature is bound to who signed, and what the server certifies on its own is the
organisation's e-sigill.

- Each personal certificate names the person and the login it was issued to, is recorded in
  the registry, and is never reused after the person's login changes (the old one is revoked).
- /verifiera/ and `manage.py verify_pdf` give, per signature, the signer (or the e-sigill),
  the certificate's serial and issue date, and the true reason a signature does not hold —
  agreeing with poppler's pdfsig on every tampered file.
- A protokollsutdrag downloaded anonymously is sealed with the e-sigill; a personal bestyrkande
  exists only when the justering's secretary makes it herself, with her password.
- Every font of a signed document, stamps included, is embedded (PDF/A).
"""

import io
import shutil
import subprocess
from datetime import timedelta

import pytest
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext
from weasyprint import HTML

from meetings import signing
from meetings.justering.services import protokoll_bestyrk, protokoll_sign
from meetings.models import RenderedDocument, SigningCertificate
from meetings.signing.pdf_signatures import STAMP_CHARACTERS, _stamp_font
from tests.factories import CommitteeFactory, OrganisationFactory, PersonFactory, UserFactory, secretary_of
from tests.test_justering_flow import PASSWORD, Cast, content, justerat, pdf_text

pytestmark = pytest.mark.django_db
pdfsig = shutil.which("pdfsig")
needs_poppler = pytest.mark.skipif(not (pdfsig and shutil.which("pdffonts")), reason="poppler-utils")


def sv(message: str) -> str:
    with translation.override("sv"):
        return gettext(message)


def pdfsig_lines(pdf: bytes, tmp_path, name="file.pdf") -> list[str]:
    """pdfsig's "Signature Validation" and "Certificate Validation" lines, per signature."""
    path = tmp_path / name
    path.write_bytes(pdf)
    result = subprocess.run([pdfsig, str(path)], capture_output=True, text=True)
    return [
        line.strip().removeprefix("- ")
        for line in result.stdout.splitlines()
        if "Signature Validation:" in line or "Certificate Validation:" in line
    ]


def upload(client, data: bytes):
    return client.post(
        reverse("meetings:verify"), {"file": SimpleUploadedFile("protokoll.pdf", data, "application/pdf")}
    )


def fonts_not_embedded(pdf: bytes, tmp_path, name: str) -> list[str]:
    path = tmp_path / name
    path.write_bytes(pdf)
    rows = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    fonts = rows.splitlines()[2:]
    assert fonts, f"{name} has no fonts"
    # Columns: name type encoding emb sub uni object ID; "emb" is the 4th from the right.
    return [row for row in fonts if row.split()[-4] != "yes"]


# --- Certificates bound to logins -----------------------------------------------------------------


@pytest.fixture
def own_ca(settings, tmp_path):
    settings.PARAGRAF_SIGNING_DIR = tmp_path / "signing"
    OrganisationFactory()
    call_command("signing_setup", stdout=io.StringIO())
    return settings.PARAGRAF_SIGNING_DIR


def one_signed_pdf(person, field="justering") -> bytes:
    pdf = HTML(string="<h1>PROTOKOLL</h1><p>§ 1 Val av protokollsjusterare</p>").write_pdf()
    pdf = signing.pdf_add_signature_fields(pdf, [signing.SignatureField(field, 0, (40, 60, 220, 110))])
    signing.person_certificate_issue(person=person)
    return signing.pdf_sign(pdf, person=person, field_name=field, reason="Justering", certify=True)


def test_a_certificate_names_the_person_and_the_login_and_is_never_reused_after_a_relink(own_ca):
    anna = PersonFactory(first_name="Anna", last_name="Berg", user=UserFactory(username="anna"))
    first = signing.person_certificate_issue(person=anna)
    assert first.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Anna Berg"
    uid = first.subject.get_attributes_for_oid(NameOID.USER_ID)[0].value
    assert uid == f"paragraf-user-{anna.user_id}"
    row = SigningCertificate.objects.get(serial=f"{first.serial_number:x}")
    assert (row.person, row.user, row.account, row.kind) == (anna, anna.user, uid, "person")
    assert (own_ca / row.key_file).is_file() and row.revoked_at is None
    # Asked again for the same login: the same certificate.
    assert signing.person_certificate_issue(person=anna).serial_number == first.serial_number

    # Relinked to another login: the old certificate is revoked (its key destroyed), a new one
    # carries the new login.
    anna.user = UserFactory(username="anna2")
    anna.save()
    second = signing.person_certificate_issue(person=anna)
    assert second.serial_number != first.serial_number
    assert second.subject.get_attributes_for_oid(NameOID.USER_ID)[0].value == f"paragraf-user-{anna.user_id}"
    row.refresh_from_db()
    assert row.revoked_at is not None
    with translation.override(settings.LANGUAGE_CODE):
        assert row.revocation_reason == gettext("affiliation changed: the person's login was changed")
    assert not (own_ca / row.key_file).exists()

    # The identity administrator's contract: revoke every current certificate of a person.
    assert signing.person_certificates_revoke(person=anna, reason="affiliation changed: login removed") == 1
    assert signing.person_certificates_revoke(person=anna, reason="again") == 0
    assert signing.person_certificate_current(person=anna) is None
    assert signing.person_certificate_issue(person=anna).serial_number not in (
        first.serial_number,
        second.serial_number,
    )
    # The e-sigill was made by signing_setup, in the organisation's name.
    seal = SigningCertificate.objects.get(kind="sigill")
    assert "e-sigill" in seal.subject and seal.person is None and seal.user is None


@needs_poppler
def test_a_signature_made_before_its_certificate_was_revoked_holds_with_a_note_one_after_does_not(
    own_ca, client, tmp_path
):
    anna = PersonFactory(first_name="Anna", last_name="Berg", user=UserFactory(username="anna"))
    pdf = one_signed_pdf(anna)
    signing.person_certificates_revoke(person=anna, reason="affiliation changed: left the committee")

    (report,) = signing.pdf_verify(pdf)
    assert report.ok and report.revoked_at is not None
    assert any("left the committee" in note for note in report.notes)
    html = upload(client, pdf).content.decode()
    assert 'class="message message--success"' in html and "left the committee" in html

    # A signature dated after the revocation (made with a copy of the key) does not hold.
    row = SigningCertificate.objects.get(person=anna)
    row.revoked_at = report.signed_at - timedelta(hours=1)
    row.save()
    (report,) = signing.pdf_verify(pdf)
    assert not report.ok and report.problem == signing.Problem.REVOKED
    response = upload(client, pdf)
    assert not response.context["result"]["valid"]
    assert 'data-problem="revoked"' in response.content.decode()
    # pdfsig cannot see the organisation's registry: for it the signature bytes are fine.
    assert pdfsig_lines(pdf, tmp_path)[0] == "Signature Validation: Signature is Valid."


# --- The true reason, per signature, agreeing with pdfsig -------------------------------------------


def tampered_files(pdf: bytes) -> dict[str, bytes]:
    """One signed PDF altered in three ways inside its (only) signature."""
    start1, length1, start2, _length2 = (int(n) for n in signing.BYTE_RANGE.search(pdf).groups())
    contents_at, contents_end = start1 + length1, start2
    hex_used = pdf[contents_at:contents_end].rstrip(b"0>")

    def changed(position: int, new: int) -> bytes:
        data = bytearray(pdf)
        data[position] = new if data[position] != new else (new ^ 0x01)
        return bytes(data)

    stream = pdf.index(b"stream", 0, contents_at) + 20  # a byte inside the first page's content
    return {
        "changed": changed(stream, pdf[stream] ^ 0x01),
        "invalid": changed(contents_at + len(hex_used) - 10, ord("0")),  # the signature value
        "unreadable": changed(contents_at + 40, ord("f")),  # the CMS structure
    }


# Our verdict and what pdfsig says of the same file.
PDFSIG = {
    "changed": "Signature Validation: Digest Mismatch.",
    "invalid": "Signature Validation: Signature is Invalid.",
    "unreadable": "Signature Validation: Unknown Validation Failure.",
    "untrusted": "Signature Validation: Signature is Valid.",
}


@needs_poppler
def test_verifiera_and_verify_pdf_give_the_true_reason_for_each_tampered_file_as_pdfsig_does(
    own_ca, client, tmp_path, settings
):
    anna = PersonFactory(first_name="Anna", last_name="Berg", user=UserFactory(username="anna"))
    pdf = one_signed_pdf(anna)
    files = tampered_files(pdf)

    # A certificate from another CA, for a person of the same name.
    settings.PARAGRAF_SIGNING_DIR = tmp_path / "other-ca"
    signing.signing_ca_create(organisation_name="Falska kommunen")
    files["untrusted"] = one_signed_pdf(
        PersonFactory(first_name="Anna", last_name="Berg", user=UserFactory())
    )
    settings.PARAGRAF_SIGNING_DIR = own_ca

    for problem, data in files.items():
        (report,) = signing.pdf_verify(data)
        assert report.problem == problem and not report.ok, problem
        assert pdfsig_lines(data, tmp_path, f"{problem}.pdf")[0] == PDFSIG[problem], problem

        response = upload(client, data)
        assert response.status_code == 200, problem
        html = response.content.decode()
        assert not response.context["result"]["valid"]
        assert f'data-problem="{problem}"' in html
        with translation.override("sv"):
            assert escape(signing.problem_text(problem)) in html
        if problem != "untrusted":  # the bytes under the signature are not the signed ones
            assert escape(sv("The signed content of the file was changed after it was signed.")) in html
            assert escape(sv("The file is unchanged since the last signature.")) not in html

        path = tmp_path / f"{problem}-cli.pdf"
        path.write_bytes(data)
        out = io.StringIO()
        with pytest.raises(CommandError):
            call_command("verify_pdf", str(path), stdout=out)
        assert f"does not hold ({problem})" in out.getvalue()

    # From another CA, pdfsig too finds the issuer untrusted (it trusts neither CA: see docs).
    assert (
        pdfsig_lines(files["untrusted"], tmp_path)[1]
        == "Certificate Validation: Certificate issuer isn't Trusted."
    )

    # The genuine file: the signer, the certificate's serial and issue date.
    response = upload(client, pdf)
    html = response.content.decode()
    row = SigningCertificate.objects.get(person=anna)
    assert response.context["result"]["valid"]
    issued = f"{timezone.localtime(row.issued_at):%Y-%m-%d}"  # the page shows Swedish dates
    assert "Anna Berg" in html and row.serial in html and issued in html
    assert row.account in html
    out = io.StringIO()
    path = tmp_path / "genuine.pdf"
    path.write_bytes(pdf)
    call_command("verify_pdf", str(path), stdout=out)
    assert f"certificate {row.serial}, issued {row.issued_at:%Y-%m-%d}, login {row.account}" in out.getvalue()


# --- The forged signature: a person relinked to another login -------------------------------------


@pytest.fixture
def cast(signing_ca):
    return Cast()


def test_a_signature_through_a_person_relinked_to_another_login_is_not_valid_in_their_name(client, cast):
    justering = cast.freeze()
    protokoll_sign(signature=cast.signature_of(cast.secretary), user=cast.secretary, password=PASSWORD)
    chair_signature = cast.signature_of(cast.chair)
    chair_person, own_person = cast.chair.person, cast.secretary.person

    # The attack: the secretary's login is linked to the ordförande's person, signs, and is
    # linked back.
    own_person.user = None
    own_person.save()
    chair_person.user = cast.secretary
    chair_person.save()
    protokoll_sign(signature=chair_signature, user=cast.secretary, password=PASSWORD)
    chair_person.user = cast.chair
    chair_person.save()
    own_person.user = cast.secretary
    own_person.save()
    # Still only the linked login signs.
    with pytest.raises(ValidationError) as refused:
        protokoll_sign(signature=cast.signature_of(cast.adjuster), user=cast.secretary, password=PASSWORD)
    assert refused.value.code == "not_signer"
    for user in (cast.adjuster, cast.second_adjuster):
        protokoll_sign(signature=cast.signature_of(user), user=user, password=PASSWORD)
    justering.refresh_from_db()
    with justering.signed_file.open("rb") as handle:
        pdf = handle.read()

    reports = {r.signer: r for r in signing.pdf_verify(pdf)}
    forged = reports["Rachel De Basso"]
    assert forged.problem == signing.Problem.UNATTRIBUTABLE and not forged.ok
    assert forged.account == signing.account_identifier(cast.secretary)
    assert reports["Kerstin Hammar"].ok and reports["Therese Petersson"].ok
    response = upload(client, pdf)
    html = response.content.decode()
    assert not response.context["result"]["valid"]
    assert 'class="message message--success"' not in html
    assert 'data-problem="unattributable"' in html and forged.account in html

    # The ordförande's own certificate was revoked when her person was signed through another login.
    rows = SigningCertificate.objects.filter(person=chair_person).order_by("issued_at")
    assert [r.account for r in rows] == [signing.account_identifier(cast.secretary)]
    # Signing again as herself, the ordförande gets a certificate for her own login.
    signing.person_certificate_issue(person=chair_person)
    rows = SigningCertificate.objects.filter(person=chair_person).order_by("issued_at")
    assert [r.account for r in rows] == [
        signing.account_identifier(cast.secretary),
        signing.account_identifier(cast.chair),
    ]
    assert rows[0].revoked_at is not None
    with translation.override(settings.LANGUAGE_CODE):
        assert rows[0].revocation_reason == gettext("affiliation changed: the person's login was changed")


# --- The e-sigill and the secretary's own bestyrkande -----------------------------------------------


@needs_poppler
def test_an_utdrag_downloaded_anonymously_is_sealed_with_the_e_sigill_not_by_the_secretary(
    client, cast, tmp_path
):
    meeting = justerat(cast)
    paragraph = meeting.paragraphs.get(title="Regional utvecklingsstrategi")
    organisation = meeting.committee.organisation
    response = client.get(reverse("portal:protokollsutdrag", args=[meeting.pk, paragraph.number]))
    assert response.status_code == 200
    pdf = content(response)

    (report,) = signing.pdf_verify(pdf)
    assert report.ok and report.seal and report.certifying
    assert report.signer == f"{organisation.name} — e-sigill" and report.account == ""
    assert "Josefine Colliander" not in pdf_text(pdf)
    with translation.override("sv"):
        assert f"Bestyrkt med {organisation.genitive_name} e-sigill" in pdf_text(pdf)
    html = upload(client, pdf).content.decode()
    with translation.override("sv"):
        assert escape(gettext("the organisation's seal, not a person's signature")) in html
    # Nothing was issued or signed in the secretary's name for it: only her justering certificate.
    assert SigningCertificate.objects.filter(person=cast.secretary.person).count() == 1

    # Every font embedded: the signed protokoll (four stamps) and the sealed utdrag.
    with meeting.justering.signed_file.open("rb") as handle:
        protokoll = handle.read()
    assert fonts_not_embedded(protokoll, tmp_path, "protokoll.pdf") == []
    assert fonts_not_embedded(pdf, tmp_path, "utdrag.pdf") == []
    with translation.override("sv"):
        assert "Digitalt signerat av Rachel De Basso" in pdf_text(protokoll)


@needs_poppler
def test_only_the_justerings_secretary_certifies_the_utdrag_herself_all_at_once_with_her_password(
    client, cast, tmp_path
):
    meeting = justerat(cast)
    paragraphs = list(meeting.paragraphs.order_by("order"))
    page = reverse("meetings:justering", args=[cast.signature_of(cast.secretary).pk])

    # Anonymous: the login page. Another signer, a member or another committee's secretary: not found.
    assert client.post(page, {"bestyrk": "1", "password": PASSWORD}).status_code == 302
    for user in (cast.chair, cast.member, secretary_of(CommitteeFactory())):
        client.force_login(user)
        assert client.post(page, {"bestyrk": "1", "password": PASSWORD}).status_code == 404
    # The ordförande on her own page: refused, and no bestyrkande form is offered to her.
    client.force_login(cast.chair)
    own = reverse("meetings:justering", args=[cast.signature_of(cast.chair).pk])
    assert 'name="bestyrk"' not in client.get(own).content.decode()
    response = client.post(own, {"bestyrk": "1", "password": PASSWORD})
    assert response.context["error"] == sv(
        "Only the secretary of the justering can certify its protokollsutdrag herself."
    )
    with pytest.raises(ValidationError) as refused:
        protokoll_bestyrk(signature=cast.signature_of(cast.secretary), user=cast.chair, password=PASSWORD)
    assert refused.value.code == "not_secretary"
    assert not RenderedDocument.objects.filter(meeting=meeting, kind=RenderedDocument.Kind.EXTRACT).exists()

    # The secretary: a wrong password certifies nothing.
    client.force_login(cast.secretary)
    assert 'name="bestyrk"' in client.get(page).content.decode()
    response = client.post(page, {"bestyrk": "1", "password": "fel"})
    assert response.context["password_error"]
    assert not RenderedDocument.objects.filter(meeting=meeting, kind=RenderedDocument.Kind.EXTRACT).exists()

    # Her password again: one extract per §, each signed with her own certificate.
    assert client.post(page, {"bestyrk": "1", "password": PASSWORD}).status_code == 302
    extracts = RenderedDocument.objects.filter(meeting=meeting, kind=RenderedDocument.Kind.EXTRACT)
    assert sorted(e.paragraph_id for e in extracts) == sorted(p.pk for p in paragraphs)
    assert sv("Certified by you") in client.get(page).content.decode()

    # The public page offers hers now.
    client.logout()
    for paragraph in paragraphs:
        pdf = content(client.get(reverse("portal:protokollsutdrag", args=[meeting.pk, paragraph.number])))
        (report,) = signing.pdf_verify(pdf)
        assert report.ok and not report.seal and report.signer == "Josefine Colliander"
        assert report.account == signing.account_identifier(cast.secretary)
        assert "e-sigill" not in pdf_text(pdf)
    assert fonts_not_embedded(pdf, tmp_path, "personal-utdrag.pdf") == []


@pytest.mark.parametrize(
    ("first_name", "last_name"),
    [("Åsa-Britt", "Ölund Żyła"), ("Ελένη", "Παπαδοπούλου")],
    ids=["latin-cut-font", "greek-whole-font"],
)
def test_a_signature_stamp_shows_the_signers_name_in_any_script_with_its_font_embedded(
    own_ca, tmp_path, first_name, last_name
):
    person = PersonFactory(first_name=first_name, last_name=last_name, user=UserFactory())
    name = f"{first_name} {last_name}"
    latin = set(name) <= STAMP_CHARACTERS
    assert _stamp_font(name).name.endswith("-latin.ttf") is latin
    pdf = one_signed_pdf(person)
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert name in " ".join(text.split())
    assert fonts_not_embedded(pdf, tmp_path, "signed.pdf") == []
