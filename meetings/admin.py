from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_prose_editor.fields import ProseEditorField

from attendance.models import Attendance
from audit.admin import HistoryAdmin
from cases.forms import AgendaItemUploadForm, AgendaItemUploadFormSet
from cases.registers import agenda_item_generate_list
from committees.models import Assignment, Person
from committees.scoping import ScopedModelAdmin, ScopedStackedInline, ScopedTabularInline, scope_form_fields
from config.downloads import file_response
from meetings.anslag.rules import (
    NOTICE_KINDS,
    anslag_notice_check,
    anslag_post,
    anslag_post_delegation_list,
    anslag_post_notice,
)
from meetings.justering.services import protokoll_freeze, protokoll_set_signers, protokoll_unfreeze
from meetings.services.agenda import agenda_add_standard_items
from meetings.services.lifecycle import meeting_hold, meeting_mark_summoned, meeting_start_agenda
from meetings.services.paragraphs import ParagraphConflict, paragraph_update, protokoll_create_draft

from . import signing
from .kallelse import dispatch
from .models import (
    AgendaItem,
    AgendaItemDocument,
    AgendaTemplateItem,
    Anslag,
    Justering,
    KallelseDelivery,
    KallelseDispatch,
    Meeting,
    MeetingTransition,
    Paragraph,
    RenderedDocument,
    Signature,
)
from .richtext import sanitize_rich_text


class ReadOnlyInline(ScopedTabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AgendaItemInline(ScopedTabularInline):
    """The agenda on the meeting page: add, remove, group in sections, reorder by drag or ↑ ↓."""

    model = AgendaItem
    extra = 0
    template = "admin/meetings/meeting/agenda_inline.html"
    fields = ["order", "section", "title", "case", "kind", "confidential", "osl_reference", "outcome"]
    autocomplete_fields = ["case"]
    show_change_link = True
    ordering = ["order", "id"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.is_locked)

    has_add_permission = has_change_permission

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_locked)


class ParagraphInline(ReadOnlyInline):
    model = Paragraph
    fields = ["number", "title", "case"]
    readonly_fields = fields
    show_change_link = True
    ordering = ["order"]


class TransitionInline(ReadOnlyInline):
    model = MeetingTransition
    fields = ["at", "from_status", "to_status", "by", "note"]
    readonly_fields = fields
    verbose_name_plural = _("history")


def _run_step(modeladmin, request, queryset, step, done_message):
    """Run one service step per selected meeting, reporting each refusal clearly."""
    for meeting in queryset:
        try:
            step(meeting=meeting, by=request.user)
        except ValidationError as error:
            modeladmin.message_user(request, f"{meeting}: {' '.join(error.messages)}", level=messages.ERROR)
        else:
            modeladmin.message_user(request, f"{meeting}: {done_message}", level=messages.SUCCESS)


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


