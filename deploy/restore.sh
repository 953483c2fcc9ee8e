#!/usr/bin/env bash
# Restores a backup made by deploy/backup.sh (pg_dump custom format) into the database named by DATABASE_URL.
#
# The dump is restored into a new staging database next to the target first; only when every object and every row
# went in does the staging database take the target's name (two renames in one transaction). A dump that is corrupt
# or truncated therefore fails with the target untouched and no half-restored database left behind. A target that
# holds tables is refused unless --force is given; then it is kept under the name NAME_before_restore_<time> (drop it
# once the restore is confirmed), and sessions connected to it are ended.
#
#   DATABASE_URL=postgis://dugnad:…@127.0.0.1:5432/dugnad deploy/restore.sh /var/backups/dugnad/dugnad-….dump
#
# See docs/operations.md ("Backups and restore").
set -Eeuo pipefail

PROGRAM=restore
usage() {
  cat <<'EOF'
Usage: deploy/restore.sh [--force] [--jobs N] [--no-check] DUMPFILE

Restores DUMPFILE (made by deploy/backup.sh) into the database in DATABASE_URL
(postgis://user:password@host:port/name). The database may be missing (it is created) or empty.

  --force      replace a database that holds tables; the old one is kept as NAME_before_restore_<time>
  --jobs N     parallel restore jobs (default: $RESTORE_JOBS, else 2)
  --no-check   skip `manage.py migrate --check` (row counts are printed anyway)
  -h, --help   this text

The role in DATABASE_URL needs CREATEDB. PostGIS must be available in template1 or the role must be a superuser
(the extensions are created before the data, as deploy/local/bootstrap.sh does). The migration check runs
manage.py with $DUGNAD_PYTHON (default: the project's .venv/bin/python) and the current environment
(DJANGO_SETTINGS_MODULE and the settings it needs); without a Python it is skipped with a notice.

Exit status: 0 restored and checked; 1 the restore failed (the target is unchanged); 2 bad usage;
3 the target holds tables and --force was not given; 4 restored, but `manage.py migrate --check` failed
(migrations the backup lacks: run `manage.py migrate`; or incomplete settings: see its output).
EOF
}

die() {
  echo "restore: $*" >&2
  exit "${EXIT:-1}"
}
say() { echo "restore: $*" >&2; }

FORCE=0
JOBS=${RESTORE_JOBS:-2}
CHECK=1
DUMP=""
while [ $# -gt 0 ]; do
  case "$1" in
    --force) FORCE=1; shift ;;
    --jobs) [ $# -ge 2 ] || EXIT=2 die "--jobs needs a number"; JOBS=$2; shift 2 ;;
    --jobs=*) JOBS=${1#*=}; shift ;;
    --no-check) CHECK=0; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; EXIT=2 die "unknown option: $1" ;;
    *) [ -z "$DUMP" ] || EXIT=2 die "one dump file only (got '$DUMP' and '$1')"; DUMP=$1; shift ;;
  esac
done
[ -n "$DUMP" ] || { usage >&2; EXIT=2 die "name the dump file to restore"; }
{ [ -f "$DUMP" ] && [ -r "$DUMP" ]; } || EXIT=2 die "cannot read $DUMP"
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || EXIT=2 die "--jobs must be a whole number of at least 1, not '$JOBS'"

for tool in pg_restore psql; do
  command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt-get install postgresql-client)"
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=deploy/database-url.sh
. "$ROOT/deploy/database-url.sh"
database_url_to_pgenv "${DATABASE_URL:-}"
TARGET=$PGDATABASE
case "$TARGET" in
  postgres | template0 | template1) EXIT=2 die "will not restore into the system database $TARGET" ;;
esac
MAINTENANCE_DB=${RESTORE_MAINTENANCE_DB:-postgres}
STAMP=$(date -u +%Y%m%d_%H%M%S)
# Identifiers are at most 63 bytes: NAME is shortened in the helper databases' names.
STAGING="${TARGET:0:30}_restoring_$STAMP"
ASIDE="${TARGET:0:30}_before_restore_$STAMP"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dugnad-restore.XXXXXX")
STAGING_CREATED=0

