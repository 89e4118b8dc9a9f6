"""Benchmark: rendering the protokoll of Kommunalt forum 2024-10-11 (11 §§, 65-person Bilaga 1).

Targets (issue 4): the whole render under 1.5 s, and our overhead — the render through
`meetings.protokoll.document.protokoll_render` (context, template, PDF/A, signature boxes) against
WeasyPrint rendering the same HTML string directly — at most 1.2×.

Run alone with `.venv/bin/python benchmarks/bench_protokoll.py`: it loads the demo into a
throwaway embedded SQLite database (PARAGRAF_LOCAL_DIR in a temporary directory, set before
django.setup()). Called from benchmarks/run.py after Django is set up, it uses that
database and loads the demo there (load_demo is idempotent).
"""

from __future__ import annotations

import atexit
import io
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5
TARGET_RENDER_SECONDS = 1.5
TARGET_OVERHEAD_RATIO = 1.2
COMMITTEE = "Kommunalt forum"
MEETING_DATE = "2024-10-11"


def _django_setup() -> None:
    """Set up Django on a temporary embedded database, unless the caller already did."""
    from django.conf import settings

    if settings.configured:
        return
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    local_dir = tempfile.mkdtemp(prefix="paragraf-bench-protokoll-")
    atexit.register(shutil.rmtree, local_dir, ignore_errors=True)
    os.environ["PARAGRAF_LOCAL_DIR"] = local_dir
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)  # the embedded default: SQLite, tasks in-process
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _median_seconds(function, rounds: int = ROUNDS) -> float:
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def run() -> dict:
    """Render the demo protokoll ROUNDS times each way and return the medians and ratios."""
    _django_setup()
    from django.core.management import call_command
    from weasyprint import HTML

    from meetings.models import Meeting
    from meetings.pdf import PDF_VARIANT
    from meetings.protokoll.document import protokoll_html, protokoll_render, protokollsutdrag_render_pdf

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    meeting = Meeting.objects.get(committee__name=COMMITTEE, start__date=MEETING_DATE)
    paragraph = meeting.paragraphs.order_by("number").first()

    rendered = protokoll_render(meeting=meeting)  # warm-up: fonts, templates, imports
    html = protokoll_html(meeting=meeting)

    ours = _median_seconds(lambda: protokoll_render(meeting=meeting))
    direct = _median_seconds(lambda: HTML(string=html).write_pdf())
    direct_pdfa = _median_seconds(lambda: HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT))
    utdrag = _median_seconds(lambda: protokollsutdrag_render_pdf(paragraph=paragraph))

    ratio = ours / direct
    return {
        "protokoll": f"{COMMITTEE} {MEETING_DATE}",
        "paragraphs": meeting.paragraphs.count(),
        "annex_people": meeting.attendances.count(),
        "pages": rendered.page_count,
        "rounds": ROUNDS,
        "protokoll_render_s": round(ours, 3),
        "weasyprint_direct_s": round(direct, 3),
        "weasyprint_direct_pdfa_s": round(direct_pdfa, 3),
        "overhead_ratio": round(ratio, 3),
        "overhead_ratio_vs_pdfa": round(ours / direct_pdfa, 3),
        "protokollsutdrag_render_s": round(utdrag, 3),
        "target_render_s": TARGET_RENDER_SECONDS,
        "target_overhead_ratio": TARGET_OVERHEAD_RATIO,
        "render_within_target": ours < TARGET_RENDER_SECONDS,
        "overhead_within_target": ratio <= TARGET_OVERHEAD_RATIO,
    }


if __name__ == "__main__":
    figures = run()
    width = max(len(key) for key in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
