"""The stored files of the meetings app for `manage.py verify_files` (cases/integrity.py): the
built PDFs and the frozen and signed protokoll of each justering. Registered with
`stored_files_source` when this module is imported (`MeetingsConfig.ready`)."""

from cases.integrity import StoredFiles, stored_files_source

from .models import Justering, RenderedDocument


@stored_files_source
def meeting_files() -> StoredFiles:
    for rendered in RenderedDocument.objects.only("pk", "kind", "file", "sha256").order_by("pk").iterator():
        if rendered.file:
            yield f"RenderedDocument {rendered.pk} ({rendered.kind})", rendered.file, rendered.sha256
    justeringar = Justering.objects.only("pk", "frozen_file", "frozen_sha256", "signed_file", "signed_sha256")
    for justering in justeringar.order_by("pk").iterator():
        if justering.frozen_file:
            yield f"Justering {justering.pk} (frozen)", justering.frozen_file, justering.frozen_sha256
        if justering.signed_file:
            yield f"Justering {justering.pk} (signed)", justering.signed_file, justering.signed_sha256
