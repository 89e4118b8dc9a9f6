"""The admin of ärenden, handlingar, remisser, motioner and delegationsbeslut.

One module (over 400 lines) for the cases app's admin: each ModelAdmin is short, and they
share the scoping bases (committees/scoping.py) and the forms of cases/forms.py.
"""

import contextlib
from datetime import date

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from committees.models import Person
from committees.scoping import ScopedHistoryAdmin, ScopedModelAdmin
from committees.sekretess import OSL_REFERENCE_REQUIRED
from config.downloads import file_response

from .documents import document_queue_conversion
from .exports import REGISTERS, register_export_csv, register_export_xlsx
from .forms import DocumentUploadForm
from .models import Case, DelegatedDecision, DelegationPoint, Document, Motion, Remiss
from .services import (
    case_register,
    delegated_decision_register,
    delegation_point_check,
    delegation_points_for_decision_maker,
    diarienummer_parse,
)


class RegisterExportMixin:
    """Admin actions that export the selected rows of a register as CSV or XLSX (cases.exports)."""

    register_name = ""
    actions = ["export_csv", "export_xlsx"]

    def _export(self, queryset, fmt: str) -> HttpResponse:
        register = REGISTERS[self.register_name]
        rows = queryset.select_related(*register.select_related)
        if fmt == "csv":
            body, content_type = register_export_csv(register=register, rows=rows), "text/csv; charset=utf-8"
        else:
            body = register_export_xlsx(register=register, rows=rows)
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        stamp = timezone.localdate().isoformat()
        return file_response(body, filename=f"{register.name}-{stamp}.{fmt}", content_type=content_type)

    @admin.action(description=_("Export the selected rows as CSV"))
    def export_csv(self, request, queryset):
        return self._export(queryset, "csv")

    @admin.action(description=_("Export the selected rows as XLSX (Excel)"))
    def export_xlsx(self, request, queryset):
        return self._export(queryset, "xlsx")


class CaseRegisterForm(forms.ModelForm):
    """Registering an ärende: the diarienummer is allocated unless one from elsewhere is given."""

    diarienummer = forms.CharField(
        label=_("diarienummer"),
        required=False,
        help_text=_(
            "Leave empty to allocate the next number. Enter one only for a case "
            'registered elsewhere, e.g. "RJL 2022/2018".'
        ),
    )

    class Meta:
        model = Case
        fields = [
            "organisation",
            "title",
            "registered_on",
            "committee",
            "responsible",
            "status",
            "confidential",
            "osl_reference",
        ]

    def clean_diarienummer(self):
        value = self.cleaned_data.get("diarienummer", "").strip()
        if value:
            prefix, year, serial = diarienummer_parse(value)
            if Case.objects.filter(prefix=prefix, year=year, serial=serial).exists():
                raise ValidationError(
                    _("Diarienummer %(number)s is already in use."), params={"number": value}
                )
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("confidential") and not cleaned.get("osl_reference"):
            self.add_error("osl_reference", OSL_REFERENCE_REQUIRED)
        return cleaned

    def _post_clean(self):
        # prefix, year and serial come from the service (which runs full_clean() before
        # saving), so the form only copies its fields onto the instance here.
        self.instance = construct_instance(self, self.instance, self._meta.fields)


@admin.register(Case)
class CaseAdmin(RegisterExportMixin, ScopedHistoryAdmin):
    """The diarium as a secretary sees it: the cases of their committees, and the cases their
    committees handle (on an agenda or in a paragraph), plus cases not yet given a committee
    (committees.visibility)."""

    register_name = "arenden"

    list_display = ["diarienummer", "title", "committee", "registered_on", "status", "confidential"]
    list_filter = ["status", "year", "committee", "confidential"]
    search_fields = ["title", "prefix", "=serial"]
    readonly_fields = ["prefix", "year", "serial", "history_link"]

    @admin.display(description=_("history"))
    def history_link(self, obj):
        if obj is None or obj.pk is None:
            return ""
        return format_html(
            '<a href="{}">{}</a>', reverse("cases:case_detail", args=[obj.pk]), _("The case's whole life")
        )

    autocomplete_fields = ["responsible"]
    list_select_related = ["committee"]

    @admin.display(description=_("diarienummer"), ordering="serial")
    def diarienummer(self, obj):
        return obj.diarienummer

    def get_search_results(self, request, queryset, search_term):
        # "RJL 2022/2018" or "2022/2018" finds the case by its number.
        term = search_term.strip()
        if "/" in term:
            head, _sep, serial = term.rpartition("/")
            year = head.split()[-1] if head.split() else ""
            if year.isdigit() and serial.isdigit():
                return queryset.filter(year=int(year), serial=int(serial)), False
        return super().get_search_results(request, queryset, search_term)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = CaseRegisterForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                "organisation",
                "diarienummer",
                "title",
                "registered_on",
                "committee",
                "responsible",
                "status",
                "confidential",
                "osl_reference",
            ]
        return super().get_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # A new case gets the next diarienummer of the series, unless one was entered.
        created = case_register(
            organisation=obj.organisation,
            title=obj.title,
            diarienummer=form.cleaned_data.get("diarienummer", ""),
            registered_on=obj.registered_on,
            committee=obj.committee,
            responsible=obj.responsible,
            confidential=obj.confidential,
            osl_reference=obj.osl_reference,
        )
        obj.pk = created.pk
        obj.prefix, obj.year, obj.serial = created.prefix, created.year, created.serial


