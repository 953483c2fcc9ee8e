import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Answers 503 with a plain explanation, instead of a 500 with a traceback, while the database is unreachable.

    The client may retry; nothing was written, since a request whose database connection fails never commits.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("database unavailable while serving %s: %s", request.path, exception)
        response = HttpResponse(
            _("The service is temporarily unavailable. Please try again in a minute."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "30"
        return response


def _tile_source(url_template):
    """The CSP source for a Leaflet tile URL template: ``https://{s}.tile.example.org/{z}/...`` → ``https://*.tile...``."""
    if not url_template:
        return ""
    parts = urlsplit(url_template.replace("{s}", "tiles-subdomain"))
    if not parts.scheme or not parts.netloc:
        return ""
    host = parts.netloc.replace("tiles-subdomain", "*")
    return f"{parts.scheme}://{host}"


# The API's Swagger page loads swagger-ui from drf-spectacular's default CDN and has a small inline <style> block;
# it gets its own, wider policy (only on that path). Django's admin uses a few inline style attributes.
SWAGGER_CDN = "https://cdn.jsdelivr.net"
RELAXED_PATHS = {
    "/api/docs/": {
        "script-src": f"'self' {SWAGGER_CDN}",
        "style-src": f"'self' {SWAGGER_CDN} 'unsafe-inline'",
        "img-src": f"'self' data: {SWAGGER_CDN}",
    },
    "/admin/": {"style-src": "'self' 'unsafe-inline'"},
}

# Nothing on the site uses these browser features; a script injected somehow could not either.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Sets Content-Security-Policy and Permissions-Policy on every response.

    The pages load scripts and styles only from this site (no inline scripts, no style attributes); images from this
    site, data: URLs (Leaflet) and the map tile host; the chat's WebSocket goes to this same host.
    ``Referrer-Policy`` and ``X-Content-Type-Options`` come from Django's SecurityMiddleware (settings).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        tiles = _tile_source(settings.DUGNAD_MAP_TILES_URL)
        self.base = {
            "default-src": "'self'",
            "script-src": "'self'",
            "style-src": "'self'",
            "img-src": f"'self' data:{' ' + tiles if tiles else ''}",
            "connect-src": "'self'",
            "frame-ancestors": "'none'",
            "base-uri": "'self'",
            "form-action": "'self'",
            "object-src": "'none'",
        }

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    def policy(self, request):
        directives = dict(self.base)
        host = request.get_host()
        directives["connect-src"] = f"'self' ws://{host} wss://{host}"
        for prefix, overrides in RELAXED_PATHS.items():
            if request.path.startswith(prefix):
                directives.update(overrides)
        return "; ".join(f"{name} {value}" for name, value in directives.items())
