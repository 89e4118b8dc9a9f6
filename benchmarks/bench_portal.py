"""Public portal at archive scale (100k and 1M §§ on PostgreSQL): page, list, search, gunicorn.

The archives (benchmarks/portal_archive.py): 100k is 30 committees × 20 years × 11 meetings
× 15 §§ (99,000 §§); 1M is 303 committees of 300 organisations of the same shape (999,900
§§). Each is generated once with COPY into its own PostgreSQL 15 cluster kept under
.local/bench-archive/<size>-g<generator version>/ (PARAGRAF_BENCH_ARCHIVE_ROOT to put it
elsewhere; delete the directory to regenerate) and reused by later runs. The measuring runs in
its own process per size (benchmarks/portal_measure.py). PARAGRAF_BENCH_SIZES=100k runs only
the small one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import services
from portal_archive import GENERATOR_VERSION

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

NOTES = """
Columns: the figure at 100k and at 1M §§, and the target. Latencies are measured in-process
with Django's test client (100 requests each, random meetings / committee-years / search
words, after a warm-up), so they are the server's time without the network. "queries" is
the most SQL queries one request made: the protokoll page and the list must not grow with the
archive (also proven by tests with `django_assert_max_num_queries`). The search words: the
20 most common words of the index (alphabetic lexemes, from a 5 % sample), middling ones
(2,001–20,000 hits: more than RANK_LIMIT, so listed newest first, where the newest-first walk
reads the most rows per hit found), rare ones (1–100 hits, ranked) and the ten queries of the
earlier runs. "Unchanged from 100k" is read as a p95 at 1M at most 25 % (or 10 ms) above
the one at 100k, on a shared two-core machine. The index build times are of the generation
(CREATE INDEX after the COPY, maintenance_work_mem 256 MB). The gunicorn figures (100k
archive, benchmarks/portal_throughput.py) come from `wrk -t2 -c8` on
127.0.0.1 against 2 sync workers, all with the anonymous page cache off, in one run: the static
file is the same HTML served from memory by the same gunicorn (benchmarks/static_wsgi.py,
measured before and after and averaged), the ceiling for a Python server on this machine; the
stored page is what an anonymous reader gets (portal/prerender.py, served by the WSGI fast path
of portal/prerender_wsgi.py after one prepared lookup); the live page is rendered per request
(a reader with a session). Targets: stored page >= 0.5 of the static file's requests/s and its
p99 under 50 ms.
"""

SEARCH_P95_TARGET_MS = 100
SIZES = ("100k", "1M")
TIMEOUT_S = {"100k": 1800, "1M": 5400}  # generation included, the first time


def archive_root() -> Path:
    return Path(os.environ.get("PARAGRAF_BENCH_ARCHIVE_ROOT", ROOT / ".local" / "bench-archive"))


def measure(size: str, *, gunicorn: bool) -> dict:
    archive_dir = archive_root() / f"{size}-g{GENERATOR_VERSION}"
    with services.postgresql(data_dir=archive_dir) as database_url:
        env = {**os.environ, "DATABASE_URL": database_url, "PARAGRAF_BENCH_ARCHIVE_DIR": str(archive_dir)}
        for name in ("REDIS_URL", "CELERY_BROKER_URL", "DJANGO_DEBUG", "PARAGRAF_LOCAL_DIR"):
            env.pop(name, None)
        env["PARAGRAF_LOCAL_DIR"] = str(archive_dir / "local")
        result = subprocess.run(
            [sys.executable, str(HERE / "portal_measure.py"), size, *(["--gunicorn"] if gunicorn else [])],
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S.get(size, 1800),
        )
    if result.returncode != 0:
        raise RuntimeError(f"{size}: " + result.stdout[-3000:] + result.stderr[-5000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def _unchanged(small, large) -> bool:
    return large <= max(small * 1.25, small + 10)


TARGETS = {
    "protokoll page p95 ms": ("unchanged from 100k", _unchanged),
    "committee-year list p95 ms": ("unchanged from 100k", _unchanged),
    "protokoll page queries": ("same at both sizes", lambda small, large: large <= small),
    "committee-year list queries": ("same at both sizes", lambda small, large: large <= small),
    "search, 20 most common words p95 ms": ("< 100 at 1M", lambda small, large: large < SEARCH_P95_TARGET_MS),
    "search, rare words (1–100 hits) p95 ms": (
        "< 100 at 1M",
        lambda small, large: large < SEARCH_P95_TARGET_MS,
    ),
    "search (the 10 queries of earlier runs) p95 ms": (
        "< 100 at 1M",
        lambda small, large: large < SEARCH_P95_TARGET_MS,
    ),
}


def run() -> dict:
    sizes = [size for size in os.environ.get("PARAGRAF_BENCH_SIZES", ",".join(SIZES)).split(",") if size]
    by_size = {size: measure(size, gunicorn=size == sizes[0]) for size in sizes}
    names = list(dict.fromkeys(name for figures in by_size.values() for name in figures))
    side_by_side, scalars = {}, {}
    for name in names:
        if all(name in figures for figures in by_size.values()) or name.startswith(
            ("index", "search", "archive")
        ):
            row = {size: by_size[size].get(name, "") for size in sizes}
            target = TARGETS.get(name)
            row["target"] = target[0] if target else ""
            side_by_side[name] = row
        else:
            scalars[name] = by_size[sizes[0]][name]
    verdicts = {}
    if len(sizes) == 2:
        small, large = sizes
        for name, (label, check) in TARGETS.items():
            if name in by_size[small] and name in by_size[large]:
                verdicts[f"{name}: {label}_within_target"] = check(by_size[small][name], by_size[large][name])
    return {**side_by_side, **scalars, **verdicts}
