"""External justerare by invitation: a signer who has no login in Paragraf (a justerare from
another organisation) signs through the identity provider, on a one-time, expiring link the
secretary has e-mailed to the signer's own address.

No login is created: what the signing needs is the Person the secretary chose as signer (with
the e-mail address the link goes to, the matching field of committees/oidc.py), the
`SigningInvitation` (which signature, which address, until when; once used, the provider and the
token's subject that signed) and the Signature row itself with its assurance. The link only
opens the protokoll to read and starts the identification; the server signs only when the ID
token names the signature's person (the same matching claim as sign-in) at the required level
after a fresh login, and the invitation is then used: the link cannot sign twice, nor for anyone
else. A new invitation replaces the signer's earlier unused ones. The token is stored only as
its SHA-256.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from committees import oidc
from committees.invitations import is_own_address, token_hash
from meetings import signing
from meetings.errors import SigningRefusal
from meetings.models import Meeting, Signature, SigningInvitation

from .services import identity_assurance, protokoll_sign_with_identity


def signing_invitation_url(token: str) -> str:
    return settings.PARAGRAF_BASE_URL.rstrip("/") + reverse("meetings:external_justering", args=[token])


def signing_invitation_check(*, signature: Signature, by=None) -> None:
    person = signature.person
    if not oidc.enabled():
        raise ValidationError(
            _("No identity provider is configured: a signer without a login cannot sign yet."),
            code=SigningRefusal.NO_PROVIDER,
        )
    if signature.justering.meeting.status != Meeting.Status.READY_FOR_JUSTERING:
        raise ValidationError(
            _("The protokoll has not been sent for justering."), code=SigningRefusal.WRONG_STATUS
        )
    if signature.signed_at:
        raise ValidationError(
            _("%(name)s has already signed."),
            code=SigningRefusal.ALREADY_SIGNED,
            params={"name": person.full_name},
        )
    if person.user_id:
        raise ValidationError(
            _("%(name)s has a login: they sign on their own page in Paragraf."),
            code=SigningRefusal.HAS_LOGIN,
            params={"name": person.full_name},
        )
    if not person.email:
        raise ValidationError(
            _("%(name)s has no e-mail address: add one before sending an invitation."),
            code=SigningRefusal.NO_EMAIL,
            params={"name": person.full_name},
        )
    if is_own_address(person, by):
        raise ValidationError(
            _("The e-mail address of %(name)s is your own: an invitation goes to the signer themselves."),
            code=SigningRefusal.OWN_ADDRESS,
            params={"name": person.full_name},
        )


@transaction.atomic
def signing_invitation_create(*, signature: Signature, by) -> tuple[SigningInvitation, str]:
    signature = (
        Signature.objects.select_for_update(of=("self",))
        .select_related("person", "justering__meeting")
        .get(pk=signature.pk)
    )
    signing_invitation_check(signature=signature, by=by)
    now = timezone.now()
    signature.invitations.filter(used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    invitation = SigningInvitation.objects.create(
        signature=signature,
        email=signature.person.email,
        token_hash=token_hash(token),
        invited_by=by,
        expires_at=now + timedelta(days=settings.PARAGRAF_SIGNING_INVITATION_DAYS),
    )
    return invitation, token


def signing_invitation_send(*, signature: Signature, by) -> SigningInvitation:
    """Create an invitation and e-mail its link to the signer's own address."""
    invitation, token = signing_invitation_create(signature=signature, by=by)
    signature = invitation.signature
    meeting = signature.justering.meeting
    sender = getattr(getattr(by, "person", None), "full_name", "") or by.get_full_name() or by.get_username()
    with translation.override(settings.LANGUAGE_CODE):
        date = f"{timezone.localtime(meeting.start):%Y-%m-%d}"
        context = {
            "person": signature.person,
            "role": signature.get_role_display(),
            "committee": meeting.committee,
            "date": date,
            "url": signing_invitation_url(token),
            "expires": timezone.localtime(invitation.expires_at),
            "provider": oidc.provider_name(),
            "sender": sender,
        }
        message = EmailMessage(
            subject=_("To sign (justering): protokoll %(committee)s %(date)s")
            % {"committee": meeting.committee.name, "date": date},
            body=render_to_string("meetings/email/signing_invitation.txt", context),
            to=[invitation.email],
            reply_to=[by.email] if by.email else None,
        )
    transaction.on_commit(message.send)
    return invitation


def signing_invitation_find(token: str) -> SigningInvitation:
    """The invitation of a token that can still be used, or a ValidationError that says why not."""
    invitation = (
        SigningInvitation.objects.select_related(
            "signature__person", "signature__justering__meeting__committee"
        )
        .filter(token_hash=token_hash(token or ""))
        .first()
    )
    if invitation is None:
        raise ValidationError(
            _("This link is not valid. Check that the whole link was copied."),
            code=SigningRefusal.INVITATION_UNKNOWN,
        )
    if invitation.used_at:
        raise ValidationError(
            _("This link has already been used to sign. It cannot be used again."),
            code=SigningRefusal.INVITATION_USED,
        )
    if invitation.expires_at <= timezone.now():
        raise ValidationError(
            _("This link has expired. Ask the secretary to send a new one."),
            code=SigningRefusal.INVITATION_EXPIRED,
        )
    return invitation


@transaction.atomic
def signing_invitation_sign(*, token: str, identity: oidc.Identity) -> Signature:
    """The holder of the link signs after identifying at the provider (`identity`, verified by
    committees/oidc.py); only if the token names the signer. The invitation is then used."""
    found = signing_invitation_find(token)
    invitation = SigningInvitation.objects.select_for_update().get(pk=found.pk)
    invitation = signing_invitation_find(token)  # again, under the lock
    if invitation.email.lower() != (invitation.signature.person.email or "").lower():
        raise ValidationError(
            _("The e-mail address of the signer has changed since the invitation. Ask for a new one."),
            code=SigningRefusal.INVITATION_EXPIRED,
        )
    assurance: signing.Assurance = identity_assurance(identity)
    signature = protokoll_sign_with_identity(
        signature=invitation.signature, assurance=assurance, claims=identity.claims, invitation=invitation
    )
    invitation.used_at = timezone.now()
    invitation.provider = identity.provider
    invitation.subject = identity.subject
    invitation.save(update_fields=["used_at", "provider", "subject"])
    return signature
