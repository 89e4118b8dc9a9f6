"""§-numrering: which § series a meeting's paragraphs belong to (committee and year), the
series' settings (first number, per year or per meeting) and the renumbering that keeps each
series first, first + 1, … without gaps or duplicates.

The rules (docs/workspace/numbering.md, docs/decisions.md "§ numbering"):

- Numbers are given when the protokoll is drafted, in meeting-date order within the series.
- Frozen numbers (a protokoll sent for justering or later) never change.
- A protokoll may go to justering before an earlier one. The earlier draft's §§ are then held
  between frozen numbers: it keeps exactly the numbers it has ("pinned"), may reorder its §§
  among them, and refuses to gain or lose a § (or be deleted) until the later protokoll is
  reopened. Drafts whose numbers are not below a frozen number are "free" and are numbered
  after the last frozen number, in meeting-date order.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from committees.models import Committee
from meetings.models import (
    Meeting,
    Paragraph,
    ParagraphSeries,
    paragraph_span,
)
from meetings.services.lifecycle import TransitionError


class NumberingRefusal:
    """The codes of the refusals of this module (a TransitionError's `code`)."""

    PINNED = "numbers_pinned"
    FROZEN_IN_SERIES = "series_has_frozen"


def paragraph_year(meeting: Meeting) -> int:
    """The calendar year whose § series a meeting's paragraphs belong to (local date)."""
    return timezone.localtime(meeting.start).year


def series_committee(meeting: Meeting) -> Committee:
    """The committee whose § series the meeting numbers in: its own (utskott, presidium too)."""
    return meeting.committee


def series_settings(*, committee: Committee, year: int, create: bool = True) -> ParagraphSeries:
    """The settings of the committee's series for `year`. A year without settings takes the
    committee's numbering (per year or per meeting) and starts at § 1; `create` stores them,
    which the first drafted protokoll of the year does, so that a later change of the
    committee's numbering leaves a year with frozen §§ as it was numbered."""
    per_meeting = committee.paragraph_numbering == Committee.Numbering.PER_MEETING
    if not create:
        found = ParagraphSeries.objects.filter(committee=committee, year=year).first()
        return found or ParagraphSeries(committee=committee, year=year, per_meeting=per_meeting)
    series, _created = ParagraphSeries.objects.get_or_create(
        committee=committee, year=year, defaults={"per_meeting": per_meeting}
    )
    return series


def _frozen(paragraphs) -> list[Paragraph]:
    return [p for p in paragraphs if p.meeting.is_locked]


def _last_frozen_number(paragraphs) -> int | None:
    """The highest frozen number of a per-year series, or None if none is frozen."""
    return max((p.number for p in _frozen(paragraphs) if not p.numbered_per_meeting), default=None)


def _series_paragraphs(committee: Committee, year: int) -> list[Paragraph]:
    return list(
        Paragraph.objects.filter(committee=committee, year=year)
        .select_related("meeting")
        .order_by("meeting__start", "meeting_id", "order", "id")
    )


@dataclass(frozen=True)
class Pinned:
    """A draft held between frozen numbers: its numbers and the frozen protokoll above them."""

    numbers: tuple[int, ...]
    last_frozen: int

    @property
    def span(self) -> str:
        return paragraph_span(self.numbers)


def meeting_pinned(meeting: Meeting) -> Pinned | None:
    """The numbers a draft protokoll must keep because a later protokoll of its series was
    sent for justering first, or None if the draft is free to gain and lose §§."""
    if Meeting.objects.filter(pk=meeting.pk, status__in=Meeting.Status.FROZEN).exists():
        return None  # the status in the database, not a possibly stale instance's
    own = list(
        meeting.paragraphs.filter(numbered_per_meeting=False).values_list("committee_id", "year", "number")
    )
    if not own:
        return None
    committee_id, year = own[0][0], own[0][1]
    committee = Committee.objects.get(pk=committee_id)
    series = series_settings(committee=committee, year=year, create=False)
    if series.per_meeting:
        return None
    top = _last_frozen_number(_series_paragraphs(committee, year))
    if top is None:
        return None
    numbers = tuple(sorted(number for _c, _y, number in own if number < top))
    return Pinned(numbers=numbers, last_frozen=top) if numbers else None


def require_numbers_free(meeting: Meeting, action: str) -> None:
    """Refuse `action` (adding or removing a §, deleting the protokoll or the meeting) when the
    draft's numbers are pinned between frozen ones: it would leave a gap or a duplicate."""
    pinned = meeting_pinned(meeting)
    if pinned:
        raise TransitionError(
            _(
                "%(action)s is not possible: a later protokoll of the series was sent for justering "
                "first, so this draft keeps exactly %(span)s. Reorder its §§ freely, or reopen the later "
                "protokoll (before its last signature) to change their number."
            ),
            code=NumberingRefusal.PINNED,
            params={"action": action, "span": pinned.span},
        )


def paragraphs_renumber(*, committee: Committee, year: int) -> None:
    """Number the paragraphs of one § series and year without gaps or duplicates.

    Per year: frozen paragraphs keep their numbers; a draft whose numbers lie below the last
    frozen number keeps its numbers (in its current § order); the other drafts follow the
    last frozen number (or the series' first number) in meeting date and protokoll order.
    Per meeting: each draft protokoll is numbered 1, 2, 3…; frozen ones keep theirs.
    Runs with the committee row locked, so two meetings drafted at once cannot take the same
    number.
    """
    Committee.objects.select_for_update().get(pk=committee.pk)
    series = series_settings(committee=committee, year=year)
    paragraphs = _series_paragraphs(committee, year)
    drafts = [p for p in paragraphs if not p.meeting.is_locked]
    wanted: dict[int, tuple[int, bool]] = {}  # paragraph id → (number, numbered per meeting)
    if series.per_meeting:
        counters: dict[int, int] = {}
        for paragraph in drafts:
            counters[paragraph.meeting_id] = counters.get(paragraph.meeting_id, 0) + 1
            wanted[paragraph.pk] = (counters[paragraph.meeting_id], True)
    else:
        top = _last_frozen_number(paragraphs)
        by_meeting: dict[int, list[Paragraph]] = {}
        for paragraph in drafts:
            by_meeting.setdefault(paragraph.meeting_id, []).append(paragraph)
        next_number = series.first_number if top is None else top + 1
        for meeting_paragraphs in by_meeting.values():
            held = sorted(
                p.number
                for p in meeting_paragraphs
                if top is not None and not p.numbered_per_meeting and p.number < top
            )
            if held:
                if len(held) != len(meeting_paragraphs):
                    raise TransitionError(
                        _("The draft keeps exactly %(span)s; it cannot gain or lose a § now."),
                        code=NumberingRefusal.PINNED,
                        params={"span": paragraph_span(held)},
                    )
                for paragraph, number in zip(meeting_paragraphs, held, strict=True):
                    wanted[paragraph.pk] = (number, False)
                continue
            for paragraph in meeting_paragraphs:
                wanted[paragraph.pk] = (next_number, False)
                next_number += 1
    changed = [p for p in drafts if (p.number, p.numbered_per_meeting) != wanted[p.pk]]
    if not changed:
        return
    # Two passes, so the unique constraints hold after each statement on every database.
    offset = 10_000_000  # above every placeholder number used while inserting
    for paragraph in changed:
        paragraph.number = wanted[paragraph.pk][0] + offset
        paragraph.numbered_per_meeting = wanted[paragraph.pk][1]
    Paragraph.objects.bulk_update(changed, ["number", "numbered_per_meeting"])
    for paragraph in changed:
        paragraph.number -= offset
    Paragraph.objects.bulk_update(changed, ["number"])


# --- The series' settings, as the secretary changes them -----------------------------------------


def _has_frozen(committee: Committee, year: int) -> bool:
    return Paragraph.objects.filter(
        committee=committee, year=year, meeting__status__in=Meeting.Status.FROZEN
    ).exists()


@transaction.atomic
def series_set_first_number(*, committee: Committee, year: int, first_number: int) -> ParagraphSeries:
    """Set the number of the year's first § ("this year's series starts at § 112") and renumber
    the year's drafts. Refused once a protokoll of the year was sent for justering: its numbers
    would change."""
    committee = Committee.objects.select_for_update().get(pk=committee.pk)
    if first_number < 1:
        raise TransitionError(_("The first § number must be 1 or more."), code="first_number_invalid")
    series = series_settings(committee=committee, year=year)
    if series.first_number == first_number:
        return series
    if _has_frozen(committee, year):
        raise TransitionError(
            _(
                "The %(year)s series cannot start at § %(number)s: a protokoll of %(year)s has been sent "
                "for justering, and its § numbers never change."
            ),
            code=NumberingRefusal.FROZEN_IN_SERIES,
            params={"year": year, "number": first_number},
        )
    series.first_number = first_number
    series.save(update_fields=["first_number"])
    paragraphs_renumber(committee=committee, year=year)
    return series


@transaction.atomic
def committee_set_numbering(*, committee: Committee, numbering: str) -> list[int]:
    """Choose numbering per year or per meeting for the committee. It applies to every year
    with no protokoll sent for justering (their drafts are renumbered) and to years to come; a
    year with frozen §§ keeps the numbering it has. Returns the years that kept theirs."""
    committee = Committee.objects.select_for_update().get(pk=committee.pk)
    if numbering not in Committee.Numbering.values:
        raise TransitionError(_("Choose numbering per year or per meeting."), code="numbering_invalid")
    committee.paragraph_numbering = numbering
    committee.save(update_fields=["paragraph_numbering"])
    per_meeting = numbering == Committee.Numbering.PER_MEETING
    kept = []
    for series in ParagraphSeries.objects.filter(committee=committee).exclude(per_meeting=per_meeting):
        if _has_frozen(committee, series.year):
            kept.append(series.year)
            continue
        series.per_meeting = per_meeting
        series.save(update_fields=["per_meeting"])
        paragraphs_renumber(committee=committee, year=series.year)
    return sorted(kept)


@dataclass(frozen=True)
class SeriesYear:
    """One year of a committee's series, as the settings page lists it."""

    year: int
    first_number: int
    per_meeting: bool
    stored: bool
    frozen_span: str
    draft_span: str
    has_frozen: bool


def committee_series_overview(committee: Committee, *, years=()) -> list[SeriesYear]:
    """The years of the committee's series (those with §§ or settings, and `years`), newest first."""
    found = set(Paragraph.objects.filter(committee=committee).values_list("year", flat=True).distinct())
    found |= set(ParagraphSeries.objects.filter(committee=committee).values_list("year", flat=True))
    found |= set(years)
    rows = []
    for year in sorted(found, reverse=True):
        series = series_settings(committee=committee, year=year, create=False)
        paragraphs = list(
            Paragraph.objects.filter(committee=committee, year=year).values_list(
                "number", "meeting__status", "numbered_per_meeting"
            )
        )
        frozen = [n for n, status, _pm in paragraphs if status in Meeting.Status.FROZEN]
        drafts = [n for n, status, _pm in paragraphs if status not in Meeting.Status.FROZEN]
        per_meeting_numbers = any(pm for _n, _s, pm in paragraphs)
        rows.append(
            SeriesYear(
                year=year,
                first_number=series.first_number,
                per_meeting=series.per_meeting,
                stored=series.pk is not None,
                frozen_span="" if per_meeting_numbers else paragraph_span(frozen),
                draft_span="" if per_meeting_numbers else paragraph_span(drafts),
                has_frozen=bool(frozen),
            )
        )
    return rows
