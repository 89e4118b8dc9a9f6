#!/usr/bin/env bash
# The Debian packages `make test` needs (the one list: `make test` and .ci/run call this).
#
# Costs one dpkg query when everything is installed. Otherwise, as root, installs what is
# missing with apt-get (no stdin needed); as another user, prints the one apt-get command to
# run and stops. On a system without dpkg it says what it would need and goes on.
#
# Usage: scripts/system-packages.sh        (PYTHON=python3.11 is the python that makes .venv)
set -euo pipefail

packages=(
    gettext                  # msgfmt for compilemessages
    postgresql               # test database server (initdb, pg_ctl, pg_dump for the backup tests)
    redis-server             # broker for the real Celery worker tests
    chromium                 # browser tests (Playwright drives /usr/bin/chromium)
    poppler-utils            # pdftotext, pdfsig for PDF assertions
    qpdf
    libreoffice-writer-nogui # soffice: docx/odt -> pdf
    fonts-dejavu
    libpango-1.0-0           # WeasyPrint
    libpangoft2-1.0-0
    libharfbuzz-subset0
)

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "==> system packages: no dpkg here; make sure these (Debian names) are installed: ${packages[*]} make npm python3-venv" >&2
    exit 0
fi

missing=()
# Checked as commands: npm may come with another nodejs (e.g. NodeSource's) than Debian's.
command -v make >/dev/null 2>&1 || missing+=(make)
command -v npm >/dev/null 2>&1 || missing+=(npm)   # axe-core for the accessibility tests
# The python that creates .venv needs venv and ensurepip (Debian: python3-venv).
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi
# One dpkg query for all; "install ok installed" only (a removed-but-configured one does not count).
installed=" $({ dpkg-query -W -f='${Package}:${Status}\n' "${packages[@]}" 2>/dev/null || true; } \
    | sed -n 's/:install ok installed$//p' | tr '\n' ' ') "
for package in "${packages[@]}"; do
    [[ "$installed" == *" $package "* ]] || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "==> system packages: all present"
    exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing system packages. Install them with:" >&2
    echo "    sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "==> apt-get install: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q </dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
