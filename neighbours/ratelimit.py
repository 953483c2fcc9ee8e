"""Fixed-window rate limits kept in the shared cache (Redis), so that every daphne process counts together.

Limits are named by scope and configured in ``settings.DUGNAD_RATES`` as ``"<count>/<sec|min|hour|day>"``;
``DUGNAD_RATE_LIMITS=off`` switches them all off (load tests and benchmarks only).

With the cache unreachable (Redis down) the limits fail open: a limit guards against abuse, and an outage of Redis
must not stop people writing (DESIGN §8: with Redis down, sending still persists and acks).
"""

import hashlib
import logging
import time

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate):
    """``"10/min"`` → ``(10, 60)``."""
    try:
        count, period = rate.split("/")
        return int(count), _PERIODS[period.strip().lower()]
    except (ValueError, KeyError):
        raise ImproperlyConfigured(f"A rate looks like '10/min', not {rate!r}.") from None


def hit(scope, key):
    """Counts one attempt for ``key`` in ``scope``.

    Returns ``None`` while within the limit, else the number of seconds until the window ends (for Retry-After).
    """
    if not settings.DUGNAD_RATE_LIMITS_ON:
        return None
    limit, period = parse_rate(settings.DUGNAD_RATES[scope])
    now = time.time()
    window = int(now // period)
    digest = hashlib.sha256(str(key).encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{scope}:{digest}:{window}"
    try:
        cache.add(cache_key, 0, timeout=period + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add() and incr()
            cache.add(cache_key, 1, timeout=period + 1)
            count = 1
    except (redis.RedisError, OSError):
        logger.warning("Rate-limit cache unavailable; %s not counted", scope, exc_info=True)
        return None
    if count > limit:
        return max(1, int((window + 1) * period - now) + 1)
    return None


def client_ip(request):
    """The client's address as seen by Django (the proxy sets REMOTE_ADDR correctly in production)."""
    return request.META.get("REMOTE_ADDR", "")
