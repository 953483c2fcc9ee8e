#!/usr/bin/env bash
# Prepares this machine for `make run` / `make test`: Debian packages, PostgreSQL with PostGIS, Redis, the
# virtualenv. Every step first checks whether there is anything to do and stays quiet when there is not, so running
# it again costs a second. It reuses a PostgreSQL on $DB_HOST:$DB_PORT and a Redis on $REDIS_HOST:$REDIS_PORT
# that already answer, and starts them (without systemd) when they do not.
#
#   deploy/local/bootstrap.sh            what `make run` needs
#   deploy/local/bootstrap.sh --test     plus the test tools and Chromium for the browser tests
set -Eeuo pipefail

cd "$(dirname "$0")/../.."

WITH_TEST=0
for arg in "$@"; do
  case "$arg" in
    --test) WITH_TEST=1 ;;
    *) echo "bootstrap: unknown argument $arg" >&2; exit 2 ;;
  esac
done

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
PG_VERSION=${PG_VERSION:-15}
DB_HOST=${DB_HOST:-127.0.0.1}
DB_PORT=${DB_PORT:-5432}
DB_NAME=${DB_NAME:-dugnad}
DB_USER=${DB_USER:-dugnad}
DB_PASSWORD=${DB_PASSWORD:-dugnad}
REDIS_HOST=${REDIS_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-6379}

STEP="start"
trap 'echo "bootstrap: step \"$STEP\" failed (exit $?); the output above says why." >&2' ERR

say() { echo "bootstrap: $*"; }
fail() { echo "bootstrap: step \"$STEP\" failed: $*" >&2; exit 1; }

# --- Debian packages -------------------------------------------------------------------------------------------
STEP="Debian packages"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

redis_answers() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$REDIS_HOST/$REDIS_PORT && printf 'PING\r\n' >&3 && head -c 5 <&3" 2>/dev/null \
    | grep -q PONG
}

python_ok() {
  command -v "$PYTHON" >/dev/null 2>&1 &&
    "$PYTHON" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info[:2] < (3, 10))' 2>/dev/null
}

wanted=(gettext libgdal32 libgeos-c1v5 libproj25 "postgresql-$PG_VERSION" "postgresql-$PG_VERSION-postgis-3"
        postgresql-client ca-certificates)
python_ok || wanted+=(python3 python3-venv)
redis_answers || wanted+=(redis-server redis-tools)
# Tests also need: the browser; the tools tests/deploy/ validate and run the production layout with
# (docker-compose 1.29 checks deploy/compose.yaml without a Docker daemon; caddy runs deploy/Caddyfile; systemd's
# systemd-analyze verifies deploy/systemd/; iproute2's ss shows daphne's listen backlog); and redis-server, which
# the fault tests (tests/faults/) start privately and stop, even where a Redis already answers.
[ "$WITH_TEST" = 1 ] && wanted+=(chromium fonts-dejavu-core docker-compose caddy systemd iproute2 redis-server)

missing=()
for pkg in "${wanted[@]}"; do installed "$pkg" || missing+=("$pkg"); done
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null || fail "missing ${missing[*]} and no apt-get to install them (Debian 12 expected)"
  [ "$(id -u)" = 0 ] || fail "missing ${missing[*]}: run as root to install them"
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's caddy package enables a caddy.service that takes ports 80, 443 and 2019; the tests run their own
  # caddy processes on free ports, so a test machine does not need it running.
  if [[ " ${missing[*]} " == *" caddy "* ]] && [ -d /run/systemd/system ]; then
    systemctl disable --now caddy.service >/dev/null 2>&1 || true
  fi
fi
[ "$PYTHON" = python3 ] && ! python_ok && PYTHON=/usr/bin/python3
python_ok || fail "$PYTHON is missing, older than 3.10, or lacks venv/ensurepip"

# --- PostgreSQL ------------------------------------------------------------------------------------------------
STEP="PostgreSQL"

local_db() { [ "$DB_HOST" = 127.0.0.1 ] || [ "$DB_HOST" = localhost ]; }

if ! tcp_open "$DB_HOST" "$DB_PORT"; then
  local_db || fail "nothing answers on $DB_HOST:$DB_PORT and it is not this machine"
  if ! pg_lsclusters -h 2>/dev/null | grep -q "^$PG_VERSION main"; then
    say "creating PostgreSQL cluster $PG_VERSION/main"
    pg_createcluster "$PG_VERSION" main -p "$DB_PORT" >/dev/null
  fi
  say "starting PostgreSQL $PG_VERSION/main"
  pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start
  for _ in $(seq 1 30); do tcp_open "$DB_HOST" "$DB_PORT" && break; sleep 1; done
  tcp_open "$DB_HOST" "$DB_PORT" || fail "PostgreSQL did not come up on $DB_HOST:$DB_PORT"
fi

