"""Login invitations: how a person without a login (a signer of a protokoll, typically) gets one
without an administrator, and acts for themselves.

A secretary asks for an invitation (`login_invitation_send`); the person receives a one-time link
at their own e-mail address, valid for settings.PARAGRAF_LOGIN_INVITATION_DAYS days, and on it
chooses their own password (`login_invitation_accept`). The secretary never sees or sets the
password, and the link can only ever create a login for the person it names: the login is made
for that person, with their e-mail address as username, and linked to them in the same
transaction.

Beside an identity administrator's `committees.identity.person_set_login` (permission
manage_person_identity), this is the only way a login comes to be linked to a person. It is
refused when the person already has a login, has no e-mail address, or when a login already uses
that address (as its e-mail or username): the address then belongs to someone who already has a
way in, and an identity administrator decides. The token is stored only as its SHA-256; a new
invitation replaces the person's earlier unused ones; the link's creation of the login is
recorded in the person's audit history, with the invitation and who sent it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .identity import _save_recorded
from .models import LoginInvitation, Person


class InvitationRefusal:
    """The codes of the ValidationErrors raised here (tests and views match on them)."""

    HAS_LOGIN = "has_login"
    NO_EMAIL = "no_email"
    EMAIL_TAKEN = "email_taken"
    OWN_ADDRESS = "own_address"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


def token_hash(token: str) -> str:
    """What is stored of a one-time link's token (the token itself only goes in the e-mail)."""
    return hashlib.sha256(token.encode()).hexdigest()


def is_own_address(person: Person, by) -> bool:
    """Whether `person`'s e-mail address is the inviting user's own (or her person's): an
    invitation goes to the person themselves, never to the one who sends it."""
    if by is None or not person.email:
        return False
    own = {by.email.lower()} | ({by.person.email.lower()} if hasattr(by, "person") else set())
    return person.email.lower() in own - {""}


def invitation_url(token: str) -> str:
    """The link in the e-mail, at the address the site is served at (settings.PARAGRAF_BASE_URL)."""
    return settings.PARAGRAF_BASE_URL.rstrip("/") + reverse("account:invitation", args=[token])


def _login_for_address(email: str, *, exclude_pk=None):
    users = get_user_model().objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
    if exclude_pk is not None:
        users = users.exclude(pk=exclude_pk)
    return users.first()


def login_invitation_check(*, person: Person, by=None) -> None:
    """Refuse (ValidationError with a code of InvitationRefusal) an invitation that may not be
    made or used: the person has a login, has no e-mail address, a login already uses the
    address, or the address is the inviting user's own."""
    if person.user_id:
        raise ValidationError(
            _("%(person)s already has a login in Paragraf."),
            code=InvitationRefusal.HAS_LOGIN,
            params={"person": person.full_name},
        )
    if not person.email:
        raise ValidationError(
            _("%(person)s has no e-mail address: add one before sending an invitation."),
            code=InvitationRefusal.NO_EMAIL,
            params={"person": person.full_name},
        )
    if is_own_address(person, by):
        raise ValidationError(
            _("The e-mail address of %(person)s is your own: an invitation goes to the person themselves."),
            code=InvitationRefusal.OWN_ADDRESS,
            params={"person": person.full_name},
        )
    if _login_for_address(person.email) is not None:
        raise ValidationError(
            _(
                "A login already uses the address %(email)s. Ask an identity administrator to "
                "connect %(person)s to their login."
            ),
            code=InvitationRefusal.EMAIL_TAKEN,
            params={"email": person.email, "person": person.full_name},
        )


@transaction.atomic
def login_invitation_create(*, person: Person, by) -> tuple[LoginInvitation, str]:
    """A new invitation for the person (their earlier unused ones expire now) and its token,
    which is not stored: it is only in the e-mail."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    login_invitation_check(person=person, by=by)
    now = timezone.now()
    LoginInvitation.objects.filter(person=person, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    token = secrets.token_urlsafe(32)
    invitation = LoginInvitation.objects.create(
        person=person,
        email=person.email,
        token_hash=token_hash(token),
        invited_by=by,
        expires_at=now + timedelta(days=settings.PARAGRAF_LOGIN_INVITATION_DAYS),
    )
    return invitation, token


def login_invitation_send(*, person: Person, by, reason: str = "") -> LoginInvitation:
    """Create an invitation and e-mail its link to the person's own address. `reason` says why
    (e.g. "to sign the protokoll of …"), shown in the e-mail."""
    invitation, token = login_invitation_create(person=person, by=by)
    sender = getattr(getattr(by, "person", None), "full_name", "") or by.get_full_name() or by.get_username()
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "person": invitation.person,
            "url": invitation_url(token),
            "expires": timezone.localtime(invitation.expires_at),
            "reason": reason,
            "sender": sender,
        }
        message = EmailMessage(
            subject=_("Create your login in Paragraf"),
            body=render_to_string("registration/login_invitation_email.txt", context),
            to=[invitation.email],
            reply_to=[by.email] if by.email else None,
        )
    transaction.on_commit(message.send)
    return invitation


def login_invitation_find(token: str) -> LoginInvitation:
    """The invitation of a token that can still be used, or a ValidationError that says why not."""
    invitation = (
        LoginInvitation.objects.select_related("person").filter(token_hash=token_hash(token or "")).first()
    )
    if invitation is None:
        raise ValidationError(
            _("This invitation link is not valid. Check that the whole link was copied."),
            code=InvitationRefusal.UNKNOWN,
        )
    if invitation.used_at:
        raise ValidationError(
            _("This invitation link has already been used. Log in with the login you created."),
            code=InvitationRefusal.USED,
        )
    if invitation.expires_at <= timezone.now():
        raise ValidationError(
            _("This invitation link has expired. Ask the secretary to send a new one."),
            code=InvitationRefusal.EXPIRED,
        )
    return invitation


def login_invitation_validate_password(*, invitation: LoginInvitation, password: str) -> None:
    """The project's password validators, for the login the invitation would create."""
    person = invitation.person
    candidate = get_user_model()(
        username=person.email.lower(),
        email=person.email,
        first_name=person.first_name,
        last_name=person.last_name,
    )
    password_validation.validate_password(password, user=candidate)


@transaction.atomic
def login_invitation_accept(*, token: str, password: str):
    """The person of the invitation creates their login with the password they chose: a new
    user (username = their e-mail address) linked to them. Returns the user. Refused when the
    link cannot be used, or when the person or the address got a login in the meantime."""
    invitation = login_invitation_find(token)
    invitation = LoginInvitation.objects.select_for_update().get(pk=invitation.pk)
    invitation = login_invitation_find(token)  # again, under the lock
    person = Person.objects.select_for_update().get(pk=invitation.person_id)
    if person.email.lower() != invitation.email.lower():
        raise ValidationError(
            _("The e-mail address of %(person)s has changed since the invitation. Ask for a new one."),
            code=InvitationRefusal.EXPIRED,
            params={"person": person.full_name},
        )
    login_invitation_check(person=person)
    login_invitation_validate_password(invitation=invitation, password=password)
    user = get_user_model().objects.create_user(
        username=person.email.lower(),
        email=person.email,
        password=password,
        first_name=person.first_name,
        last_name=person.last_name,
    )
    person.user = user
    _save_recorded(
        person,
        by=user,
        reason=_("Login created by invitation (sent by %(by)s)")
        % {"by": invitation.invited_by.get_username() if invitation.invited_by_id else "—"},
        fields=["user"],
    )
    invitation.used_at = timezone.now()
    invitation.user = user
    invitation.save(update_fields=["used_at", "user"])
    return user
