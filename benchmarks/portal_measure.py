"""The measuring side of bench_portal.py, run in its own process against one PostgreSQL
cluster (DATABASE_URL set by bench_portal), once per archive size. Prints one JSON object on
its last line.

    portal_measure.py 100k|1M [--gunicorn]

The archive is generated on first use (benchmarks/portal_archive.py, with its search
entries) and kept with the cluster: a file archive.json in PARAGRAF_BENCH_ARCHIVE_DIR says
what was generated, by which generator version, and how long it and the index builds took.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# The latencies are of the work itself: the anonymous page cache (portal/caching.py) is off.
os.environ["PARAGRAF_PUBLIC_CACHE_SECONDS"] = "0"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from portal_archive import GENERATOR_VERSION, PLACES, archive_generate  # noqa: E402

# 100k: today's archive; 1M: ten times it, across ~300 organisations (portal_archive.py).
SIZES = {
    "10k": {"committees": 3, "organisations": 2},  # a quick check of the whole run
    "100k": {"committees": 30, "organisations": 1},
    "1M": {"committees": 303, "organisations": 300},
}
REQUESTS = 100
# The ten queries of the earlier runs (words and phrases of the generated texts).
SEARCHES = [
    "motionen",
    "remisser",
    "budget",
    "kultur för hälsa",
    "skolskjuts",
    "vatten och avlopp",
    "yttrande",
    "barnkonventionen",
    "detaljplan",
    "folkhälsa",
]
VERIFIED_MEETINGS = 20


def _percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    p50 = statistics.median(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]
    return round(p50 * 1000, 1), round(p95 * 1000, 1)


def _time(client: Client, urls: list[str]) -> tuple[list[float], int]:
    for url in urls[:5]:  # warm up
        assert client.get(url).status_code == 200, url
    samples, queries = [], 0
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        queries = max(queries, len(captured))
    return samples, queries


def _hits(word: str, cap: int) -> int:
    """How many entries match `word` as the search page matches it (counted up to `cap`)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM portal_searchentry WHERE search_vector @@ "
            "websearch_to_tsquery('swedish', %s) LIMIT %s) AS hits",
            [word, cap],
        )
        return cursor.fetchone()[0]


def search_words() -> dict[str, list[str]]:
    """The words searched for: the 20 most common words of the index (alphabetic lexemes,
    from a 5 % sample of it), middling ones (more than RANK_LIMIT hits, at most ten times
    that: listed newest first, the hardest case for the newest-first walk) and rare ones
    (1–100 hits: ranked)."""
    from portal.search import RANK_LIMIT

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word FROM ts_stat('SELECT search_vector FROM portal_searchentry "
            "TABLESAMPLE SYSTEM (5) REPEATABLE (1)') WHERE word ~ '^[[:alpha:]]+$' "
            "ORDER BY ndoc DESC, word LIMIT 20"
        )
        common = [word for (word,) in cursor.fetchall()]
    middling = []
    for name in PLACES[:400]:
        if RANK_LIMIT < _hits(name, 10 * RANK_LIMIT + 1) <= 10 * RANK_LIMIT:
            middling.append(name)
        if len(middling) == 20:
            break
    rare = []
    for name in reversed(PLACES[::7]):
        if 1 <= _hits(name, 101) <= 100:
            rare.append(name)
        if len(rare) == 20:
            break
    return {"common": common, "middling": middling, "rare": rare}


def archive_prepare(size: str, archive_dir: Path) -> dict:
    """Generate the archive of `size` unless the kept cluster has it; what it took."""
    marker = archive_dir / "archive.json"
    if marker.exists():
        about = json.loads(marker.read_text())
        if about.get("generator") == GENERATOR_VERSION and about.get("size") == size:
            return {**about, "kept": True}
        raise RuntimeError(f"{archive_dir} holds another archive ({about}); remove it")
    started = time.perf_counter()
    counts = archive_generate(search_entries=True, **SIZES[size])
    about = {
        "size": size,
        "generator": GENERATOR_VERSION,
        "generated_s": round(time.perf_counter() - started, 1),
        "paragraphs": counts["paragraphs"],
        "index": counts["index"],
    }
    marker.write_text(json.dumps(about))
    return {**about, "kept": False}


def archive_verify(rng: random.Random) -> int:
    """The generated search entries are what portal.search builds: re-indexing a sample of
    meetings with the real code finds nothing to write or remove (rolled back either way)."""
    from portal.published import published_meetings
    from portal.search import search_index_meeting

    pks = list(published_meetings().filter(committee__slug__startswith="arkiv-").values_list("pk", flat=True))
    for pk in rng.sample(pks, VERIFIED_MEETINGS):
        with transaction.atomic():
            meeting = published_meetings().get(pk=pk)
            changed = search_index_meeting(meeting=meeting)
            transaction.set_rollback(True)
        assert changed == {"written": 0, "removed": 0}, (pk, changed)
    return VERIFIED_MEETINGS


def index_sizes() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_total_relation_size('portal_searchentry'), pg_relation_size('portal_searchentry'), "
            "count(*) FROM portal_searchentry"
        )
        total, heap, rows = cursor.fetchone()
    return {"entries": rows, "table_mb": round(heap / 2**20, 1), "with_indexes_mb": round(total / 2**20, 1)}


