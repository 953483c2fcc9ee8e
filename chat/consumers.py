"""The one WebSocket connection each client keeps open at /ws/ (protocol: docs/api.md, DESIGN §4).

The consumer is asynchronous so that thousands of idle connections cost no threads; every database call goes
through ``database_sync_to_async`` into the same services the HTTP API uses.
"""

import asyncio
import contextlib
import functools
import json
import logging
import re
import time
import uuid
import weakref

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

from chat import events, selectors, services
from chat.db import in_database_thread
from chat.events import message_payload, neighbour_group, thread_group
from chat.models import Thread
from config import metrics
from config.request_id import connection_id_new
from neighbours import ratelimit
from neighbours.selectors import block_relations

logger = logging.getLogger(__name__)

# Larger frames are refused with an error frame (message bodies have their own, smaller limit).
MAX_FRAME_CHARS = 64 * 1024
# The "subscribed" frame carries everyone's read position in threads of up to this many people (not in big groups).
READ_POSITIONS_UP_TO = 50
# Missed messages are read from the database in pages of this many.
BACKLOG_PAGE = 500
# How often each process checks that its channel layer (Redis) answers, to notice an outage ending, and how long
# a probe may take to come back.
LAYER_CHECK_SECONDS = 1.0
LAYER_PROBE_TIMEOUT = 5.0
# Close code asking a client to reconnect: a connection accepted while the channel layer was down gets a channel
# (and so live delivery) only by reconnecting. (Daphne allows only 1000 and 3000–4999.)
CLOSE_RECONNECT = 4012


class _LayerWatch:
    """Notices the channel layer (Redis) coming back after an outage and tells every connection of this process.

    While Redis is down every hint published is lost, and groups joined meanwhile are not subscribed in Redis
    (redis-py re-subscribes after a reconnect only what was subscribed before). Nothing in channels-redis reports a
    recovery, so a task per event loop sends a probe to a channel of its own every ``LAYER_CHECK_SECONDS`` and waits
    for it to come back: a round trip proves that this process's subscriptions are in place again (they are restored
    together), not only that publishing works. The layer counts as down after a probe that fails, or after any layer
    call of this process failed meanwhile (``events.layer_failures``, an outage shorter than the probe's period); the
    first round trip after that makes every connection re-join its groups and then catch up from the database, which
    covers everything committed before the subscriptions were back. (A short outage that neither the probe nor any
    call of this process ran into goes unnoticed here; its connections fill the gap at the thread's next message,
    see ``chat_message``.)
    """

    def __init__(self):
        self.connections = weakref.WeakSet()
        self.task = None

    def add(self, consumer):
        self.connections.add(consumer)
        if self.task is None or self.task.done() or self.task.get_loop() is not asyncio.get_running_loop():
            self.task = asyncio.create_task(self._watch())

    async def _round_trip(self, layer, channel):
        """Returns the probe's channel once a probe went through it, or raises (the layer's receive drops a channel
        whose wait is cancelled, so a fresh one is made after a failure)."""
        channel = channel or await layer.new_channel("layer-probe.")
        await layer.send(channel, {"type": "layer.probe"})
        await asyncio.wait_for(layer.receive(channel), LAYER_PROBE_TIMEOUT)
        return channel

    async def _watch(self):
        down, failures, channel = False, events.layer_failures, None
        while self.connections:
            await asyncio.sleep(LAYER_CHECK_SECONDS)
            if events.layer_failures != failures:
                down, failures = True, events.layer_failures
            try:
                channel = await self._round_trip(get_channel_layer(), channel)
            except Exception:
                if not down:
                    logger.warning("Channel layer unavailable; live delivery stops until it is back", exc_info=True)
                down, channel = True, None
                continue
            if down:
                down = False
                logger.warning("Channel layer back; %d connections catch up", len(self.connections))
                for consumer in list(self.connections):
                    try:
                        await consumer.layer_recovered()
                    except Exception:
                        logger.exception("A connection could not catch up after the channel layer came back")


_layer_watch = _LayerWatch()


# A \uD800–\uDFFF escape: half of a surrogate pair, or (alone) text that UTF-8, PostgreSQL and the client cannot
# carry.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class FrameError(Exception):
    """A frame the server will not act on; becomes an ``error`` frame."""

    def __init__(self, code, detail):
        super().__init__(detail)
        self.code = code
        self.detail = detail


class TokenBucket:
    """Allows ``rate`` frames per second on average and bursts of up to ``burst``."""

    def __init__(self, rate, burst):
        self.rate, self.burst = rate, burst
        self.tokens, self.updated = float(burst), time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def _thread_id(content):
    value = content.get("thread")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FrameError("bad_frame", _('"thread" must be the id of a thread (a positive whole number).'))
    return value


