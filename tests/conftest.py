"""Shared fixtures: a real Celery worker process, a headless Chromium, the demo (`demo_loaded`),
and how the suite runs in parallel (pytest-xdist; docs/testing.md).

`make test` (scripts/test-services.sh) starts a throwaway PostgreSQL and Redis and
exports DATABASE_URL, REDIS_URL and CELERY_TASK_ALWAYS_EAGER=1, so ordinary tests
run tasks in-process. Tests that must prove something about the real worker use
`run_in_worker`; browser tests use `page` together with pytest-django's
`live_server`.
"""

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

# The test PKI's timestamp authority and OCSP responder (tests/fixtures_pki.py), and a real
# OpenID Connect provider (node, oidc-provider: tests/fixtures_oidc.py), for the tests that ask.
pytest_plugins = ["tests.fixtures_pki", "tests.fixtures_oidc"]

# Playwright's sync API keeps an asyncio loop in the main thread; without this,
# Django refuses ORM calls made by the test while a browser is open.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PROJECT_DIR = Path(__file__).resolve().parent.parent


# --- Parallel runs (pytest-xdist) -------------------------------------------------------------
#
# `make test` runs the suite in worker processes gw0, gw1, ... (docs/testing.md). Each has its
# own test database (pytest-django), Redis database and local directory (config/settings_test.py),
# media and signing directories (private_file_dirs below: tmp_path_factory is per worker) and
# Celery worker (celery_worker_process: it inherits all of these). Tests marked `serial` restart
# a service every process shares (PostgreSQL): they run after the parallel ones, alone
# (scripts/test-services.sh runs them in a second pass with PARAGRAF_TEST_SERIAL=1).


