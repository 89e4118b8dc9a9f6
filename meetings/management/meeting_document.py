"""What the document commands (`kallelse`, `protokoll`) share: finding one meeting from
COMMITTEE DATE [--time HH:MM], and checking the output file before any rendering."""

import os
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from committees.models import Committee
from meetings.models import Meeting


class MeetingDocumentCommand(BaseCommand):
    """A command that writes one meeting's document to -o FILE; subclasses add --public etc."""

    def add_arguments(self, parser):
        parser.add_argument(
            "committee",
            help=_('The committee\'s short name or full name, in any case: "ANA" or "Nämnd för …".'),
        )
        parser.add_argument("date", help=_("The meeting day as YYYY-MM-DD (local time), e.g. 2022-10-12."))
        parser.add_argument(
            "-o",
            "--output",
            required=True,
            metavar="FILE",
            help=_("The PDF file to write; an existing file is replaced."),
        )
        parser.add_argument(
            "--time",
            metavar="HH:MM",
            help=_("The meeting's start time, to choose when the committee meets more than once that day."),
        )

    def meeting_and_output(self, *, committee: str, date: str, output: str, time: str | None):
        """The meeting named on the command line and the checked output path."""
        day = _parse_date(date)
        start_time = _parse_time(time) if time else None
        output_path = _check_output(Path(output))
        return _find_meeting(_find_committee(committee), day, start_time), output_path


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _('"%(value)s" is not a date: write the meeting day as YYYY-MM-DD, e.g. 2022-10-12.')
            % {"value": value}
        ) from None


def _parse_time(value: str) -> time:
    try:
        return datetime.strptime(value, "%H:%M").time()
    except ValueError:
        raise CommandError(
            _('"%(value)s" is not a time: write it as HH:MM, e.g. 10:00.') % {"value": value}
        ) from None


def _check_output(path: Path) -> Path:
    """Refuse an output that cannot be written before any time is spent rendering."""
    path = path.expanduser()
    if path.is_dir():
        raise CommandError(_("%(path)s is a directory; give a file name.") % {"path": path})
    folder = path.parent
    if not folder.is_dir():
        raise CommandError(
            _("Cannot write %(path)s: the directory %(folder)s does not exist.")
            % {"path": path, "folder": folder}
        )
    if not os.access(path if path.exists() else folder, os.W_OK):
        raise CommandError(_("Cannot write %(path)s: permission denied.") % {"path": path})
    return path


def _find_committee(name: str) -> Committee:
    """By short name or full name, case-insensitive."""
    # Compared in Python: SQLite's iexact folds ASCII only ("Nämnd" vs "NÄMND"), and there are few.
    wanted = " ".join(name.split()).casefold()
    matches = [
        committee
        for committee in Committee.objects.select_related("organisation")
        if wanted in (committee.short_name.casefold(), " ".join(committee.name.split()).casefold())
    ]
    if not matches:
        known = ", ".join(Committee.objects.order_by("short_name").values_list("short_name", flat=True))
        raise CommandError(
            _('No committee is called "%(name)s". Known short names: %(known)s.')
            % {"name": name, "known": known or "–"}
        )
    if len(matches) > 1:
        listed = "; ".join(f"{c.short_name} ({c.name}, {c.organisation})" for c in matches)
        raise CommandError(
            _('"%(name)s" fits more than one committee: %(listed)s.') % {"name": name, "listed": listed}
        )
    return matches[0]


def _find_meeting(committee: Committee, day: date, start_time: time | None) -> Meeting:
    """The committee's meeting on that local day (and at that time, if given)."""
    begin = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    meetings = list(
        Meeting.objects.filter(
            committee=committee, start__gte=begin, start__lt=begin + timedelta(days=1)
        ).order_by("start")
    )
    if start_time is not None:
        meetings = [m for m in meetings if timezone.localtime(m.start).time().replace(second=0) == start_time]
    if not meetings:
        nearby = Meeting.objects.filter(
            committee=committee, start__gte=begin - timedelta(days=60), start__lt=begin + timedelta(days=60)
        ).order_by("start")
        hint = ", ".join(f"{timezone.localtime(m.start):%Y-%m-%d %H:%M}" for m in nearby[:6])
        when = f"{day:%Y-%m-%d}" + (f" {start_time:%H:%M}" if start_time else "")
        message = _("%(committee)s has no meeting on %(when)s.") % {"committee": committee.name, "when": when}
        if hint:
            message += " " + _("Its meetings around then: %(meetings)s.") % {"meetings": hint}
        raise CommandError(message)
    if len(meetings) > 1:
        times = ", ".join(f"{timezone.localtime(m.start):%H:%M}" for m in meetings)
        raise CommandError(
            _("%(committee)s has %(count)s meetings on %(day)s (at %(times)s); choose one with --time HH:MM.")
            % {"committee": committee.name, "count": len(meetings), "day": f"{day:%Y-%m-%d}", "times": times}
        )
    return meetings[0]
