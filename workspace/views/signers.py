"""The justering tab of a meeting (/sekretariat/sammantraden/<pk>/justering/): the secretary
chooses the ordförande and the justerare among those present and the secretary (herself or
another official, no uppdrag needed), sends the protokoll for justering, follows each signature
(chosen, awaiting, e-mailed, signed), reminds a signer, invites a signer without a login to
create one, and downloads the frozen and the signed PDF. Every view is wrapped by a guard of
workspace/access.py; the rules are in meetings/justering/ and committees/invitations.py."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from committees import oidc
from config.downloads import file_response
from meetings import signing
from meetings.admin.justering import PersonChoiceField, signers_initial
from meetings.justering.external import signing_invitation_send
from meetings.justering.services import protokoll_freeze, protokoll_set_signers
from meetings.justering.signers import justering_remind_signer, signature_state, signer_choices, signer_invite
from meetings.models import Justering, Meeting

from ..access import meeting_view
from .meeting import meeting_context


class WorkspaceSignersForm(forms.Form):
    chair = PersonChoiceField(queryset=None, label=gettext_lazy("Ordförande"))
    adjuster = PersonChoiceField(queryset=None, label=gettext_lazy("Justerare"))
    second_adjuster = PersonChoiceField(queryset=None, label=gettext_lazy("Second justerare"), required=False)
    secretary = PersonChoiceField(queryset=None, label=gettext_lazy("Secretary"), required=False)

    def __init__(self, *args, meeting, user, **kwargs):
        super().__init__(*args, initial=signers_initial(meeting), **kwargs)
        signers, secretaries = signer_choices(meeting, user)
        for name, field in self.fields.items():
            field.queryset = secretaries if name == "secretary" else signers


def _message(error) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _signature(meeting, request):
    justering = Justering.objects.filter(meeting=meeting).first()
    signature = justering and justering.signatures.filter(pk=request.POST.get("signature") or 0).first()
    if not signature:
        raise Http404
    return signature


@meeting_view
@require_http_methods(["GET", "POST"])
def justering(request, meeting):
    editable = meeting.status in Meeting.Status.DRAFTING
    form = WorkspaceSignersForm(
        request.POST if request.POST.get("action") in ("save", "freeze") else None,
        meeting=meeting,
        user=request.user,
    )
    action = request.POST.get("action")
    if request.method == "POST":
        try:
            if action in ("save", "freeze"):
                if not form.is_valid():
                    raise ValidationError(_("Check the signers chosen."))
                data = form.cleaned_data
                protokoll_set_signers(
                    meeting=meeting,
                    chair=data["chair"],
                    adjusters=[p for p in (data["adjuster"], data.get("second_adjuster")) if p],
                    secretary=data.get("secretary"),
                )
                if action == "freeze":
                    protokoll_freeze(meeting=meeting, by=request.user)
                    messages.success(
                        request, _("Sent for justering. Each signer is e-mailed a link to sign.")
                    )
                else:
                    messages.success(request, _("The signers are saved."))
                return redirect("workspace:justering", pk=meeting.pk)
            if action == "remind":
                signature = justering_remind_signer(signature=_signature(meeting, request))
                messages.success(
                    request, _("%(name)s is reminded by e-mail.") % {"name": signature.person.full_name}
                )
                return redirect("workspace:justering", pk=meeting.pk)
            if action == "invite":
                signature = _signature(meeting, request)
                invitation = signer_invite(signature=signature, by=request.user)
                messages.success(
                    request,
                    _("An invitation to create a login was e-mailed to %(name)s (%(email)s).")
                    % {"name": signature.person.full_name, "email": invitation.email},
                )
                return redirect("workspace:justering", pk=meeting.pk)
            if action == "invite_sign":
                invitation = signing_invitation_send(signature=_signature(meeting, request), by=request.user)
                messages.success(
                    request,
                    _("A link to sign with e-legitimation was e-mailed to %(name)s (%(email)s).")
                    % {"name": invitation.signature.person.full_name, "email": invitation.email},
                )
                return redirect("workspace:justering", pk=meeting.pk)
            raise Http404
        except (ValidationError, signing.SigningError) as error:
            if not (action in ("save", "freeze") and form.errors):
                messages.error(request, _message(error))
            meeting.refresh_from_db()
            editable = meeting.status in Meeting.Status.DRAFTING
    justering_ = Justering.objects.filter(meeting=meeting).first()
    signatures = (
        list(justering_.signatures.select_related("person").order_by("order", "pk")) if justering_ else []
    )
    for signature in signatures:
        signature.state = signature_state(signature, meeting)
    return render(
        request,
        "workspace/justering/justering.html",
        meeting_context(
            request,
            meeting,
            form=form,
            editable=editable,
            can_freeze=meeting.status == Meeting.Status.PROTOKOLL_DRAFTED,
            justering=justering_,
            signatures=signatures,
            frozen=bool(justering_ and justering_.frozen_file and meeting.is_locked),
            signed=bool(justering_ and justering_.signed_file and any(s.signed_at for s in signatures)),
            oidc_enabled=oidc.enabled(),
        ),
    )


def _pdf(meeting, which):
    justering_ = Justering.objects.filter(meeting=meeting).first()
    stored = getattr(justering_, f"{which}_file", None) if justering_ else None
    if not stored or not meeting.is_locked:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    name = f"protokoll-{meeting.committee.slug}-{meeting.start:%Y-%m-%d}-{which}.pdf"
    return file_response(handle, content_type="application/pdf", filename=name)


@meeting_view
def frozen_pdf(request, meeting):
    return _pdf(meeting, "frozen")


@meeting_view
def signed_pdf(request, meeting):
    return _pdf(meeting, "signed")


urlpatterns = [
    path("sammantraden/<int:pk>/justering/", justering, name="justering"),
    path("sammantraden/<int:pk>/justering/fryst.pdf", frozen_pdf, name="justering_frozen_pdf"),
    path("sammantraden/<int:pk>/justering/signerat.pdf", signed_pdf, name="justering_signed_pdf"),
]
