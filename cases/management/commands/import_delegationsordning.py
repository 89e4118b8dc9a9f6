from cases.services.imports import delegationsordning_import

from ._register_import import RegisterImportCommand


class Command(RegisterImportCommand):
    help = (
        "Import a new version of a committee's delegationsordning from CSV (columns: code, description, "
        "delegate_role, limits). The points get --decided-on; the previous version's points end the day "
        "before. With errors (missing or duplicate code, empty role) nothing is saved."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--decided-on", required=True, help="The date the nämnd decided it (YYYY-MM-DD).")

    def handle(self, *args, **options):
        result = delegationsordning_import(
            committee=self.committee(options["committee"]),
            text=self.read(options["file"]),
            decided_on=self.parse_date(options["decided_on"]),
            dry_run=options["dry_run"],
        )
        self.report(result, "delegation points")
