"""A WebSocket chat client that survives faults, for tests: it behaves as the browser's chat.js does.

- connects to ``/ws/`` with ``Authorization: Token <key>`` and subscribes to its threads with ``after`` = the last
  ``seq`` it holds, so the server sends what it missed, then live messages;
- gives every message a ``client_id`` (a UUID) and keeps it in an outbox until the server acks it; after every
  (re)connect, once subscribed, it sends everything still in the outbox again with the same ``client_id``;
- on any close or error it reconnects after an exponential back-off with jitter, capped, so that a thousand clients
  thrown out at once do not all come back in the same instant;
- records each thread's messages once, by ``seq``, and notes every frame that breaks the order (a gap, or a ``seq``
  seen twice on one connection): the tests assert there are none.
"""

import asyncio
import contextlib
import json
import random
import time
import uuid

import websockets


class ResilientClient:
    def __init__(self, url, token, threads, *, base_delay=0.25, max_delay=5.0, open_timeout=60, name=""):
        self.url = url
        self.token = token
        self.name = name
        self.base_delay, self.max_delay, self.open_timeout = base_delay, max_delay, open_timeout
        self.last_seq = dict.fromkeys(threads, 0)
        # Per thread, the client_id (or None) of every message received, in seq order: messages[t][seq - 1].
        self.messages = {thread: [] for thread in threads}
        self.outbox = {}  # client_id → (thread, body), in the order written
        self.acked = {}  # client_id → seq
        self.failed = {}  # client_id → error frame (anything but a rate limit)
        self.violations = []  # frames that broke the order: the tests expect none
        self.connections = 0  # successful handshakes
        self.failures = 0  # failed connects and lost connections
        self.attempt = 0
        self.ws = None
        self.subscribed = set()
        self._task = None
        self._resends = set()
        self._closing = False

    # --- life ----------------------------------------------------------------------------------------------------

    def start(self):
        self._task = asyncio.create_task(self._run(), name=f"client {self.name}")
        return self

    async def close(self):
        self._closing = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @property
    def connected(self):
        return self.ws is not None and self.subscribed == set(self.last_seq)

    def delay(self):
        """The wait before the next attempt: doubling from ``base_delay`` up to ``max_delay``, times 0.5–1."""
        delay = min(self.max_delay, self.base_delay * 2 ** self.attempt) * (0.5 + random.random() / 2)
        self.attempt += 1
        return delay

    async def _run(self):
        while not self._closing:
            try:
                async with websockets.connect(
                    self.url, additional_headers={"Authorization": f"Token {self.token}"},
                    open_timeout=self.open_timeout, max_queue=None,
                ) as ws:
                    self.ws, self.subscribed = ws, set()
                    self.connections += 1
                    for thread, after in self.last_seq.items():
                        await ws.send(json.dumps({"type": "subscribe", "thread": thread, "after": after}))
                    async for text in ws:
                        await self._receive(json.loads(text))
            except asyncio.CancelledError:
                raise
            except (TimeoutError, OSError, websockets.WebSocketException):
                pass  # refused, reset, closed, timed out, handshake rejected: all mean "try again later"
            self.ws, self.subscribed = None, set()
            if self._closing:
                return
            self.failures += 1
            await asyncio.sleep(self.delay())

    # --- frames --------------------------------------------------------------------------------------------------

    async def _receive(self, frame):
        kind = frame.get("type")
        if kind == "message":
            self._message(frame)
        elif kind == "subscribed":
            self.subscribed.add(frame["thread"])
            if self.connected:
                self.attempt = 0
                await self._flush()
        elif kind == "ack":
            if self.outbox.pop(frame["client_id"], None) is not None:
                self.acked[frame["client_id"]] = frame["seq"]
        elif kind == "error" and frame.get("client_id") in self.outbox:
            if frame.get("code") == "rate_limited":
                asyncio.get_running_loop().call_later(1, self._resend_later, frame["client_id"])
            else:
                self.failed[frame["client_id"]] = frame
                self.outbox.pop(frame["client_id"])
        elif kind == "error":
            self.violations.append(("error", frame))

    def _message(self, frame):
        thread, seq = frame["thread"], frame["seq"]
        if thread not in self.last_seq:
            return
        last = self.last_seq[thread]
        if seq == last + 1:
            self.messages[thread].append(frame.get("client_id"))
            self.last_seq[thread] = seq
        else:  # the server sends each thread gap-free and once per connection: anything else is a fault
            self.violations.append(("out_of_order", thread, last, seq))

    async def _flush(self):
        for client_id, (thread, body) in list(self.outbox.items()):
            await self._send_frame(client_id, thread, body)

    async def _send_frame(self, client_id, thread, body):
        ws = self.ws
        if ws is None:
            return
        with contextlib.suppress(websockets.WebSocketException, OSError):
            await ws.send(json.dumps({"type": "send", "thread": thread, "client_id": client_id, "body": body}))

    def _resend_later(self, client_id):
        if client_id in self.outbox and self.connected:
            self._resends.add(task := asyncio.ensure_future(self._send_frame(client_id, *self.outbox[client_id])))
            task.add_done_callback(self._resends.discard)

    # --- what tests call -----------------------------------------------------------------------------------------

    async def send(self, thread, body):
        """Puts a message in the outbox and sends it now if connected (else after the next reconnect)."""
        client_id = str(uuid.uuid4())
        self.outbox[client_id] = (thread, body)
        if self.connected:
            await self._send_frame(client_id, thread, body)
        return client_id


async def wait_until(predicate, *, timeout, describe=lambda: "", every=0.1):
    """Waits until ``predicate()`` is true; fails after ``timeout`` seconds, saying what was still missing."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not done after {timeout} s: {describe()}")
        await asyncio.sleep(every)
