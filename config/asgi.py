"""The ASGI application daphne serves: Django for HTTP, the Channels consumer for WebSocket at /ws/."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

from django.core.asgi import get_asgi_application

# Django must be set up (apps loaded) before anything that imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from chat.routing import websocket_application  # noqa: E402

http_application = ASGIStaticFilesHandler(django_asgi_app) if settings.DUGNAD_SERVE_STATIC else django_asgi_app

application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": websocket_application(),
    }
)
