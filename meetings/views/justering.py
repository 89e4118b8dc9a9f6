"""Justering on the members' pages: the protokoll of record, a signer's page ("Att justera"),
omedelbar justering of a §, and the protokollsutdrag PDFs.

Who may read and sign is answered by committees.visibility (members): the protokoll of a
meeting is readable by the committee's members and secretaries and by its signers
(`protokoll_meetings_visible_to`); a signing page only by its signer (`signatures_of`,
`may_sign`). The password is entered again through `SigningForm`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from committees import access, oidc
from committees.visibility import (
    immediate_utdrag_visible_to,
    may_sign,
    meeting_visible_to,
    protokoll_meetings_visible_to,
    signatures_of,
)
from config.downloads import file_response

from .. import signing
from ..justering.services import paragraph_immediate_justering_sign, protokoll_bestyrk, protokoll_sign
from ..justering.utdrag import (
    immediate_justering_state,
    immediate_justeringar_awaiting,
    immediate_utdrag_get_or_create,
    protokollsutdrag_get_or_create,
    protokollsutdrag_personal,
)
from ..models import Justering, Meeting, Signature
from .forms import SigningForm


def _protokoll_meeting(request: HttpRequest, pk: int) -> Meeting:
    meetings = protokoll_meetings_visible_to(request.user).select_related("committee__organisation")
    return get_object_or_404(meetings, pk=pk)


def _signers(justering: Justering) -> list[Signature]:
    return list(justering.signatures.select_related("person__party").order_by("order", "pk"))


def protokoll_summary(request: HttpRequest, meeting: Meeting) -> dict | None:
    """The meeting page's "Protokoll" box: where the justering stands, the PDF, what to sign,
    and once justerat a protokollsutdrag per §."""
    justering = Justering.objects.filter(meeting=meeting).first()
    immediate = [
        state
        for state in immediate_justeringar_awaiting(user=request.user)
        if state.paragraph.meeting_id == meeting.pk
    ]
    if not immediate and (justering is None or not meeting.is_locked):
        return None
    signers = _signers(justering) if justering else []
    justerat = meeting.status in Meeting.Status.JUSTERAT_OR_LATER
    return {
        "justering": justering,
        "signers": signers,
        "signed": sum(1 for s in signers if s.signed_at),
        "justerat": justerat,
        "pdf": bool(meeting.is_locked and justering and justering.signed_file),
        "mine": next(
            (s for s in signers if s.person.user_id == request.user.pk and not s.signed_at and not justerat),
            None,
        ),
        "paragraphs": list(meeting.paragraphs.order_by("order", "number")) if justerat else [],
        "immediate": immediate,
    }


@login_required
def protokoll_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The protokoll of record once it has been sent for justering: the frozen PDF with the
    signatures given so far, and once justerat the signed protokoll. Shown inline."""
    meeting = _protokoll_meeting(request, pk)
    justering = Justering.objects.filter(meeting=meeting).first()
    if not meeting.is_locked or justering is None or not justering.signed_file:
        raise Http404
    local = timezone.localtime(meeting.start)
    suffix = "-justerat" if meeting.status in Meeting.Status.JUSTERAT_OR_LATER else ""
    filename = f"protokoll-{meeting.committee.short_name}-{local:%Y-%m-%d}{suffix}.pdf"
    try:
        handle = justering.signed_file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    return file_response(handle, content_type="application/pdf", filename=filename)


