"""The test suite (pytest and the live daphne servers it starts)."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("DUGNAD_SERVE_STATIC", "true")
os.environ.setdefault("DUGNAD_LANGUAGE_CODE", "en")
# Each test run gets channel-layer keys of its own, so runs on one Redis never see each other's messages.
os.environ.setdefault("DUGNAD_CHANNEL_PREFIX", f"dugnad-test-{os.getpid()}")

from .base import *  # noqa: F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Throttle counters live in the per-process cache so that tests running in parallel never share them.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
