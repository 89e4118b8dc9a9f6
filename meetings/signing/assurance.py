"""How a signer proved who they are just before they signed: the assurance of one signature.

Every signature of a protokoll (and every personal bestyrkande) is made after a fresh
authentication of the person named in it: a local account's password entered again, or a
fresh login at an OpenID Connect identity provider (docs/signing.md). `Assurance` is what the
signing code is told about that authentication. It is recorded on the `Signature` row and is
meant to be written into the signature's certificate, so a validator can see how the signer
was identified.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

# The assurance level of a local account's password entered again: not an e-legitimation.
LOCAL_PASSWORD_LEVEL = "paragraf:local-password"
LOCAL_PROVIDER = "paragraf"


@dataclass(frozen=True)
class Assurance:
    """One authentication of a signer.

    method: "password" (a Paragraf account's password, entered again) or "oidc".
    provider: the identity provider's issuer URL, or "paragraf" for a local account.
    level: the assurance level (an OIDC `acr`, e.g. http://id.elegnamnden.se/loa/1.0/loa3),
        or LOCAL_PASSWORD_LEVEL.
    authenticated_at: when the person authenticated (the ID token's `auth_time`).
    subject: a stable pseudonymous identifier of the person at the provider (the token's
        `sub`, or "paragraf-user-<id>" for a local account).
    name: the person's name as the provider (or the register) gives it.
    """

    method: str
    provider: str
    level: str
    authenticated_at: datetime
    subject: str
    name: str

    @classmethod
    def local_password(cls, *, user, name: str) -> "Assurance":
        """A local account's password, just entered again."""
        return cls(
            method="password",
            provider=LOCAL_PROVIDER,
            level=LOCAL_PASSWORD_LEVEL,
            authenticated_at=timezone.now(),
            subject=f"paragraf-user-{user.pk}",
            name=name,
        )

    def record_on(self, signature) -> list[str]:
        """Copy onto a Signature row; returns the fields set (for save(update_fields=...))."""
        signature.assurance_method = self.method
        signature.assurance_provider = self.provider
        signature.assurance_level = self.level
        signature.authenticated_at = self.authenticated_at
        return ["assurance_method", "assurance_provider", "assurance_level", "authenticated_at"]
