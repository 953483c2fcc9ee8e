#!/usr/bin/env bash
# The whole suite, in the order that fails fastest: lint, migrations, production settings, unit/PostGIS/WebSocket
# tests (in parallel), the fault tests, then the browser tests against a live daphne (on their own: Playwright's sync
# API keeps an event loop running, which the async WebSocket tests cannot share). Extra arguments go to every pytest
# run.
set -Eeuo pipefail
cd "$(dirname "$0")/../.."

VENV=${VENV:-.venv}
export DJANGO_SETTINGS_MODULE=config.settings.test
STEP=""
trap 'echo "make test: step \"$STEP\" failed." >&2' ERR

STEP="ruff"
"$VENV/bin/ruff" check --quiet .

STEP="makemigrations --check"
"$VENV/bin/python" manage.py makemigrations --check --dry-run -v 0 \
  || { echo "make test: models changed without a migration; run manage.py makemigrations." >&2; exit 1; }

# Production settings with throwaway secrets: check --deploy, migrations applied, static files collected.
STEP="prod-check"
deploy/prod-check.sh >/dev/null

STEP="unit, PostGIS and WebSocket tests"
"$VENV/bin/python" -m pytest -n "${TEST_WORKERS:-2}" --ignore=tests/e2e --ignore=tests/faults "$@"

# On their own: they kill and restart daphne, Redis and PostgreSQL processes of their own and storm one daphne
# with 1,000 clients, which would starve the tests beside them of CPU.
STEP="fault tests"
"$VENV/bin/python" -m pytest tests/faults "$@"

STEP="browser tests"
"$VENV/bin/python" -m pytest tests/e2e "$@"
