# Dugnad: `make run` serves the app at http://$(HOST):$(PORT); `make test` runs the whole suite.
# Both install whatever this Debian machine is missing first (deploy/local/bootstrap.sh).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

HOST ?= 127.0.0.1
PORT ?= 8000
VENV ?= .venv
PY := $(VENV)/bin/python

export DATABASE_URL ?= postgis://dugnad:dugnad@127.0.0.1:5432/dugnad
export REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test setup setup-test migrate messages messages-extract demo lint lock prod-check fuzz scale-demo \
        bench worker

setup:
	@deploy/local/bootstrap.sh

setup-test:
	@deploy/local/bootstrap.sh --test

# Compiles the committed translation catalogues (locale/*/LC_MESSAGES/django.po) into .mo files.
messages:
	@cd locale && for po in */LC_MESSAGES/django.po; do \
	  mo="$${po%.po}.mo"; [ "$$mo" -nt "$$po" ] || msgfmt --check -o "$$mo" "$$po"; done

# Collects new strings from the code into every catalogue (then translate them: tests/test_translations.py checks).
messages-extract: setup
	@DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py makemessages -v 0 --no-wrap --add-location=file \
	  --ignore '.venv/*' --ignore 'tests/*' --ignore 'bench/*' -l nb -l nn -l da -l sv -l nl -l en
	@for po in locale/*/LC_MESSAGES/django.po; do msgattrib --no-obsolete --no-wrap -o "$$po" "$$po"; done

migrate: setup messages
	@DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py migrate --noinput -v 0

demo: migrate
	@DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py load_demo

# daphne and the background-job worker beside it (deploy/local/run.sh).
run: demo
	@HOST=$(HOST) PORT=$(PORT) VENV=$(VENV) deploy/local/run.sh

test: setup-test messages
	@deploy/local/test.sh

lint: setup-test
	@$(VENV)/bin/ruff check .

# Re-pins requirements*.lock from requirements*.in (needs PyPI).
lock: setup
	@$(PY) -m pip install -q pip-tools
	@$(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	  -o requirements.lock requirements.in
	@$(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	  -o requirements-dev.lock requirements-dev.in
	@# schemathesis' own set, for .venv-fuzz: never installed next to the project (it brings PyPI `requests`).
	@$(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	  -o requirements-fuzz.lock requirements-fuzz.in

# Three daphne processes (ports 8001–8003) on one Redis and a database of their own (dugnad_scale_demo); scripted
# clients on different processes show messages, notifications and sign-up results crossing between them.
scale-demo: setup-test messages
	@$(PY) deploy/local/scale_demo.py

# Every benchmark (bench/run_all.py) beside its baselines, DESIGN §7's targets and verdicts; writes
# docs/benchmarks.md (about 12 minutes). QUICK=1: small sizes, about 4 minutes, printed only (docs untouched).
bench: setup-test messages
	@$(PY) bench/run_all.py $(if $(QUICK),--quick)

# The background-job worker (procrastinate) alone: runs the periodic jobs (expiry, reminders, e-mails, retention).
worker: migrate
	@DJANGO_SETTINGS_MODULE=config.settings.local exec $(PY) manage.py procrastinate worker

# Production settings with throwaway secrets: check --deploy (no warnings), migrations applied, collectstatic.
prod-check: setup messages
	@deploy/prod-check.sh

# Bad input at scale, longer than `make test`: schemathesis over every operation of /api/schema/ (all phases,
# stateful links included) and the WebSocket frame fuzzer, with many more examples. FUZZ_EXAMPLES /
# FUZZ_WS_EXAMPLES set how many; FUZZ_SEED a different seed.
FUZZ_EXAMPLES ?= 100
FUZZ_WS_EXAMPLES ?= 3000
FUZZ_SEED ?= 20261123
fuzz: setup-test messages
	@DJANGO_SETTINGS_MODULE=config.settings.test DUGNAD_FUZZ=long DUGNAD_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
	  DUGNAD_FUZZ_WS_EXAMPLES=$(FUZZ_WS_EXAMPLES) DUGNAD_FUZZ_SEED=$(FUZZ_SEED) $(PY) -m pytest -p no:cacheprovider \
	  tests/contract/test_schemathesis.py tests/chat/test_ws_fuzz.py
