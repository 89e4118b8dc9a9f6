import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from meetings import signing


class Command(BaseCommand):
    help = (
        "Show every digital signature of a PDF (signer or e-sigill, certificate serial and issue "
        "date, time, intact, trusted, whether it covers the whole file, and where it does not "
        "hold the reason) and whether the file was changed after the last signature. Exits with "
        "an error when a signature does not hold."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the PDF to verify")
        parser.add_argument(
            "--at",
            help="validate as at this time (ISO 8601, e.g. 2050-01-01T00:00:00+00:00) instead of now",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            moment = dt.datetime.fromisoformat(options["at"]) if options.get("at") else None
            if moment is not None and moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            reports = signing.pdf_verify(path.read_bytes(), moment=moment)
        except Exception as error:  # a broken or non-PDF file: say so plainly
            raise CommandError(f"{path} could not be read as a PDF: {error}") from error
        if not reports:
            raise CommandError(f"{path} has no digital signatures.")
        for number, report in enumerate(reports, start=1):
            when = report.signed_at.isoformat(timespec="seconds") if report.signed_at else "?"
            who = f"{report.signer} (the organisation's seal)" if report.seal else (report.signer or "?")
            certificate = ""
            if report.serial:
                issued = f"{report.issued_at:%Y-%m-%d}" if report.issued_at else "?"
                certificate = f" [certificate {report.serial}, issued {issued}"
                certificate += f", login {report.account}]" if report.account else "]"
            self.stdout.write(
                f"{number}. {who} ({report.field_name}){certificate} {when}: "
                f"{'intact' if report.intact else 'BROKEN'}, "
                f"{'trusted' if report.trusted else 'NOT TRUSTED'}, "
                f"{'covers the whole file' if report.covers_whole_document else 'later revisions follow'}"
                f"{', certifying' if report.certifying else ''}"
            )
            level = f"   PAdES {report.level}"
            if report.timestamp_at:
                level += f", timestamp {report.timestamp_at.isoformat(timespec='seconds')}"
                level += "" if report.timestamp_trusted else " (NOT TRUSTED)"
            else:
                level += ", no timestamp (the time is the signer's own claim)"
            if report.archived_at:
                level += f", document timestamp {report.archived_at.isoformat(timespec='seconds')}"
            self.stdout.write(level)
            if report.assurance_level:
                when = (
                    report.authenticated_at.isoformat(timespec="seconds") if report.authenticated_at else "?"
                )
                self.stdout.write(
                    f"   authenticated with assurance {report.assurance_level} at {report.provider}, {when}"
                )
            if report.problem:
                self.stdout.write(f"   does not hold ({report.problem}): {report.reason}")
            for note in report.notes:
                self.stdout.write(f"   note: {note}")
        last = reports[-1]
        changed_after = not last.covers_whole_document
        self.stdout.write(
            "The file was changed after the last signature."
            if changed_after
            else "The file is unchanged since the last signature."
        )
        if changed_after or not all(r.ok for r in reports):
            raise CommandError("Verification failed.")
