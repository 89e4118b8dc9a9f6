"""`manage.py earkiv_export "<committee>" <year> [--from DATE --to DATE] [--output DIR]`."""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.export import ExportError, earkiv_export, package_zip
from archive.selection import Period, committee_find
from committees.models import Committee


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text}") from error


class Command(BaseCommand):
    help = (
        "Build the E-ARK SIP of a committee's justerade protokoll of a year (or part of it): the "
        "signed protokoll, bilagor, kallelse and handlingar, protokollsutdrag, signature validation "
        "reports and the register rows as ERMS; confidential material in a separately marked "
        "package. Built in a temporary folder, validated, then moved into place (docs/archive.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("committee", help="the committee's name, short name or slug")
        parser.add_argument("year", type=int)
        parser.add_argument("--from", dest="start", help="first day of the period (default 1 January)")
        parser.add_argument("--to", dest="end", help="last day of the period (default 31 December)")
        parser.add_argument("--output", help="the folder the packages go into (default PARAGRAF_ARCHIVE_DIR)")
        parser.add_argument(
            "--zip", action="store_true", help="also write each package as <OBJID>.zip beside its folder"
        )

    def handle(self, *args, **options):
        try:
            committee = committee_find(options["committee"])
        except Committee.DoesNotExist as error:
            raise CommandError(str(error)) from error
        try:
            period = Period.of(
                options["year"],
                _date(options["start"]) if options["start"] else None,
                _date(options["end"]) if options["end"] else None,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        try:
            packages = earkiv_export(
                committee, period, destination=Path(options["output"]) if options["output"] else None
            )
        except ExportError as error:
            raise CommandError(str(error)) from error
        for package in packages:
            state = "unchanged" if package.unchanged else "written"
            self.stdout.write(f"{package.kind}: {package.path} ({package.files} files, {state}, valid)")
            if options["zip"]:
                self.stdout.write(f"{package.kind}: {package_zip(package.path)}")
