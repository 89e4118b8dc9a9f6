"""manage.py kallelse COMMITTEE DATE -o FILE [--public] [--time HH:MM]: write a meeting's kallelse."""

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.registers import meeting_generate_lists
from meetings.kallelse.document import kallelse_get_or_render
from meetings.management.meeting_document import MeetingDocumentCommand


class Command(MeetingDocumentCommand):
    @property
    def help(self):
        return _(
            "Write the kallelse of a meeting as one PDF/A file: the front page (time, place, the "
            "numbered items with their diarienummer, who is summoned) followed by every item's "
            "handlingar in agenda order, with a bookmark per item and per handling. The members' "
            "version includes confidential handlingar; --public leaves out everything that is "
            "confidential under OSL. A kallelse already built from the meeting as it is now is "
            "reused; otherwise it is rendered and stored first."
        )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--public",
            action="store_true",
            help=_(
                "Write the public version: a confidential item shows only its number and OSL ground, "
                "confidential handlingar are left out."
            ),
        )

    def handle(self, *args, committee, date, output, public, time, **options):
        meeting, output_path = self.meeting_and_output(
            committee=committee, date=date, output=output, time=time
        )

        meeting_generate_lists(meeting=meeting)
        rendered = kallelse_get_or_render(meeting=meeting, public=public)
        try:
            with rendered.file.open("rb") as source:
                output_path.write_bytes(source.read())
        except OSError as error:
            raise CommandError(
                _("Could not write %(path)s: %(reason)s.")
                % {"path": output_path, "reason": error.strerror or error}
            ) from error

        params = {
            "committee": meeting.committee.name,
            "start": f"{timezone.localtime(meeting.start):%Y-%m-%d %H:%M}",
            "path": output_path,
            "pages": rendered.page_count,
        }
        if public:
            message = _("Wrote the public kallelse of %(committee)s %(start)s to %(path)s (%(pages)s pages).")
        else:
            message = _("Wrote the kallelse of %(committee)s %(start)s to %(path)s (%(pages)s pages).")
        self.stdout.write(self.style.SUCCESS(message % params))
