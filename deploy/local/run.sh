#!/usr/bin/env bash
# `make run`: daphne on HOST:PORT and, beside it, the background-job worker (reminders, expiry, e-mails, retention),
# as in production (deploy/compose.yaml, deploy/systemd/). Ctrl-C stops both.
set -Eeuo pipefail
cd "$(dirname "$0")/../.."

VENV=${VENV:-.venv}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}

"$VENV/bin/python" manage.py procrastinate worker &
worker=$!
trap 'kill "$worker" 2>/dev/null; wait "$worker" 2>/dev/null || true' EXIT

echo "Dugnad is at http://${HOST}:${PORT}/ (Ctrl-C stops it)."
"$VENV/bin/daphne" -b "$HOST" -p "$PORT" config.asgi:application
