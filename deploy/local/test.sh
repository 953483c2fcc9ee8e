#!/usr/bin/env bash
# The whole suite, in the order that fails fastest: lint, migrations, unit/PostGIS/WebSocket tests (in parallel),
# then the browser tests against a live daphne (on their own: Playwright's sync API keeps an event loop running,
# which the async WebSocket tests cannot share). Extra arguments go to both pytest runs.
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

# --- deploy: production settings with throwaway secrets (check --deploy, migrations, collectstatic) -----------
STEP="prod-check"
deploy/prod-check.sh >/dev/null
# --- end deploy ---

STEP="unit, PostGIS and WebSocket tests"
"$VENV/bin/python" -m pytest -n "${TEST_WORKERS:-2}" --ignore=tests/e2e "$@"

STEP="browser tests"
"$VENV/bin/python" -m pytest tests/e2e "$@"
