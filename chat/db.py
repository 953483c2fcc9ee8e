"""Where the WebSocket side runs its database work: a pool of threads, each with its own kept connection."""

import functools
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections


@functools.cache
def _database_executor():
    """The threads that run the WebSocket side's database calls (each keeps its own connection, see CONN_MAX_AGE).

    Not Django's single thread for sync code (``thread_sensitive``): with one thread, every message of every
    connection of the process waits for the previous commit. With several, commits overlap (PostgreSQL flushes them
    together) while each connection's frames stay in order, because a consumer awaits each call.
    """
    return ThreadPoolExecutor(max_workers=settings.DUGNAD_WS_DATABASE_THREADS, thread_name_prefix="ws-database")


def _with_fresh_connections(function, *args, **kwargs):
    """Runs ``function`` between two ``close_old_connections()``, as Django does around a request: a connection past
    CONN_MAX_AGE, or broken, is replaced instead of failing the next frame. (Django's own function on purpose:
    Channels' test communicator switches off ``channels.db.close_old_connections``, which would leave these threads'
    connections open after the tests.)"""
    close_old_connections()
    try:
        return function(*args, **kwargs)
    finally:
        close_old_connections()


async def in_database_thread(function, *args, **kwargs):
    """Awaits ``function(*args, **kwargs)`` run in the pool (handshakes and every frame's database work)."""
    call = sync_to_async(_with_fresh_connections, thread_sensitive=False, executor=_database_executor())
    return await call(function, *args, **kwargs)
