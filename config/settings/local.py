"""`make run`: a developer's machine. DEBUG on, e-mail to the console, no e-mail verification so the demo works."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "local-development-only-not-secret")
os.environ.setdefault("DUGNAD_REQUIRE_EMAIL_VERIFICATION", "false")
os.environ.setdefault("DUGNAD_SERVE_STATIC", "true")
# The browser fetches map tiles straight from OpenStreetMap on a developer's machine; production sets its own.
os.environ.setdefault("DUGNAD_MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
os.environ.setdefault("DUGNAD_MAP_TILES_ATTRIBUTION", "© OpenStreetMap contributors")

from .base import *  # noqa: F403

DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", *ALLOWED_HOSTS]  # noqa: F405
# Links in e-mails sent by the background jobs point at `make run`'s server.
DUGNAD_BASE_URL = DUGNAD_BASE_URL or "http://127.0.0.1:8000"  # noqa: F405
