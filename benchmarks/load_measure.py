"""The measuring side of bench_load.py, run in its own process against a throwaway
PostgreSQL (DATABASE_URL set by bench_load). Prints one JSON object on its last line.

200 anonymous readers (wrk, 200 connections, each waiting 1–3 s between pages like a person
reading) go through the portal's pages and searches, while a secretary edits a § in the
admin every two seconds and the four signers justera a protokoll, all over HTTP against
gunicorn on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import services  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from http_client import Browser  # noqa: E402
from portal_archive import FULL_YEARS, archive_generate  # noqa: E402

READERS = 200
SECONDS = int(os.environ.get("PARAGRAF_LOAD_SECONDS", "90"))
DEMO_PASSWORD = "paragraf-demo"
SEARCHES = ["motionen", "remisser", "budget", "kultur för hälsa", "skolskjuts", "folkhälsa", "2022/2018"]

LUA = r"""
local paths = {%(paths)s}
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
delay = function()
  return math.random(1000, 3000)
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRK {"requests": %%d, "p50_ms": %%.1f, "p95_ms": %%.1f, "p99_ms": %%.1f, '
    .. '"errors": %%d, "status_errors": %%d, "timeouts": %%d}\n',
    summary.requests, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors, summary.errors.status, summary.errors.timeout))
