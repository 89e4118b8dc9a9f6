"""Throwaway servers for the benchmarks that need them: a private PostgreSQL (initdb in a
temporary directory, 127.0.0.1, a free port, no fsync) and gunicorn on a free port.

Used like scripts/test-services.sh does for the tests; everything is removed on exit.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_USER = "paragraf-test"  # PostgreSQL refuses to run as root: the same user as make test


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bindir() -> Path:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError("PostgreSQL server binaries (initdb) not found")


def _as_pg(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    if subprocess.run(["id", "-u", PG_USER], capture_output=True).returncode != 0:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                PG_USER,
            ],
            check=True,
        )
    return ["runuser", "-u", PG_USER, "--", *command]


@contextlib.contextmanager
def postgresql(data_dir: Path | None = None):
    """Yield the DATABASE_URL of a fresh, empty PostgreSQL database, or, with `data_dir`, of
    the cluster kept there (created on first use, stopped cleanly and kept afterwards)."""
    bindir = _pg_bindir()
    kept = data_dir is not None
    if kept:
        tmp = Path(data_dir)
        tmp.mkdir(parents=True, exist_ok=True)
        tmp.chmod(0o755)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="paragraf-bench-pg-", dir="/tmp"))
        tmp.chmod(0o755)
    data = tmp / "pg"
    fresh = not (data / "PG_VERSION").exists()
    if fresh:
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(data, PG_USER)
    port = free_port()
    try:
        if fresh:
            subprocess.run(
                _as_pg(
                    [
                        str(bindir / "initdb"),
                        "-D",
                        str(data),
                        "-U",
                        "postgres",
                        "--auth=trust",
                        "--encoding=UTF8",
                        "--locale=C.UTF-8",
                    ]
                ),
                check=True,
                capture_output=True,
            )
        options = f"-h 127.0.0.1 -p {port} -k {data} -F -c full_page_writes=off -c synchronous_commit=off"
        if kept:  # room for the index builds of the 1M archive
            options += " -c maintenance_work_mem=256MB -c max_wal_size=4GB"
        subprocess.run(
            _as_pg(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(data / "server.log"),
                    "-w",
                    "-t",
                    "120",
                    "start",
                    "-o",
                    options,
                ]
            ),
            check=True,
            capture_output=True,
        )
        if fresh:
            subprocess.run(
                _as_pg(
                    [
                        str(bindir / "createdb"),
                        "-h",
                        "127.0.0.1",
                        "-p",
                        str(port),
                        "-U",
                        "postgres",
                        "paragraf",
                    ]
                ),
                check=True,
            )
        yield f"postgres://postgres@127.0.0.1:{port}/paragraf"
    finally:
        subprocess.run(
            _as_pg(
                [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast" if kept else "immediate", "-w", "stop"]
            ),
            capture_output=True,
        )
        if not kept:
            shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def gunicorn(app: str, *, env: dict, workers: int = 2, threads: int = 0):
    """Yield the base URL of `gunicorn <app>` on 127.0.0.1: `workers` sync workers, or with
    `threads`, gthread workers (idle keep-alive connections then do not hold a worker)."""
    port = free_port()
    extra = ["--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "5"] if threads else []
    log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
            *extra,
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start:\n" + Path(log.name).read_text()) from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        Path(log.name).unlink(missing_ok=True)


def wrk(
    url: str,
    *,
    seconds: int = 30,
    connections: int = 16,
    threads: int = 2,
    script: str | None = None,
    headers: dict | None = None,
):
    """Run wrk against `url` (with `headers` on every request); return requests/s, latency
    p50/p95 (ms), requests and errors."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        command[1:1] = ["-s", script]
    for name, value in (headers or {}).items():
        command[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    figures = {
        "requests_per_s": None,
        "p50_ms": None,
        "p90_ms": None,
        "p99_ms": None,
        "requests": None,
        "errors": 0,
    }
    for line in out.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            figures["requests_per_s"] = round(float(parts[1]))
        elif len(parts) == 2 and parts[0] in {"50%", "90%", "99%"}:
            figures[f"p{parts[0][:-1]}_ms"] = _ms(parts[1])
        elif "requests in" in line:
            figures["requests"] = int(parts[0])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            figures["errors"] += int(parts[-1])
        elif line.strip().startswith("Socket errors:"):
            figures["errors"] += sum(int(p.strip(",")) for p in parts if p.strip(",").isdigit())
    return figures


def _ms(value: str) -> float:
    for suffix, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if value.endswith(suffix):
            return round(float(value[: -len(suffix)]) * factor, 1)
    return float(value)


@contextlib.contextmanager
def redis():
    """Yield the URL of a private Redis (no persistence) on 127.0.0.1."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)
