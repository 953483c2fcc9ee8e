# shellcheck shell=bash
# Sourced by deploy/backup.sh and deploy/restore.sh (not run on its own).
#
# database_url_to_pgenv URL turns the application's DATABASE_URL (postgis://user:password@host:port/name?options,
# also postgres:// and postgresql://) into libpq's environment: PGHOST, PGPORT, PGUSER, PGDATABASE, and the
# connection options libpq knows (sslmode, sslrootcert, sslcert, sslkey, connect_timeout). The application's own
# options (pool, pool_max, pool_timeout, conn_max_age) are ignored. Percent-encoded parts are decoded, an IPv6 host
# may be given in brackets, and the password is split off at the last "@" so that a password with an unencoded "/",
# "?" or "#" still parses.
#
# The password is never put on a command line or into the environment: it goes into a private temporary pgpass file
# (PGPASSFILE), which pgenv_cleanup removes. Without a password in the URL, libpq's usual ways apply (~/.pgpass,
# peer or trust authentication).

pgenv_die() {
  echo "${PROGRAM:-database-url}: $*" >&2
  exit 2
}

# Percent-decoding (RFC 3986). Backslashes are doubled first so that printf %b only expands the \xNN we make.
url_decode() {
  local s=${1//\\/\\\\}
  printf '%b' "${s//%/\\x}"
}

# A pgpass field: ":" and "\" are escaped with a backslash.
pgpass_escape() {
  local s=${1//\\/\\\\}
  printf '%s' "${s//:/\\:}"
}

PGENV_PASSFILE=""

pgenv_cleanup() {
  if [ -n "$PGENV_PASSFILE" ]; then
    rm -f -- "$PGENV_PASSFILE"
    PGENV_PASSFILE=""
  fi
}

database_url_to_pgenv() {
  local url=$1 rest userinfo="" hostpart path="" query="" user="" password="" host port="" pair key value
  case "$url" in
    postgis://* | postgres://* | postgresql://*) ;;
    "") pgenv_die "DATABASE_URL is not set (expected postgis://user:password@host:port/name)" ;;
    *) pgenv_die "DATABASE_URL must start with postgis://, postgres:// or postgresql:// (got ${url%%://*}://…)" ;;
  esac
  rest=${url#*://}
  if [[ $rest == *@* ]]; then
    userinfo=${rest%@*}
    rest=${rest##*@}
  fi
  if [[ $rest == *\#* ]]; then rest=${rest%%#*}; fi
  if [[ $rest == *\?* ]]; then
    query=${rest#*\?}
    rest=${rest%%\?*}
  fi
  if [[ $rest == */* ]]; then
    path=${rest#*/}
    hostpart=${rest%%/*}
  else
    hostpart=$rest
  fi
  if [ -n "$userinfo" ]; then
    if [[ $userinfo == *:* ]]; then
      user=$(url_decode "${userinfo%%:*}")
      password=$(url_decode "${userinfo#*:}")
    else
      user=$(url_decode "$userinfo")
    fi
  fi
  if [[ $hostpart == \[*\]* ]]; then # [IPv6]:port
    host=${hostpart#\[}
    host=${host%%\]*}
    port=${hostpart#*\]}
    port=${port#:}
  elif [[ $hostpart == *:* ]]; then
    host=${hostpart%%:*}
    port=${hostpart##*:}
  else
    host=$hostpart
  fi
  host=$(url_decode "$host")
  path=$(url_decode "$path")
  [ -n "$path" ] || pgenv_die "DATABASE_URL names no database (…/NAME at its end)"
  if [ -n "$port" ] && ! [[ $port =~ ^[0-9]+$ ]]; then
    pgenv_die "DATABASE_URL has a port that is not a number: $port"
  fi

  export PGDATABASE=$path
  if [ -n "$host" ]; then export PGHOST=$host; else unset PGHOST; fi
  if [ -n "$port" ]; then export PGPORT=$port; else unset PGPORT; fi
  if [ -n "$user" ]; then export PGUSER=$user; else unset PGUSER; fi
  unset PGPASSWORD

  local IFS='&'
  for pair in $query; do
    key=${pair%%=*}
    value=$(url_decode "${pair#*=}")
    case "$key" in
      sslmode) export PGSSLMODE=$value ;;
      sslrootcert) export PGSSLROOTCERT=$value ;;
      sslcert) export PGSSLCERT=$value ;;
      sslkey) export PGSSLKEY=$value ;;
      connect_timeout) export PGCONNECT_TIMEOUT=$value ;;
      *) ;; # the application's own options (pool, conn_max_age, …)
    esac
  done

  if [ -n "$password" ]; then
    pgenv_cleanup
    PGENV_PASSFILE=$(umask 077 && mktemp "${TMPDIR:-/tmp}/dugnad-pgpass.XXXXXX")
    # Any host, port and database: the same credentials also open the maintenance database during a restore.
    printf '*:*:*:%s:%s\n' "$(pgpass_escape "${user:-*}")" "$(pgpass_escape "$password")" >"$PGENV_PASSFILE"
    export PGPASSFILE=$PGENV_PASSFILE
  fi
}
