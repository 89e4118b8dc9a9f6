"""A synthetic protokoll archive for the portal benchmarks: committees × years × meetings × §§.
(Over 400 lines: one COPY writer per table of the archive, kept together so that the rows
stay consistent with each other.)

Two sizes are measured (benchmarks/portal_measure.py):

- 100k: 30 committees of one organisation × 20 years × 11 meetings × 15 §§ (99,000 §§);
- 1M: 303 committees of 300 organisations, the same shape per committee (999,900 §§).

The rows are written with PostgreSQL's COPY (psycopg's `cursor.copy`), table by table in
chunks of committees, with explicit ids taken above the current maximum (the sequences are
moved past them at the end), and with `session_replication_role = replica` so that the
protokoll locks and foreign-key triggers are not run per row: every row is written in its
final state (a justerat, posted protokoll) and consistent by construction. 1M §§ take a few
minutes on two cores; benchmarks/portal_measure.py keeps the database between runs.

Texts are Swedish-like, built from a small vocabulary so that searches for real words
("motion", "remiss", "budget") have hits at every size, plus one place name per § drawn from
a Zipf-like vocabulary of 9,000 made-up names: a few are as common as the commonest words,
most are rare (a handful of hits at 1M), which gives the rare and middling search words.

    from portal_archive import archive_generate
    archive_generate(years=range(2007, 2009))    # a small archive (used by bench_load)
    archive_generate(committees=303, organisations=300)    # 1M §§
"""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from datetime import datetime, timedelta

COMMITTEES = 30
MEETINGS_PER_YEAR = 11
PARAGRAPHS_PER_MEETING = 15
MEMBERS_PER_COMMITTEE = 9
FULL_YEARS = range(2007, 2027)  # 20 years
CASES_PER_MEETING = 4
CHUNK_COMMITTEES = 10  # committees written per round of COPY (bounds the memory)

# Bump when the generated rows change: a kept database of another version is regenerated.
GENERATOR_VERSION = 2

SUBJECTS = [
    "Motion om",
    "Remiss av",
    "Budget för",
    "Svar på medborgarförslag om",
    "Yttrande över",
    "Uppföljning av",
    "Revidering av riktlinjer för",
    "Delegationsbeslut om",
    "Information om",
    "Val av ombud till",
    "Ansökan om bidrag till",
    "Taxa för",
]
TOPICS = [
    "kultur för hälsa",
    "skolskjuts",
    "äldreomsorgens kvalitet",
    "gång- och cykelvägar",
    "bibliotekens öppettider",
    "föreningsbidrag",
    "vatten och avlopp",
    "detaljplan för centrum",
    "kollektivtrafik på landsbygden",
    "barn- och ungdomskultur",
    "energieffektivisering",
    "digitala tjänster",
    "integration och arbetsmarknad",
    "folkhälsa",
    "brottsförebyggande arbete",
]
SENTENCES = [
    "Förvaltningen har berett ärendet och föreslår att nämnden beslutar enligt förslaget.",
    "Motionären föreslår att kommunen utreder frågan och återkommer med en plan.",
    "Remissen har skickats till berörda nämnder och inkomna svar redovisas i tjänsteskrivelsen.",
    "Budgeten för verksamhetsåret följs upp varje tertial och avvikelser ska förklaras.",
    "Ärendet har beretts i arbetsutskottet som ställt sig bakom förvaltningens förslag.",
    "Ekonomiska konsekvenser bedöms rymmas inom befintlig ram.",
    "Barnkonventionen har beaktats i beredningen av ärendet.",
    "Samråd har skett med de fackliga organisationerna enligt gällande avtal.",
]

_PLACE_HEADS = (
    "Al Björk Ek Gran Lind Asp Hassel Rönn Sälg Tall Fur Ceder Lönn Alm Bok Ask Hägg Oxel Ljung Vass "
    "Säv Myr Kärr Mosse Sten Häll Klipp Sand Grus Lera"
).split()
_PLACE_MIDDLES = "a e i o u y å ä ö ar er ir or ur yr ås äs ös an en".split()
_PLACE_TAILS = "vik by sta näs holm torp ryd hult målla fors".split()
# 30 × 30 × 10 = 9,000 made-up place names; a §'s name is drawn with weight 1 / rank ** 1.07.
PLACES = [head + middle + tail for head in _PLACE_HEADS for middle in _PLACE_MIDDLES for tail in _PLACE_TAILS]
_PLACE_CUMULATIVE = list(itertools.accumulate(1 / rank**1.07 for rank in range(1, len(PLACES) + 1)))