@admin.register(Document)
class DocumentAdmin(ScopedHistoryAdmin):
    """Handlingar a secretary may see: those of their committees' agendas and cases, and their own
    uploads (committees.visibility). A confidential handling of another committee is never listed."""

    """Handlingar. A new one is uploaded through `document_upload` (checked by content); the
    file of an existing one is never replaced, so what was published stays what it was."""

    list_display = [
        "title",
        "kind",
        "case",
        "registration_id",
        "date",
        "page_count",
        "conversion_status",
        "confidential",
    ]
    list_filter = ["kind", "conversion", "confidential", "date"]
    search_fields = ["title", "registration_id", "case__title", "sha256", "original_name"]
    readonly_fields = [
        "file",
        "source_file",
        "conversion",
        "conversion_error",
        "sha256",
        "size",
        "content_type",
        "page_count",
        "original_name",
        "created_at",
        "created_by",
    ]
    autocomplete_fields = ["case"]
    list_select_related = ["case"]
    actions = ["convert_again"]

    @admin.display(description=_("PDF"), ordering="conversion")
    def conversion_status(self, obj):
        if obj.conversion == Document.Conversion.FAILED:
            return format_html('<strong class="errornote">{}</strong>', obj.get_conversion_display())
        return obj.get_conversion_display()

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = DocumentUploadForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["upload", *DocumentUploadForm._meta.fields]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        document = form.save_upload(created_by=request.user)
        # The admin goes on with the saved row (its change link, log entry and message).
        for field in Document._meta.concrete_fields:
            setattr(obj, field.attname, getattr(document, field.attname))
        obj._state.adding, obj._state.db = False, document._state.db
        return None

    @admin.action(description=_("Convert to PDF again"))
    def convert_again(self, request, queryset):
        for document in queryset.exclude(source_file=""):
            document_queue_conversion(document=document)
            self.message_user(request, _("%(title)s: queued for conversion.") % {"title": document.title})


class RemissForm(forms.ModelForm):
    """The remiss status rules of `remiss_set_status`, shown as form errors."""

    class Meta:
        model = Remiss
        fields = [
            "registration_id",
            "direction",
            "title",
            "case",
            "sender",
            "received_on",
            "answer_by",
            "responsible",
            "department",
            "document_type",
            "committee",
            "status",
            "status_date",
            "answered_by_paragraph",
            "answer_document",
            "documents",
            "reported_at_meeting",
        ]

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("status") == Remiss.Status.ANSWERED
            and not cleaned.get("answered_by_paragraph")
            and not cleaned.get("answer_document")
        ):
            self.add_error(
                "status", _("An answered remiss needs the paragraph that answered it or the yttrande.")
            )
        if cleaned.get("status") == Remiss.Status.ASSIGNED and not cleaned.get("responsible"):
            self.add_error("responsible", _("Choose the responsible official before assigning the remiss."))
        if "status" in self.changed_data and not cleaned.get("status_date"):
            cleaned["status_date"] = timezone.localdate()
            self.instance.status_date = cleaned["status_date"]
        return cleaned


@admin.register(Remiss)
class RemissAdmin(RegisterExportMixin, ScopedHistoryAdmin):
    form = RemissForm
    register_name = "remisser"
    scope_registers = True  # kept by officials as well as secretaries
    list_display = ["title", "sender", "received_on", "answer_by", "responsible", "status", "committee"]
    list_filter = ["status", "committee", "direction", "received_on"]
    search_fields = ["title", "sender", "registration_id", "case__title"]
    autocomplete_fields = ["case", "responsible", "answer_document"]
    filter_horizontal = ["documents"]
    raw_id_fields = ["answered_by_paragraph"]
    date_hierarchy = "received_on"
    list_select_related = ["responsible", "committee"]


