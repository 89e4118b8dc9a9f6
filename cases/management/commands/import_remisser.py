from cases.services.imports import remisser_import

from ._register_import import RegisterImportCommand


class Command(RegisterImportCommand):
    help = (
        "Import remisser a committee answers from CSV (columns: registration_id, direction, title, sender, "
        "received_on, answer_by, responsible, department, case, document_type). Every row's error is "
        "listed; with any error nothing is saved."
    )

    def handle(self, *args, **options):
        result = remisser_import(
            committee=self.committee(options["committee"]),
            text=self.read(options["file"]),
            dry_run=options["dry_run"],
        )
        self.report(result, "remisser")
