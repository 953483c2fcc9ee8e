"""Request and connection ids: one id per HTTP request (taken from the proxy's ``X-Request-ID`` or made here) and
one per WebSocket connection, kept in context variables that ``config.logging.ContextFilter`` adds to every log
record written while the request or connection is being handled."""

import contextvars
import logging
import re
import time
import uuid

request_id = contextvars.ContextVar("request_id", default=None)
connection_id = contextvars.ContextVar("connection_id", default=None)

HEADER = "X-Request-ID"
# An incoming id is kept only when it is short and plain (it ends up in logs and in a response header).
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,128}")

access_logger = logging.getLogger("dugnad.access")


def request_id_from(value):
    """The incoming header's value when it is a sane id (at most 128 letters, digits, ``._:-``), else a new one."""
    if value and _ACCEPTED.fullmatch(value):
        return value
    return uuid.uuid4().hex


def connection_id_new():
    """Gives the current WebSocket connection (the consumer's task) an id of its own and returns it."""
    value = uuid.uuid4().hex
    connection_id.set(value)
    return value


class RequestIdMiddleware:
    """Sets the request's id for its log records, returns it in ``X-Request-ID`` and writes one access record
    (``dugnad.access``: method, path, route, status, duration) per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        value = request_id_from(request.headers.get(HEADER))
        request.request_id = value
        token = request_id.set(value)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = value
            match = request.resolver_match
            access_logger.info(
                "%s %s %s", request.method, request.path, response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "route": match.route if match else None,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "client": request.META.get("REMOTE_ADDR"),
                },
            )
            return response
        finally:
            request_id.reset(token)
