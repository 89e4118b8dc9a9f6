"""Sign-in and fresh authentication through an OpenID Connect identity provider (a municipality's
IdP, a BankID/Freja broker, a SITHS IdP: docs/signing.md, "Identity providers").

Off unless settings.PARAGRAF_OIDC_ISSUER is set; local accounts stay beside it. The flow is the
authorization code flow with PKCE (S256), state and nonce, done by Authlib's Django client: it
fetches the provider's metadata and keys, exchanges the code and verifies the ID token (signature
against the provider's JWKS, issuer, audience, expiry, nonce). On top of that, for a justering
(`fresh=True`) this module asks for a new login (prompt=login, max_age=0, acr_values) and checks
that the token's auth_time is after the request was sent and recent, and that its acr is at
least the required level.

Who the token names is decided by one verified claim (settings.PARAGRAF_OIDC_MATCH_CLAIM)
compared with one identity field of the Person (settings.PARAGRAF_OIDC_MATCH_FIELD, by default
the e-mail), which only an identity administrator changes (committees/identity.py): nobody can
make a token name another person by editing a link or a form. An "email" claim counts only when
the provider says it is verified (email_verified). The first sign-in of a known person creates
their login, linked in the same transaction and recorded in the person's history; an unknown
person, or a claim that names more than one person, is refused.

Every flow keeps what it is for (its purpose, its target and where to go next) in the session
under its state, so the answer of the provider can only complete the flow this browser started.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from .identity import _save_recorded
from .models import Person

SESSION_FLOW = "oidc_flow:"  # + state: the flow this browser started
SESSION_IDENTITY = "oidc_identity"  # a verified identity handed to the view that finishes a flow
LOGIN = "login"
FLOW_LEEWAY_SECONDS = 5  # clocks of the provider and of Paragraf may differ this much


class OidcRefusal:
    """The codes of the ValidationErrors raised here (tests and views match on them)."""

    PROVIDER_ERROR = "provider_error"  # the provider answered with an error, or the answer is bad
    UNKNOWN_FLOW = "unknown_flow"  # no flow of this browser has that state
    UNVERIFIED = "unverified"  # the matching claim is missing or not verified
    UNKNOWN_PERSON = "unknown_person"
    AMBIGUOUS = "ambiguous"  # the claim names more than one person
    LOGIN_TAKEN = "login_taken"  # a login not linked to the person already uses the address
    NOT_FRESH = "not_fresh"  # no new authentication, or too long ago
    LEVEL_TOO_LOW = "level_too_low"


def enabled() -> bool:
    return bool(settings.PARAGRAF_OIDC_ISSUER and settings.PARAGRAF_OIDC_CLIENT_ID)


def provider_name() -> str:
    return settings.PARAGRAF_OIDC_PROVIDER_NAME


@functools.cache
def _client_for(issuer: str, client_id: str, client_secret: str, scopes: str):
    from authlib.integrations.django_client import OAuth

    oauth = OAuth()
    return oauth.register(
        name="paragraf_idp",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": scopes, "code_challenge_method": "S256", "timeout": 10},
    )


def _client():
    return _client_for(
        settings.PARAGRAF_OIDC_ISSUER,
        settings.PARAGRAF_OIDC_CLIENT_ID,
        settings.PARAGRAF_OIDC_CLIENT_SECRET,
        settings.PARAGRAF_OIDC_SCOPES,
    )


def callback_url(request) -> str:
    return request.build_absolute_uri(reverse("account:oidc_callback"))


def authorize_redirect(request, *, purpose: str, target: str = "", next_url: str, fresh: bool):
    """Send the browser to the provider. `fresh`: a new authentication at the signing level
    (for a justering), not a single sign-on session. `purpose` and `target` (e.g. "justering"
    and a signature's id) are handed back with the verified identity at `next_url`."""
    client = _client()
    params = {}
    if fresh:
        params = {"prompt": "login", "max_age": 0, "acr_values": settings.PARAGRAF_OIDC_SIGNING_ACR}
    redirect_uri = callback_url(request)
    data = client.create_authorization_url(redirect_uri, **params)
    client.save_authorize_data(request, redirect_uri=redirect_uri, **data)
    request.session[SESSION_FLOW + data["state"]] = {
        "purpose": purpose,
        "target": str(target),
        "next": next_url,
        "fresh": fresh,
        "started": int(time.time()),
    }
    from django.shortcuts import redirect

    return redirect(data["url"])


@dataclass(frozen=True)
class Identity:
    """A person as a verified ID token names them, and how they authenticated."""

    claims: dict
    purpose: str
    target: str

    @property
    def provider(self) -> str:
        return self.claims["iss"]

    @property
    def subject(self) -> str:
        return self.claims["sub"]

    @property
    def level(self) -> str:
        return self.claims.get("acr", "")

    @property
    def authenticated_at(self) -> datetime | None:
        auth_time = self.claims.get("auth_time")
        return datetime.fromtimestamp(int(auth_time), tz=UTC) if auth_time else None

    @property
    def name(self) -> str:
        claims = self.claims
        joined = " ".join(p for p in (claims.get("given_name"), claims.get("family_name")) if p)
        return claims.get("name") or joined


def _refuse(message: str, code: str):
    raise ValidationError(message, code=code)


def acr_at_least(acr: str, required: str) -> bool:
    """Whether the assurance level `acr` is `required` or above it in PARAGRAF_OIDC_ACR_ORDER."""
    if not required:
        return True
    order = settings.PARAGRAF_OIDC_ACR_ORDER
    if acr == required:
        return True
    if acr in order and required in order:
        return order.index(acr) >= order.index(required)
    return False


def _check_fresh(claims: dict, flow: dict) -> None:
    auth_time = claims.get("auth_time")
    now = time.time()
    if not isinstance(auth_time, int | float) or auth_time < flow["started"] - FLOW_LEEWAY_SECONDS:
        _refuse(
            _("The identity provider did not ask you to identify yourself again. Nothing was signed."),
            OidcRefusal.NOT_FRESH,
        )
    if now - auth_time > settings.PARAGRAF_OIDC_MAX_AUTH_AGE or auth_time > now + FLOW_LEEWAY_SECONDS:
        _refuse(
            _("The identification is too old. Identify yourself again. Nothing was signed."),
            OidcRefusal.NOT_FRESH,
        )
    required = settings.PARAGRAF_OIDC_SIGNING_ACR
    if not acr_at_least(claims.get("acr", ""), required):
        _refuse(
            _(
                "The identification was not at the assurance level signing requires (%(level)s). "
                "Use an e-legitimation of that level. Nothing was signed."
            )
            % {"level": required},
            OidcRefusal.LEVEL_TOO_LOW,
        )


def callback(request) -> tuple[Identity, dict]:
    """Complete the flow the provider answered (the request to the callback URL): verify the
    state, exchange the code, verify the ID token and, for a fresh authentication, its time and
    level. Returns the identity and the flow (purpose, target, next); ValidationError otherwise."""
    from authlib.common.errors import AuthlibBaseError

    state = request.GET.get("state", "")
    flow = request.session.pop(SESSION_FLOW + state, None) if state else None
    if flow is None:
        _refuse(
            _("This answer of the identity provider does not belong to a sign-in started here. Start again."),
            OidcRefusal.UNKNOWN_FLOW,
        )
    try:
        token = _client().authorize_access_token(request)
    except (AuthlibBaseError, ValueError, OSError) as error:
        _refuse(
            _("The identity provider's answer could not be verified (%(reason)s).")
            % {"reason": getattr(error, "description", None) or error},
            OidcRefusal.PROVIDER_ERROR,
        )
    claims = dict(token.get("userinfo") or {})
    if not claims.get("sub") or not claims.get("iss"):  # no verified ID token
        _refuse(_("The identity provider sent no ID token."), OidcRefusal.PROVIDER_ERROR)
    if flow["fresh"]:
        _check_fresh(claims, flow)
    return Identity(claims=claims, purpose=flow["purpose"], target=flow["target"]), flow


def hand_over(request, identity: Identity) -> None:
    """Keep the verified identity for the view that finishes the flow (one use)."""
    request.session[SESSION_IDENTITY] = {
        "claims": identity.claims,
        "purpose": identity.purpose,
        "target": identity.target,
    }


def take_over(request, *, purpose: str, target) -> Identity | None:
    """The identity `hand_over` kept for this purpose and target, once; None if there is none."""
    kept = request.session.pop(SESSION_IDENTITY, None)
    if not kept or kept["purpose"] != purpose or kept["target"] != str(target):
        return None
    return Identity(claims=kept["claims"], purpose=kept["purpose"], target=kept["target"])


# --- Who the token names --------------------------------------------------------------------


def matching_value(claims: dict) -> str:
    """The verified value of the matching claim, normalised; refused when missing or unverified."""
    name = settings.PARAGRAF_OIDC_MATCH_CLAIM
    value = claims.get(name)
    if not isinstance(value, str) or not value.strip():
        _refuse(
            _("The identity provider did not say who you are (%(claim)s).") % {"claim": name},
            OidcRefusal.UNVERIFIED,
        )
    if name == "email" and claims.get("email_verified") is not True:
        _refuse(
            _("The identity provider has not verified your e-mail address."),
            OidcRefusal.UNVERIFIED,
        )
    return value.strip().lower()


def _field_lookup(value: str) -> Q:
    return Q(**{f"{settings.PARAGRAF_OIDC_MATCH_FIELD}__iexact": value})


def person_matches(person: Person, claims: dict) -> bool:
    """Whether the verified token names this person (and no other)."""
    try:
        value = matching_value(claims)
    except ValidationError:
        return False
    stored = (getattr(person, settings.PARAGRAF_OIDC_MATCH_FIELD) or "").strip().lower()
    if not stored or stored != value:
        return False
    return not Person.objects.filter(_field_lookup(value)).exclude(pk=person.pk).exists()


def person_for_claims(claims: dict) -> Person:
    value = matching_value(claims)
    people = list(Person.objects.filter(_field_lookup(value))[:2])
    if not people:
        _refuse(
            _(
                "You identified yourself, but Paragraf knows no person with your identity. Ask the "
                "secretary or the identity administrator to register you."
            ),
            OidcRefusal.UNKNOWN_PERSON,
        )
    if len(people) > 1:
        _refuse(
            _("Your identity belongs to more than one person in Paragraf. Ask the identity administrator."),
            OidcRefusal.AMBIGUOUS,
        )
    return people[0]


@transaction.atomic
def login_for_identity(identity: Identity):
    """The login of the person the token names; at their first sign-in, a new login (no
    password: they sign in through the provider) linked to them and recorded in their history."""
    person = Person.objects.select_for_update().get(pk=person_for_claims(identity.claims).pk)
    if person.user_id:
        return person.user
    users = get_user_model().objects
    email = person.email
    username = (email or f"oidc-{identity.subject}").lower()[:150]
    taken = users.filter(Q(username__iexact=username) | (Q(email__iexact=email) if email else Q(pk=None)))
    if taken.exists():
        _refuse(
            _(
                "A login not linked to you already uses your address. Ask the identity administrator "
                "to connect it to you."
            ),
            OidcRefusal.LOGIN_TAKEN,
        )
    user = users.create_user(
        username=username, email=email, first_name=person.first_name, last_name=person.last_name
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    person.user = user
    _save_recorded(
        person,
        by=user,
        reason=_("Login created at the first sign-in through %(provider)s") % {"provider": identity.provider},
        fields=["user"],
    )
    return user
