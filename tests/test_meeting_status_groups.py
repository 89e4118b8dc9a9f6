"""The named groups of meeting statuses (`Meeting.Status.UPCOMING`, `FROZEN`, …) follow the life
of a meeting (`Meeting.TRANSITIONS`): a new status must be placed in them, and a group named
"… or later" cannot be left by moving on."""

from meetings.models import Meeting

Status = Meeting.Status


def _closed(group, *, except_to=()) -> bool:
    """Every move from a status of the group stays in it (or goes to one of `except_to`)."""
    return all(to in group or to in except_to for status in group for to in Meeting.TRANSITIONS[status])


def test_every_status_but_cancelled_is_upcoming_drafting_or_frozen_exactly_once():
    for status in Status:
        places = [status in group for group in (Status.UPCOMING, Status.DRAFTING, Status.FROZEN)]
        assert places.count(True) == (0 if status == Status.CANCELLED else 1), status


def test_the_groups_are_stages_of_the_life_of_a_meeting():
    assert set(Status.SUMMONED_OR_LATER) == set(Status) - {
        Status.PLANNED,
        Status.AGENDA_DRAFTED,
        Status.CANCELLED,
    }
    assert set(Status.JUSTERAT_OR_LATER) == set(Status.FROZEN) - {Status.READY_FOR_JUSTERING}
    assert set(Status.HELD_NOT_JUSTERAT) == {*Status.DRAFTING, Status.READY_FOR_JUSTERING}


def test_moving_on_never_leaves_a_group_named_or_later():
    assert _closed(Status.JUSTERAT_OR_LATER)
    # Frozen until the secretary reopens the protokoll (back to drafting).
    assert _closed(Status.FROZEN, except_to={Status.PROTOKOLL_DRAFTED})
    # Summoned until the kallelse is withdrawn (back to the agenda) or the meeting cancelled.
    assert _closed(Status.SUMMONED_OR_LATER, except_to={Status.AGENDA_DRAFTED, Status.CANCELLED})
    assert _closed(Status.UPCOMING, except_to={Status.HELD, Status.CANCELLED})


def test_a_frozen_meeting_is_locked():
    for status in Status:
        assert Meeting(status=status).is_locked == (status in Status.FROZEN)
