"""What the register import commands share: finding the committee, reading the file, reporting."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from committees.models import Committee


class RegisterImportCommand(BaseCommand):
    """Base of `import_delegationsordning`, `import_delegationsbeslut` and `import_remisser`."""

    def add_arguments(self, parser):
        parser.add_argument("committee", help="The committee's short name (ANA) or slug.")
        parser.add_argument("file", help="The CSV file (UTF-8, comma or semicolon separated, with a header).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and list the errors; save nothing."
        )

    def committee(self, value: str) -> Committee:
        found = list(Committee.objects.filter(Q(short_name__iexact=value) | Q(slug__iexact=value))[:2])
        if len(found) != 1:
            raise CommandError(f"No single committee is called {value!r}.")
        return found[0]

    def read(self, path: str) -> str:
        try:
            return Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error

    @staticmethod
    def parse_date(value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise CommandError(f"Bad date {value!r}: write YYYY-MM-DD.") from error

    def report(self, result, what: str) -> None:
        for error in result.errors:
            self.stderr.write(error)
        if result.errors:
            raise CommandError(f"{len(result.errors)} error(s) in {result.rows} row(s); nothing was saved.")
        if result.dry_run:
            self.stdout.write(f"Dry run: {result.rows} {what} without errors; nothing was saved.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Saved {result.saved} {what}."))
