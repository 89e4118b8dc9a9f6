"""Justering in the admin: choosing the signers (`SignersForm`, the selector `signer_candidates`,
`signers_initial`, `signers_warnings`), sending the protokoll for justering (`_freeze`), and the
justering's own page with its signatures."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from attendance.models import Attendance
from audit.admin import HistoryAdmin
from committees.models import Assignment, Person
from config.downloads import file_response
from meetings import signing
from meetings.admin.common import ReadOnlyInline
from meetings.justering.services import protokoll_freeze
from meetings.models import (
    Justering,
    Meeting,
    Signature,
)


def _freeze(modeladmin, request, meeting, *, warn: bool = True) -> bool:
    """Send one protokoll for justering, telling the secretary who is e-mailed and who cannot be."""
    try:
        protokoll_freeze(meeting=meeting, by=request.user)
    except (ValidationError, signing.SigningError) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        modeladmin.message_user(request, f"{meeting}: {text}", level=messages.ERROR)
        return False
    modeladmin.message_user(
        request,
        _("%(meeting)s: ready for justering. Each signer is e-mailed a link to their signing page.")
        % {"meeting": meeting},
        level=messages.SUCCESS,
    )
    if warn:
        for warning in signers_warnings(meeting):
            modeladmin.message_user(request, f"{meeting}: {warning}", level=messages.WARNING)
    return True


def signers_warnings(meeting) -> list[str]:
    """What keeps a chosen signer from being asked or from signing: no login, no e-mail."""
    justering = Justering.objects.filter(meeting=meeting).first()
    if justering is None:
        return []
    people = [s.person for s in justering.signatures.select_related("person").order_by("order")]
    warnings = []
    no_login = [p.full_name for p in people if not p.user_id]
    no_email = [p.full_name for p in people if not p.email]
    if no_login:
        warnings.append(
            _("No login in Paragraf for %(names)s: they cannot sign until a login is connected to them.")
            % {"names": ", ".join(no_login)}
        )
    if no_email:
        warnings.append(
            _("No e-mail address for %(names)s: tell them another way that the protokoll is ready.")
            % {"names": ", ".join(no_email)}
        )
    return warnings


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class SignersForm(forms.Form):
    """Who justerar: the ordförande, one or two justerare and the secretary, chosen among the
    people present at the meeting and the committee's current members and officials."""

    chair = PersonChoiceField(queryset=Person.objects.none(), label=_("Ordförande"))
    adjuster = PersonChoiceField(queryset=Person.objects.none(), label=_("Justerare"))
    second_adjuster = PersonChoiceField(
        queryset=Person.objects.none(), label=_("Second justerare"), required=False
    )
    secretary = PersonChoiceField(
        queryset=Person.objects.none(),
        label=_("Secretary"),
        required=False,
        help_text=_("The secretary signs too, and certifies protokollsutdrag."),
    )

    def __init__(self, *args, meeting, **kwargs):
        self.meeting = meeting
        super().__init__(*args, initial=kwargs.pop("initial", None) or signers_initial(meeting), **kwargs)
        candidates = signer_candidates(meeting)
        for field in self.fields.values():
            field.queryset = candidates

    def signers(self) -> dict:
        data = self.cleaned_data
        return {
            "chair": data["chair"],
            "adjusters": [p for p in (data["adjuster"], data.get("second_adjuster")) if p],
            "secretary": data.get("secretary"),
        }


def signer_candidates(meeting):
    """The people present at the meeting, the committee's current assignments on the meeting day,
    and the meeting's chair and secretary."""
    on = timezone.localtime(meeting.start).date()
    assigned = Assignment.objects.filter(committee_id=meeting.committee_id).current(on).values("person_id")
    present = Attendance.objects.filter(meeting=meeting, status=Attendance.Status.PRESENT).values("person_id")
    return (
        Person.objects.filter(
            Q(pk__in=assigned) | Q(pk__in=present) | Q(pk__in=[meeting.chair_id, meeting.secretary_id])
        )
        .select_related("party")
        .distinct()
        .order_by("last_name", "first_name")
    )


def signers_initial(meeting) -> dict:
    """The signers chosen so far; otherwise the meeting's chair (or the committee's current
    ordförande) and secretary (or the committee's secretary)."""
    justering = Justering.objects.filter(meeting=meeting).first()
    signatures = list(justering.signatures.order_by("order", "pk")) if justering else []
    if signatures:
        by_role = {}
        for signature in signatures:
            by_role.setdefault(signature.role, []).append(signature.person_id)
        adjusters = by_role.get(Signature.Role.ADJUSTER, [])
        return {
            "chair": (by_role.get(Signature.Role.CHAIR) or [None])[0],
            "adjuster": adjusters[0] if adjusters else None,
            "second_adjuster": adjusters[1] if len(adjusters) > 1 else None,
            "secretary": (by_role.get(Signature.Role.SECRETARY) or [None])[0],
        }
    on = timezone.localtime(meeting.start).date()
    current = Assignment.objects.filter(committee_id=meeting.committee_id).current(on).order_by("order", "pk")
    chair = (
        meeting.chair_id
        or current.filter(role=Assignment.Role.CHAIR).values_list("person_id", flat=True).first()
    )
    secretary = (
        meeting.secretary_id
        or current.filter(role=Assignment.Role.SECRETARY).values_list("person_id", flat=True).first()
    )
    return {"chair": chair, "secretary": secretary}


