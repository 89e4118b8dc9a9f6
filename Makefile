# Paragraf: one-command demo and tests.
#
#   make demo    fresh venv + migrate + collectstatic + demo data + runserver on $(HOST):$(PORT)
#                with DEBUG off (as in production)
#   make test    system packages (scripts/system-packages.sh) + venv with dev extras
#                + throwaway PostgreSQL/Redis + ruff + lint-imports + pytest
#   make lock    recompile requirements/prod.lock and requirements/dev.lock from pyproject.toml
#
# Installs come from the locks, every package pinned with its hashes (pip --require-hashes):
# requirements/prod.lock for the demo and production, requirements/dev.lock (the same pins plus
# the dev extras) for the tests. They run only when a lock changed (stamp files inside .venv).

# python3.11 if there is one, else the system's python3 (Debian 12's is 3.11).
PYTHON ?= $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)
VENV   ?= .venv
HOST   ?= 127.0.0.1
PORT   ?= 8000
ARGS   ?=

BIN    := $(VENV)/bin
PY     := $(BIN)/python
PIP    := $(PY) -m pip --disable-pip-version-check
PROD_LOCK := requirements/prod.lock
DEV_LOCK  := requirements/dev.lock
PIP_TOOLS := pip-tools==7.6.2

.DEFAULT_GOAL := help
.PHONY: help install install-dev demo test test-run system-packages lint lock bench clean backup restore

help:
	@echo "make demo   - install, migrate, load demo data, runserver on $(HOST):$(PORT)"
	@echo "make test   - system packages + ruff + lint-imports + migrations check + pytest against throwaway PostgreSQL/Redis (ARGS=... for pytest)"
	@echo "              in parallel (pytest-xdist; PYTEST_WORKERS=0 for one process)"
	@echo "make lint   - ruff check + lint-imports (the layers of the apps)"
	@echo "make lock   - recompile $(PROD_LOCK) and $(DEV_LOCK) from pyproject.toml (LOCK_ARGS=--upgrade-package X)"
	@echo "make bench  - run benchmarks/run.py (writes benchmarks/RESULTS.md)"
	@echo "make clean  - remove caches and build leftovers (keeps $(VENV) and .local/)"
	@echo "make backup - database + media + signing keys into DIR (default .local/backups/<time>)"
	@echo "make restore DIR=... - restore a backup into the configured, empty database (ARGS=--force)"

# --- virtualenv -------------------------------------------------------------

$(PY):
	$(PYTHON) -m venv $(VENV)

# Runtime dependencies only. The project itself is not installed: the apps run from the checkout.
$(VENV)/.installed-base: $(PY) $(PROD_LOCK)
	$(PIP) install --quiet --require-hashes -r $(PROD_LOCK)
	@touch $@

# Runtime + dev extras (pytest, ruff, playwright, ...): dev.lock holds prod.lock's pins too.
$(VENV)/.installed-dev: $(PY) $(PROD_LOCK) $(DEV_LOCK)
	$(PIP) install --quiet --require-hashes -r $(DEV_LOCK)
	@touch $(VENV)/.installed-base $@

install: $(VENV)/.installed-base
install-dev: $(VENV)/.installed-dev

# --- demo -------------------------------------------------------------------

# The demo runs as production does: DEBUG off, static files collected and served by WhiteNoise,
# the real 400/404/500 pages. HOST is an allowed host (with HOST=0.0.0.0, set
# DJANGO_ALLOWED_HOSTS to the name the browser uses). Links in e-mails use SITE_URL, by default
# http://$(HOST):$(PORT); set it to the address the browser uses when that differs.
demo: export DJANGO_DEBUG = 0
demo: export DJANGO_ALLOWED_HOSTS ?= $(HOST),127.0.0.1,localhost
demo: export SITE_URL ?= http://$(HOST):$(PORT)
demo: $(VENV)/.installed-base
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@if [ -d locale ] && command -v msgfmt >/dev/null 2>&1; then \
		echo "$(PY) manage.py compilemessages"; \
		$(PY) manage.py compilemessages --ignore=$(VENV) --ignore=.local; \
	fi
	$(PY) manage.py load_demo
	$(PY) manage.py runserver --nostatic $(HOST):$(PORT)

# --- checks -----------------------------------------------------------------

# axe-core for the accessibility tests and oidc-provider, the OpenID provider the OIDC tests run
# with node (npm; pinned by package-lock.json).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: the axe-core accessibility tests will be skipped (apt-get install npm)"; \
	fi

# The Debian packages the tests need (LibreOffice, PostgreSQL, Redis, Chromium, poppler, ...),
# installed as root or printed as one apt-get command; first, since the venv needs python3-venv.
system-packages:
	@PYTHON=$(PYTHON) scripts/system-packages.sh

test: system-packages
	@$(MAKE) --no-print-directory test-run

test-run: $(VENV)/.installed-dev node_modules/.installed
	scripts/test-services.sh $(ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

bench: $(VENV)/.installed-dev
	@if [ -f benchmarks/run.py ]; then \
		$(PY) benchmarks/run.py; \
	else \
		echo "benchmarks/run.py does not exist yet; nothing to run (see benchmarks/README.md)."; \
	fi

# --- maintenance ------------------------------------------------------------

# Backup and restore (operations/backup.py, docs/security.md "Files and backups"). The backup
# holds the signing keys: keep DIR somewhere encrypted and access-controlled.
BACKUP_DIR = $(or $(DIR),.local/backups/$(shell date +%Y%m%d-%H%M%S))

backup: $(VENV)/.installed-base
	$(PY) manage.py backup $(BACKUP_DIR)

restore: $(VENV)/.installed-base
	@test -n "$(DIR)" || { echo "usage: make restore DIR=<backup directory> [ARGS=--force]"; exit 2; }
	$(PY) manage.py restore $(DIR) $(ARGS)

# The locks are compiled from pyproject.toml by pip-tools' pip-compile (installed into the venv
# at the version above), with the hashes of every file the index has for each pinned version.
# pip-compile keeps the pins already in a lock while they still fit, so `make lock` after a
# change of pyproject.toml adds or drops only what changed; to upgrade:
#   make lock LOCK_ARGS="--upgrade-package django"    (or LOCK_ARGS=--upgrade for everything)
# dev.lock is compiled under prod.lock as a constraint, so the packages both hold have one pin.
# Then `make test` / `make demo` install the new locks.
LOCK_ARGS ?=
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes \
	--strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

lock: $(PY)
	$(PIP) install --quiet "$(PIP_TOOLS)"
	$(PIP_COMPILE) --output-file $(PROD_LOCK) pyproject.toml
	$(PIP_COMPILE) --extra dev --constraint $(PROD_LOCK) --output-file $(DEV_LOCK) pyproject.toml
	@rm -rf build *.egg-info
	@echo "wrote $(PROD_LOCK) and $(DEV_LOCK)"

clean:
	rm -rf build/ *.egg-info .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
