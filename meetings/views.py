"""The members' pages: their meetings, each meeting's agenda and handlingar, förhinder, and
justering (the "Att justera" list, the signing page, the protokoll and protokollsutdrag PDFs).

Every page needs a login. A member sees the meetings of the committees where they have a
current assignment (`Committee.objects.for_member`); anything else answers 404, as if it
did not exist. Files are streamed by views that check this per file, never through
MEDIA_URL. The protokoll of a meeting is readable by the committee's members and
secretaries and by its signers (`_protokoll_meetings`); a signing page only by its signer.

The one public page here is the verification of a signed PDF (`verify`).
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from attendance.models import AbsenceNotice
from attendance.services import absence_report, absence_withdraw
from cases.models import Document
from committees import access
from committees.models import Committee, Person
from config.downloads import file_response

from . import signing
from .justering.document import signatures_awaiting
from .justering.services import paragraph_immediate_justering_sign, protokoll_bestyrk, protokoll_sign
from .justering.utdrag import (
    immediate_justering_state,
    immediate_justeringar_awaiting,
    immediate_utdrag_get_or_create,
    protokollsutdrag_get_or_create,
    protokollsutdrag_personal,
)
from .kallelse.dispatch import agenda_sections
from .models import AgendaItemDocument, Justering, Meeting, Signature

PAST_MEETINGS_SHOWN = 20


def _person(request: HttpRequest) -> Person | None:
    try:
        return request.user.person
    except Person.DoesNotExist:
        return None


def _member_meetings(request: HttpRequest):
    return Meeting.objects.filter(committee__in=Committee.objects.for_member(request.user)).select_related(
        "committee"
    )


def _member_meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(_member_meetings(request).select_related("secretary"), pk=pk)


def _agenda_visible(meeting: Meeting) -> bool:
    """Members see the agenda and the handlingar once the kallelse has been sent."""
    return meeting.status in Meeting.Status.SUMMONED_OR_LATER


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """ "Mina sammanträden": the coming and the recent meetings of the user's committees."""
    person = _person(request)
    now = timezone.now()
    meetings = _member_meetings(request) if person else Meeting.objects.none()
    upcoming = list(meetings.filter(start__gte=now).order_by("start"))
    past = list(meetings.filter(start__lt=now).order_by("-start")[:PAST_MEETINGS_SHOWN])
    absent = set(
        AbsenceNotice.objects.filter(person=person, meeting__in=[m.pk for m in upcoming]).values_list(
            "meeting_id", flat=True
        )
        if person
        else []
    )
    for meeting in upcoming:
        meeting.has_absence = meeting.pk in absent
    return render(
        request,
        "meetings/member/home.html",
        {
            "person": person,
            "committees": Committee.objects.for_member(request.user).order_by("name") if person else [],
            "upcoming": upcoming,
            "past": past,
            "to_sign": signatures_awaiting(user=request.user),
            "immediate_to_sign": immediate_justeringar_awaiting(user=request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One meeting: time, place, status, the kallelse, the agenda with its handlingar, förhinder."""
    meeting = _member_meeting(request, pk)
    person = _person(request)
    agenda_visible = _agenda_visible(meeting)
    sections = []
    if agenda_visible:
        sections = agenda_sections(meeting=meeting)
        attachments = Prefetch(
            "attachments",
            queryset=AgendaItemDocument.objects.select_related("document").order_by("order", "id"),
        )
        items = [item for section in sections for _number, item in section.items]
        prefetch_related_objects(items, attachments)
    notice = AbsenceNotice.objects.filter(meeting=meeting, person=person).first() if person else None
    can_report_absence = bool(
        person and meeting.start > timezone.now() and meeting.status in Meeting.Status.UPCOMING
    )
    return render(
        request,
        "meetings/member/meeting.html",
        {
            "meeting": meeting,
            "start": timezone.localtime(meeting.start),
            "end": timezone.localtime(meeting.end) if meeting.end else None,
            "agenda_visible": agenda_visible,
            "sections": sections,
            "kallelse_available": agenda_visible and _kallelse_module() is not None,
            "notice": notice,
            "can_report_absence": can_report_absence,
            "person": person,
            "protokoll": _protokoll_summary(request, meeting),
        },
    )


def _kallelse_module():
    try:
        from .kallelse import document as kallelse
    except ImportError:
        return None
    return kallelse if hasattr(kallelse, "kallelse_get_or_render") else None


@login_required
def kallelse_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The members' kallelse PDF (all items, also the confidential ones), shown inline."""
    meeting = _member_meeting(request, pk)
    module = _kallelse_module()
    if not _agenda_visible(meeting) or module is None:
        raise Http404
    rendered = module.kallelse_get_or_render(meeting=meeting, public=False)
    local = timezone.localtime(meeting.start)
    filename = f"kallelse-{meeting.committee.short_name}-{local:%Y-%m-%d}.pdf"
    return file_response(rendered.file.open("rb"), content_type="application/pdf", filename=filename)


@login_required
def document_download(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    """One handling of the meeting's agenda; 404 unless it is attached to an item of this meeting
    and the meeting is one of the member's own."""
    meeting = _member_meeting(request, pk)
    if not _agenda_visible(meeting):
        raise Http404
    document = get_object_or_404(
        Document.objects.filter(attachments__agenda_item__meeting=meeting).distinct(), pk=document_pk
    )
    if document.file:
        stored, content_type = document.file, document.content_type
    elif document.source_file:
        stored, content_type = document.source_file, ""
    else:
        raise Http404
    name = PurePath(stored.name).name
    if document.original_name:
        # The name the user knows, with the extension of what is served (a converted PDF).
        name = PurePath(document.original_name).stem + PurePath(stored.name).suffix
    content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        handle = stored.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    return file_response(handle, content_type=content_type, filename=name)


@login_required
@require_POST
def absence(request: HttpRequest, pk: int) -> HttpResponse:
    """Report or withdraw förhinder for a coming meeting (POST, from the meeting page)."""
    meeting = _member_meeting(request, pk)
    person = _person(request)
    if person is None:
        raise Http404
    try:
        if request.POST.get("action") == "withdraw":
            if absence_withdraw(meeting=meeting, person=person, withdrawn_by=request.user):
                messages.success(request, _("Your förhinder is withdrawn. The secretary has been told."))
        else:
            absence_report(
                meeting=meeting,
                person=person,
                reason=request.POST.get("reason", ""),
                reported_by=request.user,
            )
            messages.success(
                request,
                _("Your förhinder is reported. The secretary has been told and calls in an ersättare."),
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("meetings:meeting", pk=meeting.pk)


# --- Justering ------------------------------------------------------------------------------------


def _protokoll_meetings(request: HttpRequest):
    """Meetings whose protokoll the user may read: the committees where they have an assignment
    or are secretary, and the meetings where they are one of the signers."""
    user = request.user
    return (
        Meeting.objects.filter(
            Q(committee__in=Committee.objects.for_member(user))
            | Q(committee__in=Committee.objects.for_secretary(user))
            | Q(justering__signatures__person__user=user)
        )
        .distinct()
        .select_related("committee__organisation")
    )


def _protokoll_meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(_protokoll_meetings(request), pk=pk)


def _is_secretary_of(user, meeting: Meeting) -> bool:
    return Committee.objects.for_secretary(user).filter(pk=meeting.committee_id).exists()


def _signers(justering: Justering) -> list[Signature]:
    return list(justering.signatures.select_related("person__party").order_by("order", "pk"))


def _protokoll_summary(request: HttpRequest, meeting: Meeting) -> dict | None:
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
        Signature.objects.select_related("justering__meeting__committee", "person"),
        pk=signature_pk,
        person__user=request.user,
    )
    error = password_error = ""
    if request.method == "POST":
        if not access.password_recheck_allowed(request):  # locked out: the password is not checked
            return access.lockout_response(request)
        bestyrk = "bestyrk" in request.POST
        try:
            if bestyrk:
                documents = protokoll_bestyrk(
                    signature=signature, user=request.user, password=request.POST.get("password", "")
                )
            else:
                protokoll_sign(
                    signature=signature, user=request.user, password=request.POST.get("password", "")
                )
        except ValidationError as refused:
            text = " ".join(refused.messages)
            if getattr(refused, "code", None) == "wrong_password":
                password_error = text
                access.password_recheck_failed(request)  # counts like a failed login (django-axes)
            else:
                error = text
        except signing.SigningError as failed:
            error = _(
                "The protokoll could not be signed (%(reason)s). Nothing was signed; tell the secretary."
            ) % {"reason": failed}
        else:
            meeting = Meeting.objects.get(pk=signature.justering.meeting_id)
            if bestyrk:
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
            "error": error,
            "password_error": password_error,
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
    if state.signature_of(request.user) is None:
        raise Http404
    error = password_error = ""
    if request.method == "POST":
        if not access.password_recheck_allowed(request):  # locked out: the password is not checked
            return access.lockout_response(request)
        try:
            paragraph_immediate_justering_sign(
                paragraph=paragraph, user=request.user, password=request.POST.get("password", "")
            )
        except ValidationError as refused:
            text = " ".join(refused.messages)
            if getattr(refused, "code", None) == "wrong_password":
                password_error = text
                access.password_recheck_failed(request)  # counts like a failed login (django-axes)
            else:
                error = text
        except signing.SigningError as failed:
            error = _(
                "The paragraph could not be signed (%(reason)s). Nothing was signed; tell the secretary."
            ) % {"reason": failed}
        else:
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
            "error": error,
            "password_error": password_error,
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
            if state.complete:
                document = state.document
            elif state.signature_of(request.user) or _is_secretary_of(request.user, meeting):
                document = state.document or immediate_utdrag_get_or_create(paragraph=paragraph)
            else:
                raise Http404
        else:
            raise Http404
    except (ValidationError, signing.SigningError) as refused:
        text = " ".join(refused.messages) if isinstance(refused, ValidationError) else str(refused)
        messages.error(request, _("The protokollsutdrag could not be made: %(reason)s") % {"reason": text})
        if Committee.objects.for_member(request.user).filter(pk=meeting.committee_id).exists():
            return redirect("meetings:meeting", pk=meeting.pk)
        return redirect("meetings:home")
    local = timezone.localtime(meeting.start)
    filename = f"protokollsutdrag-{meeting.committee.short_name}-{local:%Y-%m-%d}-{paragraph.number}.pdf"
    return file_response(document.file.open("rb"), content_type="application/pdf", filename=filename)


# --- Verifying a signed PDF (public) ---------------------------------------------------------------


class VerifyPdfForm(forms.Form):
    """An uploaded PDF to verify: size-limited, checked by content, then every signature validated."""

    file = forms.FileField(
        label=gettext_lazy("The PDF to check"),
        help_text=gettext_lazy("A protokoll or protokollsutdrag signed in Paragraf, at most %(size)s."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = self.fields["file"].help_text % {
            "size": filesizeformat(settings.PARAGRAF_VERIFY_MAX_BYTES)
        }
        self.reports: list[signing.SignatureReport] = []
        self.sha256 = ""

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.PARAGRAF_VERIFY_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("The file is %(size)s; the largest file that can be checked is %(limit)s."),
                code="too_large",
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            )
        upload.seek(0)
        if b"%PDF-" not in upload.read(1024):
            raise ValidationError(_("The file is not a PDF. Choose a PDF file."), code="not_pdf")
        upload.seek(0)
        data = upload.read()
        try:
            self.reports = signing.pdf_verify(data)
        except Exception as error:  # noqa: BLE001 - a damaged PDF: say so plainly
            raise ValidationError(
                _("The file could not be read as a PDF; it may be damaged."), code="unreadable"
            ) from error
        if not self.reports:
            raise ValidationError(
                _("The file has no digital signatures, so there is nothing to verify."), code="unsigned"
            )
        self.sha256 = signing.pdf_sha256(data)
        return upload


# Modification levels after a signature that validators accept: none, or only later signatures.
ALLOWED_LATER_CHANGES = {"", "NONE", "LTA_UPDATES", "FORM_FILLING"}


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Public: upload a signed PDF and see each signature (the signer, or the organisation's
    e-sigill; the certificate's serial and issue date; the time; whether it holds and if not
    the true reason; whether it covers the whole file) and whether the file was changed after
    the last signature."""
    form = VerifyPdfForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        reports = form.reports
        rows = [
            {
                "report": report,
                "last": index == len(reports) - 1,
                "later_changes_allowed": report.modification_level in ALLOWED_LATER_CHANGES,
            }
            for index, report in enumerate(reports)
        ]
        changed_after_last = not reports[-1].covers_whole_document
        altered = {signing.Problem.CHANGED, signing.Problem.INVALID, signing.Problem.UNREADABLE}
        result = {
            "name": PurePath(form.cleaned_data["file"].name).name,
            "sha256": form.sha256,
            "rows": rows,
            "changed_after_last": changed_after_last,
            "changed_inside": any(r.problem in altered for r in reports),
            "valid": (
                not changed_after_last
                and all(r.ok for r in reports)
                and all(row["later_changes_allowed"] for row in rows)
            ),
        }
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    return render(request, "meetings/verify.html", {"form": form, "result": result}, status=status)
