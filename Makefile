# Pawdate: `make run` serves the app, `make test` runs every check. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
MANAGE := $(BIN)/python manage.py

# `make run` is for trying Pawdate locally: DEBUG on unless told otherwise.
RUN_ENV := DEBUG=$${DEBUG:-1}
# Tests use the local PostgreSQL and Redis unless DATABASE_URL / REDIS_URL say otherwise.
TEST_DATABASE_URL ?= $${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/pawdate}
TEST_REDIS_URL ?= $${REDIS_URL:-redis://127.0.0.1:6379/1}
PYTEST_WORKERS ?= 2
# A dense demo in a few cities, so that new owners there get suggestions at once.
DEMO_ARGS ?= --owners 1500 --metros "New York" London Paris Berlin Tokyo Sydney

# The browser app (frontend/): npm ci when the lock file changes, vite build when anything the
# build reads changes (directories too, so that a removed or renamed file counts).
FRONTEND := frontend
NPM := npm --prefix $(FRONTEND) --no-audit --no-fund
FRONTEND_INSTALLED := $(FRONTEND)/node_modules/.pawdate-installed
FRONTEND_BUILT := $(FRONTEND)/dist/index.html
FRONTEND_SOURCES := $(shell find $(FRONTEND)/src $(FRONTEND)/public 2>/dev/null) \
	$(wildcard $(FRONTEND)/index.html $(FRONTEND)/vite.config.ts $(FRONTEND)/tsconfig*.json)

.PHONY: help run test lint typecheck pytest smoke bench clean frontend frontend-test chromium

help:
	@echo "make run    install, migrate, load demo data and serve on http://127.0.0.1:8000"
	@echo "make test   install, then lint, type-check and run every test (PostgreSQL + Redis)"
	@echo "make lint   ruff check + ruff format --check"
	@echo "make frontend       build the browser app (frontend/dist)"
	@echo "make frontend-test  its type-check and unit tests (Vitest)"
	@echo "make bench  REST load benchmark (see docs/performance.md)"
	@echo "make clean  remove .venv, var/ and the browser app's node_modules and dist"

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "!! $(PYTHON) is needed (Python 3.11)"; exit 1; }
	@echo "-- creating $(VENV) with $$($(PYTHON) --version)"
	@$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	@echo "-- installing runtime requirements"
	@$(PIP) install -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt $(VENV)/.runtime-installed
	@echo "-- installing test and lint requirements"
	@$(PIP) install -r requirements-dev.txt
	@touch $@

# The first lines of every recipe that runs npm. Vite 7 wants Node 20.19+ or 22.12+.
define require_node
@command -v node >/dev/null && command -v npm >/dev/null || { \
  echo "!! Node.js (20.19 or newer) and npm are needed to build the browser app in frontend/:"; \
  echo "!!   apt-get install -y nodejs npm   (Node >= 20.19; Debian 12's own nodejs is 18)"; \
  exit 1; }
@node -e 'const [a, b] = process.versions.node.split(".").map(Number); \
  process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)' || { \
  echo "!! Node.js $$(node --version) is too old for the browser app: it needs 20.19+ or 22.12+"; \
  exit 1; }
endef

# npm ci empties node_modules first, so the stamp goes with it.
$(FRONTEND_INSTALLED): $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	$(require_node)
	@echo "-- installing the browser app's packages (npm ci)"
	@$(NPM) ci --loglevel=error
	@touch $@

$(FRONTEND_BUILT): $(FRONTEND_INSTALLED) $(FRONTEND_SOURCES)
	$(require_node)
	@echo "-- building the browser app (tsc + vite build into $(FRONTEND)/dist)"
	@$(NPM) run --silent build -- --logLevel warn
	@touch $@

frontend: $(FRONTEND_BUILT)

frontend-test: $(FRONTEND_INSTALLED)
	$(require_node)
	@echo "-- the browser app: tsc --noEmit and Vitest"
	@$(NPM) run --silent typecheck
	@$(NPM) test --silent

# The end-to-end tests drive Debian's Chromium: never a browser downloaded by a test tool.
chromium:
	@command -v chromium >/dev/null || { \
	  echo "-- installing chromium (Debian package, for the browser tests)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; } || { \
	  echo "!! chromium is needed for tests/e2e: apt-get install -y chromium"; exit 1; }

run: $(VENV)/.runtime-installed $(FRONTEND_BUILT)
	@echo "-- applying database migrations"
	@$(RUN_ENV) $(MANAGE) migrate --no-input -v 0
	@echo "-- collecting static files"
	@$(RUN_ENV) $(MANAGE) collectstatic --no-input -v 0
	@# Demo accounts share a published password: never into a production database.
	@if echo "$${DEBUG:-1}" | grep -qiE "^(0|false|no|off)$$"; then \
	  echo "-- DEBUG is off: no demo data (run manage.py seed_demo yourself if you want it)"; \
	else \
	  echo "-- demo data (seed_demo is idempotent: it loads only what is missing)"; \
	  $(RUN_ENV) $(MANAGE) seed_demo $(DEMO_ARGS); \
	fi
	@$(RUN_ENV) $(MANAGE) serve

lint: $(VENV)/.dev-installed
	@echo "-- ruff"
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-installed
	@echo "-- mypy --strict"
	@$(BIN)/mypy .

pytest: $(VENV)/.dev-installed $(FRONTEND_BUILT) chromium
	@./.ci/ensure-services
	@echo "-- pytest against PostgreSQL and Redis"
	@DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	  $(BIN)/pytest -n $(PYTEST_WORKERS) -m "not embedded" -p no:cacheprovider

smoke: $(VENV)/.dev-installed
	@echo "-- smoke tests of the embedded default (SQLite + in-memory channel layer)"
	@DATABASE_URL= REDIS_URL= $(BIN)/pytest -m embedded -p no:cacheprovider tests/smoke

test: lint typecheck frontend-test pytest smoke
	@echo "-- all checks passed"

bench: $(VENV)/.dev-installed
	@./.ci/ensure-services
	@command -v wrk >/dev/null || { echo "-- installing wrk (Debian package)"; apt-get install -y -q wrk >/dev/null; }
	@$(BIN)/python bench/rest_bench.py

clean:
	rm -rf $(VENV) var $(FRONTEND)/node_modules $(FRONTEND)/dist
