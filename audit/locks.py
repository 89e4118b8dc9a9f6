"""Justerat means unchangeable, down to the database.

`meetings.models.ProtokollContentMixin` refuses to save or delete a row of a frozen
protokoll through the ORM. The triggers installed here refuse the same change on every
other path — `QuerySet.update()`, `bulk_create()`, raw SQL, another program on the
database: a row of a protokoll (its paragraphs, attendance, jäv, votes, ballots and
reservations) cannot be inserted, updated or deleted while its meeting's status is one of
`LOCKED_STATUSES`. An UPDATE is checked against the meeting before and after the change,
so a row can neither be changed in a frozen protokoll nor moved into or out of one.

The legitimate writes happen before the status changes: `protokoll_freeze` renumbers and
then freezes, `protokoll_unfreeze` moves the status back first, the demo loader opens a
seed meeting for its load and closes it again.

PostgreSQL gets the triggers from the migration `audit.0002_protokoll_lock_triggers`.
SQLite (the embedded demo and quick test runs) gets them after every `migrate`
(`audit.apps`): SQLite rebuilds a table to alter it and the rebuild drops its triggers,
so they are dropped before migrating and installed again afterwards. SQLite guards
INSERT and UPDATE only (see `_SQLITE_EVENTS`).
"""

from django.db import DatabaseError

# Meeting.LOCKED_STATUSES, written out: the database must not change meaning when the Python
# constant does without a migration (tests/test_records_locked.py checks they agree).
LOCKED_STATUSES = ("frozen", "justerat", "posted", "taken_down", "archived")

# The marker that starts the database's message; `protokoll_lock_error` looks for it.
MARKER = "protokoll_locked"

# Table → how a row finds its meeting: directly, through its paragraph, or through its vote.
GUARDED_TABLES = {
    "meetings_paragraph": "meeting",
    "attendance_attendance": "meeting",
    "attendance_disqualification": "paragraph",
    "attendance_reservation": "paragraph",
    "attendance_vote": "paragraph",
    "attendance_ballot": "vote",
}

_STATUSES_SQL = ", ".join(f"'{status}'" for status in LOCKED_STATUSES)


def _meeting_sql(path: str, row: str) -> str:
    """SQL for the meeting id of `row` (OLD or NEW), following `path`."""
    if path == "meeting":
        return f"{row}.meeting_id"
    if path == "paragraph":
        return f"(SELECT p.meeting_id FROM meetings_paragraph p WHERE p.id = {row}.paragraph_id)"
    return (
        "(SELECT p.meeting_id FROM attendance_vote v JOIN meetings_paragraph p ON p.id = v.paragraph_id"
        f" WHERE v.id = {row}.vote_id)"
    )


# --- PostgreSQL ------------------------------------------------------------------------------

_PG_MEETING_IS_LOCKED = f"""
CREATE OR REPLACE FUNCTION paragraf_meeting_is_locked(meeting bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM meetings_meeting WHERE id = meeting AND status IN ({_STATUSES_SQL}))
$$;
"""

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION paragraf_lock_{table}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF paragraf_meeting_is_locked({old}) THEN
            RAISE EXCEPTION '{marker}: % of a protokoll sent for justering (meeting %) cannot change',
                TG_TABLE_NAME, {old}
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF paragraf_meeting_is_locked({new}) THEN
            RAISE EXCEPTION '{marker}: % of a protokoll sent for justering (meeting %) cannot change',
                TG_TABLE_NAME, {new}
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
"""
_PG_TRIGGER = """
CREATE TRIGGER paragraf_lock BEFORE INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION paragraf_lock_{table}();
"""


def _postgresql_install() -> list[str]:
    statements = [_PG_MEETING_IS_LOCKED]
    for table, path in GUARDED_TABLES.items():
        old, new = _meeting_sql(path, "OLD"), _meeting_sql(path, "NEW")
        statements += [
            _PG_FUNCTION.format(table=table, marker=MARKER, old=old, new=new),
            f"DROP TRIGGER IF EXISTS paragraf_lock ON {table};",
            _PG_TRIGGER.format(table=table),
        ]
    return statements


def _postgresql_uninstall() -> list[str]:
    statements = []
    for table in GUARDED_TABLES:
        statements += [
            f"DROP TRIGGER IF EXISTS paragraf_lock ON {table};",
            f"DROP FUNCTION IF EXISTS paragraf_lock_{table}();",
        ]
    return [*statements, "DROP FUNCTION IF EXISTS paragraf_meeting_is_locked(bigint);"]


# --- SQLite ----------------------------------------------------------------------------------

# No DELETE trigger on SQLite: it has no TRUNCATE, so `flush` (between transactional tests,
# `manage.py flush`) deletes table by table in no fixed order, and a trigger would refuse to
# empty the database. Deleting is refused by the ORM there, and by the trigger on PostgreSQL.
_SQLITE_EVENTS = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW")}


def _sqlite_trigger_names():
    for table in GUARDED_TABLES:
        for event in _SQLITE_EVENTS:
            yield table, event, f"paragraf_lock_{table}_{event.lower()}"


def _sqlite_install() -> list[str]:
    statements = []
    for table, event, name in _sqlite_trigger_names():
        meetings = ", ".join(_meeting_sql(GUARDED_TABLES[table], row) for row in _SQLITE_EVENTS[event])
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {event} ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM meetings_meeting WHERE id IN ({meetings}) "
            f"AND status IN ({_STATUSES_SQL})) "
            f"BEGIN SELECT RAISE(ABORT, '{MARKER}: {table} of a protokoll sent for justering "
            "cannot change'); END;"
        )
    return statements


def _sqlite_uninstall() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name};" for _table, _event, name in _sqlite_trigger_names()]


# --- Installing ------------------------------------------------------------------------------


def protokoll_lock_install(*, connection) -> None:
    """Create (or replace) the triggers on the database of `connection`."""
    statements = {"postgresql": _postgresql_install, "sqlite": _sqlite_install}.get(connection.vendor)
    if statements is None:
        return
    with connection.cursor() as cursor:
        for statement in statements():
            cursor.execute(statement)


def protokoll_lock_uninstall(*, connection) -> None:
    """Drop the triggers (before SQLite migrations, and when the migration is reversed)."""
    statements = {"postgresql": _postgresql_uninstall, "sqlite": _sqlite_uninstall}.get(connection.vendor)
    if statements is None:
        return
    with connection.cursor() as cursor:
        for statement in statements():
            cursor.execute(statement)


def protokoll_lock_error(error: BaseException) -> bool:
    """True when a database error is a trigger refusing a change to a frozen protokoll."""
    return isinstance(error, DatabaseError) and MARKER in str(error)
