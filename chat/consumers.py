"""The one WebSocket connection each client keeps open at /ws/ (protocol: docs/api.md, DESIGN §4)."""

import json
import logging

from asgiref.sync import async_to_sync
from channels.generic.websocket import JsonWebsocketConsumer
from django.utils.translation import gettext as _

from chat.events import neighbour_group

logger = logging.getLogger(__name__)

# Larger frames are refused with an error frame (message bodies have their own, smaller limit).
MAX_FRAME_CHARS = 64 * 1024


class ConnectionConsumer(JsonWebsocketConsumer):
    """Parses frames, answers each with a frame, and forwards notifications meant for the connected neighbour.

    A bad frame is answered with an ``error`` frame; the connection stays open.
    """

    def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            self.close()  # before accept(): the handshake is refused with 403
            return
        self.neighbour_id = user.pk
        self.groups_joined = [neighbour_group(user.pk)]
        for group in self.groups_joined:
            async_to_sync(self.channel_layer.group_add)(group, self.channel_name)
        self.accept()

    def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            async_to_sync(self.channel_layer.group_discard)(group, self.channel_name)

    def receive(self, text_data=None, bytes_data=None):
        if text_data is None:
            return self.send_error("bad_frame", _("Frames must be JSON text."))
        if len(text_data) > MAX_FRAME_CHARS:
            return self.send_error("too_large", _("This frame is too large."))
        try:
            content = json.loads(text_data)
        except ValueError:
            return self.send_error("bad_json", _("This frame is not valid JSON."))
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            return self.send_error("bad_frame", _('A frame is a JSON object with a "type".'))
        handler = self.frame_handlers.get(content["type"])
        if handler is None:
            return self.send_error(
                "unknown_type", _("Unknown frame type."), client_id=content.get("client_id")
            )
        return handler(self, content)

    def send_error(self, code, detail, client_id=None):
        frame = {"type": "error", "code": code, "detail": str(detail)}
        if isinstance(client_id, str):
            frame["client_id"] = client_id
        self.send_json(frame)

    # --- client frames ---------------------------------------------------------------------------------------

    def frame_ping(self, content):
        """``{"type": "ping", "id": any}`` → ``{"type": "pong", "id": same}``: a liveness check for clients."""
        self.send_json({"type": "pong", "id": content.get("id")})

    frame_handlers = {"ping": frame_ping}

    # --- channel-layer events ----------------------------------------------------------------------------------

    def notification(self, event):
        self.send_json({**event["payload"], "type": "notification"})
