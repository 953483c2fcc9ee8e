"""Prometheus metrics of one daphne process, served at ``GET /metrics`` (Prometheus text format).

Each process counts for itself (no shared state, no multiprocess directory): Prometheus scrapes every daphne process
on its own address and sums over them (``sum(rate(dugnad_chat_messages_total[1m]))`` is the site's messages/s).

``/metrics`` is answered by ``MetricsMiddleware`` before host validation and the HTTPS redirect, so that Prometheus
can scrape a process by its internal address. It is open to ``Authorization: Bearer $DUGNAD_METRICS_TOKEN`` or,
when no token is set, only to loopback requests that did not come through the proxy (no ``X-Forwarded-For``).
"""

import hmac
import logging
import threading
import time

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily

logger = logging.getLogger("dugnad.access")

# No "<name>_created" series beside every counter: Prometheus does not need them and they double the output.
disable_created_metrics()

PATH = "/metrics"
_LOOPBACK = {"127.0.0.1", "::1"}
# A request that matched no URL pattern (a 404 before any view): one label value, whatever the path was.
UNMATCHED = "<unmatched>"

http_requests = Counter(
    "dugnad_http_requests", "HTTP requests answered, by URL pattern (never the raw path).",
    ["method", "route", "status"],
)
http_duration = Histogram(
    "dugnad_http_request_duration_seconds", "Time to answer an HTTP request, by URL pattern.", ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
websocket_open = Gauge("dugnad_websocket_connections", "WebSocket connections open now (accepted, not yet closed).")
chat_messages = Counter("dugnad_chat_messages", "Chat messages stored (counted once each, after their commit).")
frames_sent = Counter("dugnad_websocket_frames_sent", "Frames sent to WebSocket clients, by frame type.", ["type"])
frames_received = Counter("dugnad_websocket_frames_received", "Frames received from WebSocket clients.")
channel_layer_errors = Counter(
    "dugnad_channel_layer_errors", "Channel-layer calls that failed (Redis down): live hints not delivered.",
    ["operation"],
)
for _operation in ("new_channel", "group_send", "group_add", "group_discard"):
    channel_layer_errors.labels(operation=_operation)


class _ConnectionsOpened:
    """``dugnad_websocket_connections_total``: a counter beside the gauge of the same base name (the client library
    refuses to register both as ordinary metrics; in the text format they are two distinct series)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.value = 0

    def inc(self):
        with self._lock:
            self.value += 1

    def describe(self):
        return []  # names checked by hand: the gauge holds "dugnad_websocket_connections" itself

    def collect(self):
        yield CounterMetricFamily(
            "dugnad_websocket_connections", "WebSocket connections accepted since the process started.",
            value=self.value,
        )


websocket_opened_total = _ConnectionsOpened()
REGISTRY.register(websocket_opened_total)


# --- hooks ---------------------------------------------------------------------------------------------------------

def websocket_opened(consumer):
    """Call after a WebSocket connection was accepted."""
    consumer.metrics_open = True
    websocket_open.inc()
    websocket_opened_total.inc()
    logger.info("WebSocket %s opened", consumer.scope.get("path"), extra={"path": consumer.scope.get("path")})


def websocket_closed(consumer, code):
    """Call when a WebSocket connection ends (counted only if it had been accepted)."""
    if getattr(consumer, "metrics_open", False):
        consumer.metrics_open = False
        websocket_open.dec()
        logger.info("WebSocket %s closed (%s)", consumer.scope.get("path"), code,
                    extra={"path": consumer.scope.get("path"), "code": code})


def frame_sent(content):
    frame_type = content.get("type") if isinstance(content, dict) else None
    frames_sent.labels(type=frame_type if isinstance(frame_type, str) else "other").inc()


def frame_received():
    frames_received.inc()


def chat_message_stored():
    chat_messages.inc()


def channel_layer_error(operation):
    channel_layer_errors.labels(operation=operation).inc()


# --- /metrics and HTTP request metrics -----------------------------------------------------------------------------

def metrics_allowed(request):
    """Whether ``request`` may read the metrics (see the module's docstring)."""
    token = settings.DUGNAD_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return request.META.get("REMOTE_ADDR") in _LOOPBACK and "X-Forwarded-For" not in request.headers


def metrics_response(request):
    if request.method not in {"GET", "HEAD"}:
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    if not metrics_allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Answers ``/metrics``, and counts and times every other request by its URL pattern."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == PATH:
            response = metrics_response(request)
            route = "metrics"
        else:
            started = time.perf_counter()
            response = self.get_response(request)
            match = request.resolver_match
            route = match.route if match else UNMATCHED
            http_duration.labels(route=route).observe(time.perf_counter() - started)
        http_requests.labels(method=_method(request.method), route=route, status=str(response.status_code)).inc()
        return response


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def _method(method):
    return method if method in _METHODS else "other"
