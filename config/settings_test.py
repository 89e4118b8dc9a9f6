"""Settings for the test suite: the project's settings with what only slows tests down removed.

PBKDF2 costs most of a second per password on the test machine, and the suite creates users by
the hundred (every factory user, every demo load), so tests hash with MD5. Nothing else changes:
the tests run against the same settings the product runs with.

With pytest-xdist (`make test` runs the suite in parallel, docs/testing.md) every worker process
gw0, gw1, ... has its own test database (pytest-django's test_paragraf_gw0, ...). Here it also
gets its own Redis database (broker, results and cache: number N for worker gwN) and its own
local directory, so one worker's tasks, cache entries and files never reach another. The change
is made in the environment, before the project's settings read it, so the Celery worker and the
other subprocesses a test starts (they inherit the environment) use the same ones.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ... or "" when serial

if XDIST_WORKER:
    _number = int(XDIST_WORKER.removeprefix("gw"))
    # Redis has 16 databases; tests/test_faults_worker.py takes 8 + N for its private broker.
    assert _number < 8, "at most 8 pytest-xdist workers (make test PYTEST_WORKERS=...)"
    if os.environ.get("REDIS_URL"):
        _parts = urlsplit(os.environ["REDIS_URL"])
        os.environ["REDIS_URL"] = urlunsplit(_parts._replace(path=f"/{_number}"))
    if os.environ.get("PARAGRAF_LOCAL_DIR"):
        _local = Path(os.environ["PARAGRAF_LOCAL_DIR"])
        if _local.name != XDIST_WORKER:  # not yet (a subprocess inherits the changed value)
            os.environ["PARAGRAF_LOCAL_DIR"] = str(_local / XDIST_WORKER)

from .settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The pass of the tests marked `serial` (scripts/test-services.sh) runs after the parallel one and
# takes the test database of its worker gw0 (kept with --reuse-db) rather than migrating another.
if os.environ.get("PARAGRAF_TEST_SERIAL") == "1" and not XDIST_WORKER:
    _default = DATABASES["default"]  # noqa: F405
    if _default["ENGINE"].endswith("postgresql") and not _default.get("TEST", {}).get("NAME"):
        _default["TEST"] = {**_default.get("TEST", {}), "NAME": f"test_{_default['NAME']}_gw0"}

# Warnings and errors only: INFO lines from every request and task are noise in a test run.
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