def xdist_worker_number() -> int:
    """N for the pytest-xdist worker gwN; 0 in a serial run."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


def pytest_collection_modifyitems(config, items):
    in_xdist_worker = hasattr(config, "workerinput")
    if in_xdist_worker:
        _heaviest_files_first(items)
        _transactional_tests_first_in_each_file(items)
    _demo_tests_last(items)
    serial_pass = os.environ.get("PARAGRAF_TEST_SERIAL") == "1"
    if not serial_pass and not in_xdist_worker:
        return  # a serial run runs everything
    keep, deselected = [], []
    for item in items:
        is_serial = item.get_closest_marker("serial") is not None
        (keep if is_serial == serial_pass else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = keep


# How long each test file took in a recent full run (seconds, all its tests with their set-up):
# written by `scripts/test-times.py` from the run's JUnit XML. See _heaviest_files_first.
FILE_SECONDS_PATH = Path(__file__).with_name("durations.json")
UNKNOWN_FILE_SECONDS_PER_TEST = 1.0


def _heaviest_files_first(items) -> None:
    """Under pytest-xdist (--dist loadfile --no-loadscope-reorder) files are handed to the
    workers in collection order, whole. The longest go first, so that no worker starts a
    two-minute file while the other has nothing left (longest-processing-time-first). The
    order is the same in every worker (xdist requires it): it comes from the committed
    tests/durations.json; a file not in it counts a second per test."""
    try:
        seconds = json.loads(FILE_SECONDS_PATH.read_text())
    except (OSError, ValueError):
        seconds = {}
    counts, first_index = {}, {}
    for index, item in enumerate(items):
        name = item.nodeid.split("::", 1)[0]
        counts[name] = counts.get(name, 0) + 1
        first_index.setdefault(name, index)

    def order(item) -> tuple[float, int]:
        name = item.nodeid.split("::", 1)[0]
        return -seconds.get(name, counts[name] * UNKNOWN_FILE_SECONDS_PER_TEST), first_index[name]

    items.sort(key=order)


def _is_transactional(item) -> bool:
    """As pytest-django decides it: the test commits (and the database is flushed after it)."""
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return "transactional_db" in item.fixturenames or "live_server" in item.fixturenames


def _transactional_tests_first_in_each_file(items) -> None:
    """Under pytest-xdist (--dist loadfile) a worker runs a file's tests in one go, not in
    pytest-django's order (every file's plain tests, then every file's transaction=True tests),
    which would end the module's fixtures in between. A module fixture that holds a transaction
    open for the module (the demo, the permission matrix's world) must not be open while a
    transaction=True test commits and flushes: in each file those run first."""
    first_index = {}
    for index, item in enumerate(items):
        first_index.setdefault(item.path, index)
    items.sort(key=lambda item: (first_index[item.path], not _is_transactional(item)))


def _demo_tests_last(items) -> None:
    """A module's tests that use `demo_loaded` run after all its other tests (kept in the order
    pytest-django gave them): those never see the demo, and its transaction=True tests (which
    commit and flush) never run inside the demo's transaction, also when pytest-xdist runs the
    whole file in one go."""

    def uses_demo(item) -> bool:
        return "demo_loaded" in item.fixturenames

    last_other = {item.path: index for index, item in enumerate(items) if not uses_demo(item)}
    ordered, waiting = [], {}
    for index, item in enumerate(items):
        if uses_demo(item) and last_other.get(item.path, -1) > index:
            waiting.setdefault(item.path, []).append(item)
            continue
        ordered.append(item)
        if last_other.get(item.path) == index:
            ordered.extend(waiting.pop(item.path, []))
    items[:] = ordered


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


@pytest.fixture(autouse=True)
def celery_join_allowed():
    """Each test starts outside any task. Celery marks "inside a task" in one process-wide flag
    while an eager task runs (`denied_join_result`) and puts back the value it found; when two
    threads run eager tasks at once (a live_server's request threads both committing), the
    later one puts back the other's True and it stays, so every later `result.get()` in the
    process refused ("Never call result.get() within a task!")."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


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


# --- The demo ---------------------------------------------------------------------------------

# What `load_demo` leaves, taken after its first run in this process (PostgreSQL only): every
# table's rows (COPY, binary) and a copy of the files it wrote. Loading takes a minute of CPU
# (some fifty handlingar rendered, twelve protokoll rendered and signed); restoring, a second.
_demo_snapshot: dict | None = None


def _demo_tables(connection) -> list[str]:
    with connection.cursor() as cursor:
        return sorted(
            name for name in connection.introspection.table_names(cursor) if name != "django_migrations"
        )


def _demo_snapshot_take(connection, media: Path) -> dict:
    tables = _demo_tables(connection)
    rows = {}
    with connection.cursor() as cursor:
        for table in tables:
            with cursor.cursor.copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as copy:
                rows[table] = b"".join(bytes(block) for block in copy)
    return {"tables": tables, "rows": rows, "media": media}


def _demo_snapshot_restore(connection, snapshot: dict) -> None:
    """Replace every table's rows by the snapshot's, inside the caller's transaction. Triggers
    (the protokoll locks) and foreign-key checks are off while the rows go in, as for a restore;
    sequences are moved past the restored ids (never back: they are not transactional)."""
    from django.contrib.contenttypes.models import ContentType

    quoted = ", ".join(f'"{table}"' for table in snapshot["tables"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(f"TRUNCATE {quoted}")
        for table in snapshot["tables"]:
            with cursor.cursor.copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as copy:
                copy.write(snapshot["rows"][table])
        cursor.execute("SET LOCAL session_replication_role = origin")
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE "
            "table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval%')"
        )
        for table, column in cursor.fetchall():
            cursor.execute(
                f'SELECT setval(s, m) FROM (SELECT pg_get_serial_sequence(%s, %s) AS s, MAX("{column}") AS m '
                f'FROM "{table}") AS t WHERE m IS NOT NULL AND m >= nextval(s)',
                [f'"{table}"', column],
            )
    ContentType.objects.clear_cache()  # the snapshot's content types may have other ids


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker, private_file_dirs, tmp_path_factory):
    """The demo of `manage.py load_demo`, for the test module, inside a transaction that is
    rolled back after the module's last test.

    Each test runs inside it in a savepoint of its own (pytest-django's django_db), so what one
    test changes is undone before the next, and the demo is gone before the next module. The
    module has its own copy of the demo's files (MEDIA_ROOT). The module's tests that use it run
    after its other tests (pytest_collection_modifyitems), so those never see the demo. Not for
    tests marked django_db(transaction=True): they commit and flush.

    On PostgreSQL the command runs once per test process; later modules get its rows back from
    a snapshot (COPY) and its files copied, the same demo in a second instead of a minute.
    tests/test_load_demo.py runs the command itself.
    """
    global _demo_snapshot
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import override_settings

    module_media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), transaction.atomic():
        if _demo_snapshot is not None:
            _demo_snapshot_restore(connection, _demo_snapshot)
        else:
            source = tmp_path_factory.mktemp("demo-media-loaded")
            with override_settings(MEDIA_ROOT=source):
                call_command("load_demo", stdout=io.StringIO())
            if connection.vendor == "postgresql":
                _demo_snapshot = _demo_snapshot_take(connection, source)
        shutil.copytree(
            _demo_snapshot["media"] if _demo_snapshot else source, module_media, dirs_exist_ok=True
        )
        with override_settings(MEDIA_ROOT=module_media):
            yield module_media
        transaction.set_rollback(True)
    ContentType.objects.clear_cache()


# --- The public page cache --------------------------------------------------------------------


@pytest.fixture(autouse=True)
def public_page_cache_off(settings):
    """Tests see every change at once: the anonymous page cache (portal/caching.py) is off
    unless a test switches it on, and the cache starts empty."""
    from django.core.cache import cache

    settings.PARAGRAF_PUBLIC_CACHE_SECONDS = 0
    cache.clear()
