"""Justering through the identity provider (committees/oidc.py): a signer with a login presses
"Justera med e-legitimation" on their signing page; a signer without one (an external
justerare) opens the one-time link of their invitation (meetings/justering/external.py). Both
are sent to the provider for a fresh login at the required assurance level, and the server signs
only when the verified ID token names the person who must sign."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from committees import oidc
from committees.visibility import signatures_of
from config.downloads import file_response

from .. import signing
from ..justering.external import signing_invitation_find, signing_invitation_sign
from ..justering.services import identity_assurance, protokoll_sign_with_identity
from ..models import Meeting

JUSTERING = "justering"
EXTERNAL = "external_justering"


def _reason(refused) -> str:
    return " ".join(refused.messages) if isinstance(refused, ValidationError) else str(refused)


@login_required
@require_POST
def justering_oidc_start(request: HttpRequest, signature_pk: int) -> HttpResponse:
    """Send the signer to the provider to identify again before the server signs."""
    signature = get_object_or_404(signatures_of(request.user), pk=signature_pk)
    if not oidc.enabled():
        raise Http404
    return oidc.authorize_redirect(
        request,
        purpose=JUSTERING,
        target=signature.pk,
        next_url=reverse("meetings:justering_oidc_finish", args=[signature.pk]),
        fresh=True,
    )


@login_required
@require_GET
def justering_oidc_finish(request: HttpRequest, signature_pk: int) -> HttpResponse:
    """Back from the provider (committees/oidc_views.py verified the token): sign, or say why not."""
    signature = get_object_or_404(signatures_of(request.user), pk=signature_pk)
    identity = oidc.take_over(request, purpose=JUSTERING, target=signature.pk)
    if identity is None:
        messages.error(request, _("No identification to sign with was found. Nothing was signed; try again."))
        return redirect("meetings:justering", signature_pk=signature.pk)
    try:
        protokoll_sign_with_identity(
            signature=signature,
            assurance=identity_assurance(identity),
            claims=identity.claims,
            user=request.user,
        )
    except (ValidationError, signing.SigningError) as refused:
        messages.error(request, _reason(refused))
        return redirect("meetings:justering", signature_pk=signature.pk)
    meeting = Meeting.objects.get(pk=signature.justering.meeting_id)
    if meeting.status in Meeting.Status.JUSTERAT_OR_LATER:
        messages.success(
            request, _("You have signed. Every signer has now signed: the protokoll is justerat.")
        )
    else:
        messages.success(request, _("You have signed the protokoll. Thank you."))
    return redirect("meetings:justering", signature_pk=signature.pk)


def _external_page(request, context: dict, status: int = 200) -> HttpResponse:
    context.setdefault("provider_name", oidc.provider_name())
    return render(request, "meetings/external/justering.html", context, status=status)


def _invitation_context(invitation, token: str) -> dict:
    signature = invitation.signature
    meeting = signature.justering.meeting
    return {
        "invitation": invitation,
        "signature": signature,
        "meeting": meeting,
        "start": timezone.localtime(meeting.start),
        "ready": meeting.status == Meeting.Status.READY_FOR_JUSTERING,
        "token": token,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def external_justering(request: HttpRequest, token: str) -> HttpResponse:
    """The page of a signing invitation: the protokoll to read, and the button that sends the
    signer to the provider (POST). The same answer for everyone when the link cannot be used."""
    try:
        invitation = signing_invitation_find(token)
    except ValidationError as refused:
        return _external_page(request, {"refused": refused.messages[0]}, status=404)
    if request.method == "POST":
        if not oidc.enabled():
            raise Http404
        return oidc.authorize_redirect(
            request,
            purpose=EXTERNAL,
            target=invitation.pk,
            next_url=reverse("meetings:external_justering_finish", args=[token]),
            fresh=True,
        )
    return _external_page(request, _invitation_context(invitation, token))


@never_cache
@require_GET
def external_justering_pdf(request: HttpRequest, token: str) -> FileResponse:
    """The protokoll as frozen for justering, with the signatures given so far."""
    try:
        invitation = signing_invitation_find(token)
    except ValidationError as refused:
        raise Http404 from refused
    justering = invitation.signature.justering
    if not justering.signed_file:
        raise Http404
    meeting = justering.meeting
    filename = f"protokoll-{meeting.committee.short_name}-{timezone.localtime(meeting.start):%Y-%m-%d}.pdf"
    return file_response(justering.signed_file.open("rb"), content_type="application/pdf", filename=filename)


@never_cache
@require_GET
def external_justering_finish(request: HttpRequest, token: str) -> HttpResponse:
    """Back from the provider: sign if the token names the signer; the link is then used."""
    try:
        invitation = signing_invitation_find(token)
    except ValidationError as refused:
        return _external_page(request, {"refused": refused.messages[0]}, status=404)
    identity = oidc.take_over(request, purpose=EXTERNAL, target=invitation.pk)
    context = _invitation_context(invitation, token)
    if identity is None:
        context["error"] = _("No identification to sign with was found. Nothing was signed; try again.")
        return _external_page(request, context, status=400)
    try:
        signature = signing_invitation_sign(token=token, identity=identity)
    except (ValidationError, signing.SigningError) as refused:
        context["error"] = _reason(refused)
        return _external_page(request, context, status=403)
    context.update(signature=signature, signed=True)
    return _external_page(request, context)
