#!/usr/bin/env bash
# Run Paragraf's checks against throwaway services:
#
#   1. ruff check . and lint-imports (the layers of the apps, docs/architecture.md)
#   2. a private PostgreSQL (initdb in a temp dir, 127.0.0.1, free port) and a
#      private Redis (127.0.0.1, free port, no persistence)
#   3. manage.py makemigrations --check --dry-run   (against that PostgreSQL)
#   4. python -m pytest -n <workers> --dist loadfile "$@"   (DATABASE_URL/REDIS_URL exported),
#      then the tests marked `serial` in a second, single-process pass
#
# The services and the temp dir are always removed on exit. The exit code is
# pytest's (5, "no tests collected", counts as a failure), or 1 if only ruff,
# lint-imports or the migrations check failed.
#
# Missing system packages are installed by scripts/system-packages.sh (apt-get, as root;
# otherwise it prints the apt-get command to run and stops).
#
# Usage: scripts/test-services.sh [pytest args...]    (make test ARGS="...")
#        PYTEST_WORKERS=0 scripts/test-services.sh ...  (one process, everything in one pass)

set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${VENV:-$ROOT/.venv}
PY=$VENV/bin/python
TEST_USER=paragraf-test   # PostgreSQL refuses to run as root

log() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

[ -x "$PY" ] || die "$PY not found; run 'make test' (it creates the virtualenv)"

# --- system tools -----------------------------------------------------------

find_pg_bindir() {
    local dir
    if [ -n "${PG_BINDIR:-}" ] && [ -x "$PG_BINDIR/initdb" ]; then
        echo "$PG_BINDIR"; return 0
    fi
    if command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir 2>/dev/null || true)
        if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
    fi
    # Debian keeps the server binaries off PATH; take the newest version.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
    done
    if command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"; return 0
    fi
    return 1
}

# The system packages (one list, also used by `make test`): a no-op when all are present.
PYTHON=$PY "$ROOT/scripts/system-packages.sh"

PG_BINDIR=$(find_pg_bindir) || die "PostgreSQL server binaries (initdb) not found"

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- ruff -------------------------------------------------------------------

failed_checks=()
log "ruff check ."
"$VENV/bin/ruff" check . || failed_checks+=("ruff check")
log "lint-imports"
"$VENV/bin/lint-imports" --no-cache || failed_checks+=("lint-imports")

# --- throwaway services -----------------------------------------------------

# Run a command as the user that owns the PostgreSQL cluster.
if [ "$(id -u)" -eq 0 ]; then
    if ! id -u "$TEST_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$TEST_USER"
    fi
    as_pg() { runuser -u "$TEST_USER" -- "$@"; }
else
    as_pg() { "$@"; }
fi

# As root the cluster belongs to $TEST_USER, who must be able to reach the dir: use /tmp.
if [ "$(id -u)" -eq 0 ]; then TMP_PARENT=/tmp; else TMP_PARENT=${TMPDIR:-/tmp}; fi
TMP=$(mktemp -d "$TMP_PARENT/paragraf-test.XXXXXX")
chmod 755 "$TMP"
PGDATA=$TMP/pg
REDIS_PID=""

