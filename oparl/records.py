"""When each OParl object became public, last changed, and stopped being public.

The one mechanism behind `created`, `modified`, the four date filters and the tombstones
(docs/open-data.md, "Sync"): `records_refresh()` renders every object the API publishes
(through `oparl.queries`, so through `portal.published`), keeps a digest of its JSON in an
`oparl.Record` and compares:

- an object not recorded yet became public now (`created` = `modified` = now; on the very
  first run of a kind, when nothing is recorded, the rows' own timestamps instead);
- an object whose digest differs, or that comes back after being removed, changed now;
- a recorded object no longer rendered stopped being public now: `deleted_at` = `modified`
  = now, and the API serves it as a tombstone.

Because the digest covers the whole JSON, embedded objects included, a meeting changes when
its agenda or protokoll is published or a § is masked, a person when a membership goes, a
paper when a handling stops being public — whatever path made the change (a service, the
admin, a `QuerySet.update()`, a committee deactivated). It runs after every commit that
touches the data (`oparl.signals`), every few minutes from beat and from
`manage.py oparl_records`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import Document

from . import mapping, queries
from .models import Record


@dataclass(frozen=True)
class Kind:
    """One kind of OParl object: its rows, its JSON, its URL and the body whose lists show it."""

    name: str
    type_name: str
    url_name: str
    rows: Callable[[], Iterable]
    to_json: Callable
    body: Callable = field(default=lambda row: None)
    key: Callable = field(default=lambda row: row.pk)
    # (created, modified) known from the rows themselves, for the first run of a kind.
    stamps: Callable = field(default=lambda row: (None, None))


def _latest(*values) -> datetime | None:
    return max((value for value in values if value), default=None)


def _meeting_stamps(meeting):
    completed = meeting.justering.completed_at if hasattr(meeting, "justering") else None
    return meeting.created_at, _latest(meeting.modified_at, completed)


def _paragraph_stamps(paragraph):
    justering = getattr(paragraph.meeting, "justering", None)
    completed = justering.completed_at if justering else None
    return completed, _latest(paragraph.updated_at, completed)


def _body_json(row, links):
    return mapping.body(row, links, terms=queries.terms())


def _own(row):
    return row.created_at, row.modified_at


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("body", "Body", "body", queries.bodies, _body_json, body=lambda o: o.pk, stamps=_own),
        Kind(
            "organization", "Organization", "organization", queries.organizations, mapping.organization,
            body=lambda c: c.organisation_id, stamps=_own,
        ),
        Kind("party", "Organization", "party", queries.parties, mapping.party, stamps=_own),
        Kind("person", "Person", "person", queries.persons, mapping.person, stamps=_own),
        Kind(
            "membership", "Membership", "membership", queries.memberships, mapping.membership,
            body=lambda a: a.committee.organisation_id, stamps=_own,
        ),
        Kind(
            "party_membership", "Membership", "party_membership", queries.party_members,
            mapping.party_membership, stamps=_own,
        ),
        Kind(
            "meeting", "Meeting", "meeting", queries.meetings, mapping.meeting,
            body=lambda m: m.committee.organisation_id, stamps=_meeting_stamps,
        ),
        Kind(
            "paragraph", "AgendaItem", "paragraph", queries.paragraphs, mapping.agenda_item_of_paragraph,
            body=lambda p: p.meeting.committee.organisation_id, stamps=_paragraph_stamps,
        ),
        Kind(
            "agendaitem", "AgendaItem", "agendaitem", queries.upcoming_agenda_items, mapping.agenda_item,
            body=lambda i: i.meeting.committee.organisation_id, stamps=_own,
        ),
        Kind(
            "paper", "Paper", "paper", queries.papers, mapping.paper,
            body=lambda c: c.organisation_id, stamps=_own,
        ),
        Kind(
            "consultation", "Consultation", "consultation", queries.consultations, mapping.consultation,
            body=lambda p: p.meeting.committee.organisation_id, stamps=_paragraph_stamps,
        ),
        Kind(
            "agenda_consultation", "Consultation", "agenda_consultation", queries.agenda_consultations,
            mapping.agenda_consultation, body=lambda i: i.meeting.committee.organisation_id, stamps=_own,
        ),
        Kind(
            "file", "File", "file", queries.documents, mapping.document_file,
            stamps=lambda d: (d.created_at, d.modified_at),
        ),
        Kind(
            "protokoll", "File", "protokoll", queries.protokoll_meetings, mapping.protokoll_file,
            body=lambda m: m.committee.organisation_id,
            stamps=lambda m: (m.justering.completed_at, m.justering.completed_at),
        ),
        Kind(
            "location", "Location", "location", queries.locations, mapping.location,
            body=lambda m: m.committee.organisation_id, stamps=_own,
        ),
        Kind(
            "legislativeterm", "LegislativeTerm", "legislativeterm", queries.terms, mapping.legislative_term,
            key=lambda term: term.start_year,
        ),
    )
}  # fmt: skip


class _RecordLinks(mapping.Links):
    """Links without a request: the digest must not depend on the host a client used."""

    def __init__(self):
        super().__init__(request=None)

    def api(self, name: str, *args) -> str:
        return reverse(f"oparl:{name}", args=args)

    def web(self, name: str, *args) -> str:
        return reverse(f"portal:{name}", args=args)


def digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _each(rows) -> Iterable:
    return rows.iterator(chunk_size=500) if hasattr(rows, "iterator") else rows


def documents_checksum_fill() -> int:
    """Store the SHA-512 of public handlingar that have none yet (the file never changes)."""
    filled = 0
    for document in queries.documents().filter(sha512="").only("pk", "file"):
        hasher = hashlib.sha512()
        try:
            with document.file.open("rb") as stored:
                for chunk in stored.chunks():
                    hasher.update(chunk)
        except OSError:  # a missing file: `manage.py verify_files` reports it; no checksum
            continue
        Document.objects.filter(pk=document.pk).update(sha512=hasher.hexdigest())
        filled += 1
    return filled


@transaction.atomic
def records_refresh(*, now: datetime | None = None) -> dict[str, int]:
    """Bring the records up to date with what the API publishes. Returns how many records
    were created, changed and deleted."""
    now = now or timezone.now()
    documents_checksum_fill()
    links = _RecordLinks()
    counts = {"created": 0, "changed": 0, "deleted": 0}
    for kind in KINDS.values():
        known = {r.object_id: r for r in Record.objects.select_for_update().filter(kind=kind.name)}
        first_run = not known
        seen, created, changed = set(), [], []
        for row in _each(kind.rows()):
            key, value = kind.key(row), digest(kind.to_json(row, links))
            seen.add(key)
            record = known.get(key)
            if record is None:
                made, modified = kind.stamps(row) if first_run else (None, None)
                made = min(made or now, now)
                modified = min(max(modified or made, made), now)
                record = Record(kind=kind.name, object_id=key, body_id=kind.body(row), digest=value,
                                created=made, modified=modified)  # fmt: skip
                created.append(record)
            elif record.digest != value or record.deleted_at:
                record.digest, record.modified, record.deleted_at = value, now, None
                record.body_id = kind.body(row)
                changed.append(record)
        for key, record in known.items():
            if key not in seen and record.deleted_at is None:
                record.modified = record.deleted_at = now
                changed.append(record)
                counts["deleted"] += 1
        Record.objects.bulk_create(created, batch_size=500)
        Record.objects.bulk_update(changed, ["digest", "modified", "deleted_at", "body_id"], batch_size=500)
        counts["created"] += len(created)
        counts["changed"] += len(changed)
    counts["changed"] -= counts["deleted"]
    return counts
