"""The one public page among the members' pages: the verification of a signed PDF."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .. import signing


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


# --- The signing CA's revocation source (meetings/signing/revocation.py) ----------------------

OCSP_REQUEST_LIMIT = 10_000  # bytes: an OCSP request is a few hundred


@csrf_exempt
@require_http_methods(["GET", "POST"])
def signing_ocsp(request: HttpRequest) -> HttpResponse:
    """Public: the OCSP responder of the organisation's signing CA (RFC 6960), named in every
    certificate it issues. POST an application/ocsp-request; a GET says what this is."""
    if request.method == "GET":
        return HttpResponse(
            _("The OCSP responder of the signing CA: POST an OCSP request (application/ocsp-request)."),
            content_type="text/plain; charset=utf-8",
        )
    if not signing.signing_ca_exists():
        raise Http404("There is no signing CA.")
    body = request.body[: OCSP_REQUEST_LIMIT + 1]
    if len(body) > OCSP_REQUEST_LIMIT:
        return HttpResponse(status=413)
    from ..signing.revocation import ocsp_answer

    return HttpResponse(ocsp_answer(body), content_type="application/ocsp-response")


@require_http_methods(["GET"])
def signing_crl(request: HttpRequest) -> HttpResponse:
    """Public: the certificate revocation list of the organisation's signing CA (DER)."""
    if not signing.signing_ca_exists():
        raise Http404("There is no signing CA.")
    from ..signing.revocation import crl_der

    return HttpResponse(crl_der(), content_type="application/pkix-crl")
