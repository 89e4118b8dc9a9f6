from cases.services.imports import delegated_decisions_import

from ._register_import import RegisterImportCommand


class Command(RegisterImportCommand):
    help = (
        "Import delegationsbeslut of a committee from CSV (columns: registration_id, point, decision_maker, "
        "decided_on, description, counterpart, case, responsible; people by e-mail or full name, case by "
        "diarienummer). Every row's error is listed; with any error nothing is saved."
    )

    def handle(self, *args, **options):
        result = delegated_decisions_import(
            committee=self.committee(options["committee"]),
            text=self.read(options["file"]),
            dry_run=options["dry_run"],
        )
        self.report(result, "delegationsbeslut")
