"""The organisation's signing CA and the certificates it issues, recorded in the registry
(over 400 lines: the CA, the three kinds of certificate and their revocation share the
registry's rules, which belong in one place)
`SigningCertificate`: a certificate per signature (issued for one signature from an
`Assurance`, short-lived, its key used once and never stored), a person's long-lived
certificate (only for callers that pass no assurance; issued only for the login linked to the
person, revoked and reissued when that changes) and the organisation's e-sigill. A revoked
certificate's private key is deleted at once.

A certificate per signature records how its holder authenticated in the RFC 7773
Authentication Context extension (OID 1.2.752.201.5.1, the extension the Swedish central
signing services write), with a SAML Authentication Context (`saci`) naming the identity
provider, the assurance level (AuthnContextClassRef) and the authentication instant; its
subject names the person (CN), a pseudonym stable per person and provider (2.5.4.65) and the
login it was made through (UID), if any. `certificate_assurance` reads it back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import quoteattr

from asn1crypto import core as asn1_core
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pyhanko.sign.general import load_cert_from_pemder
from pyhanko_certvalidator import ValidationContext

from committees.models import Person
from meetings.models import SigningCertificate
from meetings.signing.assurance import LOCAL_PASSWORD_LEVEL

ACCOUNT_PREFIX = "paragraf-user-"

# A certificate per signature is valid from a few minutes before it is issued (clocks differ)
# for SIGNATURE_CERTIFICATE_LIFETIME: long enough for one signature, short enough that a key,
# were it ever kept, would be worth nothing soon. Its key is used once and never written down.
SIGNATURE_CERTIFICATE_LIFETIME = dt.timedelta(hours=1)
SIGNATURE_CERTIFICATE_MARGIN = dt.timedelta(minutes=5)

# RFC 7773 Authentication Context extension and the SAML authentication context it carries.
AUTHN_CONTEXT_OID = x509.ObjectIdentifier("1.2.752.201.5.1")
SACI_CONTEXT_TYPE = "http://id.elegnamnden.se/auth-cont/1.0/saci"
SACI_NS = "http://id.elegnamnden.se/auth-cont/1.0/saci"
PARAGRAF_SERVICE_ID = "Paragraf"


class _AuthenticationContext(asn1_core.Sequence):
    _fields = [
        ("context_type", asn1_core.UTF8String),
        ("context_info", asn1_core.UTF8String, {"optional": True}),
    ]


class _AuthenticationContexts(asn1_core.SequenceOf):
    _child_spec = _AuthenticationContext


class SigningError(Exception):
    """Signing is not possible (no CA, no certificate for the signer, broken PDF)."""


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


_ca_key_cache: dict = {}


def _ca_key():
    """The CA's private key, decrypted once per process and file version (decrypting it costs
    a few hundred milliseconds, and every signature now needs it: its certificate and the OCSP
    answer embedded after it)."""
    key_path, _cert_path = _ca_paths()
    pem = key_path.read_bytes()
    # Keyed by the file's content (not its path and time: a CA made again in the same place, or
    # copied back with its times, must never sign with the key of the one before).
    marker = (hashlib.sha256(pem).hexdigest(), _passphrase())
    if _ca_key_cache.get("marker") != marker:
        _ca_key_cache["key"] = serialization.load_pem_private_key(pem, _passphrase())
        _ca_key_cache["marker"] = marker
    return _ca_key_cache["key"]


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
        if row.key_file:  # a certificate per signature has no key to delete
            (signing_dir() / row.key_file).unlink(missing_ok=True)
        count += 1
    return count


def _revocation_urls() -> tuple[str, str]:
    """Where validators ask about the CA's certificates: its OCSP responder and its CRL, both
    answered by Paragraf itself (meetings/views/verify.py)."""
    base = settings.PARAGRAF_BASE_URL.rstrip("/")
    return base + reverse("meetings:signing_ocsp"), base + reverse("meetings:signing_crl")


def _issue(
    *,
    kind: str,
    attributes: list,
    person=None,
    user=None,
    organisation=None,
    years: int = 5,
    lifetime: dt.timedelta | None = None,
    keep_key: bool = True,
    extensions: tuple = (),
):
    """Issue one certificate from the organisation's CA and record it in the registry.

    Returns the certificate, and with `keep_key=False` also its private key, which is then
    never written down (a certificate per signature): `(cert, key)`."""
    if not signing_ca_exists():
        raise SigningError(_("There is no signing CA yet: run manage.py signing_setup."))
    _ca_key_path, ca_cert_path = _ca_paths()
    ca_key = _ca_key()
    ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    organisation_name = ca_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation_name),
            *attributes,
        ]
    )
    # A key used once is an elliptic-curve key (made in a millisecond); kept keys stay RSA.
    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if keep_key
        else ec.generate_private_key(ec.SECP256R1())
    )
    now = dt.datetime.now(dt.UTC)
    if lifetime is None:
        not_before, not_after = now - dt.timedelta(days=1), now + dt.timedelta(days=365 * years)
    else:
        not_before, not_after = now - SIGNATURE_CERTIFICATE_MARGIN, now + lifetime
    ocsp_url, crl_url = _revocation_urls()
    serial = x509.random_serial_number()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
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
        .add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)]
            ),
            critical=False,
        )
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    key_file = ""
    if keep_key:
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
    return cert if keep_key else (cert, key)


def _load(row) -> x509.Certificate:
    return x509.load_pem_x509_certificate(row.certificate_pem.encode())


def _usable(row) -> bool:
    """The row's certificate was issued by the current CA and its private key is there (a CA
    made anew, or a lost key, means a new certificate)."""
    try:
        _load(row).verify_directly_issued_by(signing_ca_certificate())
    except (ValueError, TypeError, InvalidSignature):
        return False
    return bool(row.key_file) and (signing_dir() / row.key_file).exists()


def _names(row) -> str:
    cert = _load(row)
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return names[0].value if names else ""


def person_certificate_current(*, person):
    """The person's registry row that may sign now: valid, not revoked, and issued to the login
    linked to the person now (None otherwise)."""
    if person.user_id is None:
        return None
    row = _current(
        _registry().filter(kind=SigningCertificate.Kind.PERSON, person=person).exclude(key_file="")
    )
    if row is None or row.user_id != person.user_id:
        return None
    return row


def person_certificate_issue(
    *, person, replace: bool = False, external_subject: str = ""
) -> x509.Certificate:
    """The valid signing certificate of a person for the login linked to them now, issued if
    needed. A certificate issued to another login (the person was relinked) or in another
    name is revoked and a new one issued; `replace` always issues a new one. A person without a
    login (an external justerare, meetings/justering/external.py) gets one only with
    `external_subject`, their identity at the provider that just authenticated them."""
    if not signing_ca_exists():
        raise SigningError(_("There is no signing CA yet: run manage.py signing_setup."))
    with transaction.atomic():
        person = Person.objects.select_for_update(of=("self",)).select_related("user").get(pk=person.pk)
        if person.user_id is None and not external_subject:
            raise SigningError(
                _("%(person)s has no login, so no signing certificate can be issued.")
                % {"person": person.full_name}
            )
        _revoke_other_logins(person)
        mine = _registry().filter(kind=SigningCertificate.Kind.PERSON, person=person).exclude(key_file="")
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
            x509.NameAttribute(
                NameOID.USER_ID, account_identifier(person.user) if person.user_id else external_subject
            ),
        ]
        if person.email:
            attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, person.email))
        return _issue(
            kind=SigningCertificate.Kind.PERSON, attributes=attributes, person=person, user=person.user
        )


def _revoke_other_logins(person) -> int:
    """Revoke the person's certificates issued to a login no longer linked to them (the person
    was relinked): every kind, certificates per signature included."""
    rows = _registry().filter(kind=SigningCertificate.Kind.PERSON, person=person)
    if person.user_id is None:
        rows = rows.filter(user__isnull=False)
    else:
        rows = rows.exclude(user_id=person.user_id)
    return _revoke(rows, reason=_in_site_language("affiliation changed: the person's login was changed"))


def pseudonym(assurance) -> str:
    """A stable pseudonymous identifier of the person at their identity provider: the same
    person at the same provider always gets the same one, and it reveals neither."""
    digest = hashlib.sha256(f"{assurance.provider}\n{assurance.subject}".encode()).hexdigest()
    return f"paragraf:{digest[:40]}"


def _authn_context_extension(assurance) -> x509.UnrecognizedExtension:
    when = assurance.authenticated_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    info = (
        f'<saci:SAMLAuthContext xmlns:saci="{SACI_NS}">'
        f"<saci:AuthContextInfo IdentityProvider={quoteattr(assurance.provider)} "
        f'AuthenticationInstant="{when}" AuthnContextClassRef={quoteattr(assurance.level)} '
        f'ServiceID="{PARAGRAF_SERVICE_ID}"/>'
        "</saci:SAMLAuthContext>"
    )
    value = _AuthenticationContexts([{"context_type": SACI_CONTEXT_TYPE, "context_info": info}])
    return x509.UnrecognizedExtension(AUTHN_CONTEXT_OID, value.dump())


def certificate_assurance(cert) -> dict | None:
    """How the holder of a certificate per signature authenticated, read from its RFC 7773
    extension: {"provider", "level", "authenticated_at", "method"}; None when it has none.
    `cert` is a cryptography or an asn1crypto certificate."""
    if not isinstance(cert, x509.Certificate):
        cert = x509.load_der_x509_certificate(cert.dump())
    try:
        extension = cert.extensions.get_extension_for_oid(AUTHN_CONTEXT_OID)
    except x509.ExtensionNotFound:
        return None
    try:
        contexts = _AuthenticationContexts.load(extension.value.value)
        for context in contexts:
            if context["context_type"].native != SACI_CONTEXT_TYPE:
                continue
            root = ElementTree.fromstring(context["context_info"].native)
            info = root.find(f"{{{SACI_NS}}}AuthContextInfo")
            when = dt.datetime.strptime(info.get("AuthenticationInstant"), "%Y-%m-%dT%H:%M:%SZ")
            level = info.get("AuthnContextClassRef", "")
            return {
                "provider": info.get("IdentityProvider", ""),
                "level": level,
                "authenticated_at": when.replace(tzinfo=dt.UTC),
                "method": "password" if level == LOCAL_PASSWORD_LEVEL else "oidc",
            }
    except (ValueError, TypeError, AttributeError, ElementTree.ParseError):
        return None
    return None


def signature_certificate_issue(*, person, assurance):
    """A certificate for one signature by `person`, who authenticated as `assurance` says:
    short-lived (SIGNATURE_CERTIFICATE_LIFETIME), its subject the name from the assurance, a
    pseudonym and the login it is made through (if any), the authentication in its RFC 7773
    extension. Returns `(certificate, private_key)`: the key lives in memory only, for the
    one signature. Certificates of the person issued to another login are revoked first."""
    with transaction.atomic():
        person = Person.objects.select_for_update(of=("self",)).select_related("user").get(pk=person.pk)
        _revoke_other_logins(person)
        attributes = [
            x509.NameAttribute(NameOID.COMMON_NAME, assurance.name or person.full_name),
            x509.NameAttribute(NameOID.PSEUDONYM, pseudonym(assurance)),
        ]
        if person.user is not None:
            attributes.append(x509.NameAttribute(NameOID.USER_ID, account_identifier(person.user)))
        return _issue(
            kind=SigningCertificate.Kind.PERSON,
            attributes=attributes,
            person=person,
            user=person.user,
            lifetime=SIGNATURE_CERTIFICATE_LIFETIME,
            keep_key=False,
            extensions=(_authn_context_extension(assurance),),
        )


def person_certificates_revoke(*, person, reason: str) -> int:
    """Revoke every current certificate of a person (their login link was changed, they left):
    returns how many. The next signature of the person gets a new certificate for their login."""
    with transaction.atomic():
        return _revoke(
            _registry().filter(kind=SigningCertificate.Kind.PERSON, person_id=person.pk), reason=reason
        )


def seal_name(organisation_name: str) -> str:
    return f"{organisation_name} — e-sigill"


def seal_certificate_issue(*, organisation, replace: bool = False) -> x509.Certificate:
    """The organisation's e-sigill certificate (CN "<organisation> — e-sigill"), issued once."""
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
    return _current(_registry().filter(kind=SigningCertificate.Kind.SEAL, organisation=organisation))


def _trust_roots() -> list:
    """The roots a signer's certificate may chain to: the organisation's CA and configured ones."""
    _key, ca_cert_path = _ca_paths()
    roots = [load_cert_from_pemder(str(ca_cert_path))] if ca_cert_path.exists() else []
    extra = [Path(p) for p in settings.PARAGRAF_SIGNING_TRUST_ROOTS]
    roots += [load_cert_from_pemder(str(p)) for p in extra if p.exists()]
    return roots


def _validation_context() -> ValidationContext:
    return ValidationContext(trust_roots=_trust_roots(), allow_fetching=False)
