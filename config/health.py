"""Liveness and readiness probes for the proxy, the orchestrator and the operator."""

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """The process is up and serving; says nothing of its dependencies."""
    return JsonResponse({"status": "ok"})


def _check_postgis():
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_lib_version()")
        cursor.fetchone()


def _check_redis():
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


@never_cache
@require_GET
def readyz(request):
    """200 when PostGIS and Redis both answer; otherwise 503, naming the part that failed (no error details)."""
    checks = {}
    for name, check, errors in (
        ("postgis", _check_postgis, (DatabaseError,)),
        ("redis", _check_redis, (redis.RedisError, OSError)),
    ):
        try:
            check()
        except errors as exc:
            logger.warning("readiness check %s failed: %s", name, exc)
            checks[name] = "unavailable"
        else:
            checks[name] = "ok"
    ready = all(state == "ok" for state in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
