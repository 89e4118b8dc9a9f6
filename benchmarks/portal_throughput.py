"""The protokoll page under gunicorn against the same bytes as a static file, in one run, with
the anonymous page cache off (portal/caching.py): the stored page (portal/prerender.py), and
the live render for comparison. Called by portal_measure.py inside its Django process.

Each figure is a wrk run against 2 sync gunicorn workers on 127.0.0.1 (`-t2 -c8`); the static
file is served by the same gunicorn from memory (static_wsgi.py). The static file is measured
before and after the stored page and the two are averaged, so a change in the machine's load
during the run moves both sides of the ratio alike.
"""

from __future__ import annotations

import os
import tempfile
import urllib.request
from pathlib import Path

import services

HERE = Path(__file__).resolve().parent

STORED_RATIO_TARGET = 0.5
STORED_P99_TARGET_MS = 50


def _check(url: str, html: bytes) -> None:
    """One request first: the server answers the stored page, byte for byte."""
    with urllib.request.urlopen(url, timeout=30) as response:
        body = response.read()
    if response.status != 200 or body != html:
        raise RuntimeError(f"{url} answered {response.status} with {len(body)} bytes, not the stored page")


def protokoll_throughput(meeting_id: int, *, seconds: int) -> dict:
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from portal.models import StoredPage
    from portal.prerender import prerender_meeting

    prerender_meeting(meeting_id=meeting_id)
    path = reverse("portal:protokoll", args=[meeting_id])
    html = Client().get(path).content
    assert html == StoredPage.objects.get(meeting_id=meeting_id, number=0, language="sv").html.encode()
    static_file = Path(tempfile.mkdtemp()) / "protokoll.html"
    static_file.write_bytes(html)
    env = {**os.environ, "PARAGRAF_BENCH_STATIC_FILE": str(static_file), "PARAGRAF_PUBLIC_CACHE_SECONDS": "0"}
    env.pop("DJANGO_DEBUG", None)
    # A session cookie that names no session: the reader the stored page is not for (the live view).
    live_cookie = f"{settings.SESSION_COOKIE_NAME}=no-such-session"

    def static_run() -> dict:
        with services.gunicorn("static_wsgi:app", env={**env, "PYTHONPATH": str(HERE)}) as base:
            return services.wrk(base + "/", seconds=seconds, connections=8)

    static_before = static_run()
    with services.gunicorn("config.wsgi:application", env=env) as base:
        _check(base + path, html)
        stored = services.wrk(base + path, seconds=seconds, connections=8)
        live = services.wrk(base + path, seconds=seconds, connections=8, headers={"Cookie": live_cookie})
    static_after = static_run()
    static = (static_before["requests_per_s"] + static_after["requests_per_s"]) / 2
    ratio = round(stored["requests_per_s"] / static, 3)
    return {
        f"gunicorn (2 workers), wrk {seconds} s, page cache off: static file req/s": round(static),
        "static file p50 / p99 ms": f"{static_before['p50_ms']} / {static_before['p99_ms']}",
        "stored protokoll page req/s": stored["requests_per_s"],
        "stored page p50 / p99 ms": f"{stored['p50_ms']} / {stored['p99_ms']}",
        "stored page errors": stored["errors"],
        "stored page / static file": ratio,
        "live-rendered protokoll page req/s": live["requests_per_s"],
        "live page p50 / p99 ms": f"{live['p50_ms']} / {live['p99_ms']}",
        "live page errors": live["errors"],
        "live page / static file": round(live["requests_per_s"] / static, 3),
        "stored page / static file >= 0.5_within_target": ratio >= STORED_RATIO_TARGET,
        "stored page p99 < 50 ms_within_target": (stored["p99_ms"] or 1e9) < STORED_P99_TARGET_MS,
        "stored page errors none_within_target": stored["errors"] == 0,
    }
