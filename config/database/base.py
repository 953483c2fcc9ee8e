"""GeoDjango's PostGIS backend, with a connection pool that gets over a PostgreSQL restart at once.

With ``CONN_HEALTH_CHECKS`` Django has psycopg_pool check each connection before lending it. After PostgreSQL restarts
(or fails over) every idle connection in the pool is dead, and the pool finds that out one connection at a time,
sleeping 1, 2, 4… s between failures inside a single wait: with a handful of idle connections a request waits longer
than the pool's timeout and gets a 503, and a WebSocket handshake outlasts daphne's 5 s and is dropped, although
PostgreSQL is already back. Here the first dead connection empties the pool of the others (``drain()``), so the
wait is only as long as opening a fresh connection (tests/faults/test_postgres_restart.py).
"""

import logging

import psycopg
from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper as PostGISDatabaseWrapper
from django.db.backends.base.base import NO_DB_ALIAS
from psycopg_pool import ConnectionPool

logger = logging.getLogger(__name__)


class DatabaseWrapper(PostGISDatabaseWrapper):
    @property
    def pool(self):
        options = self.settings_dict["OPTIONS"].get("pool")
        if (
            options
            and self.alias != NO_DB_ALIAS
            and self.alias not in self._connection_pools
            and self.settings_dict["CONN_HEALTH_CHECKS"]
        ):
            # As Django builds its pool (backends/postgresql/base.py), with the check below instead of the pool's own.
            connect_kwargs = {**self.get_connection_params(), "autocommit": True}
            pool = ConnectionPool(
                kwargs=connect_kwargs,
                open=False,
                configure=self._configure_connection,
                check=lambda connection: _check_or_drain(pool, connection),
                **({} if options is True else options),
            )
            self._connection_pools.setdefault(self.alias, pool)
        return super().pool


def _check_or_drain(pool, connection):
    """psycopg_pool's check; a connection that fails it was most likely cut by a PostgreSQL restart, as were the other
    idle ones, so they are all replaced at once."""
    try:
        ConnectionPool.check_connection(connection)
    except psycopg.Error as exc:
        logger.warning("database connection found dead (%s); replacing every idle one", exc)
        pool.drain()
        raise
