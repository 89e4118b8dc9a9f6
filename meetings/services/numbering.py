"""§-numrering: which § series a meeting's paragraphs belong to (committee and year) and the
renumbering that keeps each series 1, 2, 3… without gaps or duplicates."""

from django.utils import timezone

from committees.models import Committee
from meetings.models import (
    Meeting,
    Paragraph,
)


def paragraph_year(meeting: Meeting) -> int:
    """The calendar year whose § series a meeting's paragraphs belong to (local date)."""
    return timezone.localtime(meeting.start).year


def series_committee(meeting: Meeting) -> Committee:
    """The committee whose § series the meeting numbers in: its own (utskott, presidium too)."""
    return meeting.committee


def paragraphs_renumber(*, committee: Committee, year: int) -> None:
    """Number the paragraphs of one § series and year: 1, 2, 3… without gaps or duplicates.

    Paragraphs of frozen (locked) protokoll keep their numbers; those always form
    the start of the series, because `protokoll_freeze` refuses while an earlier
    meeting of the series is still a draft. Draft paragraphs follow in meeting
    date and protokoll order. Runs with the committee row locked, so two meetings
    drafted at once cannot take the same number.
    """
    Committee.objects.select_for_update().get(pk=committee.pk)
    paragraphs = list(
        Paragraph.objects.filter(committee=committee, year=year)
        .select_related("meeting")
        .order_by("meeting__start", "meeting_id", "order", "id")
    )
    fixed = [p for p in paragraphs if p.meeting.is_locked]
    drafts = [p for p in paragraphs if not p.meeting.is_locked]
    next_number = max((p.number for p in fixed), default=0) + 1
    changed = []
    for paragraph in drafts:
        if paragraph.number != next_number:
            paragraph.number = next_number
            changed.append(paragraph)
        next_number += 1
    if not changed:
        return
    # Two passes, so the unique constraint holds after each statement on every database.
    offset = 10_000_000  # above every placeholder number used while inserting
    for paragraph in changed:
        paragraph.number += offset
    Paragraph.objects.bulk_update(changed, ["number"])
    for paragraph in changed:
        paragraph.number -= offset
    Paragraph.objects.bulk_update(changed, ["number"])