@admin.register(Meeting)
class MeetingAdmin(HistoryAdmin):
    list_display = ["meeting_date", "committee", "location", "status", "agenda_published"]
    list_filter = ["status", "committee", "start"]
    search_fields = ["committee__name", "location", "agenda_items__title"]
    date_hierarchy = "start"
    readonly_fields = ["status", "signature_reference"]
    autocomplete_fields = ["secretary", "chair"]
    inlines = [AgendaItemInline, ParagraphInline, TransitionInline]
    list_select_related = ["committee"]
    actions = [
        "add_standard_items",
        "start_agenda",
        "send_kallelse",
        "send_revised_kallelse",
        "send_supplement_kallelse",
        "publish_agenda",
        "mark_summoned",
        "mark_held",
        "create_protokoll_draft",
        "choose_signers",
        "freeze_protokoll",
        "reopen_protokoll",
        "post_anslag",
        "post_delegation_list",
    ]
    fieldsets = [
        (None, {"fields": ["committee", "start", "end", "location", "status"]}),
        (_("People"), {"fields": ["secretary", "chair"]}),
        (
            _("Publishing"),
            {"fields": ["agenda_published", "attendance_as_annex", "note", "signature_reference"]},
        ),
    ]

    @admin.display(description=_("meeting"), ordering="start")
    def meeting_date(self, obj):
        return date_format(timezone.localtime(obj.start), "Y-m-d H:i")

    class Media:
        js = ["meetings/js/agenda_order.js"]
        css = {"all": ["meetings/css/agenda_order.css"]}

    @admin.action(description=_("Add the committee's standard agenda items"))
    def add_standard_items(self, request, queryset):
        for meeting in queryset:
            try:
                added = agenda_add_standard_items(meeting=meeting)
            except ValidationError as error:
                self.message_user(request, f"{meeting}: {' '.join(error.messages)}", level=messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(meeting)s: %(count)d standard items added.")
                    % {"meeting": meeting, "count": len(added)},
                    level=messages.SUCCESS,
                )

    @admin.action(description=_("Start drafting the agenda"))
    def start_agenda(self, request, queryset):
        _run_step(self, request, queryset, meeting_start_agenda, _("agenda drafted."))

    @admin.action(description=_("Mark the kallelse as sent"))
    def mark_summoned(self, request, queryset):
        _run_step(self, request, queryset, meeting_mark_summoned, _("kallelse sent."))

    @admin.action(description=_("Mark the meeting as held"))
    def mark_held(self, request, queryset):
        _run_step(self, request, queryset, meeting_hold, _("held."))

    @admin.action(description=_("Create the protokoll draft from the agenda"))
    def create_protokoll_draft(self, request, queryset):
        _run_step(self, request, queryset, protokoll_create_draft, _("protokoll drafted."))

    @admin.action(description=_("Send the protokoll for justering"))
    def freeze_protokoll(self, request, queryset):
        for meeting in queryset:
            _freeze(self, request, meeting)

    @admin.action(description=_("Choose the signers (ordförande, justerare, secretary)"))
    def choose_signers(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, _("Choose the signers for one meeting at a time."), level=messages.WARNING
            )
            return None
        return HttpResponseRedirect(reverse("admin:meetings_meeting_signers", args=[queryset.get().pk]))

    def signers_view(self, request, pk):
        """Choose who justerar the protokoll (`protokoll_set_signers`), and optionally
        send it for justering at once (`protokoll_freeze`)."""
        meeting = get_object_or_404(self.get_queryset(request).select_related("committee"), pk=pk)
        if not self.has_change_permission(request, meeting):
            raise Http404
        change_url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
        if request.method == "POST":
            form = SignersForm(request.POST, meeting=meeting)
            scope_form_fields(form, request.user)
            if form.is_valid():
                try:
                    protokoll_set_signers(meeting=meeting, **form.signers())
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    self.message_user(
                        request, _("%(meeting)s: signers saved.") % {"meeting": meeting}, messages.SUCCESS
                    )
                    for warning in signers_warnings(meeting):
                        self.message_user(request, f"{meeting}: {warning}", messages.WARNING)
                    if "_freeze" in request.POST:
                        _freeze(self, request, meeting, warn=False)
                    return HttpResponseRedirect(change_url)
        else:
            form = SignersForm(meeting=meeting)
            scope_form_fields(form, request.user)
        editable = meeting.status in (Meeting.Status.HELD, Meeting.Status.PROTOKOLL_DRAFTED)
        if not editable:
            for field in form.fields.values():
                field.disabled = True
        return TemplateResponse(
            request,
            "admin/meetings/meeting/signers.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Signers of the protokoll: %(meeting)s") % {"meeting": meeting},
                "meeting": meeting,
                "original": meeting,
                "form": form,
                "opts": self.model._meta,
                "change_url": change_url,
                "editable": editable,
                "can_freeze": meeting.status == Meeting.Status.PROTOKOLL_DRAFTED,
            },
        )

    @admin.action(description=_("Reopen the protokoll (discards the signatures given so far)"))
    def reopen_protokoll(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        if "apply" not in request.POST or not reason:
            return TemplateResponse(
                request,
                "admin/meetings/meeting/reopen_protokoll.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Reopen the protokoll"),
                    "meetings": queryset,
                    "reason_missing": "apply" in request.POST,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                    "opts": self.model._meta,
                },
            )

        def reopen(*, meeting, by):
            return protokoll_unfreeze(meeting=meeting, by=by, reason=reason)

        _run_step(self, request, queryset, reopen, _("reopened."))
        return None

    @admin.action(description=_("Post the anslag on the anslagstavla"))
    def post_anslag(self, request, queryset):
        _run_step(self, request, queryset, anslag_post, _("anslag posted."))

    @admin.action(description=_("Post the delegationsbeslut list on the anslagstavla"))
    def post_delegation_list(self, request, queryset):
        for meeting in queryset:
            try:
                anslag_post_delegation_list(meeting=meeting)
            except ValidationError as error:
                self.message_user(request, f"{meeting}: {' '.join(error.messages)}", level=messages.ERROR)
            else:
                self.message_user(
                    request, f"{meeting}: {_('delegationsbeslut list posted.')}", level=messages.SUCCESS
                )

    # --- Sending the kallelse (meetings/dispatch.py) ---

    @admin.action(description=_("Send the kallelse"))
    def send_kallelse(self, request, queryset):
        self._send(request, queryset, KallelseDispatch.Kind.KALLELSE)

    @admin.action(description=_("Send a reviderad kallelse"))
    def send_revised_kallelse(self, request, queryset):
        self._send(request, queryset, KallelseDispatch.Kind.REVISED)

    @admin.action(description=_("Send a tilläggskallelse"))
    def send_supplement_kallelse(self, request, queryset):
        self._send(request, queryset, KallelseDispatch.Kind.SUPPLEMENT)

    def _send(self, request, queryset, kind):
        for meeting in queryset:
            try:
                sent = dispatch.meeting_send_kallelse(meeting=meeting, sent_by=request.user, kind=kind)
            except ValidationError as error:
                self.message_user(request, f"{meeting}: {' '.join(error.messages)}", level=messages.ERROR)
                continue
            for level, text in dispatch.dispatch_report(dispatch=sent):
                self.message_user(request, f"{meeting}: {text}", level=level)

    @admin.action(description=_("Publish the agenda"))
    def publish_agenda(self, request, queryset):
        _run_step(self, request, queryset, dispatch.meeting_publish_agenda, _("agenda published."))

    change_form_template = "admin/meetings/meeting/change_form.html"

    def get_urls(self):
        from meetings.protokoll.views import protokoll_preview, protokoll_preview_pdf

        own = [
            path(
                "<int:pk>/protokoll/",
                self.admin_site.admin_view(protokoll_preview),
                name="meetings_meeting_protokoll_preview",
            ),
            path(
                "<int:pk>/protokoll.pdf",
                self.admin_site.admin_view(protokoll_preview_pdf),
                name="meetings_meeting_protokoll_pdf",
            ),
            path(
                "<int:pk>/kallelse.pdf",
                self.admin_site.admin_view(self.kallelse_pdf_view),
                name="meetings_meeting_kallelse_pdf",
            ),
            path(
                "<int:pk>/signers/",
                self.admin_site.admin_view(self.signers_view),
                name="meetings_meeting_signers",
            ),
        ]
        return own + super().get_urls()

    def kallelse_pdf_view(self, request, pk):
        """The kallelse as it stands now (members' or, with ?version=public, the public one)."""
        from cases.registers import meeting_generate_lists

        from .kallelse.document import kallelse_get_or_render

        meeting = get_object_or_404(self.get_queryset(request), pk=pk)
        meeting_generate_lists(meeting=meeting)
        public = request.GET.get("version") == "public"
        rendered = kallelse_get_or_render(meeting=meeting, public=public)
        name = f"kallelse-{meeting.committee.slug}-{meeting.start:%Y-%m-%d}{'-publik' if public else ''}.pdf"
        return file_response(rendered.file.open("rb"), content_type="application/pdf", filename=name)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj and obj.is_locked:
            fields += ["committee", "start", "end", "location", "secretary", "chair", "attendance_as_annex"]
        return fields


