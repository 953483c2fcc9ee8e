"""Settings shared by every environment. Values that differ between machines come from the environment."""

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from config.logging import logging_config

from .env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # daphne first: it replaces `runserver` with an ASGI server that also speaks WebSocket.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "channels",
    # Background jobs and their timers (PostgreSQL job queue; the apps' tasks.py are found by autodiscovery).
    "procrastinate.contrib.django",
    "neighbours",
    "geo",
    "chat",
    "requests.apps.RequestsConfig",
    "offers",
    "frontend",
]

MIDDLEWARE = [
    # First, so that everything after it (and its log records) knows the request's id, and every request is counted.
    "config.request_id.RequestIdMiddleware",
    "config.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The site's own registration/ pages (password reset) before the admin's look-alikes of the same name.
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.map_settings",
                "frontend.context_processors.inbox_counts",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", "postgis://dugnad:dugnad@127.0.0.1:5432/dugnad"),
    ),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")

# The channel layer carries live hints only (the database is the source of truth, see docs/architecture.md).
# "pubsub" (Redis PUBLISH/SUBSCRIBE: one command per group send, messages pushed to one connection per process) costs
# a fraction of "lists" (channels-redis' default: a Lua script per group send, a blocking pop per receive); see
# docs/benchmarks.md. Pub/sub has no per-channel capacity and delivers at most once, which the clients' catch-up from
# the database covers.
_CHANNEL_LAYER_BACKENDS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "lists": "channels_redis.core.RedisChannelLayer",
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": _CHANNEL_LAYER_BACKENDS[env_str("DUGNAD_CHANNEL_LAYER", "pubsub")],
        "CONFIG": {
            # redis-py 8 defaults to a 5 s socket timeout, which breaks the layer's blocking receive, and caps the
            # async pool at 100 connections, which refuses a burst of connects; see docs/architecture.md.
            "hosts": [
                {
                    "address": REDIS_URL,
                    "socket_timeout": None,
                    "max_connections": env_int("DUGNAD_REDIS_MAX_CONNECTIONS", 2000),
                }
            ],
            "prefix": env_str("DUGNAD_CHANNEL_PREFIX", "dugnad"),
            "capacity": 1000,
            "expiry": 60,
        },
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("DUGNAD_CACHE_URL", "redis://127.0.0.1:6379/1"),
        "KEY_PREFIX": "dugnad",
        "TIMEOUT": 300,
    }
}

AUTH_USER_MODEL = "neighbours.Neighbour"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "display_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "frontend:login"
LOGIN_REDIRECT_URL = "frontend:home"
LOGOUT_REDIRECT_URL = "frontend:home"

# Whether a neighbour must confirm their e-mail address before they may post (requests, offers, responses).
DUGNAD_REQUIRE_EMAIL_VERIFICATION = env_bool("DUGNAD_REQUIRE_EMAIL_VERIFICATION", True)
# How long an e-mail verification link stays valid.
DUGNAD_EMAIL_VERIFICATION_MAX_AGE = env_int("DUGNAD_EMAIL_VERIFICATION_MAX_AGE", 3 * 24 * 3600)

