# Paragraf: one-command demo and tests.
#
#   make demo    fresh venv + migrate + demo data + runserver on $(HOST):$(PORT)
#   make test    venv with dev extras + throwaway PostgreSQL/Redis + ruff + pytest
#   make lock    regenerate requirements.lock from the current .venv
#
# Installs are pinned by requirements.lock (pip constraints) and happen only when
# pyproject.toml or requirements.lock changed (stamp files inside .venv).

PYTHON ?= python3.11
VENV   ?= .venv
HOST   ?= 127.0.0.1
PORT   ?= 8000
ARGS   ?=

BIN    := $(VENV)/bin
PY     := $(BIN)/python
PIP    := $(PY) -m pip --disable-pip-version-check
LOCK   := requirements.lock

.DEFAULT_GOAL := help
.PHONY: help install install-dev demo test lint lock bench clean backup restore

help:
	@echo "make demo   - install, migrate, load demo data, runserver on $(HOST):$(PORT)"
	@echo "make test   - ruff + migrations check + pytest against throwaway PostgreSQL/Redis (ARGS=... for pytest)"
	@echo "make lint   - ruff check"
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

demo: export DJANGO_DEBUG = 1
demo: $(VENV)/.installed-base
	$(PY) manage.py migrate --noinput
	@if [ -d locale ] && command -v msgfmt >/dev/null 2>&1; then \
		echo "$(PY) manage.py compilemessages"; \
		$(PY) manage.py compilemessages --ignore=$(VENV) --ignore=.local; \
	fi
	$(PY) manage.py load_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

# --- checks -----------------------------------------------------------------

# axe-core for the accessibility tests (npm; pinned by package-lock.json).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: the axe-core accessibility tests will be skipped (apt-get install npm)"; \
	fi

test: $(VENV)/.installed-dev node_modules/.installed
	scripts/test-services.sh $(ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

bench: $(VENV)/.installed-dev
	@if [ -f benchmarks/run.py ]; then \
		$(PY) benchmarks/run.py; \
	else \
		echo "benchmarks/run.py does not exist yet; nothing to run (see benchmarks/README.md)."; \
	fi

# --- maintenance ------------------------------------------------------------

# Backup and restore (config/backup.py, docs/security.md "Files and backups"). The backup
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
