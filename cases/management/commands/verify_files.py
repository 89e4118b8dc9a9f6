import json

from django.core.management.base import BaseCommand, CommandError

from cases.integrity import OK, files_verify


class Command(BaseCommand):
    help = (
        "Re-verify every stored file (handlingar and their originals, built PDFs, frozen and signed "
        "protokoll) against the SHA-256 recorded when it was stored. Prints OK, CHANGED, MISSING or "
        "UNRECORDED (no hash recorded) per file and a summary; exits with an error when a file is "
        "changed or missing. Files are read in chunks, so large stores need little memory."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--problems-only", action="store_true", help="list only the files that are not OK"
        )

    def handle(self, *args, **options):
        report = files_verify()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            for check in report.checks:
                if options["problems_only"] and check.status == OK:
                    continue
                self.stdout.write(f"{check.status:<10} {check.name}  [{check.record}]")
            self.stdout.write(report.summary())
        if not report.ok:
            raise CommandError(f"{len(report.problems)} stored file(s) changed or missing.")
