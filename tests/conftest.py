"""Shared fixtures: a real Celery worker process and a headless Chromium.

`make test` (scripts/test-services.sh) starts a throwaway PostgreSQL and Redis and
exports DATABASE_URL, REDIS_URL and CELERY_TASK_ALWAYS_EAGER=1, so ordinary tests
run tasks in-process. Tests that must prove something about the real worker use
`run_in_worker`; browser tests use `page` together with pytest-django's
`live_server`.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

# Playwright's sync API keeps an asyncio loop in the main thread; without this,
# Django refuses ORM calls made by the test while a browser is open.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PROJECT_DIR = Path(__file__).resolve().parent.parent

# --- Celery -----------------------------------------------------------------

WORKER_START_TIMEOUT = 60  # seconds until the worker must answer a ping


class WorkerProcess:
    """A `celery -A config worker` subprocess and where its log goes."""

    def __init__(self, process: subprocess.Popen, hostname: str, log_path: Path):
        self.process = process
        self.hostname = hostname
        self.log_path = log_path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no worker log)"


def _database_url_for(name: str) -> str:
    """DATABASE_URL with its database name replaced (pytest-django's test_<name>)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + quote(name)))


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, tmp_path_factory):
    """Start one real Celery worker for the session, pointed at the *test* database.

    The worker is a separate process, so it only sees committed rows: tests that
    use it must be marked ``@pytest.mark.django_db(transaction=True)``.
    """
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set: a real Celery worker needs Redis (use `make test`)")
    if not os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL is not set: the worker must share a PostgreSQL test database")

    from django.db import connection

    from config.celery import app

    hostname = f"paragraf-test-{os.getpid()}@{socket.gethostname()}"
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    env = {
        **os.environ,
        # django_db_setup has switched the connection to the test database.
        "DATABASE_URL": _database_url_for(connection.settings_dict["NAME"]),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--pool=solo", "--concurrency=1", "--loglevel=info", "--without-heartbeat",
        "--without-gossip", "--without-mingle", f"--hostname={hostname}",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    worker = WorkerProcess(process, hostname, log_path)

    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"Celery worker exited with code {process.returncode}:\n{worker.log_tail()}")
            replies = app.control.ping(destination=[hostname], timeout=1.0)
            if any(hostname in reply for reply in replies):
                break
            if time.monotonic() > deadline:
                pytest.fail(
                    f"Celery worker did not answer a ping in {WORKER_START_TIMEOUT}s:\n{worker.log_tail()}"
                )
        yield worker
    finally:
        # Warm shutdown, so the worker closes its connection to the test database
        # before pytest-django drops it.
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def run_in_worker(celery_worker_process):
    """Return ``run(task, *args, timeout=30, **kwargs)`` that executes in the real worker.

    ``task`` is a task object or a registered task name; the call blocks until the
    worker has returned the result (and re-raises the task's exception).
    """
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False

    def run(task, *args, timeout: float = 30, **kwargs):
        if isinstance(task, str):
            result = app.send_task(task, args=args, kwargs=kwargs)
        else:
            result = task.apply_async(args=args, kwargs=kwargs)
        return result.get(timeout=timeout)

    try:
        yield run
    finally:
        # Commits made while the test ran may have queued follow-up tasks (the OParl
        # records refresh): let the worker finish them, or its open transaction
        # deadlocks with the flush that ends the test.
        _wait_until_worker_idle(app, celery_worker_process.hostname)
        app.conf.task_always_eager = previous


def _wait_until_worker_idle(app, hostname: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inspect = app.control.inspect(destination=[hostname], timeout=2)
        busy = [
            task
            for answer in (inspect.active() or {}, inspect.reserved() or {}, inspect.scheduled() or {})
            for tasks in answer.values()
            for task in tasks
        ]
        with app.connection_for_read() as connection:
            queued = connection.default_channel.client.llen(app.conf.task_default_queue or "celery")
        if not busy and not queued:
            return
        time.sleep(0.2)


# --- Browser ----------------------------------------------------------------

CHROMIUM = os.environ.get("PARAGRAF_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # we may run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The machine has no network: stop Chromium from trying to phone home.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (no `playwright install` needed)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium (or set PARAGRAF_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) and page per test."""
    context = browser.new_context(locale="sv-SE")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


# --- Files ------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def private_file_dirs(tmp_path_factory):
    """Media files and signing keys of the test run live in a throwaway directory, shared
    with the Celery worker subprocess through the environment it inherits."""
    from django.conf import settings

    base = tmp_path_factory.mktemp("files")
    media, signing_dir = base / "media", base / "signing"
    os.environ["DJANGO_MEDIA_ROOT"] = str(media)
    os.environ["PARAGRAF_SIGNING_DIR"] = str(signing_dir)
    settings.MEDIA_ROOT = media
    settings.PARAGRAF_SIGNING_DIR = signing_dir
    return base


@pytest.fixture(scope="session")
def signing_ca(private_file_dirs):
    """The organisation's signing CA, created once for the test run."""
    from meetings import signing

    signing.signing_ca_create(organisation_name="Region Jönköpings län")
    return signing


# --- The public page cache --------------------------------------------------------------------


@pytest.fixture(autouse=True)
def public_page_cache_off(settings):
    """Tests see every change at once: the anonymous page cache (portal/caching.py) is off
    unless a test switches it on, and the cache starts empty."""
    from django.core.cache import cache

    settings.PARAGRAF_PUBLIC_CACHE_SECONDS = 0
    cache.clear()
