"""The test suite (pytest and the live daphne servers it starts)."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("DUGNAD_SERVE_STATIC", "true")
os.environ.setdefault("DUGNAD_LANGUAGE_CODE", "en")
from .base import *  # noqa: F403
from .env import env_int

# Each test process (every pytest-xdist worker) gets channel-layer names of its own, so processes on one Redis never
# see each other's messages; the live daphne servers a test starts are given their process's prefix (tests/live.py).
# Not put into os.environ: workers would inherit the controlling process's prefix and share it.
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = os.environ.get(  # noqa: F405
    "DUGNAD_CHANNEL_PREFIX", f"dugnad-test-{os.getpid()}"
)

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# The test process closes its connections after each use, so no thread keeps one open and the test databases can
# be dropped at the end; the live daphne servers the tests start keep theirs, as production does (tests/live.py).
if "pool" not in DATABASES["default"]["OPTIONS"]:  # noqa: F405 (a pool needs CONN_MAX_AGE = 0)
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DUGNAD_TEST_CONN_MAX_AGE", 0)  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Throttle counters live in the per-process cache so that tests running in parallel never share them.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Links in e-mails sent by the background jobs (tests/test_jobs.py).
DUGNAD_BASE_URL = DUGNAD_BASE_URL or "http://testserver"  # noqa: F405

# A live daphne that a fault test points at its own private Redis keeps its cache there too, as in production, so
# that stopping that Redis stops everything production would lose (rate-limit counters included).
if os.environ.get("DUGNAD_TEST_CACHE_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["DUGNAD_TEST_CACHE_URL"], "KEY_PREFIX": "dugnad"}}
