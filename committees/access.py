"""Who may get in: login throttling (django-axes) and two-step verification (django-otp).

The rules live here; config/middleware.py and committees/otp_views.py only apply them. See
docs/security.md, "Access".
"""

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import render
from django_otp import user_has_device

from .roles import SECRETARY_GROUP


class LoginThrottlingBackend(AxesStandaloneBackend):
    """django-axes' lockout check, placed before Django's ModelBackend.

    A login over the web always passes its request; an authentication without one (the test
    client's login(), a shell) is not an attempt from an address and is left to ModelBackend
    instead of failing with AxesBackendRequestParameterRequired."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind PARAGRAF_TRUSTED_PROXY_COUNT reverse
    proxies the address the outermost proxy saw (X-Forwarded-For, counted from the right;
    entries further left are whatever the client sent and are not trusted)."""
    proxies = settings.PARAGRAF_TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_response(request, original_response=None, credentials=None):
    """The page shown instead of the login (or the signing) page while locked out: what
    happened and how long to wait, with status 429 Too Many Requests."""
    return render(
        request,
        "registration/lockout.html",
        {"minutes": lockout_minutes(), "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


# --- The password entered again to sign (justering) ------------------------------------------


def _credentials(user) -> dict:
    return {"username": user.get_username()}


def password_recheck_allowed(request) -> bool:
    """False while the signed-in user's username is locked out from this address: a page that
    asks for the password again (signing a protokoll) must not check it then."""
    return AxesProxyHandler.is_allowed(request, _credentials(request.user))


def password_recheck_failed(request) -> None:
    """Count a wrong password entered again like a failed login (django-axes listens to this
    signal): guessing through the signing page locks out like guessing through the login."""
    user_login_failed.send(sender=__name__, credentials=_credentials(request.user), request=request)


# --- Two-step verification --------------------------------------------------------------------


def is_secretary(user) -> bool:
    return user.groups.filter(name=SECRETARY_GROUP).exists()


def two_factor_step(user) -> str | None:
    """The step a signed-in user must take before any other page: "verify" (they have a
    confirmed device and this session has not entered a code), "enrol" (a secretary without a
    device while PARAGRAF_REQUIRE_OTP_FOR_SECRETARIES is on), or None."""
    if not user.is_authenticated:
        return None
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return None
    if user_has_device(user, confirmed=True):
        return "verify"
    if settings.PARAGRAF_REQUIRE_OTP_FOR_SECRETARIES and is_secretary(user):
        return "enrol"
    return None


def two_factor_required(user) -> bool:
    """True when the user may not turn two-step verification off."""
    return settings.PARAGRAF_REQUIRE_OTP_FOR_SECRETARIES and is_secretary(user)
