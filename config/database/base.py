"""GeoDjango's PostGIS backend, with a connection pool that gets over a PostgreSQL restart at once and cheaply.

With ``CONN_HEALTH_CHECKS`` Django has psycopg_pool check each connection before lending it, with an empty query (a
round trip on every request and every WebSocket frame). After PostgreSQL restarts (or fails over) every idle
connection in the pool is dead, and the pool finds that out one connection at a time, sleeping 1, 2, 4… s between
failures inside a single wait: with a handful of idle connections a request waits longer than the pool's timeout and
gets a 503, and a WebSocket handshake outlasts daphne's 5 s and is dropped, although PostgreSQL is already back.

Here the check costs no round trip (an idle connection has nothing to read: a readable socket means the server said
goodbye, as a shutdown does with a FATAL message and a crash by the kernel closing the socket), and the first dead
connection empties the pool of the others (``drain()``), so the wait is only as long as opening a fresh connection
(tests/faults/test_postgres_restart.py). A connection cut without a word (a network partition) still fails the one
request that uses it, with 503, and is then replaced.
"""

import logging
import select

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
    """Raises, after replacing every idle connection, when ``connection`` was closed by the server."""
    if connection.closed or connection.pgconn.status != psycopg.pq.ConnStatus.OK or _has_input(connection):
        logger.warning("database connection found closed by the server; replacing every idle one")
        pool.drain()
        raise psycopg.OperationalError("the server closed this connection")


def _has_input(connection):
    # poll, not select: a busy daphne holds file descriptors above select()'s limit of 1024.
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN)
    return bool(poller.poll(0))
