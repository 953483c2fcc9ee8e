import json
import logging

from channels.routing import URLRouter
from django.db import InterfaceError, OperationalError
from django.urls import path
from django.utils.translation import gettext as _

from chat.auth import TokenOrSessionAuthMiddleware
from chat.consumers import ConnectionConsumer
from chat.security import origin_validator

logger = logging.getLogger(__name__)

websocket_urlpatterns = [path("ws/", ConnectionConsumer.as_asgi())]
# The close code for "the database is out of reach; connect again later" (4000-4999 are the application's own; the
# standard 1013 "try again later" is one daphne may not send).
UNAVAILABLE_CLOSE_CODE = 4503


class DatabaseUnavailableGuard:
    """Ends a connection cleanly when PostgreSQL is out of reach where nothing else handles it: in the handshake
    (looking up the token or session, loading the neighbour's blocks) or in a channel-layer event that reads the
    database. Without it daphne answers a handshake with a bare 500 and drops an open connection with 1011.

    The handshake is accepted only to say why it ends: an ``error`` frame with the code ``unavailable``, then the
    close code UNAVAILABLE_CLOSE_CODE; the client connects again after a back-off, as after any disconnect. (A
    refusal before accepting could only be a 403, which a client would take for "not signed in".) Frames a client
    sends while the database is away are answered by the consumer itself, which keeps the connection.
    """

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        accepted = False

        async def send_noting_accept(message):
            nonlocal accepted
            accepted = accepted or message["type"] == "websocket.accept"
            await send(message)

        try:
            return await self.inner(scope, receive, send_noting_accept)
        except (OperationalError, InterfaceError) as exc:
            logger.warning("database unavailable for a WebSocket connection: %s", exc)
        if not accepted:
            await send({"type": "websocket.accept"})
        detail = _("The service is temporarily unavailable. Please try again in a minute.")
        await send({"type": "websocket.send", "text": json.dumps({"type": "error", "code": "unavailable",
                                                                  "detail": detail}, ensure_ascii=False)})
        await send({"type": "websocket.close", "code": UNAVAILABLE_CLOSE_CODE})


def websocket_application():
    """The WebSocket side of the ASGI application: Origin check, authentication, then /ws/."""
    return DatabaseUnavailableGuard(origin_validator(TokenOrSessionAuthMiddleware(URLRouter(websocket_urlpatterns))))