# psql reading SQL from standard input, with psql variables for names (quoted with :"name", values with :'name').
sql() {
  local db=$1
  shift
  PGOPTIONS="-c client_min_messages=error" psql -X -q -At --no-password -v ON_ERROR_STOP=1 -d "$db" "$@"
}

cleanup() {
  local status=$?
  if [ "$STAGING_CREATED" = 1 ]; then
    say "removing the unfinished staging database $STAGING"
    sql "$MAINTENANCE_DB" -v staging="$STAGING" <<<'DROP DATABASE IF EXISTS :"staging" WITH (FORCE)' \
      || say "could not drop $STAGING: drop it by hand"
  fi
  rm -rf -- "$WORK"
  pgenv_cleanup
  if [ "$status" = 1 ]; then
    say "FAILED: nothing was restored; the database $TARGET was not touched"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the dump ----------------------------------------------------------------------------------------------------
pg_restore --list "$DUMP" >"$WORK/toc" 2>"$WORK/toc.err" \
  || die "$DUMP is not a readable pg_dump custom-format archive: $(head -c 300 "$WORK/toc.err")"
grep -q 'TABLE DATA public django_migrations ' "$WORK/toc" \
  || die "$DUMP holds no django_migrations data: it is not a backup of the application's database"
# Extensions are created by this script (below) and belong to the superuser who created them, so the dump's own
# CREATE EXTENSION and COMMENT ON EXTENSION entries are left out: the comment would fail for a role that does not
# own the extension.
grep -v -E '^[0-9]+; [0-9]+ [0-9]+ (EXTENSION|COMMENT) - (EXTENSION )?' "$WORK/toc" >"$WORK/list"
# PostGIS' spatial_ref_sys belongs to the extension; pg_dump saves only rows added to it by hand. Without such rows
# its (empty) data entry is left out too, since loading it needs a privilege the application's role lacks.
srs_rows=$(pg_restore --data-only --table=spatial_ref_sys --file=- "$DUMP" \
  | sed -n '/^COPY /,/^\\[.]$/p' | grep -c -v -e '^COPY ' -e '^\\[.]$' || true)
if [ "${srs_rows:-0}" = 0 ]; then
  grep -v -E ' TABLE DATA [^ ]+ spatial_ref_sys ' "$WORK/list" >"$WORK/list.tmp"
  mv "$WORK/list.tmp" "$WORK/list"
fi
mapfile -t EXTENSIONS < <(
  { printf '%s\n' postgis pg_trgm; sed -n -E 's/^[0-9]+; [0-9]+ [0-9]+ EXTENSION - ([^ ]+).*/\1/p' "$WORK/toc"; } \
    | sort -u
)

# --- the target --------------------------------------------------------------------------------------------------
exists=$(sql "$MAINTENANCE_DB" -v target="$TARGET" <<<"SELECT count(*) FROM pg_database WHERE datname = :'target'") \
  || die "cannot connect to the maintenance database $MAINTENANCE_DB on ${PGHOST:-the local socket} (set RESTORE_MAINTENANCE_DB)"
TARGET_TABLES=0
if [ "$exists" = 1 ]; then
  # Relations that are not part of an extension (PostGIS' spatial_ref_sys is).
  TARGET_TABLES=$(sql "$TARGET" <<'SQL'
SELECT count(*)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
SQL
  ) || die "cannot look into the existing database $TARGET"
  if [ "$TARGET_TABLES" != 0 ] && [ "$FORCE" != 1 ]; then
    EXIT=3 die "$TARGET already holds $TARGET_TABLES tables and sequences; refusing to replace it without --force"
  fi
fi

# --- restore into a staging database -----------------------------------------------------------------------------
say "restoring $DUMP into a new database $STAGING ($JOBS jobs)"
started=$SECONDS
# (Retried: CREATE DATABASE fails while another session is connected to template1, e.g. another database being
# created at that moment.)
for attempt in 1 2 3 4 5; do
  if sql "$MAINTENANCE_DB" -v staging="$STAGING" <<<'CREATE DATABASE :"staging"'; then
    STAGING_CREATED=1
    break
  fi
  [ "$attempt" = 5 ] || sleep 2
done
[ "$STAGING_CREATED" = 1 ] || die "cannot create a database (the role ${PGUSER:-} needs CREATEDB; template1 must be free)"
for extension in "${EXTENSIONS[@]}"; do
  sql "$STAGING" -v ext="$extension" <<<'CREATE EXTENSION IF NOT EXISTS :"ext"' \
    || die "cannot create the extension $extension: enable it in template1 as a superuser, or restore as one"
done

pg_restore --no-owner --no-acl --exit-on-error --no-password --jobs="$JOBS" --use-list="$WORK/list" \
  --dbname="$STAGING" "$DUMP" \
  || die "pg_restore failed (see above): the dump is damaged or does not fit this server"

sql "$STAGING" <<<'ANALYZE' || die "ANALYZE failed in $STAGING"
migrations=$(sql "$STAGING" <<<'SELECT count(*) FROM django_migrations') || die "the restored database has no django_migrations"
[ "$migrations" -gt 0 ] || die "the restored database records no migrations"

# --- swap --------------------------------------------------------------------------------------------------------
if [ "$exists" = 1 ]; then
  # Other sessions (a running app) would block the rename: they are ended, and the swap is retried a few times in
  # case they reconnect at once. Stop the application before restoring.
  swapped=0
  for _ in 1 2 3 4 5; do
    if sql "$MAINTENANCE_DB" -v target="$TARGET" -v aside="$ASIDE" -v staging="$STAGING" <<'SQL'; then
SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity
WHERE datname = :'target' AND pid <> pg_backend_pid() \g /dev/null
BEGIN;
ALTER DATABASE :"target" RENAME TO :"aside";
ALTER DATABASE :"staging" RENAME TO :"target";
COMMIT;
SQL
      swapped=1
      break
    fi
    sleep 1
  done
  [ "$swapped" = 1 ] || die "could not rename $TARGET (sessions keep connecting to it: stop the application)"
  STAGING_CREATED=0
  if [ "$TARGET_TABLES" = 0 ]; then
    sql "$MAINTENANCE_DB" -v aside="$ASIDE" <<<'DROP DATABASE :"aside"' \
      || say "could not drop the empty former $TARGET, now $ASIDE: drop it by hand"
  else
    say "the database that was $TARGET is kept as $ASIDE; drop it once the restore is confirmed:"
    say "  DROP DATABASE \"$ASIDE\";"
  fi
else
  sql "$MAINTENANCE_DB" -v target="$TARGET" -v staging="$STAGING" <<<'ALTER DATABASE :"staging" RENAME TO :"target"' \
    || die "could not rename $STAGING to $TARGET"
  STAGING_CREATED=0
fi
say "restored into $TARGET in $((SECONDS - started)) s"

# --- checks ------------------------------------------------------------------------------------------------------
echo "Rows per table in $TARGET:"
sql "$TARGET" -F $'\t' <<'SQL'
SELECT string_agg(format('SELECT %L, count(*) FROM %I.%I', n.nspname || '.' || c.relname, n.nspname, c.relname),
                  ' UNION ALL ' ORDER BY n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
\gexec
SQL
echo "Migrations recorded: $migrations"

if [ "$CHECK" = 1 ]; then
  PY=${DUGNAD_PYTHON:-$ROOT/.venv/bin/python}
  if [ -x "$PY" ] || command -v "$PY" >/dev/null 2>&1; then
    say "checking migrations: manage.py migrate --check"
    if ! (cd "$ROOT" && "$PY" manage.py migrate --check --noinput); then
      EXIT=4 die "restored, but 'manage.py migrate --check' failed: run 'manage.py migrate' if migrations are missing, or fix the settings it complained about"
    fi
    say "migrations match the code"
  else
    say "NOTICE: no Python at $PY, so 'manage.py migrate --check' was not run (set DUGNAD_PYTHON, or run it yourself)"
  fi
fi