end
"""


def setup() -> dict:
    """Demo data, a small archive and the two things done during the load."""
    from committees.models import Committee
    from meetings.justering.services import protokoll_freeze
    from meetings.models import AgendaItem, Meeting
    from meetings.services.lifecycle import committee_secretaries
    from meetings.services.paragraphs import protokoll_create_draft
    from portal.published import published_cases, published_meetings

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    archive_generate(years=FULL_YEARS[:2])
    call_command("search_reindex", verbosity=0)

    forum = Committee.objects.get(short_name="KF")
    secretary = committee_secretaries(forum).first()
    # A held meeting whose draft protokoll the secretary edits during the load.
    editing = Meeting.objects.create(
        committee=forum,
        start=timezone.now() - timedelta(days=1),
        location="Regionens hus",
        status=Meeting.Status.HELD,
        secretary=secretary,
    )
    for order, title in enumerate(["Val av justerare", "Information", "Regional utvecklingsstrategi"], 1):
        AgendaItem.objects.create(meeting=editing, order=order, title=title)
    protokoll_create_draft(meeting=editing)
    paragraph = editing.paragraphs.order_by("order").last()
    # The demo's draft protokoll (signers chosen) is frozen: the signers justera it under load.
    draft = Meeting.objects.filter(committee=forum, status=Meeting.Status.PROTOKOLL_DRAFTED).exclude(
        pk=editing.pk
    )[0]
    protokoll_freeze(meeting=draft, by=secretary.user)
    signatures = [(s.pk, s.person.user.username) for s in draft.justering.signatures.order_by("order", "pk")]

    rng = random.Random(3)
    meetings = list(published_meetings().values_list("pk", flat=True))
    paths = [reverse("portal:start"), reverse("portal:anslagstavla"), reverse("portal:protokoll_list")]
    paths += [reverse("portal:protokoll", args=[pk]) for pk in rng.sample(meetings, 40)]
    paths += [
        f"{reverse('portal:protokoll_list')}?organ={slug}&ar={year}"
        for slug in ("arkiv-01", "arkiv-07", "arkiv-19")
        for year in FULL_YEARS[:2]
    ]
    paths += [reverse("portal:case", args=[pk]) for pk in published_cases().values_list("pk", flat=True)[:10]]
    from urllib.parse import quote

    paths += [f"{reverse('portal:search')}?q={quote(q)}" for q in SEARCHES]
    return {
        "paths": paths,
        "secretary": secretary.user.username,
        "paragraph": paragraph.pk,
        "draft": draft.pk,
        "signatures": signatures,
    }


def secretary_edits(base: str, plan: dict, stop: threading.Event, result: dict) -> None:
    browser = Browser(base)
    browser.login(reverse("meetings:login"), plan["secretary"], DEMO_PASSWORD)
    change = reverse("admin:meetings_paragraph_change", args=[plan["paragraph"]])
    saved = 0
    while not stop.is_set():
        fields = [(k, v) for k, v in browser.form(change, "paragraph_form") if k not in ("_save",)]
        fields = [
            (k, f"<p>Ändrat {saved} {time.time()}</p>") if k == "summary" else (k, v) for k, v in fields
        ]
        status, text = browser.request(change, [*fields, ("_save", "Spara")])
        if status == 302 or (status == 200 and "paragraph_form" not in text):
            saved += 1  # saved and redirected to the list (urllib follows the redirect)
        else:
            browser.errors.append(f"edit answered {status}: {_problem(text)}")
        stop.wait(2)
    result.update(saves=saved, errors=browser.errors, latencies=browser.latencies)


def signers_sign(base: str, plan: dict, result: dict) -> None:
    time.sleep(10)
    latencies, errors, signed = [], [], 0
    for signature_pk, username in plan["signatures"]:
        browser = Browser(base)
        browser.login(reverse("meetings:login"), username, DEMO_PASSWORD)
        url = reverse("meetings:justering", args=[signature_pk])
        fields = [(k, v) for k, v in browser.form(url) if k == "csrfmiddlewaretoken"]
        started = time.perf_counter()
        status, text = browser.request(url, [*fields, ("password", DEMO_PASSWORD)])
        latencies.append(time.perf_counter() - started)
        if status == 200 and 'name="password"' not in text:
            signed += 1  # signed; urllib followed the redirect to the signing page's receipt
        else:
            errors.append(f"signing answered {status}: {_problem(text)}")
        errors += browser.errors
        time.sleep(5)
    result.update(signed=signed, errors=errors, latencies=latencies)


def _problem(text: str) -> str:
    """The first error message of a re-shown form, for the report."""
    import re

    found = re.search(r'class="(?:errorlist|errornote|messages?)[^"]*"[^>]*>(.*?)</', text, re.S)
    return " ".join(re.sub("<[^>]+>", " ", found.group(1)).split())[:160] if found else text[:80]


def _p95(samples: list[float]) -> float | None:
    if not samples:
        return None
    samples = sorted(samples)
    return round(samples[max(0, int(round(0.95 * len(samples))) - 1)] * 1000, 1)


def main() -> None:
    from meetings.models import Meeting

    plan = setup()
    script = Path(tempfile.mkdtemp()) / "readers.lua"
    script.write_text(LUA % {"paths": ", ".join(json.dumps(p) for p in plan["paths"])})
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"}
    workers = int(os.environ.get("PARAGRAF_LOAD_WORKERS", "2"))
    threads = int(os.environ.get("PARAGRAF_LOAD_THREADS", "8"))
    # gthread, as in the Dockerfile: readers who pause between pages keep their connection open,
    # and a sync worker would sit waiting on each of them.
    with services.gunicorn("config.wsgi:application", env=env, workers=workers, threads=threads) as base:
        for path in plan["paths"]:  # warm every worker's caches once, as a running site has
            Browser(base).request(path)
        stop, edits, signs = threading.Event(), {}, {}
        editor = threading.Thread(target=secretary_edits, args=(base, plan, stop, edits))
        signer = threading.Thread(target=signers_sign, args=(base, plan, signs))
        wrk = subprocess.Popen(
            ["wrk", "-t2", f"-c{READERS}", f"-d{SECONDS}s", "--timeout", "10s", "-s", str(script), base],
            stdout=subprocess.PIPE,
            text=True,
        )
        editor.start()
        signer.start()
        out, _ = wrk.communicate(timeout=SECONDS + 120)
        stop.set()
        editor.join(60)
        signer.join(120)
    readers = json.loads(next(line[4:] for line in out.splitlines() if line.startswith("WRK ")))
    status = Meeting.objects.get(pk=plan["draft"]).status
    figures = {
        "duration s": SECONDS,
        "gunicorn workers × threads (gthread)": f"{workers} × {threads}",
        "readers (wrk connections, 1–3 s between pages)": READERS,
        "reader requests served": readers["requests"],
        "reader requests per s": round(readers["requests"] / SECONDS, 1),
        "reader p50 ms": readers["p50_ms"],
        "reader p95 ms": readers["p95_ms"],
        "reader p99 ms": readers["p99_ms"],
        "reader errors (socket, timeouts, non-2xx/3xx)": readers["errors"],
        "secretary saves of a § (every 2 s)": edits.get("saves"),
        "secretary p95 ms": _p95(edits.get("latencies", [])),
        "secretary errors": len(edits.get("errors", [])),
        "signatures made under load": f"{signs.get('signed')} of {len(plan['signatures'])}",
        "signing p95 ms": _p95(signs.get("latencies", [])),
        "signing errors": len(signs.get("errors", [])),
        "protokoll status after the load": status,
        "first errors": "; ".join((edits.get("errors", []) + signs.get("errors", []))[:4]) or "none",
        "median secretary ms": round(statistics.median(edits["latencies"]) * 1000, 1)
        if edits.get("latencies")
        else None,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
