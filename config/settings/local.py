"""`make run`: a developer's machine. DEBUG on, e-mail to the console, no e-mail verification so the demo works."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "local-development-only-not-secret")
os.environ.setdefault("DUGNAD_REQUIRE_EMAIL_VERIFICATION", "false")
os.environ.setdefault("DUGNAD_SERVE_STATIC", "true")

from .base import *  # noqa: F403

DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", *ALLOWED_HOSTS]  # noqa: F405
