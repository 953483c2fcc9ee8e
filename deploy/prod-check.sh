#!/usr/bin/env bash
# `make prod-check`: what a production start needs, checked under config.settings.production with throwaway secrets
# against $DATABASE_URL: `check --deploy` without warnings, every migration applied (migrate, then migrate --check),
# and `collectstatic` with hashed names into a temporary STATIC_ROOT; where Docker Compose is installed, also
# deploy/compose.yaml (with deploy/dugnad.env.example standing in for the real env file).
set -Eeuo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PY="$VENV/bin/python"
STEP=""
trap 'echo "make prod-check: step \"$STEP\" failed." >&2' ERR

static_root=$(mktemp -d)
trap 'rm -rf "$static_root"' EXIT

export DJANGO_SETTINGS_MODULE=config.settings.production
DJANGO_SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
export DJANGO_SECRET_KEY
export DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-prod-check.invalid}
export DJANGO_EMAIL_HOST=${DJANGO_EMAIL_HOST:-smtp.invalid}
export DUGNAD_BASE_URL=${DUGNAD_BASE_URL:-https://prod-check.invalid}
export DATABASE_URL=${DATABASE_URL:?set DATABASE_URL to the database to check}
export DUGNAD_STATIC_ROOT=$static_root

STEP="check --deploy"
"$PY" manage.py check --deploy --fail-level WARNING

STEP="migrate"
"$PY" manage.py migrate --noinput -v 0
STEP="migrate --check"
"$PY" manage.py migrate --check -v 0

STEP="collectstatic"
"$PY" manage.py collectstatic --noinput -v 0
[ -s "$static_root/staticfiles.json" ] || { echo "make prod-check: collectstatic wrote no manifest" >&2; exit 1; }

STEP="compose config"
compose_env=$(mktemp)
trap 'rm -rf "$static_root" "$compose_env"' EXIT
echo "DUGNAD_ENV_FILE=$PWD/deploy/dugnad.env.example" >"$compose_env"
if docker compose version >/dev/null 2>&1; then
  docker compose --env-file "$compose_env" -f deploy/compose.yaml config -q
elif command -v docker-compose >/dev/null; then
  docker-compose --env-file "$compose_env" -f deploy/compose.yaml config -q
else
  echo "make prod-check: no docker compose here; deploy/compose.yaml not checked." >&2
fi

echo "make prod-check: production settings, migrations, static files and the compose file are fine."