def place(rng: random.Random) -> str:
    return PLACES[bisect.bisect(_PLACE_CUMULATIVE, rng.random() * _PLACE_CUMULATIVE[-1])]


def _text(rng: random.Random, sentences: int) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(sentences))


class _Table:
    """One model's table for COPY: every concrete column, with the field's default (computed
    once) where a row gives no value."""

    def __init__(self, model, connection, *, exclude=()):
        self.model = model
        self.name = model._meta.db_table
        self.fields = [field for field in model._meta.concrete_fields if field.column not in exclude]
        self.columns = [field.column for field in self.fields]
        self.defaults = {}
        now = datetime.now().astimezone()
        for field in self.fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            else:
                value = field.get_default()
            self.defaults[field.attname] = field.get_db_prep_save(value, connection)
        self.rows: list[tuple] = []

    def add(self, **values) -> None:
        defaults = self.defaults
        self.rows.append(tuple(values[name] if name in values else defaults[name] for name in defaults))

    def copy(self, cursor) -> None:
        if not self.rows:
            return
        columns = ", ".join(f'"{column}"' for column in self.columns)
        with cursor.copy(f'COPY "{self.name}" ({columns}) FROM STDIN') as copy:
            for row in self.rows:
                copy.write_row(row)
        self.rows.clear()


def _next_ids(cursor, tables) -> dict:
    ids = {}
    for table in tables:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table.name}"')
        ids[table.name] = itertools.count(cursor.fetchone()[0] + 1)
    return ids


