"""Digital signatures for protokoll and protokollsutdrag (PAdES, with pyHanko).

The package holds: the CA and its certificates (`certificates`), its OCSP responder and CRL
(`revocation`), signing PDFs (`pdf_signatures`), timestamps and embedded validation data
(`longterm`: PAdES B-T, B-LT, B-LTA with PARAGRAF_TSA_URL) and verifying them
(`verification`); docs/signing.md says what each level means. Its public functions are exposed here,
so callers write `signing.pdf_sign(...)`; PARAGRAF_SIGNER_BACKEND may still name
`meetings.signing.LocalCertificateBackend`.

The organisation runs a small signing CA (created by `manage.py signing_setup`) that issues
these certificates, each recorded in the registry `SigningCertificate`:

- a certificate per signature (`signature_certificate_issue`), when the signer has just
  authenticated (an `Assurance`): one hour long, naming the person (CN), a pseudonym stable per
  person and identity provider, and the login it is made through (UID), the authentication
  (provider, assurance level, time) in its RFC 7773 extension; its key is used for that
  signature and never stored. Every path of Paragraf that signs in a person's name passes an
  assurance. Certificates of the person issued to another login are revoked first;
- a person's long-lived certificate (only for callers that pass no assurance), naming the
  person (CN) and carrying the login it was issued to (UID "paragraf-user-<user id>"). It is
  issued only for the login linked to the person at issue time and never reused after a
  relink: `person_certificate_issue` revokes it and issues a new one when the person's login
  has changed, and `person_certificates_revoke` (called when an identity administrator
  changes a person's login) revokes every current one, per-signature ones included;
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

Revocation: a revoked certificate's private key is deleted at once (a certificate per
signature has none to delete), so nothing can be signed with it afterwards. `pdf_verify` checks
every signature's certificate against the registry: a signature made before the revocation
(by its trusted timestamp, else by its own claim) still holds, with a note saying the
certificate was later revoked and why; one dated after it does not. A personal certificate
whose login was also issued a certificate in another person's name (a login relinked to
someone else) cannot be attributed to the person it names: such a signature does not hold.
"""

from meetings.signing.assurance import LOCAL_PASSWORD_LEVEL, Assurance
from meetings.signing.certificates import (
    ACCOUNT_PREFIX,
    SIGNATURE_CERTIFICATE_LIFETIME,
    SigningError,
    account_identifier,
    certificate_assurance,
    person_certificate_current,
    person_certificate_issue,
    person_certificates_revoke,
    seal_certificate_issue,
    seal_name,
    signature_certificate_issue,
    signing_ca_certificate,
    signing_ca_create,
    signing_ca_exists,
    signing_dir,
)
from meetings.signing.longterm import tsa_configured
from meetings.signing.pdf_signatures import (
    STAMP_FONT,
    LocalCertificateBackend,
    SignatureField,
    SignerBackend,
    SigningKey,
    pdf_add_signature_fields,
    pdf_archive_timestamp,
    pdf_seal,
    pdf_sign,
    signer_backend,
)
from meetings.signing.verification import (
    BYTE_RANGE,
    Problem,
    SignatureReport,
    pdf_sha256,
    pdf_verify,
    problem_text,
)

__all__ = [
    "ACCOUNT_PREFIX",
    "SIGNATURE_CERTIFICATE_LIFETIME",
    "certificate_assurance",
    "pdf_archive_timestamp",
    "signature_certificate_issue",
    "tsa_configured",
    "BYTE_RANGE",
    "STAMP_FONT",
    "LocalCertificateBackend",
    "Problem",
    "SignatureField",
    "SignatureReport",
    "SignerBackend",
    "SigningError",
    "SigningKey",
    "account_identifier",
    "pdf_add_signature_fields",
    "pdf_seal",
    "pdf_sha256",
    "pdf_sign",
    "Assurance",
    "LOCAL_PASSWORD_LEVEL",
    "pdf_verify",
    "person_certificate_current",
    "person_certificate_issue",
    "person_certificates_revoke",
    "problem_text",
    "seal_certificate_issue",
    "seal_name",
    "signer_backend",
    "signing_ca_certificate",
    "signing_ca_create",
    "signing_ca_exists",
    "signing_dir",
]
