"""manage.py search_reindex: rebuild the public search index from scratch."""

import time

from django.core.management.base import BaseCommand

from portal.search import full_text_available, search_reindex_all


class Command(BaseCommand):
    help = (
        "Rebuild the public search index (portal.SearchEntry) from everything published: "
        "paragraphs of justerade protokoll, published agendas, their handlingar (PDF text by "
        "pdftotext, kept while the file is unchanged) and public cases. Safe to run at any time; "
        "the index is kept current by a task after every status change, so run this after an "
        "import, a restore, or a change to what is public that bypassed the services."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        counts = search_reindex_all()
        seconds = time.monotonic() - started
        summary = ", ".join(f"{count} {kind}" for kind, count in counts.items())
        mode = "PostgreSQL full-text (swedish)" if full_text_available() else "SQLite, contains search"
        self.stdout.write(self.style.SUCCESS(f"Search index rebuilt in {seconds:.1f} s: {summary} ({mode})."))
