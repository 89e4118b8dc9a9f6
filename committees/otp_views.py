"""Two-step verification pages: enrol a TOTP app (QR code and the secret as text), and the
second step of the login, where a user with a confirmed device enters a code. The rules are
in committees/access.py; config.middleware.TwoFactorMiddleware sends users here."""

import base64

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from .access import two_factor_required


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code from the app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_token(self):
        return "".join(self.cleaned_data["token"].split())


def _next_url(request: HttpRequest, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        return url
    return default


def _verified(request: HttpRequest, device: TOTPDevice) -> None:
    """Mark the session as verified with this device, under a new session key."""
    request.session.cycle_key()
    django_otp.login(request, device)


def _pending_device(user) -> TOTPDevice:
    """The user's unconfirmed device: the secret the QR code shows until a code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Paragraf", confirmed=False)


def _secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for apps that cannot scan."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """/konto/tvastegsverifiering/: turn two-step verification on (scan, then confirm with a
    code) or off (with a code; not when it is required for secretaries)."""
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    required = two_factor_required(user)
    form = TokenForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        with transaction.atomic():
            if confirmed is None:
                device = TOTPDevice.objects.select_for_update().get(pk=_pending_device(user).pk)
                if device.verify_token(token):
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    _verified(request, device)
                    messages.success(request, _("Two-step verification is on."))
                    return redirect(_next_url(request, request.path))
            elif required:
                error = _("Two-step verification is required for secretaries and cannot be turned off.")
            else:
                device = TOTPDevice.objects.select_for_update().get(pk=confirmed.pk)
                if device.verify_token(token):
                    TOTPDevice.objects.filter(user=user).delete()
                    messages.success(request, _("Two-step verification is off."))
                    return redirect(request.path)
        error = error or _("The code is not correct. Enter the code the app shows now.")
    context = {"form": form, "error": error, "enabled": confirmed is not None, "required": required}
    if confirmed is None:
        context["secret"] = _secret_text(_pending_device(user))
    context["next"] = _next_url(request, "")
    return render(request, "registration/two_factor.html", context)


@never_cache
@login_required
def two_factor_qr(request: HttpRequest) -> HttpResponse:
    """The QR code of the pending (unconfirmed) device as an SVG image: the otpauth:// address
    the app scans. Never shown again once confirmed."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("pk").first()
    if device is None:
        raise Http404
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    response = HttpResponse(image.to_string(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """/konto/verifiera-kod/: the second step of the login for a user with a confirmed device.
    Wrong codes slow down (django-otp throttles the device after each failure)."""
    default = "admin:index" if request.user.is_staff else "meetings:home"
    next_url = _next_url(request, "")
    if (
        request.user.is_verified()
        or not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    ):
        return redirect(next_url or default)
    form = TokenForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().filter(user=request.user, confirmed=True).first()
            allowed, _details = device.verify_is_allowed()
            if device.verify_token(form.cleaned_data["token"]):
                _verified(request, device)
                return redirect(next_url or default)
        if allowed:
            error = _("The code is not correct. Enter the code the app shows now.")
        else:
            error = _("Too many wrong codes. Wait a moment and try again.")
    return render(request, "registration/otp_verify.html", {"form": form, "error": error, "next": next_url})