@login_required
@require_http_methods(["GET", "POST"])
def justering_sign(request: HttpRequest, signature_pk: int) -> HttpResponse:
    """One signer's page: the protokoll to read, who has signed so far, and the form that signs
    it after the password is entered again. Only the signer themselves can open it."""
    signature = get_object_or_404(
        signatures_of(request.user).select_related("justering__meeting__committee", "person"), pk=signature_pk
    )
    form = SigningForm(request)
    if form.locked_out():  # the password is not checked
        return access.lockout_response(request)
    if form.is_bound:
        bestyrk = "bestyrk" in request.POST
        service = protokoll_bestyrk if bestyrk else protokoll_sign
        failed = _("The protokoll could not be signed (%(reason)s). Nothing was signed; tell the secretary.")
        if form.sign(
            lambda password: service(signature=signature, user=request.user, password=password), failed=failed
        ):
            meeting = Meeting.objects.get(pk=signature.justering.meeting_id)
            if bestyrk:
                documents = form.result
                messages.success(
                    request,
                    ngettext(
                        "You have certified the protokollsutdrag of %(count)s paragraph.",
                        "You have certified the protokollsutdrag of %(count)s paragraphs.",
                        len(documents),
                    )
                    % {"count": len(documents)},
                )
            elif meeting.status in Meeting.Status.JUSTERAT_OR_LATER:
                messages.success(
                    request, _("You have signed. Every signer has now signed: the protokoll is justerat.")
                )
            else:
                messages.success(request, _("You have signed the protokoll. Thank you."))
            return redirect("meetings:justering", signature_pk=signature.pk)
    signature.refresh_from_db()
    justering = Justering.objects.select_related("meeting__committee").get(pk=signature.justering_id)
    meeting = justering.meeting
    signers = _signers(justering)
    justerat = meeting.status in Meeting.Status.JUSTERAT_OR_LATER
    deadline = justering.deadline
    paragraphs = list(meeting.paragraphs.order_by("order", "number")) if justerat else []
    bestyrkt = [p for p in paragraphs if protokollsutdrag_personal(paragraph=p) is not None]
    return render(
        request,
        "meetings/member/justering.html",
        {
            "signature": signature,
            "justering": justering,
            "meeting": meeting,
            "start": timezone.localtime(meeting.start),
            "signers": signers,
            "signed_count": sum(1 for s in signers if s.signed_at),
            "justerat": justerat,
            "ready": meeting.status == Meeting.Status.READY_FOR_JUSTERING,
            "can_sign": meeting.status == Meeting.Status.READY_FOR_JUSTERING and not signature.signed_at,
            "pdf": bool(meeting.is_locked and justering.signed_file),
            "overdue": bool(deadline and not justerat and deadline < timezone.localdate()),
            "paragraphs": paragraphs,
            "can_bestyrk": justerat and signature.role == Signature.Role.SECRETARY,
            "bestyrkt": bestyrkt,
            "form": form,
            "error": form.error,
            "password_error": form.password_error,
            "oidc_enabled": oidc.enabled(),
            "oidc_provider_name": oidc.provider_name(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def immediate_justering(request: HttpRequest, pk: int, paragraph_pk: int) -> HttpResponse:
    """Omedelbar justering of one §: the ordförande and the justerare sign its protokollsutdrag
    at the meeting. Only they can open the page."""
    meeting = _protokoll_meeting(request, pk)
    paragraph = get_object_or_404(meeting.paragraphs, pk=paragraph_pk, immediate_justering=True)
    state = immediate_justering_state(paragraph=paragraph)
    if not may_sign(request.user, state.signature_of(request.user)):
        raise Http404
    form = SigningForm(request)
    if form.locked_out():  # the password is not checked
        return access.lockout_response(request)
    if form.is_bound:
        failed = _("The paragraph could not be signed (%(reason)s). Nothing was signed; tell the secretary.")
        signed = form.sign(
            lambda password: paragraph_immediate_justering_sign(
                paragraph=paragraph, user=request.user, password=password
            ),
            failed=failed,
        )
        if signed:
            messages.success(request, _("You have signed %(paragraph)s.") % {"paragraph": paragraph.label})
            return redirect("meetings:immediate_justering", pk=meeting.pk, paragraph_pk=paragraph.pk)
        state = immediate_justering_state(paragraph=paragraph)
    mine = state.signature_of(request.user)
    return render(
        request,
        "meetings/member/immediate_justering.html",
        {
            "meeting": meeting,
            "start": timezone.localtime(meeting.start),
            "paragraph": state.paragraph,
            "state": state,
            "signers": [(s, s.pk in state.signed) for s in state.signers],
            "mine": mine,
            "can_sign": (
                meeting.status in Meeting.Status.HELD_NOT_JUSTERAT
                and mine.pk not in state.signed
                and not state.complete
            ),
            "form": form,
            "error": form.error,
            "password_error": form.password_error,
        },
    )


@login_required
def protokollsutdrag_pdf(request: HttpRequest, pk: int, paragraph_pk: int) -> HttpResponse:
    """The protokollsutdrag of one §: certified by the secretary once the protokoll is justerat;
    before that, for a § with omedelbar justering, the extract its signers sign (its signers and
    the secretary see it at once, other members once the ordförande and a justerare signed)."""
    meeting = _protokoll_meeting(request, pk)
    paragraph = get_object_or_404(meeting.paragraphs, pk=paragraph_pk)
    try:
        if meeting.status in Meeting.Status.JUSTERAT_OR_LATER:
            document = protokollsutdrag_get_or_create(paragraph=paragraph)
        elif paragraph.immediate_justering and meeting.status in Meeting.Status.HELD_NOT_JUSTERAT:
            state = immediate_justering_state(paragraph=paragraph)
            signer = may_sign(request.user, state.signature_of(request.user))
            if not immediate_utdrag_visible_to(request.user, meeting, complete=state.complete, signer=signer):
                raise Http404
            document = state.document or immediate_utdrag_get_or_create(paragraph=paragraph)
        else:
            raise Http404
    except (ValidationError, signing.SigningError) as refused:
        text = " ".join(refused.messages) if isinstance(refused, ValidationError) else str(refused)
        messages.error(request, _("The protokollsutdrag could not be made: %(reason)s") % {"reason": text})
        if meeting_visible_to(request.user, meeting):
            return redirect("meetings:meeting", pk=meeting.pk)
        return redirect("meetings:home")
    local = timezone.localtime(meeting.start)
    filename = f"protokollsutdrag-{meeting.committee.short_name}-{local:%Y-%m-%d}-{paragraph.number}.pdf"
    return file_response(document.file.open("rb"), content_type="application/pdf", filename=filename)
