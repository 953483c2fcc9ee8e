from channels.routing import URLRouter
from django.urls import path

from chat.auth import TokenOrSessionAuthMiddleware
from chat.consumers import ConnectionConsumer
from chat.security import origin_validator

websocket_urlpatterns = [path("ws/", ConnectionConsumer.as_asgi())]


def websocket_application():
    """The WebSocket side of the ASGI application: Origin check, authentication, then /ws/."""
    return origin_validator(TokenOrSessionAuthMiddleware(URLRouter(websocket_urlpatterns)))
