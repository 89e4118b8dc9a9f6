"""manage.py portal_prerender: render the stored public pages of every published protokoll."""

import time

from django.core.management.base import BaseCommand

from portal.prerender import prerender_all


class Command(BaseCommand):
    help = (
        "Render and store the public page and the § permalink pages of every published protokoll "
        "in every language (portal.StoredPage), and delete stored pages of anything no longer "
        "published. Safe to run at any time; run it after a deploy that changed the templates, "
        "translations or static files (until then each page is rendered live and queued for "
        "rendering on its first reader)."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        counts = prerender_all()
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Stored pages rendered in {seconds:.1f} s: {counts['written']} written, "
                f"{counts['removed']} removed."
            )
        )
