from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.integrity import files_verify
from operations.backup import BackupError, backup_restore, migrations_pending


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database, MEDIA_ROOT and "
        "PARAGRAF_SIGNING_DIR. Every part is first checked against the SHA-256 in manifest.json. "
        "The database must be empty (a freshly created or freshly migrated one); a database with "
        "Paragraf data, or file directories with files, are refused unless --force, which replaces "
        "them. Afterwards every stored file is re-verified, as `manage.py verify_files` does."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="the backup directory (with manifest.json)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the data of a database that is not empty and overwrite existing files",
        )

    def handle(self, *args, **options):
        directory = Path(options["directory"])
        try:
            manifest = backup_restore(directory=directory, force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored the backup of {manifest['created_at']} from {directory}.")
        report = files_verify()
        self.stdout.write(f"Stored files verified: {report.summary()}")
        if migrations_pending():
            self.stdout.write("This code has newer migrations than the backup: run `manage.py migrate`.")
        if not report.ok:
            for check in report.problems:
                self.stderr.write(f"{check.status:<10} {check.name}  [{check.record}]")
            raise CommandError(f"{len(report.problems)} restored file(s) changed or missing.")
