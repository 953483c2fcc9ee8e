"""Channel-layer group names, frame shapes and broadcast helpers.

The channel layer only carries hints: whatever it delivers has been committed to the database first, and a client
that missed a hint catches up from the database (``subscribe`` with ``after``). Call the broadcast helpers from
``transaction.on_commit``, never inside a transaction. They never raise: with Redis down a message is still stored
and acknowledged, and live delivery resumes when Redis is back.
"""

import contextvars
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils.translation import gettext as _

from config import metrics

logger = logging.getLogger(__name__)

# Channel-layer calls of this process that failed (Redis down); chat.consumers watches it to notice short outages.
layer_failures = 0


def neighbour_group(neighbour_id):
    """Every open connection of one neighbour."""
    return f"neighbour.{neighbour_id}"


def thread_group(thread_id):
    """Every connection subscribed to one thread."""
    return f"thread.{thread_id}"


def author_payload(neighbour):
    """How a message's author is shown: ``None`` for system messages, a placeholder for an erased account."""
    if neighbour is None:
        return None
    return {"id": neighbour.pk, "display_name": neighbour.display_name}


def message_payload(message):
    """The ``message`` frame of DESIGN §4 (also the shape of a message in the HTTP API).

    A message hidden by a community moderator keeps its place (its ``seq``) but loses its body and details, for
    everyone: ``hidden`` (present only then) is true and ``body`` says that a moderator hid it.
    """
    payload = {
        "type": "message",
        "thread": message.thread_id,
        "seq": message.seq,
        "id": message.pk,
        "author": author_payload(message.author),
        "kind": message.kind,
        "body": message.body,
        "data": message.data,
        "client_id": str(message.client_id) if message.client_id else None,
        "sent_at": message.sent_at.isoformat(),
    }
    if message.hidden_at is not None:
        payload.update(body=_("Hidden by a moderator"), data={}, hidden=True, hidden_reason="moderator")
    return payload


def hidden_payload(payload, *, reason):
    """A ``message`` frame as shown to someone on the other side of a block in a group thread: no body, no data.

    ``reason`` is ``"you_blocked"`` for the blocker, who still sees whose message it is; for the blocked person it
    is None and the author is left out too, so that nothing says who blocked whom.
    """
    return {
        **payload,
        "author": payload["author"] if reason else None,
        "body": "",
        "data": {},
        "client_id": None,
        "hidden": True,
        "hidden_reason": reason,
    }


def payload_for(payload, hidden_authors):
    """``payload`` as one viewer sees it: hidden when its author is in ``hidden_authors`` (``{author id: reason}``,
    from ``chat.selectors.hidden_authors``)."""
    author = payload["author"]
    if author is not None and author["id"] in hidden_authors:
        return hidden_payload(payload, reason=hidden_authors[author["id"]])
    return payload


# When set (by an async caller around a database call), group sends are collected here instead of made: the caller
# then sends them from its event loop, and the database thread is not held up by round trips to Redis.
_collected_sends = contextvars.ContextVar("collected_sends", default=None)


def collect_sends(sends):
    """Makes the group sends of the current context (and of threads started from it) go into the list ``sends`` as
    ``(group, event)`` pairs. Returns a token for ``_collected_sends.reset``; use through ``chat.consumers``."""
    return _collected_sends.set(sends)


def stop_collecting(token):
    _collected_sends.reset(token)


def layer_failed(operation):
    """Records a failed channel-layer call: in the process's metrics, and for the layer watch (chat.consumers)."""
    global layer_failures
    metrics.channel_layer_error(operation)
    layer_failures += 1


async def group_send_quietly(group, event):
    """Sends ``event`` to ``group``; a channel layer that fails (Redis down) is logged, never raised."""
    try:
        await get_channel_layer().group_send(group, event)
    except Exception:
        layer_failed("group_send")
        logger.warning("Channel layer unavailable; %s not delivered live to %s", event["type"], group, exc_info=True)


def _group_send(group, event):
    collected = _collected_sends.get()
    if collected is not None:
        collected.append((group, event))
        return
    async_to_sync(group_send_quietly)(group, event)


def broadcast_message(*, payload, notify_ids, title):
    """Sends a committed message to the connections subscribed to its thread, and a ``message`` notification to
    the other participants' connections (those not looking at the thread learn that something is waiting)."""
    metrics.chat_message_stored()
    _group_send(thread_group(payload["thread"]), {"type": "chat.message", "message": payload})
    author = payload["author"]
    notification = {
        "kind": "message",
        "thread": payload["thread"],
        "seq": payload["seq"],
        "title": title,
        "from": author["display_name"] if author else _("Dugnad"),
    }
    # The author's id travels beside the payload (not to clients): a connection drops notifications from people
    # its neighbour has a block with.
    event = {"type": "notification", "payload": notification, "author": author["id"] if author else None}
    for neighbour_id in notify_ids:
        _group_send(neighbour_group(neighbour_id), event)


def broadcast_hidden(*, payload):
    """Tells a thread's subscribers that a message they may already show was hidden by a moderator (``payload`` is
    its hidden ``message`` frame, sent again with the same ``seq``: clients replace what they show)."""
    _group_send(thread_group(payload["thread"]), {"type": "chat.message", "message": payload})


def broadcast_read(*, thread_id, neighbour_id, seq):
    """Tells a thread's subscribers how far one participant has read (read marks)."""
    _group_send(
        thread_group(thread_id), {"type": "chat.read", "thread": thread_id, "neighbour": neighbour_id, "seq": seq}
    )


def broadcast_typing(*, thread_id, neighbour, sender_channel):
    """Tells a thread's other subscribers that ``neighbour`` is typing (not stored; a hint that fades)."""
    _group_send(
        thread_group(thread_id),
        {"type": "chat.typing", "thread": thread_id, "neighbour": author_payload(neighbour), "sender": sender_channel},
    )


def notify_neighbour(*, neighbour_id, payload):
    """Sends ``{"type": "notification", **payload}`` to every open connection of this neighbour."""
    _group_send(neighbour_group(neighbour_id), {"type": "notification", "payload": payload})