def archive_generate(
    *,
    years=FULL_YEARS,
    committees: int = COMMITTEES,
    organisations: int = 1,
    seed: int = 1,
    search_entries: bool = False,
) -> dict:
    """Create (or extend) the archive: `committees` committees spread over `organisations`
    organisations, each with 11 justerade, posted meetings × 15 §§ a year for `years`.
    PostgreSQL only (COPY). Idempotent per committee and year; returns counts.

    With `search_entries`, the search index entries of the new §§ and cases are written too,
    as `portal.search` would build them (its own functions make the title, text and address;
    portal_measure checks a sample with `search_index_meeting`, which must find nothing to
    change), their vectors computed by one INSERT … SELECT, and the two search indexes built
    afterwards (timed: `counts["index"]`). Without it, run `manage.py search_reindex`."""
    from django.db import connection, transaction
    from django.utils import timezone

    from attendance.models import Attendance
    from cases.models import Case
    from committees.models import Assignment, Committee, Organisation, Person
    from meetings.models import AgendaItem, Justering, Meeting, Paragraph
    from portal.models import SearchEntry
    from portal.search import _url, html_to_text, plain_text

    assert connection.vendor == "postgresql", "the archive is written with PostgreSQL's COPY"
    rng = random.Random(seed)
    tz = timezone.get_current_timezone()
    years = list(years)

    # bulk_create, not get_or_create: no signals (the OParl records are not the benchmark's).
    names = [
        ("Arkivkommunen", "AK") if n == 0 else (f"Arkivkommun {n + 1}", f"AK{n + 1}")
        for n in range(organisations)
    ]
    existing = set(
        Organisation.objects.filter(name__in=[name for name, _ in names]).values_list("name", flat=True)
    )
    Organisation.objects.bulk_create(
        Organisation(name=name, short_name=prefix, diarium_prefix=prefix)
        for name, prefix in names
        if name not in existing
    )
    by_name = Organisation.objects.in_bulk([name for name, _ in names], field_name="name")
    orgs = [by_name[name] for name, _ in names]

    slugs = [f"arkiv-{index + 1:02d}" for index in range(committees)]
    existing = set(Committee.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    created = Committee.objects.bulk_create(
        Committee(
            slug=slug,
            organisation=orgs[index % organisations],
            name=f"Arkivnämnd {index + 1}",
            short_name=f"AN{index + 1}",
            kind=Committee.Kind.COMMITTEE,
        )
        for index, slug in enumerate(slugs)
        if slug not in existing
    )
    for body in created:
        number = body.slug.removeprefix("arkiv-").lstrip("0")
        people = Person.objects.bulk_create(
            Person(first_name=f"Ledamot{n}", last_name=f"Nämnd{number}") for n in range(MEMBERS_PER_COMMITTEE)
        )
        Assignment.objects.bulk_create(
            Assignment(person=p, committee=body, role=Assignment.Role.MEMBER, order=n)
            for n, p in enumerate(people)
        )
    by_slug = Committee.objects.in_bulk(slugs, field_name="slug")
    bodies = [by_slug[slug] for slug in slugs]

    done = set(
        Meeting.objects.filter(committee__in=bodies).values_list("committee_id", "start__year").distinct()
    )
    members = {body.pk: [] for body in bodies}
    for person_id, committee_id in Assignment.objects.filter(committee__in=bodies).values_list(
        "person_id", "committee_id"
    ):
        members[committee_id].append(person_id)

    counts = {"meetings": 0, "paragraphs": 0}
    months = (1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12)[:MEETINGS_PER_YEAR]
    tables = {
        model: _Table(model, connection)
        for model in (Meeting, Case, AgendaItem, Paragraph, Attendance, Justering)
    }
    meetings_t, cases_t, items_t = tables[Meeting], tables[Case], tables[AgendaItem]
    paragraphs_t, attendance_t, justering_t = tables[Paragraph], tables[Attendance], tables[Justering]
    entries_t = _Table(SearchEntry, connection, exclude=("id", "search_vector"))
    entries_t.name = "bench_search_entry"  # staged, then copied with their vectors
    if search_entries:
        dropped = _search_indexes_drop(connection)
    for first in range(0, len(bodies), CHUNK_COMMITTEES):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            ids = _next_ids(cursor, tables.values())
            for body in bodies[first : first + CHUNK_COMMITTEES]:
                for year in years:
                    if (body.pk, year) in done:
                        continue
                    case_ids, case_meeting, case_fields = [], {}, {}
                    for serial in range(1, MEETINGS_PER_YEAR * CASES_PER_MEETING + 1):
                        case_id = next(ids[cases_t.name])
                        case_ids.append(case_id)
                        prefix = body.slug.upper().replace("-", "")
                        case_title = f"{rng.choice(SUBJECTS)} {rng.choice(TOPICS)}"
                        case_fields[case_id] = (f"{prefix} {year}/{serial}", f"{year}/{serial}", case_title)
                        cases_t.add(
                            id=case_id,
                            organisation_id=body.organisation_id,
                            prefix=prefix,
                            year=year,
                            serial=serial,
                            title=case_title,
                            committee_id=body.pk,
                        )
                    number = 0
                    for month in months:
                        start = datetime(year, month, rng.randint(3, 26), 13, 0, tzinfo=tz)
                        meeting_id = next(ids[meetings_t.name])
                        meetings_t.add(
                            id=meeting_id,
                            committee_id=body.pk,
                            start=start,
                            end=start + timedelta(hours=2),
                            location="Kommunhuset, sal A",
                            status=Meeting.Status.POSTED,
                            signature_reference=uuid.uuid4(),
                        )
                        for order in range(PARAGRAPHS_PER_MEETING):
                            number += 1
                            title = f"{rng.choice(SUBJECTS)} {rng.choice(TOPICS)}"
                            item_id = next(ids[items_t.name])
                            kind = AgendaItem.Kind.DECISION if order % 4 else AgendaItem.Kind.INFORMATION
                            items_t.add(
                                id=item_id, meeting_id=meeting_id, order=order, title=title, kind=kind
                            )
                            case_id = case_ids[rng.randrange(len(case_ids))] if order % 3 == 0 else None
                            paragraph_id = next(ids[paragraphs_t.name])
                            summary = f"<p>{_text(rng, 3)} Ärendet gäller {place(rng)}.</p>"
                            decision = f"<p>Nämnden beslutar att {rng.choice(TOPICS)} ska följas upp.</p>"
                            basis = "Tjänsteskrivelse\nProtokollsutdrag"
                            paragraphs_t.add(
                                id=paragraph_id,
                                meeting_id=meeting_id,
                                agenda_item_id=item_id,
                                committee_id=body.pk,
                                year=year,
                                number=number,
                                order=order,
                                title=title,
                                case_id=case_id,
                                summary=summary,
                                decision=decision,
                                basis=basis,
                            )
                            if search_entries:
                                diarienummer, case_number, _ = (
                                    case_fields[case_id] if case_id else ("", "", "")
                                )
                                if case_id:
                                    case_meeting[case_id] = (meeting_id, start.date())  # the latest wins
                                entries_t.add(
                                    kind=SearchEntry.Kind.PARAGRAPH,
                                    object_id=paragraph_id,
                                    meeting_id=meeting_id,
                                    committee_id=body.pk,
                                    date=start.date(),
                                    title=f"§ {number} {title}"[:600],
                                    text=plain_text(html_to_text(decision), html_to_text(summary), basis),
                                    diarienummer=diarienummer,
                                    case_number=case_number,
                                    url=_url("portal:paragraph", meeting_id, number),
                                )
                        for person_id in members[body.pk]:
                            attendance_t.add(
                                id=next(ids[attendance_t.name]),
                                meeting_id=meeting_id,
                                person_id=person_id,
                                capacity=Attendance.Capacity.MEMBER,
                                serving=True,
                            )
                        justering_t.add(
                            id=next(ids[justering_t.name]),
                            meeting_id=meeting_id,
                            deadline=(start + timedelta(days=14)).date(),
                            frozen_at=start + timedelta(days=5),
                            completed_at=start + timedelta(days=7),
                        )
                        counts["meetings"] += 1
                        counts["paragraphs"] += PARAGRAPHS_PER_MEETING
                    for case_id, (meeting_id, day) in case_meeting.items():
                        diarienummer, case_number, case_title = case_fields[case_id]
                        entries_t.add(
                            kind=SearchEntry.Kind.CASE,
                            object_id=case_id,
                            meeting_id=meeting_id,
                            committee_id=body.pk,
                            date=day,
                            title=case_title[:600],
                            text="",
                            diarienummer=diarienummer,
                            case_number=case_number,
                            url=_url("portal:case", case_id),
                        )
            for table in tables.values():  # parents before children
                table.copy(cursor)
            if search_entries:
                _search_entries_copy(cursor, entries_t)
    with connection.cursor() as cursor:
        for table in tables.values():
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table.name}"))'
            )
            cursor.execute(f'ANALYZE "{table.name}"')
    if search_entries:
        counts["index"] = _search_indexes_create(connection, dropped)
    return counts


