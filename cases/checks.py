"""Start-up check: LibreOffice (`soffice`) converts DOCX/ODT handlingar to PDF.

A Warning, not an Error: without it only that conversion is missing. An uploaded DOCX/ODT is
refused with a message asking for a PDF (`cases.documents.document_inspect`), PDFs are accepted
as usual, and every meeting, kallelse, protokoll and anslag works. Runs with every
`manage.py check`, `migrate` and `runserver` (docs/operations.md, "Start-up checks").
"""

from django.conf import settings
from django.core import checks

from .documents import conversion_available


@checks.register("tools")
def check_libreoffice(app_configs=None, **kwargs):
    if conversion_available():
        return []
    return [
        checks.Warning(
            f"LibreOffice was not found (PARAGRAF_SOFFICE = {settings.PARAGRAF_SOFFICE!r} is not an "
            "executable program, nor one on PATH): DOCX and ODT handlingar cannot be converted to "
            "PDF, so their uploads are refused and secretaries must upload PDFs.",
            hint=(
                "Install the Debian package libreoffice-writer-nogui "
                "(apt-get install --no-install-recommends libreoffice-writer-nogui; the Docker image: "
                "build with --build-arg WITH_LIBREOFFICE=1) where the web server and the Celery worker "
                "run, or set PARAGRAF_SOFFICE to the path of soffice. A warning, not an error: PDF "
                "handlingar, meetings, protokoll and anslag all work without it."
            ),
            id="cases.W001",
        )
    ]