cleanup() {
    local rc=$?
    set +e
    if [ -f "$PGDATA/postmaster.pid" ]; then
        as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1
    fi
    if [ -n "$REDIS_PID" ]; then
        kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null
    fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "PostgreSQL ($PG_BINDIR) in $TMP"
mkdir -p "$PGDATA"
[ "$(id -u)" -eq 0 ] && chown "$TEST_USER" "$PGDATA"
as_pg "$PG_BINDIR/initdb" -D "$PGDATA" -U postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >"$TMP/initdb.log" 2>&1 \
    || { cat "$TMP/initdb.log" >&2; die "initdb failed"; }
PG_PORT=$(free_port)
# Tuned for throwaway data: no fsync, sockets only in the temp dir.
as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 start \
    -o "-h 127.0.0.1 -p $PG_PORT -k $PGDATA -F -c full_page_writes=off -c synchronous_commit=off" \
    >/dev/null || { cat "$PGDATA/server.log" >&2; die "PostgreSQL did not start"; }
as_pg "$PG_BINDIR/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres paragraf

log "Redis on 127.0.0.1"
REDIS_PORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$TMP" --logfile "$TMP/redis.log" &
REDIS_PID=$!
for _ in $(seq 1 50); do
    if "$PY" -c "import socket, sys; socket.create_connection(('127.0.0.1', $REDIS_PORT), 0.2)" \
        2>/dev/null; then break; fi
    kill -0 "$REDIS_PID" 2>/dev/null || { cat "$TMP/redis.log" >&2; die "Redis did not start"; }
    sleep 0.1
done

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/paragraf"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export CELERY_TASK_ALWAYS_EAGER=1          # the celery_worker_process fixture turns this off
export PARAGRAF_LOCAL_DIR="$TMP/local"     # media and other local files of the test run
export PARAGRAF_TEST_TMPDIR="$TMP"         # for fixtures that want a scratch dir / logs
# For tests that restart PostgreSQL (tests/test_faults_database.py): pg_ctl, the cluster, its owner.
export PARAGRAF_TEST_PG_BINDIR="$PG_BINDIR" PARAGRAF_TEST_PGDATA="$PGDATA"
if [ "$(id -u)" -eq 0 ]; then export PARAGRAF_TEST_PG_USER="$TEST_USER"; fi
unset DJANGO_SETTINGS_MODULE DJANGO_DEBUG PARAGRAF_PRODUCTION
echo "DATABASE_URL=$DATABASE_URL"
echo "REDIS_URL=$REDIS_URL"

# --- migrations check -------------------------------------------------------

log "manage.py makemigrations --check --dry-run"
"$PY" manage.py makemigrations --check --dry-run || failed_checks+=("makemigrations --check")

# --- pytest -----------------------------------------------------------------

# In parallel (pytest-xdist, one process per core, at most 4: PYTEST_WORKERS=N to choose,
# PYTEST_WORKERS=0 for one process), then the tests marked `serial` (they restart PostgreSQL)
# alone. Each test file runs whole on one worker (--dist loadfile), so a module's fixtures (the
# demo, the permission matrix's world) are built once. See docs/testing.md.
WORKERS=${PYTEST_WORKERS:-$(( $(nproc) < 4 ? $(nproc) : 4 ))}
set +e
if [ "$WORKERS" -gt 0 ]; then
    log "pytest -n $WORKERS --dist loadfile $*"
    # --reuse-db keeps the workers' test databases: the serial pass takes gw0's
    # (config/settings_test.py) instead of migrating a new one.
    # --no-loadscope-reorder: files go to the workers in the order tests/conftest.py gives
    # them (the longest first, from tests/durations.json), not by their number of tests. The
    # JUnit XML is what scripts/test-times.py reads to update tests/durations.json.
    mkdir -p "$ROOT/.local"
    "$PY" -m pytest -n "$WORKERS" --dist loadfile --no-loadscope-reorder --reuse-db \
        --junitxml="$ROOT/.local/test-results.xml" "$@"
    parallel_rc=$?
    log "pytest (the tests marked serial) $*"
    PARAGRAF_TEST_SERIAL=1 "$PY" -m pytest --reuse-db "$@"
    serial_rc=$?
    # Exit code 5 (no tests collected) of one pass is fine when the other pass ran tests.
    if [ "$parallel_rc" -eq 5 ] && [ "$serial_rc" -eq 5 ]; then pytest_rc=5
    elif [ "$parallel_rc" -ne 0 ] && [ "$parallel_rc" -ne 5 ]; then pytest_rc=$parallel_rc
    elif [ "$serial_rc" -ne 0 ] && [ "$serial_rc" -ne 5 ]; then pytest_rc=$serial_rc
    else pytest_rc=0
    fi
else
    log "pytest $*"
    "$PY" -m pytest "$@"
    pytest_rc=$?
fi
set -e

if [ "$pytest_rc" -eq 5 ]; then
    echo "error: pytest collected no tests (exit code 5); that counts as a failure" >&2
fi
if [ ${#failed_checks[@]} -gt 0 ]; then
    echo "error: failed: ${failed_checks[*]}" >&2
    [ "$pytest_rc" -eq 0 ] && exit 1
fi
exit "$pytest_rc"
