"""Start-up check: `pdftotext` (poppler-utils) reads the text of handlingar for the search.

A Warning, not an Error: without it the public search still works, but finds a handling by its
title only, not by the words in its PDF (`portal.search.pdf_extract_text`). Runs with every
`manage.py check`, `migrate` and `runserver` (docs/operations.md, "Start-up checks").
"""

from django.core import checks

from .search import PDFTOTEXT, pdftotext_path


@checks.register("tools")
def check_pdftotext(app_configs=None, **kwargs):
    if pdftotext_path():
        return []
    return [
        checks.Warning(
            f"{PDFTOTEXT} was not found on PATH: the search indexes handlingar by their title only, "
            "not by the text of their PDF.",
            hint=(
                "Install the Debian package poppler-utils (apt-get install poppler-utils) where the "
                "Celery worker runs, then run `manage.py search_reindex` to index the text of the "
                "handlingar already published. A warning, not an error: the search and everything "
                "else work without it, with fewer hits."
            ),
            id="portal.W001",
        )
    ]
