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

A second set of triggers (below, "Records beyond the protokoll's rows") guards the records
about a protokoll: its meeting's status and content, the justering's hashes and files, the
signatures, and the handlingar it refers to.

PostgreSQL gets the triggers from the migrations `audit.0002_protokoll_lock_triggers` and
`audit.0003_record_lock_triggers`; `audit.0007_paragraph_annex_lock_triggers` installs both sets
again for the bilagor of a § (meetings_paragraphannex, and their handlingar).
SQLite (the embedded demo and quick test runs) gets them after every `migrate`
(`audit.apps`): SQLite rebuilds a table to alter it and the rebuild drops its triggers,
so they are dropped before migrating and installed again afterwards. SQLite guards
INSERT and UPDATE only (see `_SQLITE_EVENTS`).

It is long (over 400 lines) because the triggers' SQL is written out here, next to the rule
it enforces and the list of columns it guards.
"""

from django.apps import apps
from django.db import DatabaseError

# Meeting.Status.FROZEN, written out: the database must not change meaning when the Python
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
    "meetings_paragraphannex": "paragraph",
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


# === Records beyond the protokoll's rows ========================================================
#
# The triggers above guard the rows *in* a protokoll. These guard the records *about* it, which
# would otherwise unlock or falsify it (audit.0003_record_lock_triggers, docs/security.md
# "Records"):
#
# - meetings_meeting: a locked meeting's status moves only forward (FORWARD_STEPS), or from
#   frozen back to drafted (protokoll_unfreeze) while its justering is not complete; its content
#   columns (MEETING_CONTENT_COLUMNS) do not change; on PostgreSQL it cannot be deleted.
# - meetings_justering: once complete (completed_at set, every signature signed, or the meeting
#   justerat or later), its hashes and files (JUSTERING_SIGNED_COLUMNS) do not change;
#   completed_at, once set, never changes and is set only when every signature is signed; the
#   frozen PDF and snapshot change only while no one has signed (protokoll_freeze after a reopening).
#   protokoll_sign replaces signed_file/signed_sha256 with each signature until the last one.
# - meetings_signature: a signed row does not change (every column but SIGNATURE_FREE_COLUMNS)
#   while its meeting is locked or its justering complete — protokoll_unfreeze discards the
#   signatures only after moving the meeting back to drafted; after completion no row changes;
#   a signer (person, role, justering) is not swapped, added or removed while the meeting is
#   locked; a signed row is never deleted (PostgreSQL).
# - cases_document: the sha256 and file of a handling, once set, do not change while a locked
#   protokoll refers to it (an attachment of one of its agenda items, or of a paragraph's item).
#
# An explicit column list for the meeting keeps bookkeeping columns (agenda_published, note,
# timestamps added later) writable; the signature row is guarded whole, so a certificate column
# added later is guarded without anyone remembering to.

# Meeting.TRANSITIONS from a locked status, minus frozen → drafted (reopening, handled apart).
# Written out like LOCKED_STATUSES; tests/test_records_locked_beyond_rows.py checks they agree.
FORWARD_STEPS = (
    ("frozen", "justerat"),
    ("justerat", "posted"),
    ("posted", "taken_down"),
    ("taken_down", "archived"),
)
REOPENING = ("frozen", "drafted")
# Statuses after the last signature: Meeting.Status.JUSTERAT_OR_LATER, written out.
SIGNED_STATUSES = ("justerat", "posted", "taken_down", "archived")

MEETING_CONTENT_COLUMNS = (
    "committee_id",
    "start",
    "end",
    "location",
    "chair_id",
    "secretary_id",
    "signature_reference",
    "attendance_as_annex",
)
JUSTERING_SIGNED_COLUMNS = (
    "meeting_id",
    "content_hash",
    "snapshot",
    "frozen_file",
    "frozen_sha256",
    "signed_file",
    "signed_sha256",
)
JUSTERING_FROZEN_COLUMNS = ("content_hash", "snapshot", "frozen_file", "frozen_sha256")
SIGNATURE_SIGNER_COLUMNS = ("justering_id", "person_id", "role")
# Bookkeeping a signed signature may still change: when its signer was e-mailed.
SIGNATURE_FREE_COLUMNS = ("notified_at",)


def _quoted(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _differs(columns, vendor: str) -> str:
    operator = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return "(" + " OR ".join(f'OLD."{c}" {operator} NEW."{c}"' for c in columns) + ")"


def _locked(meeting: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM meetings_meeting lm WHERE lm.id = {meeting} "
        f"AND lm.status IN ({_STATUSES_SQL}))"
    )


def _justering_complete(justering: str) -> str:
    """SQL: the justering `justering` (an id) is complete."""
    return (
        "EXISTS (SELECT 1 FROM meetings_justering cj JOIN meetings_meeting cm ON cm.id = cj.meeting_id "
        f"WHERE cj.id = {justering} AND (cj.completed_at IS NOT NULL "
        f"OR cm.status IN ({_quoted(SIGNED_STATUSES)}) "
        "OR (EXISTS (SELECT 1 FROM meetings_signature cs WHERE cs.justering_id = cj.id) "
        "AND NOT EXISTS (SELECT 1 FROM meetings_signature cs WHERE cs.justering_id = cj.id "
        "AND cs.signed_at IS NULL))))"
    )


def _meeting_justering_complete(meeting: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM meetings_justering mj WHERE mj.meeting_id = {meeting} "
        f"AND {_justering_complete('mj.id')})"
    )


def _anyone_signed(justering: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM meetings_signature ss WHERE ss.justering_id = {justering} "
        "AND ss.signed_at IS NOT NULL)"
    )


def _unsigned_exists(justering: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM meetings_signature us WHERE us.justering_id = {justering} "
        "AND us.signed_at IS NULL)"
    )


def _justering_meeting(justering: str) -> str:
    return f"(SELECT jm.meeting_id FROM meetings_justering jm WHERE jm.id = {justering})"


def _document_in_locked_protokoll(document: str) -> str:
    """A handling of an agenda item of a locked meeting, or a bilaga of a locked protokoll."""
    return (
        "(EXISTS (SELECT 1 FROM meetings_agendaitemdocument da "
        "JOIN meetings_agendaitem di ON di.id = da.agenda_item_id "
        "LEFT JOIN meetings_paragraph dp ON dp.agenda_item_id = di.id "
        "JOIN meetings_meeting dm ON dm.id = di.meeting_id OR dm.id = dp.meeting_id "
        f"WHERE da.document_id = {document} AND dm.status IN ({_STATUSES_SQL})) "
        "OR EXISTS (SELECT 1 FROM meetings_paragraphannex pa "
        "JOIN meetings_paragraph pp ON pp.id = pa.paragraph_id "
        "JOIN meetings_meeting pm ON pm.id = pp.meeting_id "
        f"WHERE pa.document_id = {document} AND pm.status IN ({_STATUSES_SQL})))"
    )


def _signature_row_differs(vendor: str) -> str:
    if vendor == "postgresql":
        free = "ARRAY[" + _quoted(SIGNATURE_FREE_COLUMNS) + "]::text[]"
        return f"((to_jsonb(OLD) - {free}) IS DISTINCT FROM (to_jsonb(NEW) - {free}))"
    # SQLite: the columns of the model as it stands; the triggers are made again after every migrate.
    # By its label, as the SQL here names the tables: the audit app imports no app.
    signature = apps.get_model("meetings", "Signature")
    columns = [f.column for f in signature._meta.concrete_fields if f.column not in SIGNATURE_FREE_COLUMNS]
    return _differs(columns, vendor)


def _record_rules(vendor: str) -> list[tuple[str, str, str, str, str]]:
    """(name, table, event, condition, message) for each refusal."""
    steps = " OR ".join(f"(OLD.status = '{a}' AND NEW.status = '{b}')" for a, b in FORWARD_STEPS)
    reopening = (
        f"(OLD.status = '{REOPENING[0]}' AND NEW.status = '{REOPENING[1]}' "
        f"AND NOT {_meeting_justering_complete('OLD.id')})"
    )
    old_locked = f"OLD.status IN ({_STATUSES_SQL})"
    signature_meeting = _justering_meeting("OLD.justering_id")
    rules = [
        (
            "meeting_status",
            "meetings_meeting",
            "UPDATE",
            f"{old_locked} AND NEW.status <> OLD.status AND NOT ({steps} OR {reopening})",
            "the status of a protokoll sent for justering moves only forward "
            "(reopening only through the service, before the last signature)",
        ),
        (
            "meeting_content",
            "meetings_meeting",
            "UPDATE",
            f"{old_locked} AND {_differs(MEETING_CONTENT_COLUMNS, vendor)}",
            "the meeting of a protokoll sent for justering cannot change",
        ),
        (
            "meeting_delete",
            "meetings_meeting",
            "DELETE",
            old_locked,
            "the meeting of a protokoll sent for justering cannot be deleted",
        ),
        (
            "justering_signed",
            "meetings_justering",
            "UPDATE",
            f"{_justering_complete('OLD.id')} AND {_differs(JUSTERING_SIGNED_COLUMNS, vendor)}",
            "the hashes and files of a justerat protokoll cannot change",
        ),
        (
            "justering_completed_at",
            "meetings_justering",
            "UPDATE",
            "(OLD.completed_at IS NOT NULL AND "
            + _differs(["completed_at"], vendor)
            + ") OR (OLD.completed_at IS NULL AND NEW.completed_at IS NOT NULL"
            + f" AND {_unsigned_exists('OLD.id')})",
            "a justering is complete only when every signature is made, and stays complete",
        ),
        (
            "justering_frozen",
            "meetings_justering",
            "UPDATE",
            f"{_anyone_signed('OLD.id')} AND {_differs(JUSTERING_FROZEN_COLUMNS, vendor)}",
            "the frozen protokoll cannot change once someone has signed it",
        ),
        (
            "justering_moved",
            "meetings_justering",
            "UPDATE",
            f"{_differs(['meeting_id'], vendor)} "
            f"AND ({_locked('OLD.meeting_id')} OR {_locked('NEW.meeting_id')})",
            "the justering of a protokoll sent for justering cannot be moved",
        ),
        (
            "justering_delete",
            "meetings_justering",
            "DELETE",
            f"{_justering_complete('OLD.id')} OR {_locked('OLD.meeting_id')}",
            "the justering of a protokoll sent for justering cannot be deleted",
        ),
        (
            "signature_signed",
            "meetings_signature",
            "UPDATE",
            f"{_signature_row_differs(vendor)} AND ({_justering_complete('OLD.justering_id')} "
            f"OR (OLD.signed_at IS NOT NULL AND {_locked(signature_meeting)}))",
            "a signature that has been made cannot change",
        ),
        (
            "signature_signer",
            "meetings_signature",
            "UPDATE",
            f"{_differs(SIGNATURE_SIGNER_COLUMNS, vendor)} AND ({_locked(signature_meeting)} "
            f"OR {_locked(_justering_meeting('NEW.justering_id'))})",
            "the signers of a protokoll sent for justering cannot change",
        ),
        (
            "signature_insert",
            "meetings_signature",
            "INSERT",
            f"{_locked(_justering_meeting('NEW.justering_id'))} OR {_justering_complete('NEW.justering_id')}",
            "the signers of a protokoll sent for justering cannot change",
        ),
        (
            "signature_delete",
            "meetings_signature",
            "DELETE",
            f"OLD.signed_at IS NOT NULL OR {_locked(signature_meeting)} "
            f"OR {_justering_complete('OLD.justering_id')}",
            "a signature of a protokoll sent for justering cannot be deleted",
        ),
        (
            "document_content",
            "cases_document",
            "UPDATE",
            "((OLD.sha256 <> '' AND " + _differs(["sha256"], vendor) + ") "
            "OR (OLD.file <> '' AND " + _differs(["file"], vendor) + ")) "
            f"AND {_document_in_locked_protokoll('OLD.id')}",
            "the file of a handling in a protokoll sent for justering cannot change",
        ),
    ]
    return rules


RECORD_TABLES = ("meetings_meeting", "meetings_justering", "meetings_signature", "cases_document")


def _pg_records_install() -> list[str]:
    statements = []
    rules = _record_rules("postgresql")
    for table in RECORD_TABLES:
        body = []
        events = []
        for event in ("INSERT", "UPDATE", "DELETE"):
            checks = [
                f"        IF {condition} THEN\n"
                f"            RAISE EXCEPTION USING MESSAGE = '{MARKER}: {message} ({table} ' || "
                f"{'OLD' if event != 'INSERT' else 'NEW'}.id || ')',\n"
                "                ERRCODE = 'integrity_constraint_violation';\n"
                "        END IF;"
                for _name, rule_table, rule_event, condition, message in rules
                if rule_table == table and rule_event == event
            ]
            if checks:
                events.append(event)
                body.append(f"    IF TG_OP = '{event}' THEN\n" + "\n".join(checks) + "\n    END IF;")
        statements += [
            f"CREATE OR REPLACE FUNCTION paragraf_record_lock_{table}() RETURNS trigger\n"
            "LANGUAGE plpgsql AS $$\nBEGIN\n"
            + "\n".join(body)
            + "\n    IF TG_OP = 'DELETE' THEN\n        RETURN OLD;\n    END IF;\n    RETURN NEW;\nEND\n$$;",
            f"DROP TRIGGER IF EXISTS paragraf_record_lock ON {table};",
            f"CREATE TRIGGER paragraf_record_lock BEFORE {' OR '.join(events)} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION paragraf_record_lock_{table}();",
        ]
    return statements


def _pg_records_uninstall() -> list[str]:
    statements = []
    for table in RECORD_TABLES:
        statements += [
            f"DROP TRIGGER IF EXISTS paragraf_record_lock ON {table};",
            f"DROP FUNCTION IF EXISTS paragraf_record_lock_{table}();",
        ]
    return statements


def _sqlite_records_install() -> list[str]:
    # DELETE is not guarded on SQLite (see _SQLITE_EVENTS).
    return [
        f"CREATE TRIGGER IF NOT EXISTS paragraf_record_lock_{name} BEFORE {event} ON {table} "
        f"WHEN {condition} BEGIN SELECT RAISE(ABORT, '{MARKER}: {message}'); END;"
        for name, table, event, condition, message in _record_rules("sqlite")
        if event != "DELETE"
    ]


def _sqlite_records_uninstall() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS paragraf_record_lock_{name};"
        for name, _table, event, _condition, _message in _record_rules("sqlite")
        if event != "DELETE"
    ]


def records_lock_install(*, connection) -> None:
    """Create (or replace) the triggers on the meeting, justering, signature and document tables."""
    statements = {"postgresql": _pg_records_install, "sqlite": _sqlite_records_install}.get(connection.vendor)
    if statements is None:
        return
    with connection.cursor() as cursor:
        for statement in statements():
            cursor.execute(statement)


def records_lock_uninstall(*, connection) -> None:
    statements = {"postgresql": _pg_records_uninstall, "sqlite": _sqlite_records_uninstall}.get(
        connection.vendor
    )
    if statements is None:
        return
    with connection.cursor() as cursor:
        for statement in statements():
            cursor.execute(statement)
