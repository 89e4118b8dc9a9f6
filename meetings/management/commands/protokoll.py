"""manage.py protokoll COMMITTEE DATE -o FILE [--public] [--signed] [--time HH:MM]: write a meeting's
protokoll."""

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.management.meeting_document import MeetingDocumentCommand
from meetings.models import Justering, Meeting
from meetings.protokoll.document import protokoll_render


class Command(MeetingDocumentCommand):
    @property
    def help(self):
        return _(
            "Write the protokoll of a meeting as one PDF/A file. Once the protokoll is justerat, "
            "this is the signed protokoll of record (the stored file, byte for byte); before that, "
            "the protokoll as it stands now is rendered (a draft, or the frozen text while it is "
            "being justerad). --public renders the public version, where confidential paragraphs "
            "show only their number and OSL ground. --signed writes the stored signed file even "
            "before every signer has signed (the frozen PDF with the signatures given so far)."
        )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--public",
            action="store_true",
            help=_(
                "Render the public version: a confidential paragraph shows only its number and OSL ground."
            ),
        )
        parser.add_argument(
            "--signed",
            action="store_true",
            help=_(
                "Write the stored signed protokoll (from the moment it was sent for justering), "
                "with the signatures given so far."
            ),
        )

    def handle(self, *args, committee, date, output, public, signed, time, **options):
        if public and signed:
            raise CommandError(
                _(
                    "--public and --signed cannot be combined: the signed protokoll is the members' "
                    "version. Use --public alone for the public version."
                )
            )
        meeting, output_path = self.meeting_and_output(
            committee=committee, date=date, output=output, time=time
        )
        params = {
            "committee": meeting.committee.name,
            "start": f"{timezone.localtime(meeting.start):%Y-%m-%d %H:%M}",
            "path": output_path,
        }
        if not meeting.paragraphs.exists():
            raise CommandError(
                _(
                    "%(committee)s %(start)s has no protokoll yet: create the protokoll draft from the "
                    "agenda first (the meeting is “%(status)s”)."
                )
                % {**params, "status": meeting.get_status_display()}
            )
        justering = Justering.objects.filter(meeting=meeting).first()
        stored = justering.signed_file if justering and meeting.is_locked and justering.signed_file else None
        justerat = meeting.status in Meeting.Status.JUSTERAT_OR_LATER

        if signed and stored is None:
            raise CommandError(
                _(
                    "%(committee)s %(start)s has no signed protokoll: it has not been sent for justering "
                    "(the meeting is “%(status)s”). Leave out --signed to render the current draft."
                )
                % {**params, "status": meeting.get_status_display()}
            )
        if stored is not None and (signed or (justerat and not public)):
            try:
                with stored.open("rb") as source:
                    data = source.read()
            except OSError as error:
                raise CommandError(
                    _("The stored signed protokoll %(file)s could not be read: %(reason)s.")
                    % {"file": stored.name, "reason": error.strerror or error}
                ) from error
            signatures = justering.signatures.all()
            params.update(signed=sum(1 for s in signatures if s.signed_at), total=len(signatures))
            if justerat:
                message = _("Wrote the signed protokoll of %(committee)s %(start)s to %(path)s.")
            else:
                message = _(
                    "Wrote the protokoll of %(committee)s %(start)s to %(path)s: %(signed)s of %(total)s "
                    "signatures so far, not yet justerat."
                )
        else:
            rendered = protokoll_render(meeting=meeting, public=public)
            data = rendered.pdf
            params["pages"] = rendered.page_count
            if public:
                message = _(
                    "Wrote the public protokoll of %(committee)s %(start)s to %(path)s (%(pages)s pages)."
                )
            elif meeting.is_locked:
                message = _(
                    "Wrote the protokoll of %(committee)s %(start)s to %(path)s (%(pages)s pages), "
                    "rendered unsigned: it is not yet justerat."
                )
            else:
                message = _(
                    "Wrote the draft protokoll of %(committee)s %(start)s to %(path)s (%(pages)s pages)."
                )
        try:
            output_path.write_bytes(data)
        except OSError as error:
            raise CommandError(
                _("Could not write %(path)s: %(reason)s.")
                % {"path": output_path, "reason": error.strerror or error}
            ) from error
        self.stdout.write(self.style.SUCCESS(message % params))
