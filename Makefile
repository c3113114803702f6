# The two commands a fresh machine needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CATALOGS := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
# axe-core, the accessibility checker the browser tests inject into each page (npm registry)
AXE_VERSION := 4.14.1
AXE := $(VENV)/share/axe-core-$(AXE_VERSION)/axe.min.js
export CHORUS_AXE_JS := $(CURDIR)/$(AXE)
# pytest processes (pytest-xdist): each starts its own PostgreSQL server and browser; 0 runs one
TEST_WORKERS ?= 2
export DEBIAN_FRONTEND := noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1

.PHONY: run serve worker test test-prod bench lint format translations system-packages screenshots clean

## make run: install, migrate, load demo data on first start, serve http://127.0.0.1:5000
run: $(VENV)/.installed $(CATALOGS)
	CHORUS_ENV=development $(BIN)/flask --app app setup
	CHORUS_ENV=development exec $(BIN)/flask --app app run --host 127.0.0.1 --port 5000

## make serve: production serving with gunicorn (gunicorn.conf.py) against the configured
## services: DATABASE_URL, REDIS_URL, CHORUS_SECRET_KEY, CHORUS_STORAGE_BACKEND... (docs/deploy.md)
serve: $(VENV)/.installed $(CATALOGS)
	$(BIN)/flask --app app db upgrade
	exec $(BIN)/gunicorn -c gunicorn.conf.py

## make worker: a job worker (anonymization, bundles) on the Redis queue of REDIS_URL
worker: $(VENV)/.installed $(CATALOGS)
	exec $(BIN)/flask --app app jobs worker

## make test: install what the suite needs (Debian packages too) and run all of it
test: system-packages $(VENV)/.installed-test $(AXE) $(CATALOGS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## make bench: matching quality and latency on SQLite and PostgreSQL (tables + bench/results/*.json)
## BENCH_SIZES=10000,100000,1000000 for the full latency run
bench: system-packages $(VENV)/.installed-bench $(CATALOGS)
	@scripts/install-system-packages.sh bench
	$(BIN)/python -m bench $(BENCH_ARGS)

system-packages:
	@scripts/install-system-packages.sh

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make translations: collect new strings into the catalogs (then translate them in the .po)
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  --ignore-dirs=".venv migrations tests bench" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching \
	  --ignore-obsolete

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-test
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $@

$(AXE): | $(BIN)/python
	@mkdir -p $(@D)
	cd $(@D) && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
	  && tar -xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 package/axe.min.js \
	  && rm axe-core-$(AXE_VERSION).tgz

## make test-prod: the integration suite on the production services (PostgreSQL, Redis, S3 on
## SeaweedFS) and the production stack (gunicorn, job workers) as real processes on loopback
test-prod: system-packages $(VENV)/.installed-test $(CATALOGS)
	CHORUS_TEST_PROFILE=prod $(BIN)/pytest -n $(TEST_WORKERS) tests/integration tests/prod $(PYTEST_ARGS)

## make screenshots: the browser journey's screenshots, copied into docs/screenshots for the README
screenshots: system-packages $(VENV)/.installed-test $(AXE) $(CATALOGS)
	CHORUS_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest tests/browser -k journey -q

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info translations/*/LC_MESSAGES/*.mo
