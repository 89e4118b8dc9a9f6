"""The agenda (föredragningslistan) while it may still change: the standard items and the order."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from cases.models import Case
from cases.services.diarium import case_register
from committees.visibility import administered
from meetings.models import (
    AgendaItem,
    Meeting,
    Paragraph,
)
from meetings.services.lifecycle import TransitionError, _lock_meeting

Status = Meeting.Status


def _require_agenda_editable(meeting: Meeting) -> None:
    if meeting.status not in Status.UPCOMING:
        raise TransitionError(
            _('The agenda can be changed only before the meeting is held; the meeting is "%(status)s".'),
            code="agenda_locked",
            params={"status": Status(meeting.status).label},
        )


@transaction.atomic
def agenda_add_standard_items(*, meeting: Meeting) -> list[AgendaItem]:
    """Add the committee's standard items (its AgendaTemplateItem rows) that the agenda lacks.

    They go first, in the template's order, before the items already there; an item
    whose title is already on the agenda is not added twice.
    """
    meeting = _lock_meeting(meeting)
    _require_agenda_editable(meeting)
    present = set(meeting.agenda_items.values_list("title", flat=True))
    standard = meeting.committee.agenda_template.order_by("order", "id")
    template = [t for t in standard if t.title not in present]
    if not template:
        return []
    existing = list(meeting.agenda_items.order_by("order", "id"))
    added = [
        AgendaItem(
            meeting=meeting,
            title=t.title,
            section=t.section,
            kind=t.kind,
            proposal=t.proposal,
            generates=t.generates,
            order=index + 1,
        )
        for index, t in enumerate(template)
    ]
    for item in added:
        item.save()
    for index, item in enumerate(existing, start=len(added) + 1):
        item.order = index
    AgendaItem.objects.bulk_update(existing, ["order"])
    return added


@transaction.atomic
def agenda_reorder(*, meeting: Meeting, item_ids: list[int]) -> None:
    """Put the agenda items in the given order (every item of the meeting, once each)."""
    meeting = _lock_meeting(meeting)
    _require_agenda_editable(meeting)
    items = {item.pk: item for item in meeting.agenda_items.all()}
    if sorted(item_ids) != sorted(items):
        raise ValidationError(
            _("The new order must name every item of the agenda exactly once."), code="bad_order"
        )
    for index, pk in enumerate(item_ids, start=1):
        items[pk].order = index
    AgendaItem.objects.bulk_update(items.values(), ["order"])


# --- The items themselves (the secretary's agenda builder, workspace/views/plan.py) --------------

ITEM_FIELDS = (
    "section",
    "title",
    "kind",
    "case",
    "presenter",
    "proposal",
    "time_note",
    "confidential",
    "osl_reference",
    "public_title",
)


@transaction.atomic
def agenda_item_create(*, meeting: Meeting, **fields) -> AgendaItem:
    """Add an item last on the agenda (while the agenda may change)."""
    meeting = _lock_meeting(meeting)
    _require_agenda_editable(meeting)
    highest = meeting.agenda_items.order_by("-order").values_list("order", flat=True).first() or 0
    values = {name: value for name, value in fields.items() if name in ITEM_FIELDS}
    item = AgendaItem(meeting=meeting, order=highest + 1, **values)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def agenda_item_update(*, item: AgendaItem, seen_modified_at=None, **fields) -> bool:
    """Change an item; last write wins. True when someone else changed it since `seen_modified_at`
    (the caller says so to the secretary)."""
    meeting = _lock_meeting(item.meeting)
    _require_agenda_editable(meeting)
    item = AgendaItem.objects.select_for_update().get(pk=item.pk, meeting=meeting)
    overwritten = bool(seen_modified_at and item.modified_at and item.modified_at > seen_modified_at)
    for name, value in fields.items():
        if name in ITEM_FIELDS:
            setattr(item, name, value)
    item.full_clean()
    item.save()
    return overwritten


@transaction.atomic
def agenda_item_delete(*, item: AgendaItem) -> None:
    """Remove an item from the agenda (its handlingar stay in the diarium); the rest close up."""
    meeting = _lock_meeting(item.meeting)
    _require_agenda_editable(meeting)
    if Paragraph.objects.filter(agenda_item=item).exists():
        raise ValidationError(_("The item already has a § in the protokoll."), code="has_paragraph")
    item.attachments.all().delete()
    item.delete()
    remaining = list(meeting.agenda_items.order_by("order", "id"))
    for index, other in enumerate(remaining, start=1):
        other.order = index
    AgendaItem.objects.bulk_update(remaining, ["order"])


def agenda_item_move(*, item: AgendaItem, step: int) -> None:
    """Move an item one place up (-1) or down (+1); at either end nothing changes."""
    ids = list(item.meeting.agenda_items.order_by("order", "id").values_list("pk", flat=True))
    index = ids.index(item.pk)
    target = index + step
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
    agenda_reorder(meeting=item.meeting, item_ids=ids)


@transaction.atomic
def agenda_section_rename(*, meeting: Meeting, old: str, new: str) -> int:
    """Give every item of a section the new heading; returns how many items changed."""
    meeting = _lock_meeting(meeting)
    _require_agenda_editable(meeting)
    return meeting.agenda_items.filter(section=old).update(section=new.strip())


def agenda_is_editable(meeting: Meeting) -> bool:
    return meeting.status in Status.UPCOMING


def agenda_require_editable(meeting: Meeting) -> None:
    """Raise the services' message when the agenda may no longer change."""
    _require_agenda_editable(meeting)


# --- Ärenden for the agenda: found among the cases the secretary administers, or registered -------

_NUMBER_RE = re.compile(r"^(?:(?P<prefix>[A-Za-zÅÄÖåäö]{1,20})\s+)?(?P<year>\d{4})/(?P<serial>\d{1,7})$")


def agenda_case_candidates(*, user, committee, query: str, limit: int = 20):
    """The committee's cases (and the diarium's intake without a committee) that the user
    administers, matching a diarienummer ("2022/18", "RJL 2022/18") or words of the title."""
    cases = administered(user, Case).filter(
        Q(committee=committee) | Q(committee__isnull=True), organisation=committee.organisation
    )
    query = (query or "").strip()
    if not query:
        return cases.none()
    match = _NUMBER_RE.match(query)
    if match:
        cases = cases.filter(year=int(match["year"]), serial=int(match["serial"]))
        if match["prefix"]:
            cases = cases.filter(prefix__iexact=match["prefix"])
    else:
        for word in query.split():
            cases = cases.filter(title__icontains=word)
    return cases.order_by("-year", "-serial")[:limit]


def agenda_case_register(*, committee, title: str, diarienummer: str = "") -> Case:
    """Register a new ärende of the committee: the next diarienummer of its organisation's
    series, or the given one (registered elsewhere) when it is free."""
    return case_register(
        organisation=committee.organisation, title=title, diarienummer=diarienummer, committee=committee
    )
