"""`make bench`: run every benchmarks/bench_*.py and write benchmarks/RESULTS.md.

Each benchmark module has a `run() -> dict` returning its figures (keys ending in
`_within_target` are the verdicts) and may have `NOTES`, a Markdown paragraph saying how to
read them. This script sets Django up once on a throwaway
embedded SQLite database (a temporary PARAGRAF_LOCAL_DIR; DATABASE_URL and REDIS_URL are
ignored, so the development database is never touched), runs the modules in name order
and writes the figures with the date and the machine to RESULTS.md, and the raw figures
to benchmarks/out/results.json.

    .venv/bin/python benchmarks/run.py             # all benchmarks
    .venv/bin/python benchmarks/run.py kallelse    # only bench_kallelse.py

A module's figure may be a dict of columns ({"100k": …, "1M": …, "target": …}, as
bench_portal.py reports its two archive sizes side by side): those go into a table with one
column each.

The modules today: bench_kallelse.py (compiling a 400-page kallelse), bench_protokoll.py
(rendering the 11-§ protokoll, our overhead over WeasyPrint) and bench_signing.py (one
signature, validating a four-signature protokoll). The figures depend on what else the machine
is doing: the load average at the start is written with them.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "RESULTS.md"
OUT = HERE / "out"


def _django_setup() -> Path:
    local_dir = Path(tempfile.mkdtemp(prefix="paragraf-bench-"))
    os.environ["PARAGRAF_LOCAL_DIR"] = str(local_dir)
    for name in (
        "DATABASE_URL",
        "REDIS_URL",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "DJANGO_MEDIA_ROOT",
    ):
        os.environ.pop(name, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    for path in (str(ROOT), str(HERE)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return local_dir


def machine() -> dict:
    """What the figures were measured on."""
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        load = "unknown"
    return {
        "load average at start (1, 5, 15 min)": load,
        "cpus (nproc)": os.cpu_count(),
        "ram_gb": memory_gb,
        "cpu": cpu or "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def benchmark_modules(selected: list[str]) -> list[str]:
    names = sorted(path.stem for path in HERE.glob("bench_*.py"))
    if selected:
        names = [name for name in names if name.removeprefix("bench_") in selected or name in selected]
    return names


def _format(value) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "**no**"
    return str(value)


def write_results(results: dict, about: dict, started: datetime) -> None:
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`benchmarks/run.py`); the figures are from the last run on the",
        "machine below, against a throwaway embedded SQLite database (bench_portal and bench_load",
        "start their own PostgreSQL 15, and Redis for bench_load).",
        "",
        f"- date: {started:%Y-%m-%d %H:%M}",
        *(f"- {key}: {value}" for key, value in about.items()),
        "",
    ]
    for name, outcome in results.items():
        module = sys.modules.get(name)
        title = (module.__doc__ or name).strip().splitlines()[0] if module else name
        lines += [f"## {name}.py", "", title, ""]
        if "error" in outcome:
            lines += ["The benchmark failed:", "", "```", outcome["error"].rstrip(), "```", ""]
            continue
        # Figures given per column ({"100k": …, "1M": …, "target": …}) get a table of their own.
        columns = list(
            dict.fromkeys(c for value in outcome.values() if isinstance(value, dict) for c in value)
        )
        if columns:
            lines += ["| figure | " + " | ".join(columns) + " |", "| --- |" + " --- |" * len(columns)]
            lines += [
                f"| {key} | " + " | ".join(_format(value.get(column, "")) for column in columns) + " |"
                for key, value in outcome.items()
                if isinstance(value, dict)
            ]
            lines.append("")
        scalars = {key: value for key, value in outcome.items() if not isinstance(value, dict)}
        if scalars:
            lines += ["| figure | value |", "| --- | --- |"]
            lines += [f"| {key} | {_format(value)} |" for key, value in scalars.items()]
            lines.append("")
        notes = getattr(module, "NOTES", "")
        if notes:
            lines += [notes.strip(), ""]
    RESULTS.write_text("\n".join(lines) + _kept_sections())


KEPT_HEADING = "## Test suite"  # written by hand (docs/testing.md): kept when the file is rewritten


def _kept_sections() -> str:
    text = RESULTS.read_text() if RESULTS.exists() else ""
    start = text.find(KEPT_HEADING)
    return "\n" + text[start:] if start >= 0 else ""


def main(argv: list[str]) -> int:
    started = datetime.now()
    about = machine()
    _django_setup()
    results: dict[str, dict] = {}
    for name in benchmark_modules(argv):
        print(f"== {name}", flush=True)
        try:
            figures = importlib.import_module(name).run()
        except Exception:
            figures = {"error": traceback.format_exc()}
            print(figures["error"], file=sys.stderr)
        else:
            width = max(len(key) for key in figures)
            for key, value in figures.items():
                if isinstance(value, dict):
                    value = "  ".join(f"{column}: {cell}" for column, cell in value.items())
                print(f"  {key:<{width}}  {value}")
        results[name] = figures
    # A run of some benchmarks keeps the last figures of the others (from out/results.json).
    previous = OUT / "results.json"
    if argv and previous.exists():
        kept = json.loads(previous.read_text()).get("results", {})
        results = {**{k: v for k, v in kept.items() if k not in results}, **results}
        results = dict(sorted(results.items()))
        for name in results:
            if name not in sys.modules:
                try:
                    importlib.import_module(name)
                except Exception:
                    pass
    write_results(results, about, started)
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(
        json.dumps({"date": started.isoformat(), "machine": about, "results": results}, indent=2, default=str)
    )
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    failed = [name for name, figures in results.items() if "error" in figures]
    missed = [
        f"{name}: {key}"
        for name, figures in results.items()
        for key, value in figures.items()
        if key.endswith("_within_target") and value is False
    ]
    for line in missed:
        print(f"target missed: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
