"""Production: every secret comes from the environment, with no defaults; HTTPS only."""

from django.core.exceptions import ImproperlyConfigured

from config.logging import logging_config

from .base import *  # noqa: F403
from .env import database_from_url, env_bool, env_int, env_str

DEBUG = False
if not ALLOWED_HOSTS:  # noqa: F405
    raise ImproperlyConfigured("Set DJANGO_ALLOWED_HOSTS to the public host names.")

# Under ASGI every HTTP request runs in a thread of its own, so kept per-thread connections would be opened anew for
# each request: production pools them unless DATABASE_URL says `pool=0` (docs/architecture.md).
DATABASES = {"default": database_from_url(env_str("DATABASE_URL"), pool_by_default=True)}

# The reverse proxy (deploy/Caddyfile) terminates TLS and sets X-Forwarded-Proto, replacing any the client sent.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
# The proxy's and the orchestrator's probes and Prometheus talk plain HTTP to each daphne on the internal network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10

LOGGING = logging_config(
    log_format=env_str("DUGNAD_LOG_FORMAT", "json").strip().lower(), level=env_str("DUGNAD_LOG_LEVEL", "INFO")
)
# Links in e-mails sent by the background jobs (the worker has no request to take the address from).
DUGNAD_BASE_URL = env_str("DUGNAD_BASE_URL")

# Collected files get a content hash in their names, so the proxy can let browsers cache them for a year
# (deploy/Caddyfile); `manage.py collectstatic` writes them and the manifest to STATIC_ROOT (DUGNAD_STATIC_ROOT).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.storage.HashedStaticFilesStorage"},
}
