"""The agenda (föredragningslistan) while it may still change: the standard items and the order."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from meetings.models import (
    AgendaItem,
    Meeting,
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
