#!/usr/bin/env bash
# Backs up the database named by DATABASE_URL with pg_dump's custom format into a timestamped file, written
# atomically (a hidden temporary file, checked, then renamed) and read back in full before it counts. Optionally keeps
# only the newest N backups. Prints the new file's path on standard output; everything else goes to standard error.
#
#   DATABASE_URL=postgis://dugnad:…@127.0.0.1:5432/dugnad deploy/backup.sh --dir /var/backups/dugnad --keep 14
#
# See docs/operations.md ("Backups and restore") for running it on a systemd host and in the compose `db` container.
set -Eeuo pipefail

PROGRAM=backup
usage() {
  cat <<'EOF'
Usage: deploy/backup.sh [--dir DIR] [--keep N] [--name NAME]

Dumps the database in DATABASE_URL (postgis://user:password@host:port/name) with pg_dump --format=custom.

  --dir DIR    where backups go (default: $BACKUP_DIR, else /var/backups/dugnad); created if missing
  --keep N     afterwards delete all but the newest N backups of this NAME (default: $BACKUP_KEEP, else 0 = keep all)
  --name NAME  file name prefix (default: the database name); files are NAME-YYYYMMDDTHHMMSSZ.dump
  -h, --help   this text

Exit status: 0 on success (the file's path is printed), 1 if the dump or its check failed, 2 for bad usage.
EOF
}

die() {
  echo "backup: $*" >&2
  exit "${EXIT:-1}"
}
say() { echo "backup: $*" >&2; }

DIR=${BACKUP_DIR:-/var/backups/dugnad}
KEEP=${BACKUP_KEEP:-0}
NAME=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) [ $# -ge 2 ] || EXIT=2 die "--dir needs a directory"; DIR=$2; shift 2 ;;
    --dir=*) DIR=${1#*=}; shift ;;
    --keep) [ $# -ge 2 ] || EXIT=2 die "--keep needs a number"; KEEP=$2; shift 2 ;;
    --keep=*) KEEP=${1#*=}; shift ;;
    --name) [ $# -ge 2 ] || EXIT=2 die "--name needs a name"; NAME=$2; shift 2 ;;
    --name=*) NAME=${1#*=}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; EXIT=2 die "unknown argument: $1" ;;
  esac
done
[[ $KEEP =~ ^[0-9]+$ ]] || EXIT=2 die "--keep must be a whole number, not '$KEEP'"
[ -n "$DIR" ] || EXIT=2 die "--dir must not be empty"

for tool in pg_dump pg_restore; do
  command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt-get install postgresql-client)"
done

# shellcheck source=deploy/database-url.sh
. "$(dirname "${BASH_SOURCE[0]}")/database-url.sh"
TMP=""
cleanup() {
  [ -z "$TMP" ] || rm -f -- "$TMP"
  pgenv_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
database_url_to_pgenv "${DATABASE_URL:-}"

NAME=${NAME:-$PGDATABASE}
[[ $NAME =~ ^[A-Za-z0-9._-]+$ ]] || EXIT=2 die "--name may hold letters, digits, '.', '_' and '-' only: '$NAME'"

umask 077
mkdir -p -- "$DIR" || die "cannot create $DIR"
[ -w "$DIR" ] || die "cannot write to $DIR"

stamp() { date -u +%Y%m%dT%H%M%SZ; }
FINAL="$DIR/$NAME-$(stamp).dump"
while [ -e "$FINAL" ]; do # two backups within one second: the names are the order, so wait for a new one
  sleep 1
  FINAL="$DIR/$NAME-$(stamp).dump"
done
# In the same directory, so that the rename below is atomic; hidden and not ending in .dump, so that neither
# retention nor an off-site sync takes a partial file for a backup.
TMP=$(mktemp "$DIR/.$NAME.partial.XXXXXX")

say "dumping $PGDATABASE on ${PGHOST:-local socket}${PGPORT:+:$PGPORT} into $FINAL"
started=$SECONDS
# --lock-wait-timeout: fail rather than queue forever behind a migration's exclusive lock (and block the app).
pg_dump --format=custom --no-password --lock-wait-timeout=60s --file="$TMP" \
  || die "pg_dump failed (see above); nothing was written"

# The table of contents must list the data; reading the whole archive proves it is complete and decompresses.
toc=$(pg_restore --list "$TMP") || die "the new dump has no readable table of contents"
grep -q 'TABLE DATA public django_migrations ' <<<"$toc" \
  || die "the new dump holds no django_migrations data: is $PGDATABASE the application's database?"
pg_restore --file=/dev/null "$TMP" || die "the new dump cannot be read back in full"

sync -- "$TMP" 2>/dev/null || true
mv -f -- "$TMP" "$FINAL"
TMP=""
sync -- "$DIR" 2>/dev/null || true
say "done in $((SECONDS - started)) s: $(du -h -- "$FINAL" | cut -f1), $(grep -c ' TABLE DATA ' <<<"$toc") tables"

if [ "$KEEP" -gt 0 ]; then
  mapfile -t old < <(
    find "$DIR" -maxdepth 1 -type f -regextype posix-extended \
      -regex ".*/${NAME//./\\.}-[0-9]{8}T[0-9]{6}Z\.dump" -printf '%f\n' \
      | sort -r | tail -n +"$((KEEP + 1))"
  )
  for file in "${old[@]}"; do
    rm -f -- "${DIR:?}/$file"
    say "deleted old backup $file (keeping the newest $KEEP)"
  done
fi

echo "$FINAL"
