"""Baselines for bench/chat.py: the least a daphne process can do with a chat frame.

    daphne bench.echo_consumer:application     (started by bench/chat.py, from the project's root)

Two routes, on a tiny ASGI application of their own (no Django project, no database, no authentication):

- ``/echo/``: a bare ``AsyncWebsocketConsumer`` without a channel layer. It parses each JSON frame and sends
  ``{"type": "message", "client_id": …, "body": …}`` back to the same connection.
- ``/relay/<pair>/``: the naive relay through the channel layer (channels-redis on the same Redis, its default
  "lists" layer, ``RedisChannelLayer``). Each connection joins the group ``pair.<pair>``; a frame is ``group_send``
  to that group and every member's consumer forwards it to its client (the sender's connection gets it back too, as
  in the app).
- ``/relay-pubsub/<pair>/``: the same through channels-redis' pub/sub layer (``RedisPubSubChannelLayer``).

Both parse and serialise JSON as the app's consumer does, so what they leave out is the database, the services, the
authentication and the protocol's bookkeeping. Settings come from the environment: ``REDIS_URL`` and
``DUGNAD_CHANNEL_PREFIX`` (bench/chat.py gives each run a prefix of its own).
"""

import json
import os

import django
from django.conf import settings

if not settings.configured:
    _config = {
        # As config/settings/base.py: redis-py 8's 5 s socket timeout breaks the blocking receive.
        "hosts": [{"address": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), "socket_timeout": None,
                   "max_connections": 2000}],
        "prefix": os.environ.get("DUGNAD_CHANNEL_PREFIX", "benchecho"),
    }
    settings.configure(
        CHANNEL_LAYERS={
            "default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                        "CONFIG": {**_config, "capacity": 1000, "expiry": 60}},
            "pubsub": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer", "CONFIG": _config},
        },
    )
    django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer


def _frame(text_data):
    content = json.loads(text_data)
    return json.dumps({"type": "message", "client_id": content.get("client_id"), "body": content.get("body")},
                      ensure_ascii=False, separators=(",", ":"))


class EchoConsumer(AsyncWebsocketConsumer):
    channel_layer_alias = "none"  # not configured: get_channel_layer() returns None, so no layer at all

    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=_frame(text_data))


class RelayConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.group = f"pair.{self.scope['pair']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        await self.channel_layer.group_send(self.group, {"type": "relay.message", "text": _frame(text_data)})

    async def relay_message(self, event):
        await self.send(text_data=event["text"])


class PubSubRelayConsumer(RelayConsumer):
    channel_layer_alias = "pubsub"


_echo = EchoConsumer.as_asgi()
_relays = {"relay": RelayConsumer.as_asgi(), "relay-pubsub": PubSubRelayConsumer.as_asgi()}


async def application(scope, receive, send):
    if scope["type"] == "websocket":
        path = scope["path"].strip("/").split("/")
        if path == ["echo"]:
            return await _echo(scope, receive, send)
        if len(path) == 2 and path[0] in _relays and path[1].isdigit():
            return await _relays[path[0]]({**scope, "pair": int(path[1])}, receive, send)
        await receive()  # websocket.connect
        return await send({"type": "websocket.close"})  # refused: 403
    if scope["type"] == "http":
        await receive()
        await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
        return await send({"type": "http.response.body", "body": b"not found"})
    return None
