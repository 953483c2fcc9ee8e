"""Log output: one JSON object per line in production (``DUGNAD_LOG_FORMAT=json``), a readable line elsewhere.

Every record gets the id of the HTTP request or WebSocket connection it was written for (``config.request_id``).
"""

import json
import logging
from datetime import UTC, datetime

from django.core.exceptions import ImproperlyConfigured

from config.request_id import connection_id, request_id

# The attributes every LogRecord has; anything else on a record came from ``extra=`` and is written out as a field.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_CONTEXT_FIELDS = ("request_id", "connection_id")


class ContextFilter(logging.Filter):
    """Adds ``request_id`` and ``connection_id`` (None outside a request or connection) to each record."""

    def filter(self, record):
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        if getattr(record, "connection_id", None) is None:
            record.connection_id = connection_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id"?, "connection_id"?, "exception"?, ...extra}``: one line
    per record, time in UTC (ISO 8601 with milliseconds). Values JSON cannot hold are written as ``str()``."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace(
                "+00:00", "Z"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in _CONTEXT_FIELDS:
            if getattr(record, field, None) is not None:
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in _CONTEXT_FIELDS and key not in entry:
                entry[key] = value
        return json.dumps(entry, default=str, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """``time level logger [request or connection id] message``, for a terminal."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(context_id)s] %(message)s")

    def format(self, record):
        record.context_id = getattr(record, "request_id", None) or getattr(record, "connection_id", None) or "-"
        return super().format(record)


def logging_config(*, log_format, level):
    """The ``LOGGING`` setting for ``log_format`` ("json" or "plain") at ``level``."""
    if log_format not in {"json", "plain"}:
        raise ImproperlyConfigured(f"DUGNAD_LOG_FORMAT must be json or plain, not {log_format!r}.")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "config.logging.ContextFilter"}},
        "formatters": {
            "json": {"()": "config.logging.JsonFormatter"},
            "plain": {"()": "config.logging.PlainFormatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["context"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # Every process that loads the apps registers the periodic tasks and would say so.
            "procrastinate.periodic": {"level": "WARNING"},
            "procrastinate.blueprints": {"level": "WARNING"},
        },
    }
