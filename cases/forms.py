"""Forms for uploading handlingar; every check and every write goes through cases.documents."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from committees.sekretess import OSL_REFERENCE_REQUIRED
from meetings.models import AgendaItemDocument

from .documents import (
    agenda_item_attach_document,
    agenda_item_duplicate_of,
    document_inspect,
    document_upload,
)
from .models import Document

UPLOAD_HELP = _("PDF, or DOCX/ODT (converted to PDF). Encrypted files are not accepted.")


def _check_osl(form: forms.Form, cleaned: dict) -> None:
    if cleaned.get("confidential") and not (cleaned.get("osl_reference") or "").strip():
        form.add_error("osl_reference", OSL_REFERENCE_REQUIRED)


class DocumentUploadForm(forms.ModelForm):
    """A new handling: the file is checked by content when the form is validated."""

    upload = forms.FileField(label=capfirst(_("file")), help_text=UPLOAD_HELP)

    class Meta:
        model = Document
        fields = ["title", "kind", "case", "date", "registration_id", "confidential", "osl_reference"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        self.inspected = document_inspect(uploaded_file=upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        _check_osl(self, cleaned)
        return cleaned

    def _post_clean(self):
        # The service builds, validates (full_clean) and stores the document; it is
        # the one place the rules of an upload live.
        pass

    def save_upload(self, *, created_by=None) -> Document:
        data = self.cleaned_data
        return document_upload(
            uploaded_file=data["upload"],
            title=data["title"],
            kind=data["kind"],
            case=data.get("case"),
            date=data.get("date"),
            registration_id=data.get("registration_id", ""),
            confidential=data.get("confidential", False),
            osl_reference=(data.get("osl_reference") or "").strip(),
            created_by=created_by,
        )


class AgendaItemUploadForm(forms.ModelForm):
    """One row of the "upload handlingar" inline of an agenda item: a file that becomes a
    Document of the item's case and is attached to the item."""

    upload = forms.FileField(label=capfirst(_("file")), help_text=UPLOAD_HELP)
    title = forms.CharField(label=capfirst(_("title")), max_length=500)
    kind = forms.ChoiceField(
        label=capfirst(_("kind")), choices=Document.Kind.choices, initial=Document.Kind.TJANSTESKRIVELSE
    )
    confidential = forms.BooleanField(label=capfirst(_("confidential")), required=False)
    osl_reference = forms.CharField(label=capfirst(_("OSL reference")), max_length=100, required=False)
    order = forms.IntegerField(
        label=capfirst(_("order")), min_value=0, required=False, help_text=_("Empty: after the others.")
    )

    class Meta:
        model = AgendaItemDocument
        fields = ["order"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        inspected = document_inspect(uploaded_file=upload)
        self.sha256 = inspected.sha256
        agenda_item = getattr(self.instance, "agenda_item", None)
        if agenda_item is not None:
            duplicate = agenda_item_duplicate_of(agenda_item=agenda_item, sha256=inspected.sha256)
            if duplicate:
                raise ValidationError(
                    _('"%(name)s" is already attached to this item (as "%(existing)s").'),
                    code="already_attached",
                    params={"name": inspected.name, "existing": duplicate.title},
                )
        return upload

    def clean(self):
        cleaned = super().clean()
        _check_osl(self, cleaned)
        return cleaned

    def _post_clean(self):
        # The document does not exist yet; the services create and attach it on save.
        pass

    def save_upload(self, *, agenda_item, created_by=None):
        """Store the file and attach it; None when the item already has the same content."""
        data = self.cleaned_data
        if agenda_item_duplicate_of(agenda_item=agenda_item, sha256=self.sha256):
            return None
        document = document_upload(
            uploaded_file=data["upload"],
            title=data["title"],
            kind=data["kind"],
            case=agenda_item.case,
            date=timezone.localdate(),
            confidential=data.get("confidential", False),
            osl_reference=(data.get("osl_reference") or "").strip(),
            created_by=created_by,
        )
        return agenda_item_attach_document(
            agenda_item=agenda_item, document=document, order=data.get("order")
        )


class AgendaItemUploadFormSet(forms.BaseInlineFormSet):
    """Refuses the same file chosen twice in one submission."""

    def clean(self):
        super().clean()
        seen = {}
        for form in self.forms:
            sha256 = getattr(form, "sha256", None)
            if not sha256 or not form.has_changed():
                continue
            if sha256 in seen:
                form.add_error(
                    "upload",
                    ValidationError(
                        _('The same file was chosen twice (also as "%(title)s").'),
                        code="already_attached",
                        params={"title": seen[sha256]},
                    ),
                )
            else:
                seen[sha256] = form.cleaned_data.get("title", "")