def _seq(content, field):
    value = content.get(field, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FrameError("bad_frame", _('"%(field)s" must be a whole number, 0 or more.') % {"field": field})
    return value


def _client_id(content):
    value = content.get("client_id")
    try:
        return uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _has_lone_surrogate(text_data, content):
    """Whether the parsed frame holds a lone surrogate (a JSON escape such as "\\ud800"), which json accepts but
    nothing downstream can encode. Checked in full only when the frame has such an escape at all."""
    if not _SURROGATE_ESCAPE.search(text_data):
        return False
    try:
        json.dumps(content, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _not_found():
    return FrameError("not_found", _("There is no such conversation, or you are not part of it."))


class ConnectionConsumer(AsyncJsonWebsocketConsumer):
    """Parses frames, answers each, and forwards what the channel layer brings for this neighbour.

    ``subscriptions`` maps each subscribed thread to the highest ``seq`` sent to this client, so a live message is
    never sent twice and a gap (a hint the layer dropped) is filled from the database.

    ``hidden`` (``{author id: reason}``) holds the people this neighbour has a block with, either way; loaded at
    connect and again at every subscribe (one small query), it hides their messages in the subscribed group threads
    (``group_threads``) before anything is sent, and drops their typing hints and message notifications.
    """

    async def __call__(self, scope, receive, send):
        """Channels' own start, except that a channel layer out of reach (Redis down) does not refuse the handshake:
        the connection is served without live delivery (sending, acks and catch-up need only the database) and is
        closed with ``CLOSE_RECONNECT`` when the layer is back, so that the client reconnects and catches up."""
        self.scope, self.base_send = scope, send
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        sources = [receive]
        try:
            self.channel_name = await self.channel_layer.new_channel()
        except Exception:
            logger.warning("Channel layer unavailable; connection served without live delivery", exc_info=True)
            events.layer_failed("new_channel")
            self.channel_layer = self.channel_name = None
        else:
            sources.append(functools.partial(self.channel_layer.receive, self.channel_name))
        with contextlib.suppress(StopConsumer):
            await await_many_dispatch(sources, self.dispatch)

    async def dispatch(self, message):
        # Channels' own dispatch first closes stale database connections in its thread for sync code, a thread hop
        # for every frame and every channel-layer event. This consumer touches the database only through
        # ``_db`` (DatabaseSyncToAsync), which does that in the thread that runs the queries, so the hop is skipped.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        connection_id_new()  # for this connection's log records
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close()  # before accept(): the handshake is refused with 403
            return
        self.neighbour = user
        self.subscriptions = {}
        self.group_threads = set()
        self.hidden = await self._db(self._hidden_authors)
        self.bucket = TokenBucket(settings.DUGNAD_WS_FRAMES_PER_SECOND, settings.DUGNAD_WS_FRAME_BURST)
        # Live messages and catch-ups for the same thread must not interleave (they run in different tasks after
        # an outage of the layer).
        self.delivery = asyncio.Lock()
        await self._group_add(neighbour_group(user.pk))
        await self.accept()
        metrics.websocket_opened(self)
        _layer_watch.add(self)

    async def disconnect(self, code):
        metrics.websocket_closed(self, code)
        if not hasattr(self, "neighbour"):
            return
        for group in [neighbour_group(self.neighbour.pk), *map(thread_group, self.subscriptions)]:
            await self._group_discard(group)

    async def layer_recovered(self):
        """The channel layer is back after an outage: re-join every group and send what was missed meanwhile."""
        if not hasattr(self, "neighbour"):
            return
        if self.channel_layer is None:  # accepted while the layer was down: reconnecting gives it a channel
            await self.close(code=CLOSE_RECONNECT)
            return
        async with self.delivery:
            for group in [neighbour_group(self.neighbour.pk), *map(thread_group, self.subscriptions)]:
                await self._group_add(group)
            for thread_id in list(self.subscriptions):
                await self._send_after(thread_id, self.subscriptions[thread_id])

    async def _group_add(self, group):
        if self.channel_layer is None:
            return
        try:
            await self.channel_layer.group_add(group, self.channel_name)
        except Exception:
            events.layer_failed("group_add")
            logger.warning("Could not join %s", group, exc_info=True)

    async def _group_discard(self, group):
        if self.channel_layer is None:
            return
        try:
            await self.channel_layer.group_discard(group, self.channel_name)
        except Exception:
            events.layer_failed("group_discard")
            logger.warning("Could not leave %s", group, exc_info=True)

    async def receive(self, text_data=None, bytes_data=None):
        metrics.frame_received()
        if text_data is None:
            return await self.send_error("bad_frame", _("Frames must be JSON text."))
        if len(text_data) > MAX_FRAME_CHARS:
            return await self.send_error("too_large", _("This frame is too large."))
        if settings.DUGNAD_RATE_LIMITS_ON and not self.bucket.take():
            return await self.send_error("rate_limited", _("Too many frames; slow down."))
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):  # (nesting deeper than the parser's recursion limit)
            return await self.send_error("bad_json", _("This frame is not valid JSON."))
        if _has_lone_surrogate(text_data, content):
            return await self.send_error("bad_json", _("This frame is not valid JSON."))
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            return await self.send_error("bad_frame", _('A frame is a JSON object with a "type".'))
        handler = self.frame_handlers.get(content["type"])
        client_id = content.get("client_id")
        if handler is None:
            return await self.send_error("unknown_type", _("Unknown frame type."), client_id=client_id)
        try:
            await handler(self, content)
        except FrameError as exc:
            await self.send_error(exc.code, exc.detail, client_id=client_id, thread=content.get("thread"))
        except (OperationalError, InterfaceError) as exc:
            # PostgreSQL is out of reach (restarting, failing over). The client sends the frame again later with the
            # same client_id, which stores the message once even if this attempt's commit went through unanswered;
            # the connection stays open instead of dying with 1011.
            logger.warning("database unavailable for a %s frame: %s", content["type"], exc)
            await self.send_error(
                "unavailable", _("The service is temporarily unavailable. Please try again in a minute."),
                client_id=client_id, thread=content.get("thread"),
            )

    async def send_error(self, code, detail, client_id=None, thread=None):
        frame = {"type": "error", "code": code, "detail": str(detail)}
        if isinstance(client_id, str):
            frame["client_id"] = client_id
        if isinstance(thread, int) and not isinstance(thread, bool):
            frame["thread"] = thread
        await self.send_json(frame)

    @classmethod
    async def encode_json(cls, content):
        metrics.frame_sent(content)
        return json.dumps(content, ensure_ascii=False, separators=(",", ":"))

    # --- client frames ---------------------------------------------------------------------------------------

    async def frame_ping(self, content):
        """``{"type": "ping", "id": any}`` → ``{"type": "pong", "id": same}``: a liveness check for clients."""
        await self.send_json({"type": "pong", "id": content.get("id")})

    async def frame_subscribe(self, content):
        """Sends the messages after ``after``, then live ones; ends the catch-up with a ``subscribed`` frame."""
        thread_id, after = _thread_id(content), _seq(content, "after")
        try:
            read_positions, is_group, self.hidden = await self._db(self._read_positions, thread_id)
        except Thread.DoesNotExist:
            raise _not_found() from None
        if is_group:
            self.group_threads.add(thread_id)
        async with self.delivery:
            if thread_id not in self.subscriptions:
                # Join before reading the backlog: a message committed meanwhile arrives live and is deduplicated.
                await self._group_add(thread_group(thread_id))
            self.subscriptions[thread_id] = after
            await self._send_after(thread_id, after)
        await self.send_json(
            {"type": "subscribed", "thread": thread_id, "seq": self.subscriptions[thread_id], "read": read_positions}
        )

    async def frame_unsubscribe(self, content):
        thread_id = _thread_id(content)
        if self.subscriptions.pop(thread_id, None) is not None:
            self.group_threads.discard(thread_id)
            await self._group_discard(thread_group(thread_id))

    async def frame_send(self, content):
        thread_id = _thread_id(content)
        client_id = _client_id(content)
        if client_id is None:
            raise FrameError("bad_frame", _('"client_id" must be a UUID chosen by the client.'))
        body = content.get("body")
        if not isinstance(body, str):
            raise FrameError("bad_frame", _('"body" must be text.'))
        try:
            message, _created = await self._db(self._send, thread_id, client_id, body)
        except Thread.DoesNotExist:
            raise _not_found() from None
        except PermissionDenied as exc:
            raise FrameError("forbidden", str(exc)) from None
        except ValidationError as exc:
            code = "too_large" if exc.error_dict["body"][0].code == "too_large" else "invalid"
            raise FrameError(code, exc.message_dict["body"][0]) from None
        await self.send_json({"type": "ack", "client_id": str(client_id), "thread": thread_id, "seq": message["seq"],
                              "id": message["id"], "sent_at": message["sent_at"]})

    async def frame_read(self, content):
        thread_id, seq = _thread_id(content), _seq(content, "seq")
        try:
            await self._db(services.thread_mark_read, thread_id=thread_id, neighbour=self.neighbour, seq=seq)
        except Thread.DoesNotExist:
            raise _not_found() from None

    async def frame_typing(self, content):
        thread_id = _thread_id(content)
        try:
            await self._db(services.typing_announce, thread_id=thread_id, neighbour=self.neighbour,
                           sender_channel=self.channel_name)
        except Thread.DoesNotExist:
            raise _not_found() from None

    frame_handlers = {
        "ping": frame_ping,
        "subscribe": frame_subscribe,
        "unsubscribe": frame_unsubscribe,
        "send": frame_send,
        "read": frame_read,
        "typing": frame_typing,
    }

    # --- database work (runs in Django's database thread) ----------------------------------------------------

    async def _db(self, function, *args, **kwargs):
        """Runs ``function`` in Django's database thread; the broadcasts it schedules (after its commit) are then
        sent from the event loop, so the database thread never waits for Redis."""
        sends = []
        token = events.collect_sends(sends)
        try:
            result = await in_database_thread(function, *args, **kwargs)
        finally:
            events.stop_collecting(token)
        for group, event in sends:
            await events.group_send_quietly(group, event)
        return result

    def _hidden_authors(self):
        return selectors.hidden_authors_from(*block_relations(self.neighbour))

    def _read_positions(self, thread_id):
        """The thread's read positions, whether it is a group thread, and the current ``hidden`` authors."""
        thread = services.thread_enter(neighbour=self.neighbour, thread_id=thread_id)
        read = selectors.thread_read_positions(thread=thread, up_to=READ_POSITIONS_UP_TO)
        return read, thread.is_group, self._hidden_authors()

    def _shown(self, payload):
        """The message frame as this neighbour may see it (hidden in a group thread when a block stands)."""
        if payload["thread"] in self.group_threads:
            return events.payload_for(payload, self.hidden)
        return payload

    def _send(self, thread_id, client_id, body):
        retry_after = ratelimit.hit("message", f"user:{self.neighbour.pk}")
        if retry_after is not None:
            raise FrameError(
                "rate_limited",
                services.message_rate_error(retry_after),
            )
        message, created = services.message_send(
            thread_id=thread_id, author=self.neighbour, body=body, client_id=client_id
        )
        return message_payload(message), created

    def _backlog(self, thread_id, after):
        return [
            message_payload(m)
            for m in selectors.message_list(thread=thread_id, after=after, limit=BACKLOG_PAGE)
        ]

    async def _send_after(self, thread_id, after):
        """Sends every stored message of the thread after ``after``, in order, and records how far it got."""
        while True:
            page = await self._db(self._backlog, thread_id, after)
            for payload in page:
                await self.send_json(self._shown(payload))
                after = payload["seq"]
            self.subscriptions[thread_id] = after
            if len(page) < BACKLOG_PAGE:
                return

    # --- channel-layer events ----------------------------------------------------------------------------------

    async def chat_message(self, event):
        async with self.delivery:
            await self._deliver(event)

    async def _deliver(self, event):
        payload = event["message"]
        thread_id, seq = payload["thread"], payload["seq"]
        sent = self.subscriptions.get(thread_id)
        if sent is not None and seq <= sent and payload.get("hidden"):
            await self.send_json(self._shown(payload))  # a moderator hid a message already sent: it is replaced
            return
        if sent is None or seq <= sent:
            return
        if seq == sent + 1:
            await self.send_json(self._shown(payload))
            self.subscriptions[thread_id] = seq
        else:  # the layer dropped something: fill the gap from the database, in order
            await self._send_after(thread_id, sent)

    async def chat_read(self, event):
        if event["thread"] in self.subscriptions:
            await self.send_json({"type": "read", "thread": event["thread"], "neighbour": event["neighbour"],
                                  "seq": event["seq"]})

    async def chat_typing(self, event):
        if event["thread"] in self.subscriptions and event["sender"] != self.channel_name:
            if (event["neighbour"] or {}).get("id") in self.hidden:
                return  # no hints from someone this neighbour has a block with
            await self.send_json({"type": "typing", "thread": event["thread"], "neighbour": event["neighbour"]})

    async def notification(self, event):
        payload = event["payload"]
        if payload.get("kind") == "message" and payload.get("thread") in self.subscriptions:
            return  # the message itself is on its way to this connection
        if event.get("author") is not None and event["author"] in self.hidden:
            return  # a message by someone this neighbour has a block with: not announced
        await self.send_json({**payload, "type": "notification"})