class AgendaItemDocumentInline(ScopedTabularInline):
    """The item's handlingar in order; a document already on the item is refused twice."""

    model = AgendaItemDocument
    extra = 0
    fields = ["order", "document", "pages", "pdf_status"]
    readonly_fields = ["pages", "pdf_status"]
    autocomplete_fields = ["document"]
    ordering = ["order", "id"]

    @admin.display(description=_("pages"))
    def pages(self, obj):
        return obj.document.page_count if obj and obj.document_id else ""

    @admin.display(description=_("PDF"))
    def pdf_status(self, obj):
        return obj.document.get_conversion_display() if obj and obj.document_id else ""


class AgendaItemUploadInline(ScopedStackedInline):
    """Upload new handlingar straight to the item: each file becomes a document of the item's
    case (checked by content, DOCX/ODT converted to PDF) attached in the given order."""

    model = AgendaItemDocument
    form = AgendaItemUploadForm
    formset = AgendaItemUploadFormSet
    extra = 1
    can_delete = False
    # Stacked, so every field shows its own (translated) label.
    fieldsets = [
        (None, {"fields": [("upload", "title"), ("kind", "order"), ("confidential", "osl_reference")]})
    ]
    verbose_name = _("handling")
    verbose_name_plural = _("Upload handlingar")

    def get_queryset(self, request):
        return super().get_queryset(request).none()  # only new uploads; the list is above

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AgendaItem)
class AgendaItemAdmin(HistoryAdmin):
    list_display = ["title", "meeting", "order", "section", "kind", "case", "generates", "confidential"]
    list_filter = ["kind", "confidential", "meeting__committee", "added_at_meeting", "generates"]
    search_fields = ["title", "case__title", "proposal", "summary"]
    autocomplete_fields = ["case", "meeting"]
    inlines = [AgendaItemDocumentInline, AgendaItemUploadInline]
    list_select_related = ["meeting__committee", "case"]
    actions = ["generate_list"]

    @admin.action(description=_("Generate the list from the register"))
    def generate_list(self, request, queryset):
        for item in queryset.select_related("meeting"):
            try:
                document = agenda_item_generate_list(agenda_item=item)
            except ValidationError as error:
                self.message_user(request, f"{item}: {' '.join(error.messages)}", level=messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(item)s: %(title)s attached (%(pages)s pages).")
                    % {"item": item, "title": document.title, "pages": document.page_count},
                    level=messages.SUCCESS,
                )

    def get_inlines(self, request, obj):
        if obj and obj.meeting.is_locked:  # the handlingar of a frozen protokoll stay as they are
            return [AgendaItemDocumentInline]
        return super().get_inlines(request, obj)

    def save_formset(self, request, form, formset, change):
        if issubclass(formset.form, AgendaItemUploadForm):
            # The uploads go through the services; the admin's change message reads these lists.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for upload_form in formset.forms:
                if upload_form.has_changed() and upload_form.cleaned_data.get("upload"):
                    attached = upload_form.save_upload(agenda_item=form.instance, created_by=request.user)
                    if attached is not None:
                        formset.new_objects.append(attached)
                    else:
                        self.message_user(
                            request,
                            _("%(title)s: the item already has this file; it was not attached again.")
                            % {"title": upload_form.cleaned_data["title"]},
                            level=messages.WARNING,
                        )
            return
        super().save_formset(request, form, formset, change)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.meeting.is_locked)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.meeting.is_locked)