class SignatureInline(ReadOnlyInline):
    """Each signer's status; the signers are chosen on the meeting ("Choose the signers")."""

    model = Signature
    fields = ["order", "role", "person", "status", "notified_at", "signed_at", "signed_by"]
    readonly_fields = fields
    ordering = ["order", "pk"]

    @admin.display(description=_("status"))
    def status(self, obj):
        if obj.signed_at:
            return _("signed")
        justering = obj.justering
        if justering.meeting.status != Meeting.Status.READY_FOR_JUSTERING:
            return _("not sent for justering")
        if justering.deadline and justering.deadline < timezone.localdate():
            return _("waiting – overdue")
        return _("waiting")


@admin.register(Justering)
class JusteringAdmin(HistoryAdmin):
    list_display = ["meeting", "deadline", "signed_count", "frozen_at", "completed_at"]
    list_filter = ["meeting__committee"]
    search_fields = ["meeting__committee__name"]
    list_select_related = ["meeting__committee"]
    fields = [
        "meeting_link",
        "deadline",
        "frozen_at",
        "completed_at",
        "posting_alert_sent_at",
        "content_hash",
        "frozen_pdf",
        "signed_pdf",
        "verification",
    ]
    readonly_fields = [
        "meeting_link",
        "frozen_at",
        "completed_at",
        "posting_alert_sent_at",
        "content_hash",
        "frozen_pdf",
        "signed_pdf",
        "verification",
    ]
    inlines = [SignatureInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("signatures")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj and obj.completed_at:
            fields.append("deadline")
        return fields

    def get_urls(self):
        own = [
            path(
                "<int:pk>/frozen.pdf",
                self.admin_site.admin_view(self.file_view),
                {"which": "frozen"},
                name="meetings_justering_frozen_pdf",
            ),
            path(
                "<int:pk>/signed.pdf",
                self.admin_site.admin_view(self.file_view),
                {"which": "signed"},
                name="meetings_justering_signed_pdf",
            ),
        ]
        return own + super().get_urls()

    def file_view(self, request, pk, which):
        """The frozen PDF (with empty signature fields) or the signed one, streamed."""
        justering = get_object_or_404(self.get_queryset(request).select_related("meeting__committee"), pk=pk)
        stored = justering.frozen_file if which == "frozen" else justering.signed_file
        if not stored:
            raise Http404
        meeting = justering.meeting
        name = f"protokoll-{meeting.committee.slug}-{meeting.start:%Y-%m-%d}-{which}.pdf"
        try:
            handle = stored.open("rb")
        except FileNotFoundError as missing:
            raise Http404 from missing
        return file_response(handle, content_type="application/pdf", filename=name)

    @admin.display(description=_("meeting"))
    def meeting_link(self, obj):
        url = reverse("admin:meetings_meeting_change", args=[obj.meeting_id])
        signers = reverse("admin:meetings_meeting_signers", args=[obj.meeting_id])
        return format_html(
            '<a href="{}">{}</a> ({}) · <a href="{}">{}</a>',
            url,
            obj.meeting,
            obj.meeting.get_status_display(),
            signers,
            _("Choose the signers"),
        )

    @admin.display(description=_("signed"))
    def signed_count(self, obj):
        signatures = list(obj.signatures.all())
        return f"{sum(1 for s in signatures if s.signed_at)} / {len(signatures)}"

    @admin.display(description=_("frozen protokoll"))
    def frozen_pdf(self, obj):
        if not obj.frozen_file:
            return "–"
        url = reverse("admin:meetings_justering_frozen_pdf", args=[obj.pk])
        return format_html('<a href="{}">{}</a> <code>{}</code>', url, _("PDF"), obj.frozen_sha256[:16])

    @admin.display(description=_("signed protokoll"))
    def signed_pdf(self, obj):
        if not obj.signed_file or not obj.signatures.filter(signed_at__isnull=False).exists():
            return _("No signature yet.")
        url = reverse("admin:meetings_justering_signed_pdf", args=[obj.pk])
        label = _("Signed protokoll (PDF)") if obj.completed_at else _("Partly signed protokoll (PDF)")
        return format_html('<a href="{}">{}</a> <code>{}</code>', url, label, obj.signed_sha256[:16])

    @admin.display(description=_("verification"))
    def verification(self, obj):
        """What a validator says about the current signed file: signer, time, intact, trusted."""
        if not obj.signed_file or not obj.signatures.filter(signed_at__isnull=False).exists():
            return "–"
        try:
            with obj.signed_file.open("rb") as handle:
                pdf = handle.read()
            reports = signing.pdf_verify(pdf)
        except Exception as error:  # noqa: BLE001 - show the problem on the page, do not fail it
            return format_html('<span class="errornote">{}</span>', error)
        yes, no = _("yes"), _("NO")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    r.signer,
                    date_format(timezone.localtime(r.signed_at), "Y-m-d H:i") if r.signed_at else "–",
                    yes if r.intact else no,
                    yes if r.trusted and not r.problem else f"{no}: {r.reason}" if r.problem else no,
                    _("whole file") if r.covers_whole_document else _("later revisions follow"),
                )
                for r in reports
            ),
        )
        checksum_ok = signing.pdf_sha256(pdf) == obj.signed_sha256
        changed = bool(reports) and not reports[-1].covers_whole_document
        summary = []
        summary.append(
            _("The stored file matches its recorded checksum.")
            if checksum_ok
            else _("The stored file does NOT match its recorded checksum.")
        )
        summary.append(
            _("The file was changed after the last signature.")
            if changed
            else _("The file is unchanged since the last signature.")
        )
        return format_html(
            '<table class="verification"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
            "</tr></thead><tbody>{}</tbody></table><p>{}</p>",
            _("signer"),
            _("signed at"),
            _("intact"),
            _("trusted"),
            _("covers"),
            rows,
            " ".join(str(s) for s in summary),
        )
