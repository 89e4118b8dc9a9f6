"""manage.py oparl_records: bring the OParl records (created, modified, tombstones) up to date."""

from django.core.management.base import BaseCommand

from oparl.records import records_refresh


class Command(BaseCommand):
    help = "Bring the OParl records (created, modified, tombstones) up to date with what is published."

    def handle(self, *args, **options):
        counts = records_refresh()
        new, changed, removed = counts["created"], counts["changed"], counts["deleted"]
        self.stdout.write(f"OParl records: {new} new, {changed} changed, {removed} removed.")