# Administrative SQL runs as the postgres superuser: over the local socket where this machine has that account
# (peer authentication), else over TCP (a server that trusts local connections).
psql_admin() {
  if id postgres >/dev/null 2>&1 && local_db; then
    # (from /, which the postgres account can enter, unlike root's home where the project may live)
    (cd / && runuser -u postgres -- psql -p "$DB_PORT" -v ON_ERROR_STOP=1 -qAt "$@")
  else
    psql -h "$DB_HOST" -p "$DB_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"
  fi
}

# PostGIS must be enabled in template1 so that the test runner's `test_*` databases get it without superuser rights.
for db in template1 "$DB_NAME"; do
  if [ "$db" = "$DB_NAME" ] && [ -z "$(psql_admin -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ]; then
    continue
  fi
  have=$(psql_admin -d "$db" -c "SELECT count(*) FROM pg_extension WHERE extname IN ('postgis', 'pg_trgm')")
  if [ "$have" != 2 ]; then
    say "enabling postgis and pg_trgm in $db"
    psql_admin -d "$db" -c "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pg_trgm;"
  fi
done

if [ -z "$(psql_admin -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" ]; then
  say "creating database role $DB_USER"
  psql_admin -d postgres -c "CREATE ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASSWORD'"
fi
if [ -z "$(psql_admin -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ]; then
  say "creating database $DB_NAME"
  psql_admin -d postgres -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$DB_USER\""
fi
PGPASSWORD="$DB_PASSWORD" psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" -qAt \
  -c "SELECT postgis_version()" >/dev/null 2>&1 \
  || fail "cannot connect to $DB_NAME on $DB_HOST:$DB_PORT as $DB_USER with PostGIS (check pg_hba.conf and the password)"

# --- Redis -----------------------------------------------------------------------------------------------------
STEP="Redis"
if ! redis_answers; then
  if tcp_open "$REDIS_HOST" "$REDIS_PORT"; then
    fail "something on $REDIS_HOST:$REDIS_PORT does not answer PING like Redis"
  fi
  say "starting Redis on $REDIS_HOST:$REDIS_PORT"
  mkdir -p /var/lib/redis
  redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save '' --appendonly no \
    --dir /var/lib/redis >/dev/null
  for _ in $(seq 1 20); do redis_answers && break; sleep 0.5; done
  redis_answers || fail "Redis did not answer PING on $REDIS_HOST:$REDIS_PORT"
fi

# --- Python virtualenv -----------------------------------------------------------------------------------------
STEP="Python virtualenv"
if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV with $("$PYTHON" --version)"
  "$PYTHON" -m venv "$VENV"
fi

lock=requirements.lock
[ "$WITH_TEST" = 1 ] && lock=requirements-dev.lock
# The dev lock pins the runtime set exactly, so a venv installed from it also satisfies the runtime lock.
stamp_ok() { [ -f "$VENV/.installed-$1" ] && [ "$(cat "$VENV/.installed-$1")" = "$(sha256sum "$1" | cut -d' ' -f1)" ]; }
if ! stamp_ok "$lock" && ! { [ "$lock" = requirements.lock ] && stamp_ok requirements-dev.lock; }; then
  say "installing Python packages from $lock"
  # (grep drops the notices some machines' pip configuration prints about absent local mirrors.)
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r "$lock" \
    2> >(grep -v "^WARNING: Location '.*' is ignored" >&2 || true)
  "$VENV/bin/python" -m pip check >/dev/null || fail "pip check found inconsistent packages in $VENV"
  sha256sum "$lock" | cut -d' ' -f1 >"$VENV/.installed-$lock"
fi

# --- API fuzzer virtualenv (--test) ----------------------------------------------------------------------------
# schemathesis needs the PyPI `requests` library, which our `requests/` package shadows and which the project never
# installs: it gets a virtualenv of its own and runs as a subprocess (tests/contract/test_schemathesis.py, make fuzz).
FUZZ_VENV=${FUZZ_VENV:-.venv-fuzz}
if [ "$WITH_TEST" = 1 ]; then
  STEP="API fuzzer virtualenv"
  if [ ! -x "$FUZZ_VENV/bin/python" ]; then
    say "creating $FUZZ_VENV with $("$PYTHON" --version)"
    "$PYTHON" -m venv "$FUZZ_VENV"
  fi
  fuzz_lock=requirements-fuzz.lock
  if [ ! -f "$FUZZ_VENV/.installed-$fuzz_lock" ] \
     || [ "$(cat "$FUZZ_VENV/.installed-$fuzz_lock")" != "$(sha256sum "$fuzz_lock" | cut -d' ' -f1)" ]; then
    say "installing Python packages from $fuzz_lock into $FUZZ_VENV"
    "$FUZZ_VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r "$fuzz_lock" \
      2> >(grep -v "^WARNING: Location '.*' is ignored" >&2 || true)
    "$FUZZ_VENV/bin/python" -m pip check >/dev/null || fail "pip check found inconsistent packages in $FUZZ_VENV"
    sha256sum "$fuzz_lock" | cut -d' ' -f1 >"$FUZZ_VENV/.installed-$fuzz_lock"
  fi
fi

if [ "$WITH_TEST" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  STEP="Chromium"
  fail "/usr/bin/chromium is missing after installing the chromium package"
fi
exit 0
