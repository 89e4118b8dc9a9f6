"""The members' pages (meetings/urls.py): their meetings and handlingar (`members`), the
justering and protokoll pages (`justering`), and the public verification of a signed PDF
(`verify`). Who may see what is committees.visibility's answer."""

from .identity import (
    external_justering,
    external_justering_finish,
    external_justering_pdf,
    justering_oidc_finish,
    justering_oidc_start,
)
from .justering import immediate_justering, justering_sign, protokoll_pdf, protokollsutdrag_pdf
from .members import absence, document_download, home, kallelse_pdf, meeting_detail
from .offline import LogoutView, offline_manifest, offline_page, service_worker, webmanifest
from .verify import signing_crl, signing_ocsp, verify

__all__ = [
    "LogoutView",
    "absence",
    "document_download",
    "external_justering",
    "external_justering_finish",
    "external_justering_pdf",
    "home",
    "immediate_justering",
    "justering_oidc_finish",
    "justering_oidc_start",
    "justering_sign",
    "kallelse_pdf",
    "meeting_detail",
    "offline_manifest",
    "offline_page",
    "protokoll_pdf",
    "protokollsutdrag_pdf",
    "service_worker",
    "signing_crl",
    "signing_ocsp",
    "verify",
    "webmanifest",
]
