"""The signed links of bevakning (django.core.signing, keyed by SECRET_KEY).

- The confirmation link carries the whole request (address, what to follow, how often), so
  nothing is stored before the address is confirmed; it expires after
  PARAGRAF_ALERTS_CONFIRM_HOURS.
- The unsubscribe link names the subscription; it does not expire (a digest of last year must
  still unsubscribe), and once the subscription is deleted it only says so.
A changed or made-up link fails the signature check.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "alerts.confirm"
UNSUBSCRIBE_SALT = "alerts.unsubscribe"


class TokenError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code  # "expired" or "invalid"


@dataclass(frozen=True)
class SubscriptionRequest:
    """What a reader asked to follow, before the address is confirmed."""

    email: str
    kind: str
    committee_id: int | None = None
    query: str = ""
    diarienummer: str = ""
    frequency: str = "direkt"


def confirm_token(request: SubscriptionRequest) -> str:
    payload = {
        "e": request.email,
        "k": request.kind,
        "c": request.committee_id,
        "q": request.query,
        "d": request.diarienummer,
        "f": request.frequency,
    }
    return signing.dumps(payload, salt=CONFIRM_SALT, compress=True)


def read_confirm_token(token: str) -> SubscriptionRequest:
    max_age = settings.PARAGRAF_ALERTS_CONFIRM_HOURS * 3600
    try:
        payload = signing.loads(token, salt=CONFIRM_SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise TokenError("expired") from error
    except signing.BadSignature as error:
        raise TokenError("invalid") from error
    try:
        return SubscriptionRequest(
            email=str(payload["e"]),
            kind=str(payload["k"]),
            committee_id=payload["c"],
            query=str(payload["q"]),
            diarienummer=str(payload["d"]),
            frequency=str(payload["f"]),
        )
    except (KeyError, TypeError) as error:  # signed by us, so only an older format
        raise TokenError("invalid") from error


def unsubscribe_token(subscription_pk: int) -> str:
    return signing.dumps({"s": subscription_pk}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> int:
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(payload["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise TokenError("invalid") from error
