"""Forms for uploading handlingar; every check and every write goes through cases.documents."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from committees.sekretess import OSL_REFERENCE_REQUIRED

from .documents import document_inspect, document_upload
from .models import Document

UPLOAD_HELP = _("PDF, or DOCX/ODT (converted to PDF). Encrypted files are not accepted.")


def check_osl(form: forms.Form, cleaned: dict) -> None:
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
        check_osl(self, cleaned)
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
