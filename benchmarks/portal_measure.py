"""The measuring side of bench_portal.py, run in its own process against a throwaway
PostgreSQL (DATABASE_URL set by bench_portal). Prints one JSON object on its last line."""

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
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from portal_archive import FULL_YEARS, archive_generate  # noqa: E402

REQUESTS = 100
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


def measure(label: str, rng: random.Random) -> dict:
    from committees.models import Committee
    from portal.published import open_paragraphs, published_meetings

    client = Client()
    archive = published_meetings().filter(committee__slug__startswith="arkiv-")
    meeting_pks = list(archive.values_list("pk", flat=True))
    slugs = list(Committee.objects.filter(slug__startswith="arkiv-").values_list("slug", flat=True))
    years = sorted({y for y in published_meetings().values_list("start__year", flat=True)})
    protokoll = [reverse("portal:protokoll", args=[rng.choice(meeting_pks)]) for _ in range(REQUESTS)]
    lists = [
        f"{reverse('portal:protokoll_list')}?organ={rng.choice(slugs)}&ar={rng.choice(years)}"
        for _ in range(REQUESTS)
    ]
    searches = [f"{reverse('portal:search')}?q={rng.choice(SEARCHES)}" for _ in range(REQUESTS)]
    figures = {f"{label}: paragraphs": open_paragraphs().count()}
    for name, urls in (("protokoll page", protokoll), ("committee-year list", lists), ("search", searches)):
        samples, queries = _time(client, urls)
        p50, p95 = _percentiles(samples)
        figures[f"{label}: {name} p50 ms"] = p50
        figures[f"{label}: {name} p95 ms"] = p95
        figures[f"{label}: {name} queries"] = queries
    return figures


def main() -> None:
    rng = random.Random(7)
    call_command("migrate", verbosity=0)
    figures: dict = {}
    started = time.perf_counter()
    archive_generate(years=FULL_YEARS[:2])
    call_command("search_reindex", verbosity=0)
    figures["1/10 size: generated and indexed in s"] = round(time.perf_counter() - started, 1)
    figures.update(measure("1/10 size", rng))
    started = time.perf_counter()
    archive_generate(years=FULL_YEARS[2:])
    call_command("search_reindex", verbosity=0)
    figures["full size: generated and indexed in s"] = round(time.perf_counter() - started, 1)
    figures.update(measure("full size", rng))

    # Throughput of the protokoll page under gunicorn (2 workers), page cache off: the stored
    # page and the live render against the same bytes served as a static file, in one run.
    from portal_throughput import protokoll_throughput

    from portal.published import published_meetings

    first = published_meetings().filter(committee__slug="arkiv-01").order_by("start")
    seconds = int(os.environ.get("PARAGRAF_BENCH_WRK_SECONDS", "30"))
    figures.update(protokoll_throughput(first.values_list("pk", flat=True)[0], seconds=seconds))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
