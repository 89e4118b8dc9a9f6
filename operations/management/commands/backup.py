from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up Paragraf into a new (or empty) directory: the database (PostgreSQL: pg_dump -Fc; "
        "SQLite: a copy), MEDIA_ROOT (handlingar, built and signed PDFs) and PARAGRAF_SIGNING_DIR "
        "(the signing CA and the signers' private keys), with manifest.json holding each part's "
        "SHA-256. The backup contains private keys: store it encrypted and access-controlled. "
        "Restore with `manage.py restore <dir>`."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="where to write the backup (created; must be empty)")

    def handle(self, *args, **options):
        directory = Path(options["directory"])
        try:
            manifest = backup_create(directory=directory)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for part, entry in manifest["parts"].items():
            self.stdout.write(
                f"{part:<9} {entry['file']:<18} {entry['size']:>12} bytes  sha256 {entry['sha256']}"
            )
        self.stdout.write(
            f"Backup written to {directory}. "
            "It holds the signing keys: store it encrypted and access-controlled."
        )