def _explain(queryset_or_sql, params=None) -> tuple[float, int]:
    """(execution ms, shared blocks touched) of one query by EXPLAIN (ANALYZE, BUFFERS)."""
    if params is None:
        sql, params = queryset_or_sql.query.sql_with_params()
    else:
        sql = queryset_or_sql
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
    top = plan["Plan"]
    return plan["Execution Time"], top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)


def database_figures(words: dict[str, list[str]]) -> dict:
    """The search's SQL alone, as PostgreSQL's own EXPLAIN ANALYZE times it (less disturbed by
    a busy machine than a whole request): the count and page-1 queries of each word, summed,
    and the most 8 kB blocks they touched."""
    from portal.search import PAGE_SIZE, RANK_LIMIT, _matching, search_results

    figures = {}
    for kind, chosen in words.items():
        if not chosen:
            continue
        times, blocks = [], 0
        for q in chosen:
            matching = _matching(q, committee=None, date_from=None, date_to=None)[0]
            count_sql, params = matching.values("pk")[: RANK_LIMIT + 1].query.sql_with_params()
            count_ms, count_blocks = _explain(f"SELECT count(*) FROM ({count_sql}) AS hits", params)
            count = matching.values("pk")[: RANK_LIMIT + 1].count()
            page = search_results(q=q, ranked=count <= RANK_LIMIT).values_list("pk", flat=True)[:PAGE_SIZE]
            page_ms, page_blocks = _explain(page)
            times.append((count_ms + page_ms) / 1000)
            blocks = max(blocks, count_blocks + page_blocks)
        p50, p95 = _percentiles(times)
        figures[f"search SQL only (EXPLAIN ANALYZE), {kind} words p95 ms"] = p95
        figures[f"search SQL only, {kind} words: most blocks read"] = blocks
    return figures


def measure(rng: random.Random) -> dict:
    from committees.models import Committee
    from portal.published import open_paragraphs, published_meetings

    client = Client()
    archive = published_meetings().filter(committee__slug__startswith="arkiv-")
    meeting_pks = list(archive.values_list("pk", flat=True))
    slugs = list(Committee.objects.filter(slug__startswith="arkiv-").values_list("slug", flat=True))
    years = sorted({y for y in published_meetings().values_list("start__year", flat=True)})
    words = search_words()
    search = reverse("portal:search")

    def queries(choices, extra=""):
        return [
            f"{search}?q={rng.choice(choices)}{extra() if callable(extra) else extra}"
            for _ in range(REQUESTS)
        ]

    pages = {
        "protokoll page": [
            reverse("portal:protokoll", args=[rng.choice(meeting_pks)]) for _ in range(REQUESTS)
        ],
        "committee-year list": [
            f"{reverse('portal:protokoll_list')}?organ={rng.choice(slugs)}&ar={rng.choice(years)}"
            for _ in range(REQUESTS)
        ],
        "search (the 10 queries of earlier runs)": queries(SEARCHES),
        "search, 20 most common words": queries(words["common"]),
        "search, middling words (2,001–20,000 hits)": queries(words["middling"]) if words["middling"] else [],
        "search, rare words (1–100 hits)": queries(words["rare"]),
        "search, common word, page 10": queries(words["common"], "&sida=10"),
        "search, common word in one committee": queries(
            words["common"], lambda: f"&organ={rng.choice(slugs)}"
        ),
    }
    figures = {
        "paragraphs": open_paragraphs().count(),
        "words: common": " ".join(words["common"]),
        "words: rare (sample)": " ".join(words["rare"][:5]),
    }
    figures.update(database_figures(words))
    for name, urls in pages.items():
        if not urls:
            continue
        samples, count = _time(client, urls)
        p50, p95 = _percentiles(samples)
        figures[f"{name} p50 ms"] = p50
        figures[f"{name} p95 ms"] = p95
        figures[f"{name} queries"] = count
    return figures


def main() -> None:
    size = sys.argv[1]
    archive_dir = Path(os.environ["PARAGRAF_BENCH_ARCHIVE_DIR"])
    rng = random.Random(7)
    call_command("migrate", verbosity=0)
    about = archive_prepare(size, archive_dir)
    figures: dict = {
        "archive generated in s (COPY, with the search entries)": (
            f"{about['generated_s']} (kept from an earlier run)" if about["kept"] else about["generated_s"]
        ),
        "search entries checked against portal.search (meetings)": archive_verify(rng),
    }
    for name, index in about["index"].items():
        figures[f"index {name}: build s"] = index["build_s"]
        figures[f"index {name}: MB"] = index["mb"]
    for name, value in index_sizes().items():
        figures[f"search table: {name}"] = value
    figures.update(measure(rng))
    if "--gunicorn" in sys.argv:
        figures.update(gunicorn_figures())
    print(json.dumps(figures))


def gunicorn_figures() -> dict:
    # Throughput of the protokoll page under gunicorn (2 workers), page cache off: the stored
    # page and the live render against the same bytes served as a static file, in one run.
    from portal_throughput import protokoll_throughput

    from portal.published import published_meetings

    first = published_meetings().filter(committee__slug="arkiv-01").order_by("start")
    seconds = int(os.environ.get("PARAGRAF_BENCH_WRK_SECONDS", "30"))
    return protokoll_throughput(first.values_list("pk", flat=True)[0], seconds=seconds)


if __name__ == "__main__":
    main()
