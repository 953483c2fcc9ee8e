"""Reading settings from the environment.

Settings modules call these helpers; nothing else in the project reads ``os.environ`` for configuration.
"""

import os
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=None):
    """The variable's value; without a default, a missing variable is a configuration error."""
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Set the environment variable {name}.")
        return default
    return value


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url, *, pool_by_default=False):
    """A ``DATABASES`` entry for a ``postgis://user:password@host:port/name?options`` URL.

    ``postgres://`` and ``postgresql://`` are accepted too; the engine is always GeoDjango's PostGIS backend
    (through ``config.database``). Connections are kept for ``conn_max_age`` seconds (default 60, checked before
    reuse): opening one costs more than most requests and WebSocket handshakes take. With ``pool=1`` a psycopg
    connection pool is used instead (``pool_max`` connections per process, default 20; waiting at most
    ``pool_timeout`` seconds, default 3): under ASGI each HTTP request runs in a thread of its own, which a
    per-thread persistent connection cannot serve, so without a pool every HTTP request opens a connection
    (docs/benchmarks.md). ``pool_by_default`` decides for a URL that does not say (production settings); an explicit
    ``pool=0`` always turns the pool off. Either way a connection is checked before it is used, so a PostgreSQL
    restart costs no request once PostgreSQL is back.
    """
    parsed = urlparse(url)
    if parsed.scheme not in {"postgis", "postgres", "postgresql"}:
        raise ImproperlyConfigured(f"DATABASE_URL must be a postgis:// URL, not {parsed.scheme}://.")
    options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    conn_max_age = int(options.pop("conn_max_age", 60))
    pooled = options.pop("pool", "1" if pool_by_default else "0").strip().lower() in _TRUE
    pool_max = int(options.pop("pool_max", 20))
    # Under daphne's 5 s for a WebSocket handshake: while PostgreSQL is away every request waits this long for a
    # connection, and a handshake that waits longer is dropped without an answer instead of ending cleanly.
    pool_timeout = float(options.pop("pool_timeout", 3))
    if pooled:
        # Django requires CONN_MAX_AGE = 0 with a pool: connections go back to the pool at the end of each request.
        conn_max_age = 0
        options["pool"] = {"min_size": 2, "max_size": pool_max, "timeout": pool_timeout}
    return {
        # GeoDjango's PostGIS backend, with a pool that replaces all its dead connections at once (config/database/).
        "ENGINE": "config.database",
        "NAME": unquote(parsed.path.lstrip("/")),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": conn_max_age,
        # With a pool this makes the pool check each connection before lending it (config/database/base.py, without
        # a round trip): after a PostgreSQL restart its idle connections are all dead, and unchecked they would fail
        # as many requests with 503 although PostgreSQL is back (tests/faults/test_postgres_restart.py).
        "CONN_HEALTH_CHECKS": conn_max_age > 0 or pooled,
        "OPTIONS": options,
    }