def _search_entries_copy(cursor, entries) -> None:
    """COPY the staged entries, then move them into the index table with their vectors,
    computed as `portal.search._update_vectors` does (titles and diarienummer A, text B)."""
    table = '"portal_searchentry"'
    names = ", ".join(f'"{column}"' for column in entries.columns)
    cursor.execute("DROP TABLE IF EXISTS bench_search_entry")
    cursor.execute(f"CREATE TEMP TABLE bench_search_entry AS SELECT {names} FROM {table} WITH NO DATA")
    entries.copy(cursor)
    cursor.execute(
        f"INSERT INTO {table} ({names}, search_vector) SELECT {names}, "
        "setweight(to_tsvector('swedish'::regconfig, COALESCE(title, '')), 'A') || "
        "setweight(to_tsvector('simple'::regconfig, COALESCE(diarienummer, '')), 'A') || "
        "setweight(to_tsvector('swedish'::regconfig, COALESCE(text, '')), 'B') "
        "FROM bench_search_entry"
    )


SEARCH_INDEXES = ("search_entry_vector_gin", "search_entry_newest")


def _search_indexes_drop(connection) -> dict[str, str]:
    """Drop the two search indexes for the load (built once afterwards, faster than kept up
    row by row); returns their definitions."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)", [list(SEARCH_INDEXES)]
        )
        definitions = dict(cursor.fetchall())
        for name in definitions:
            cursor.execute(f'DROP INDEX "{name}"')
    return definitions


def _search_indexes_create(connection, definitions: dict[str, str]) -> dict:
    """Build the search indexes again; their build time (s) and size (MB)."""
    import time

    figures = {}
    with connection.cursor() as cursor:
        for name, definition in definitions.items():
            started = time.perf_counter()
            cursor.execute(definition)
            seconds = time.perf_counter() - started
            cursor.execute("SELECT pg_relation_size(%s::regclass)", [name])
            figures[name] = {"build_s": round(seconds, 1), "mb": round(cursor.fetchone()[0] / 2**20, 1)}
        cursor.execute('ANALYZE "portal_searchentry"')
    return figures