LANGUAGE_CODE = env_str("DUGNAD_LANGUAGE_CODE", "nb")
LANGUAGES = [
    ("nb", _("Norwegian (bokmål)")),
    ("nn", _("Norwegian (nynorsk)")),
    ("da", _("Danish")),
    ("sv", _("Swedish")),
    ("nl", _("Dutch")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env_str("DUGNAD_TIME_ZONE", "Europe/Oslo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DUGNAD_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Whether daphne serves /static/ itself (from the apps' static folders). Off in production, where the reverse proxy
# serves the collected files from STATIC_ROOT.
DUGNAD_SERVE_STATIC = env_bool("DUGNAD_SERVE_STATIC", False)

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DUGNAD_FROM_EMAIL", "Dugnad <noreply@dugnad.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# "off" switches every rate limit off (load tests and benchmarks only; never the default).
DUGNAD_RATE_LIMITS_ON = env_str("DUGNAD_RATE_LIMITS", "on").strip().lower() != "off"
# Limits per scope, "<count>/<sec|min|hour|day>" (see neighbours/ratelimit.py).
DUGNAD_RATES = {
    "login": env_str("DUGNAD_RATE_LOGIN", "20/min"),
    "login_email": env_str("DUGNAD_RATE_LOGIN_EMAIL", "5/min"),
    "register": env_str("DUGNAD_RATE_REGISTER", "10/hour"),
    # New requests, offers and responses, per neighbour.
    "post": env_str("DUGNAD_RATE_POST", "30/hour"),
    # Chat messages per neighbour, over HTTP and WebSocket together.
    "message": env_str("DUGNAD_RATE_MESSAGE", "60/min"),
    # Reports to the community moderators, per neighbour.
    "report": env_str("DUGNAD_RATE_REPORT", "20/hour"),
}
# After this many wrong passwords for one account within DUGNAD_LOGIN_LOCKOUT_MINUTES, the account is locked for
# that many minutes and its owner told by e-mail.
DUGNAD_LOGIN_LOCKOUT_FAILURES = env_int("DUGNAD_LOGIN_LOCKOUT_FAILURES", 10)
DUGNAD_LOGIN_LOCKOUT_MINUTES = env_int("DUGNAD_LOGIN_LOCKOUT_MINUTES", 15)
# Frames one WebSocket connection may send: a steady rate per second and a burst (a token bucket per connection).
DUGNAD_WS_FRAMES_PER_SECOND = env_int("DUGNAD_WS_FRAMES_PER_SECOND", 20)
DUGNAD_WS_FRAME_BURST = env_int("DUGNAD_WS_FRAME_BURST", 60)
# Threads (each with its own database connection) per daphne process for the WebSocket consumers' database work.
DUGNAD_WS_DATABASE_THREADS = env_int("DUGNAD_WS_DATABASE_THREADS", 8)

# Chat messages longer than this are refused (HTTP 400, WebSocket error frame "too_large").
DUGNAD_MESSAGE_MAX_CHARS = env_int("DUGNAD_MESSAGE_MAX_CHARS", 4000)
# Messages unread for this long are mentioned in an e-mail (manage.py send_unread_emails, run from a timer).
# How long an invitation to join an organisation stays valid.
DUGNAD_INVITATION_DAYS = env_int("DUGNAD_INVITATION_DAYS", 14)
DUGNAD_UNREAD_EMAIL_AFTER_MINUTES = env_int("DUGNAD_UNREAD_EMAIL_AFTER_MINUTES", 30)

# Data retention (manage.py purge_old_data, run from a daily timer). Done, cancelled and expired requests, and closed
# offers that never led to an agreement, are deleted after this many days without a change.
DUGNAD_RETENTION_CLOSED_REQUEST_DAYS = env_int("DUGNAD_RETENTION_CLOSED_REQUEST_DAYS", 365)
# Threads without a new message for this many days are deleted with their messages (unless an agreement, an ask or a
# session still refers to them).
DUGNAD_RETENTION_THREAD_DAYS = env_int("DUGNAD_RETENTION_THREAD_DAYS", 730)
# Notifications are deleted this many days after they were read.
DUGNAD_RETENTION_NOTIFICATION_DAYS = env_int("DUGNAD_RETENTION_NOTIFICATION_DAYS", 180)
# How to reach whoever runs this Dugnad (shown on the privacy page), e.g. "privacy@example.org"; empty to leave out.
DUGNAD_OPERATOR_CONTACT = env_str("DUGNAD_OPERATOR_CONTACT", "")

REST_FRAMEWORK = {
    # Token first, so that an unauthenticated request gets 401 with `WWW-Authenticate: Token` (not 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.StrictJSONParser"],  # (fuzz: 400, not 500, for \ud800 and deep nesting)
    "DEFAULT_PAGINATION_CLASS": "config.pagination.NextLinkPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.schema.DugnadAutoSchema",  # declares the error answers (fuzz)
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    # geo/ sits below neighbours/ and so uses DRF's own scoped throttle (same cache) rather than DUGNAD_RATES.
    "DEFAULT_THROTTLE_RATES": {"geocode": env_str("DUGNAD_RATE_GEOCODE", "60/min") if DUGNAD_RATE_LIMITS_ON else None},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Dugnad API",
    "DESCRIPTION": "Neighbours helping neighbours: help requests, offers, organisations and chat.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "ENUM_NAME_OVERRIDES": {
        "HelpRequestStatusEnum": "requests.models.HelpRequest.Status",
        "ResponseStatusEnum": "requests.models.Response.Status",
        "OccurrenceStatusEnum": "requests.models.Occurrence.Status",
        "HelpOfferStatusEnum": "offers.models.HelpOffer.Status",
        "SessionStatusEnum": "offers.models.Session.Status",
        "SignUpStatusEnum": "offers.models.SignUp.Status",
        "LanguageEnum": "neighbours.models.Language",
        "MembershipRoleEnum": "neighbours.models.Membership.Role",
        "OrganisationKindEnum": "neighbours.models.Organisation.Kind",
        "ReferralStatusEnum": "requests.models.Referral.Status",
        "ModerationActionEnum": "neighbours.moderation.DECISION_ACTIONS",
        "ProposalActionEnum": "requests.models.Proposal.Action",
        "ReportTargetEnum": "neighbours.models.ReportTarget",
        "ReportReasonEnum": "neighbours.models.Report.Reason",
        "ReportStatusEnum": "neighbours.models.Report.Status",
    },
}

# Operations: logs, metrics, background jobs.
# "json" writes one JSON object per line (production's default), "plain" a readable line (see config/logging.py).
LOGGING = logging_config(
    log_format=env_str("DUGNAD_LOG_FORMAT", "plain").strip().lower(), level=env_str("DUGNAD_LOG_LEVEL", "INFO")
)
# /metrics answers requests with "Authorization: Bearer <this>"; with none set, only loopback requests that did not
# come through the proxy (no X-Forwarded-For) see it.
DUGNAD_METRICS_TOKEN = env_str("DUGNAD_METRICS_TOKEN", "")
# The site's public address for links in e-mails sent by background jobs (e.g. "https://dugnad.example.kommune.no");
# required in production. The management commands take --base-url instead.
DUGNAD_BASE_URL = env_str("DUGNAD_BASE_URL", "")
# A failed background job is tried again this many times, this many seconds apart, before it is recorded as failed.
DUGNAD_JOB_RETRIES = env_int("DUGNAD_JOB_RETRIES", 2)
DUGNAD_JOB_RETRY_SECONDS = env_int("DUGNAD_JOB_RETRY_SECONDS", 120)

# Geocoding (geo/services.py): a Nominatim-compatible service consulted after the local gazetteer; off when empty.
DUGNAD_GEOCODER_URL = env_str("DUGNAD_GEOCODER_URL", "")
DUGNAD_GEOCODER_USER_AGENT = env_str("DUGNAD_GEOCODER_USER_AGENT", "dugnad")
DUGNAD_GEOCODER_TIMEOUT = env_int("DUGNAD_GEOCODER_TIMEOUT", 5)

SILENCED_SYSTEM_CHECKS = [
    # Debian 12 ships GDAL 3.6, which cannot block GDAL's own file and network access. Dugnad never hands GDAL a
    # user-supplied file or URL (uploaded GeoJSON is parsed as JSON and points are built with GEOS).
    "gis.W001",
]
# At most one request per this many seconds to the external geocoding service (Nominatim's usage policy asks for 1).
DUGNAD_GEOCODER_MIN_DELAY = float(env_str("DUGNAD_GEOCODER_MIN_DELAY", "1.0"))

# Help requests and offers.
# Largest search radius anyone may ask for (km); larger values are refused with a 400.
DUGNAD_MAX_RADIUS_KM = env_int("DUGNAD_MAX_RADIUS_KM", 100)
# An open request without an end date expires this many days after it was posted.
DUGNAD_REQUEST_TTL_DAYS = env_int("DUGNAD_REQUEST_TTL_DAYS", 30)
# Authors hear this many hours before their open request expires.
DUGNAD_EXPIRY_REMINDER_HOURS = env_int("DUGNAD_EXPIRY_REMINDER_HOURS", 48)
# Recurring agreements get occurrences this many days ahead (open-ended rules are extended as time passes).
DUGNAD_OCCURRENCE_HORIZON_DAYS = env_int("DUGNAD_OCCURRENCE_HORIZON_DAYS", 180)
# Participants hear about a session, and the parties of an agreement about a date, this many hours before it starts
# (a notification and an e-mail; `manage.py send_reminders` from a timer).
DUGNAD_REMINDER_LEAD_HOURS = env_int("DUGNAD_REMINDER_LEAD_HOURS", 24)

# Map tiles for the pages' maps (Leaflet), e.g. "https://tile.openstreetmap.org/{z}/{x}/{y}.png". Empty: maps show
# the markers on a plain background (no third-party requests), which is also how the tests run.
DUGNAD_MAP_TILES_URL = env_str("DUGNAD_MAP_TILES_URL", "")
DUGNAD_MAP_TILES_ATTRIBUTION = env_str("DUGNAD_MAP_TILES_ATTRIBUTION", "")
