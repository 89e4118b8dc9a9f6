# Paragraf: one-command demo and tests.
#
#   make demo    fresh venv + migrate + collectstatic + demo data + runserver on $(HOST):$(PORT)
#                with DEBUG off (as in production)
#   make test    system packages (scripts/system-packages.sh) + venv with dev extras
#                + throwaway PostgreSQL/Redis + ruff + lint-imports + pytest
#   make lock    regenerate requirements.lock from the current .venv
#
# Installs are pinned by requirements.lock (pip constraints) and happen only when
# pyproject.toml or requirements.lock changed (stamp files inside .venv).

# python3.11 if there is one, else the system's python3 (Debian 12's is 3.11).
PYTHON ?= $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)
VENV   ?= .venv
HOST   ?= 127.0.0.1
PORT   ?= 8000
ARGS   ?=

BIN    := $(VENV)/bin
PY     := $(BIN)/python
PIP    := $(PY) -m pip --disable-pip-version-check
LOCK   := requirements.lock

.DEFAULT_GOAL := help
.PHONY: help install install-dev demo test test-run system-packages lint lock bench clean backup restore

help:
	@echo "make demo   - install, migrate, load demo data, runserver on $(HOST):$(PORT)"
	@echo "make test   - system packages + ruff + lint-imports + migrations check + pytest against throwaway PostgreSQL/Redis (ARGS=... for pytest)"
	@echo "make lint   - ruff check + lint-imports (the layers of the apps)"
	@echo "make lock   - regenerate $(LOCK) from the current $(VENV)"
	@echo "make bench  - run benchmarks/run.py (writes benchmarks/RESULTS.md)"
	@echo "make clean  - remove caches and build leftovers (keeps $(VENV) and .local/)"
	@echo "make backup - database + media + signing keys into DIR (default .local/backups/<time>)"
	@echo "make restore DIR=... - restore a backup into the configured, empty database (ARGS=--force)"

# --- virtualenv -------------------------------------------------------------

$(PY):
	$(PYTHON) -m venv $(VENV)

# Runtime dependencies only.
$(VENV)/.installed-base: $(PY) pyproject.toml $(LOCK)
	$(PIP) install --quiet -c $(LOCK) .
	@rm -rf build *.egg-info
	@touch $@

# Runtime + dev extras (pytest, ruff, playwright, ...). Implies the base install.
$(VENV)/.installed-dev: $(PY) pyproject.toml $(LOCK)
	$(PIP) install --quiet -c $(LOCK) ".[dev]"
	@rm -rf build *.egg-info
	@touch $(VENV)/.installed-base $@

install: $(VENV)/.installed-base
install-dev: $(VENV)/.installed-dev

# --- demo -------------------------------------------------------------------

# The demo runs as production does: DEBUG off, static files collected and served by WhiteNoise,
# the real 400/404/500 pages. HOST is an allowed host (with HOST=0.0.0.0, set
# DJANGO_ALLOWED_HOSTS to the name the browser uses).
demo: export DJANGO_DEBUG = 0
demo: export DJANGO_ALLOWED_HOSTS ?= $(HOST),127.0.0.1,localhost
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

# axe-core for the accessibility tests (npm; pinned by package-lock.json).
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

# The lock is what the current venv holds (dev extras included), minus the project.
# To upgrade: change pyproject.toml and/or `$(PIP) install -U <pkg>`, then `make lock`.
# The install here is deliberately unconstrained (it keeps what is installed when it
# still fits), so a new dependency can be added without fighting the old lock.
lock: $(PY)
	$(PIP) install --quiet ".[dev]"
	@rm -rf build *.egg-info
	@{ \
		echo "# Pinned versions for: pip install -c $(LOCK) \".[dev]\""; \
		echo "# Regenerate with: make lock (after changing pyproject.toml and upgrading .venv)"; \
		$(PIP) freeze --exclude-editable --exclude paragraf; \
	} > $(LOCK).tmp
	mv $(LOCK).tmp $(LOCK)
	@touch $(VENV)/.installed-base $(VENV)/.installed-dev
	@echo "wrote $(LOCK)"

clean:
	rm -rf build/ *.egg-info .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