@admin.register(AgendaTemplateItem)
class AgendaTemplateItemAdmin(ScopedModelAdmin):
    list_display = ["title", "committee", "order", "section", "kind"]
    list_filter = ["committee"]
    search_fields = ["title"]


class ParagraphAdminForm(forms.ModelForm):
    """The § form carries the version it was loaded at (a hidden field). Saving over a newer
    version is refused with both texts shown; the next save is then made knowingly over
    the saved text (optimistic locking, see `paragraph_update`)."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # No Meta: the admin builds the form for Paragraph with the fields of its fieldsets.

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict = None  # on a conflict: [(label, theirs, yours)] for every field that differs
        self.conflict_saved_at = None
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned_data = super().clean()
        loaded = cleaned_data.get("loaded_version")
        if loaded is None:
            raise ValidationError(
                _("This form is out of date. Reload the page and make your changes again."),
                code="version_missing",
            )
        saved = Paragraph.objects.filter(pk=self.instance.pk).first()
        if saved is None:
            raise ValidationError(_("This § has been removed."), code="paragraph_removed")
        if saved.version != loaded:
            self.conflict = self._differences(saved, cleaned_data)
            self.conflict_saved_at = saved.updated_at
            # The user's input stays in the form; saving it again now replaces the saved text.
            self.data = self.data.copy()
            self.data[self.add_prefix("loaded_version")] = saved.version
            raise ValidationError(
                _("Someone else saved this § while you edited it. Nothing was saved."), code="edit_conflict"
            )
        return cleaned_data

    def _differences(self, saved: Paragraph, cleaned_data) -> list[tuple]:
        rows = []
        for name, form_field in self.fields.items():
            if name == "loaded_version" or name not in cleaned_data:
                continue
            model_field = Paragraph._meta.get_field(name)
            theirs, yours = getattr(saved, name), cleaned_data[name]
            if isinstance(model_field, ProseEditorField):
                theirs, yours = sanitize_rich_text(theirs or ""), sanitize_rich_text(yours or "")
                if theirs != yours:
                    rows.append((form_field.label, mark_safe(theirs), mark_safe(yours)))  # noqa: S308 - sanitised
            elif (theirs or "") != (yours or ""):
                rows.append((form_field.label, _display(theirs), _display(yours)))
        return rows


def _display(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "" if value is None else str(value)


@admin.register(Paragraph)
class ParagraphAdmin(HistoryAdmin):
    form = ParagraphAdminForm
    # Renders the hidden version field and, on a conflict, both texts of each differing field.
    change_form_template = "admin/meetings/paragraph/change_form.html"
    list_display = ["label", "title", "meeting", "case", "confidential"]
    list_filter = ["meeting__committee", "year", "confidential", "immediate_justering"]
    search_fields = ["title", "decision", "case__title", "=number"]
    readonly_fields = ["committee", "year", "number", "order", "meeting"]
    autocomplete_fields = ["case"]
    list_select_related = ["meeting__committee", "case"]
    fieldsets = [
        (None, {"fields": ["meeting", "committee", "year", "number", "order", "title", "case"]}),
        (
            _("Decision"),
            {
                "fields": [
                    "decision",
                    "summary",
                    "basis",
                    "motions",
                    "procedure",
                    "notes",
                    "send_to",
                    "immediate_justering",
                ]
            },
        ),
        (_("Confidentiality"), {"fields": ["confidential", "osl_reference", "public_title"]}),
    ]

    @admin.display(description=_("§"), ordering="number")
    def label(self, obj):
        return obj.label

    def has_add_permission(self, request):
        # Paragraphs come from the agenda (or are inserted at the meeting) through the
        # protokoll services, which number them.
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.meeting.is_locked)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        paragraph_update(paragraph=obj, version=form.cleaned_data["loaded_version"])

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ParagraphConflict:
            # Another save came between the form's check and ours: nothing was written (the
            # transaction rolled back). Shown again, the form's check now finds the conflict.
            return super().changeform_view(request, object_id, form_url, extra_context)


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


class AnslagNoticeForm(forms.ModelForm):
    """A notice to post (delegationsbeslut, sammanträde, other). The service decides the days:
    see `anslag_notice_check`."""

    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[(kind.value, kind.label) for kind in NOTICE_KINDS],
        help_text=_(
            "Delegationsbeslut stay up for the appeal period (three weeks, to the next working day); "
            "a sammanträde until the day after the meeting; another notice until the day you choose."
        ),
    )

    class Meta:
        model = Anslag
        fields = ["kind", "committee", "meeting", "title", "body", "posted_on", "take_down_on"]
        help_texts = {"take_down_on": _("Only for another notice; otherwise it is computed.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["posted_on"].initial = timezone.localdate
        self.fields["take_down_on"].required = False

    def clean_posted_on(self):
        posted_on = self.cleaned_data["posted_on"]
        if posted_on < timezone.localdate():
            raise ValidationError(
                _("A notice cannot be posted on a day that has passed."), code="posted_in_past"
            )
        return posted_on

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        # The service's rules, so that a refusal is shown on the form (a non-field error).
        anslag_notice_check(
            committee=data["committee"],
            kind=data["kind"],
            title=data.get("title", ""),
            posted_on=data["posted_on"],
            meeting=data.get("meeting"),
            take_down_on=data.get("take_down_on"),
        )
        return data


@admin.register(Anslag)
class AnslagAdmin(HistoryAdmin):
    """The anslagstavla in the admin. A protokoll's anslag is posted from its meeting (action
    "Post the anslag"); here a secretary posts other notices for their committees. Posted
    anslag are records: their days are not edited, and they are taken down by the beat task."""

    list_display = [
        "title",
        "committee",
        "kind",
        "posted_on",
        "appeal_ends_on",
        "take_down_on",
        "taken_down_at",
    ]
    list_filter = ["kind", "committee", "posted_on"]
    search_fields = ["title", "body"]
    autocomplete_fields = ["meeting"]
    list_select_related = ["committee"]
    date_hierarchy = "posted_on"
    add_form = AnslagNoticeForm

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return AnslagNoticeForm._meta.fields
        return [
            "kind",
            "committee",
            "meeting",
            "title",
            "body",
            "posted_on",
            "appeal_ends_on",
            "take_down_on",
            "taken_down_at",
            "storage_location",
            "public_page",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fields = [f for f in self.get_fields(request, obj) if f not in ("title", "body")]
        if obj.kind == Anslag.Kind.PROTOKOLL:
            fields += ["title", "body"]
        return fields

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        posted = anslag_post_notice(
            committee=data["committee"],
            kind=data["kind"],
            title=data["title"],
            body=data.get("body", ""),
            meeting=data.get("meeting"),
            posted_on=data["posted_on"],
            take_down_on=data.get("take_down_on"),
        )
        obj.pk = posted.pk
        obj.appeal_ends_on, obj.take_down_on = posted.appeal_ends_on, posted.take_down_on

    def has_delete_permission(self, request, obj=None):
        # An anslag is a record of what was announced and when; it is taken down, not deleted.
        return False

    @admin.display(description=_("public page"))
    def public_page(self, obj):
        url = reverse("portal:anslag", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, url)


@admin.register(RenderedDocument)
class RenderedDocumentAdmin(ScopedModelAdmin):
    list_display = ["kind", "meeting", "paragraph", "page_count", "created_at"]
    list_filter = ["kind", "meeting__committee"]
    search_fields = ["meeting__committee__name", "content_hash", "sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class KallelseDeliveryInline(ReadOnlyInline):
    model = KallelseDelivery
    fields = ["person", "email", "sent_at", "error"]
    readonly_fields = fields


@admin.register(KallelseDispatch)
class KallelseDispatchAdmin(ScopedModelAdmin):
    list_display = ["kind", "meeting", "created_at", "created_by", "completed_at"]
    list_filter = ["kind", "meeting__committee"]
    search_fields = ["meeting__committee__name"]
    inlines = [KallelseDeliveryInline]
    actions = ["send_unsent"]

    @admin.action(description=_("Send the unsent e-mails"))
    def send_unsent(self, request, queryset):
        from .tasks import send_kallelse_dispatch

        for sent in queryset:
            try:
                send_kallelse_dispatch.delay(sent.pk)
            except Exception as error:  # noqa: BLE001 - the broker is down: say so, lose nothing
                self.message_user(request, f"{sent}: {error}", level=messages.ERROR)
            else:
                self.message_user(request, _("%(dispatch)s: sending.") % {"dispatch": sent}, messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
