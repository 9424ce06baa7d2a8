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

.PHONY: help run test lint typecheck pytest smoke bench clean

help:
	@echo "make run    install, migrate, load demo data and serve on http://127.0.0.1:8000"
	@echo "make test   install, then lint, type-check and run every test (PostgreSQL + Redis)"
	@echo "make lint   ruff check + ruff format --check"
	@echo "make bench  REST load benchmark (see docs/performance.md)"
	@echo "make clean  remove .venv and var/"

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

run: $(VENV)/.runtime-installed
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

pytest: $(VENV)/.dev-installed
	@./.ci/ensure-services
	@echo "-- pytest against PostgreSQL and Redis"
	@DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	  $(BIN)/pytest -n $(PYTEST_WORKERS) -m "not embedded" -p no:cacheprovider

smoke: $(VENV)/.dev-installed
	@echo "-- smoke tests of the embedded default (SQLite + in-memory channel layer)"
	@DATABASE_URL= REDIS_URL= $(BIN)/pytest -m embedded -p no:cacheprovider tests/smoke

test: lint typecheck pytest smoke
	@echo "-- all checks passed"

bench: $(VENV)/.dev-installed
	@./.ci/ensure-services
	@command -v wrk >/dev/null || { echo "-- installing wrk (Debian package)"; apt-get install -y -q wrk >/dev/null; }
	@$(BIN)/python bench/rest_bench.py

clean:
	rm -rf $(VENV) var
