"""The named groups of meeting statuses (`Meeting.Status.UPCOMING`, `FROZEN`, …) follow the life
of a meeting (`Meeting.TRANSITIONS`): a new status must be placed in them, and a group named
"… or later" cannot be left by moving on."""

import ast
from pathlib import Path

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


# Where a collection of statuses may still be written out, and why: a whole file, or one
# collection in a file (by its statuses).
WRITTEN_OUT = {
    # Where the groups are defined.
    "meetings/models.py": None,
    # The database triggers' SQL: it must not change meaning when the Python does
    # (tests/test_records_locked*.py check that it agrees with the groups).
    "audit/locks.py": None,
    # The demo's own setup: a signed demo protokoll ends justerat or with its anslag posted.
    "demo/management/commands/load_demo.py": {("POSTED", "JUSTERAT")},
    # Publishing the agenda needs one: refused before it is drafted and once cancelled.
    "meetings/kallelse/dispatch.py": {("PLANNED", "CANCELLED")},
    # Not a group but a path: the transitions a meeting registered afterwards goes through, in order.
    "meetings/services/steps.py": {("AGENDA_DRAFTED", "SUMMONED", "HELD")},
}
SKIPPED = {".venv", "node_modules", "tests", ".local"}


def _status_collections(path: Path):
    """(line, statuses) of the tuples, lists and sets of two or more meeting statuses written
    out in `path`: as `Status.X` / `Meeting.Status.X` / `status.X`, or as their stored values ("justerat")."""
    names = {status.name for status in Status}
    by_value = {status.value: status.name for status in Status}
    del by_value["held"], by_value["agenda"]  # common English words
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Tuple | ast.List | ast.Set) or len(node.elts) < 2:
            continue
        if all(
            isinstance(e, ast.Attribute)
            and e.attr in names
            and (
                (isinstance(e.value, ast.Name) and e.value.id.lower() == "status")
                or (isinstance(e.value, ast.Attribute) and e.value.attr.lower() == "status")
            )
            for e in node.elts
        ):
            yield node.lineno, tuple(e.attr for e in node.elts)
        elif all(isinstance(e, ast.Constant) and e.value in by_value for e in node.elts):
            yield node.lineno, tuple(by_value[e.value] for e in node.elts)


def test_no_module_writes_out_a_group_of_statuses_of_its_own():
    root = Path(__file__).resolve().parents[1]
    found = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.split("/")[0] in SKIPPED or "/migrations/" in relative:
            continue
        allowed = WRITTEN_OUT.get(relative, set())
        if allowed is None:
            continue
        found += [
            f"{relative}:{line} {statuses}"
            for line, statuses in _status_collections(path)
            if statuses not in allowed
        ]
    assert found == [], "use a named group of Meeting.Status (meetings/models.py)"
