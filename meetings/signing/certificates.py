"""The organisation's signing CA and the certificates it issues, recorded in the registry
`SigningCertificate`: a person's certificate (issued only for the login linked to the person,
revoked and reissued when that changes) and the organisation's e-sigill. A revoked
certificate's private key is deleted at once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pyhanko.sign.general import load_cert_from_pemder
from pyhanko_certvalidator import ValidationContext

from committees.models import Person
from meetings.models import SigningCertificate

ACCOUNT_PREFIX = "paragraf-user-"


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
        (signing_dir() / row.key_file).unlink(missing_ok=True)
        count += 1
    return count


def _issue(*, kind: str, attributes: list, person=None, user=None, organisation=None, years: int = 5):
    """Issue one certificate from the organisation's CA and record it in the registry."""
    if not signing_ca_exists():
        raise SigningError(_("There is no signing CA yet: run manage.py signing_setup."))
    ca_key_path, ca_cert_path = _ca_paths()
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), _passphrase())
    ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    organisation_name = ca_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation_name),
            *attributes,
        ]
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    serial = x509.random_serial_number()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
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
        .sign(ca_key, hashes.SHA256())
    )
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
    return cert


def _load(row) -> x509.Certificate:
    return x509.load_pem_x509_certificate(row.certificate_pem.encode())


def _usable(row) -> bool:
    """The row's certificate was issued by the current CA and its private key is there (a CA
    made anew, or a lost key, means a new certificate)."""
    try:
        _load(row).verify_directly_issued_by(signing_ca_certificate())
    except (ValueError, TypeError, InvalidSignature):
        return False
    return (signing_dir() / row.key_file).exists()


def _names(row) -> str:
    cert = _load(row)
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return names[0].value if names else ""


def person_certificate_current(*, person):
    """The person's registry row that may sign now: valid, not revoked, and issued to the login
    linked to the person now (None otherwise; for a person without a login, one issued without
    a login: an external justerare's, `person_certificate_issue(external_subject=...)`)."""
    row = _current(_registry().filter(kind=SigningCertificate.Kind.PERSON, person=person))
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
        mine = _registry().filter(kind=SigningCertificate.Kind.PERSON, person=person)
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


def _validation_context() -> ValidationContext:
    _key, ca_cert_path = _ca_paths()
    roots = [load_cert_from_pemder(str(ca_cert_path))] if ca_cert_path.exists() else []
    extra = [Path(p) for p in settings.PARAGRAF_SIGNING_TRUST_ROOTS]
    roots += [load_cert_from_pemder(str(p)) for p in extra if p.exists()]
    return ValidationContext(trust_roots=roots, allow_fetching=False)