@admin.register(Motion)
class MotionAdmin(RegisterExportMixin, ScopedHistoryAdmin):
    register_name = "motioner"
    scope_registers = True

    list_display = ["title", "submitted_on", "raised_on", "answer_by", "preparing_committee", "status"]
    list_filter = ["status", "preparing_committee"]
    search_fields = ["title", "case__title", "submitters__last_name"]
    autocomplete_fields = ["case", "submitters", "document"]
    raw_id_fields = ["answered_by_paragraph"]


@admin.register(DelegationPoint)
class DelegationPointAdmin(ScopedModelAdmin):
    scope_registers = True  # kept by officials as well as secretaries

    list_display = ["code", "description", "delegate_role", "committee", "decided_on", "valid_to"]
    list_filter = ["committee", "decided_on"]
    search_fields = ["code", "description", "delegate_role"]


class DelegatedDecisionRegisterForm(forms.ModelForm):
    """Registering a delegationsbeslut: the point must be delegated to the decision maker's role
    (checked by the service); the running number is allocated on saving."""

    class Meta:
        model = DelegatedDecision
        fields = [
            "decision_maker",
            "decided_on",
            "point",
            "description",
            "counterpart",
            "case",
            "responsible",
            "document",
            "registration_id",
        ]

    def clean(self):
        cleaned = super().clean()
        point, person, decided_on = (cleaned.get(key) for key in ("point", "decision_maker", "decided_on"))
        if point and person and decided_on:
            try:
                delegation_point_check(point=point, decision_maker=person, decided_on=decided_on)
            except ValidationError as error:
                self.add_error("point", error)
        return cleaned

    def _post_clean(self):
        # Number and year come from the service (which runs full_clean() before saving).
        self.instance = construct_instance(self, self.instance, self._meta.fields)


@admin.register(DelegatedDecision)
class DelegatedDecisionAdmin(RegisterExportMixin, ScopedHistoryAdmin):
    """Delegationsbeslut. Adding one: choose the decision maker (the page reloads with
    `?decision_maker=<id>`) and only the points delegated to their role are offered."""

    register_name = "delegationsbeslut"
    scope_registers = True
    list_display = [
        "number_label",
        "description",
        "decided_on",
        "decision_maker",
        "point",
        "case",
        "reported_at_meeting",
        "reported_in_paragraph",
    ]
    list_filter = ["point__committee", "year", "point"]
    search_fields = [
        "description",
        "registration_id",
        "counterpart",
        "decision_maker__last_name",
        "point__code",
    ]
    autocomplete_fields = ["responsible", "case", "document"]
    raw_id_fields = ["reported_in_paragraph"]
    list_select_related = ["decision_maker", "point", "case", "reported_at_meeting__committee"]

    @admin.display(description=_("number"), ordering="decision_maker_number")
    def number_label(self, obj):
        return obj.number_label

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = DelegatedDecisionRegisterForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return DelegatedDecisionRegisterForm._meta.fields
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["decision_maker", "decision_maker_number", "year", "point", "decided_on"]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("decided_on", timezone.localdate())
        return initial

    def _chosen_decision_maker(self, request):
        value = request.POST.get("decision_maker") or request.GET.get("decision_maker")
        if value and str(value).isdigit():
            return Person.objects.filter(pk=value).first()
        return None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "point":
            points = self.scope_choices(request, DelegationPoint.objects.all())  # committees.visibility
            person = self._chosen_decision_maker(request)
            if person is not None:
                on = timezone.localdate()
                raw = request.POST.get("decided_on") or request.GET.get("decided_on")
                with contextlib.suppress(ValueError, TypeError):
                    on = date.fromisoformat(raw)
                allowed = delegation_points_for_decision_maker(person=person, on=on)
                points = points.filter(pk__in=allowed.values("pk"))
            kwargs["queryset"] = points.select_related("committee")
            return db_field.formfield(**kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        created = delegated_decision_register(
            point=data["point"],
            decision_maker=data["decision_maker"],
            decided_on=data["decided_on"],
            description=data["description"],
            counterpart=data.get("counterpart", ""),
            case=data.get("case"),
            responsible=data.get("responsible"),
            document=data.get("document"),
            registration_id=data.get("registration_id", ""),
            registered_by=request.user,
        )
        obj.pk = created.pk
        obj.year, obj.decision_maker_number = created.year, created.decision_maker_number
        obj._state.adding = False
        return None
