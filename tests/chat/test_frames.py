"""The chat frames of DESIGN §4 over the real Redis channel layer: subscribe, send/ack, read, typing, errors."""

import uuid

import pytest
from channels.db import database_sync_to_async
from rest_framework.authtoken.models import Token

from chat import events, services
from chat.models import Message
from neighbours.models import Block
from tests.chat.communicator import connect, subscribe
from tests.factories import NeighbourFactory, chat_thread

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@database_sync_to_async
def people_in_a_thread():
    ann, bob = NeighbourFactory(display_name="Ann"), NeighbourFactory(display_name="Bob")
    thread = chat_thread(ann, bob)
    return thread, (ann, Token.objects.create(user=ann).key), (bob, Token.objects.create(user=bob).key)


@database_sync_to_async
def stranger_key():
    return Token.objects.create(user=NeighbourFactory()).key


@database_sync_to_async
def stored(thread):
    return list(Message.objects.filter(thread=thread).order_by("seq").values_list("seq", "body"))


@database_sync_to_async
def send_stored(thread, author, body):
    return services.message_send(thread_id=thread.pk, author=author, body=body)[0]


def send_frame(thread, body="Hello", client_id=None):
    return {"type": "send", "thread": thread.pk, "client_id": str(client_id or uuid.uuid4()), "body": body}


async def test_a_sent_message_is_acked_and_reaches_the_other_participant():
    thread, (ann, ann_key), (_bob, bob_key) = await people_in_a_thread()
    ann_ws, bob_ws = await connect(ann_key), await connect(bob_key)
    await subscribe(bob_ws, thread)
    frame = send_frame(thread, "Can you mow on Friday?")

    await ann_ws.send_json_to(frame)

    ack = await ann_ws.receive_json_from(timeout=5)
    assert (ack["type"], ack["client_id"], ack["thread"], ack["seq"]) == ("ack", frame["client_id"], thread.pk, 1)
    message = await bob_ws.receive_json_from(timeout=5)
    assert message == {
        "type": "message", "thread": thread.pk, "seq": 1, "id": ack["id"],
        "author": {"id": ann.pk, "display_name": "Ann"}, "kind": "text", "body": "Can you mow on Friday?",
        "data": {}, "client_id": frame["client_id"], "sent_at": ack["sent_at"],
    }
    assert await stored(thread) == [(1, "Can you mow on Friday?")]
    await ann_ws.disconnect()
    await bob_ws.disconnect()


async def test_a_repeated_client_id_is_acked_with_the_original_seq_and_delivered_once():
    thread, (_ann, ann_key), (_bob, bob_key) = await people_in_a_thread()
    ann_ws, bob_ws = await connect(ann_key), await connect(bob_key)
    await subscribe(bob_ws, thread)
    frame = send_frame(thread, "Once only")

    await ann_ws.send_json_to(frame)
    first = await ann_ws.receive_json_from(timeout=5)
    await ann_ws.send_json_to(frame)
    second = await ann_ws.receive_json_from(timeout=5)

    assert first["seq"] == second["seq"] == 1
    assert (await bob_ws.receive_json_from(timeout=5))["seq"] == 1
    assert await bob_ws.receive_nothing(timeout=0.5)
    assert await stored(thread) == [(1, "Once only")]
    await ann_ws.disconnect()
    await bob_ws.disconnect()


async def test_after_a_disconnect_subscribe_with_after_catches_up_in_order():
    thread, (ann, _ann_key), (_bob, bob_key) = await people_in_a_thread()
    bob_ws = await connect(bob_key)
    await subscribe(bob_ws, thread)
    await send_stored(thread, ann, "one")
    assert (await bob_ws.receive_json_from(timeout=5))["seq"] == 1
    await bob_ws.disconnect()

    for body in ("two", "three", "four"):
        await send_stored(thread, ann, body)
    bob_ws = await connect(bob_key)
    missed = await subscribe(bob_ws, thread, after=1)
    await send_stored(thread, ann, "five")

    assert [(m["seq"], m["body"]) for m in missed] == [(2, "two"), (3, "three"), (4, "four")]
    assert (await bob_ws.receive_json_from(timeout=5))["body"] == "five"
    await bob_ws.disconnect()


async def test_the_subscribed_frame_ends_the_catch_up_with_the_read_positions():
    thread, (ann, _ann_key), (bob, bob_key) = await people_in_a_thread()
    await send_stored(thread, ann, "one")
    bob_ws = await connect(bob_key)

    await bob_ws.send_json_to({"type": "subscribe", "thread": thread.pk, "after": 0})
    await bob_ws.receive_json_from(timeout=5)

    assert await bob_ws.receive_json_from(timeout=5) == {
        "type": "subscribed", "thread": thread.pk, "seq": 1, "read": {str(ann.pk): 0, str(bob.pk): 0}
    }
    await bob_ws.disconnect()


async def test_a_message_the_layer_dropped_is_filled_in_from_the_database(monkeypatch):
    """Given a hint lost in the channel layer, when the next message arrives, then both are delivered in order."""
    thread, (ann, _ann_key), (_bob, bob_key) = await people_in_a_thread()
    bob_ws = await connect(bob_key)
    await subscribe(bob_ws, thread)
    monkeypatch.setattr(events, "broadcast_message", lambda **kwargs: None)
    await send_stored(thread, ann, "lost hint")
    monkeypatch.undo()

    await send_stored(thread, ann, "next")

    received = [await bob_ws.receive_json_from(timeout=5) for _ in range(2)]
    assert [(m["seq"], m["body"]) for m in received] == [(1, "lost hint"), (2, "next")]
    await bob_ws.disconnect()


@pytest.mark.parametrize("frame_type", ["subscribe", "send", "read", "typing"])
async def test_a_stranger_gets_not_found_for_every_frame_and_nothing_is_stored(frame_type):
    thread, _ann, _bob = await people_in_a_thread()
    ws = await connect(await stranger_key())
    frame = {**send_frame(thread), "type": frame_type, "seq": 0, "after": 0}

    await ws.send_json_to(frame)

    error = await ws.receive_json_from(timeout=5)
    assert (error["type"], error["code"], error["thread"]) == ("error", "not_found", thread.pk)
    assert await stored(thread) == []
    await ws.send_json_to({"type": "ping", "id": 1})
    assert (await ws.receive_json_from(timeout=5))["type"] == "pong"
    await ws.disconnect()


async def test_a_thread_that_does_not_exist_is_not_found():
    ws = await connect(await stranger_key())

    await ws.send_json_to({"type": "subscribe", "thread": 987654, "after": 0})

    assert (await ws.receive_json_from(timeout=5))["code"] == "not_found"
    await ws.disconnect()


async def test_a_stranger_subscribed_to_nothing_overhears_nothing():
    thread, (ann, _ann_key), _bob = await people_in_a_thread()
    ws = await connect(await stranger_key())
    await ws.send_json_to({"type": "subscribe", "thread": thread.pk, "after": 0})
    await ws.receive_json_from(timeout=5)

    await send_stored(thread, ann, "private")

    assert await ws.receive_nothing(timeout=0.5)
    await ws.disconnect()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"client_id": None}, "bad_frame"),
        ({"client_id": "not-a-uuid"}, "bad_frame"),
        ({"body": None}, "bad_frame"),
        ({"body": 42}, "bad_frame"),
        ({"thread": "7"}, "bad_frame"),
        ({"thread": True}, "bad_frame"),
        ({"thread": -1}, "bad_frame"),
        ({"body": "x" * 4001}, "too_large"),
        ({"body": "   "}, "invalid"),
    ],
)
async def test_a_bad_send_frame_gets_an_error_stores_nothing_and_the_connection_stays(change, code):
    thread, (_ann, ann_key), _bob = await people_in_a_thread()
    ws = await connect(ann_key)
    frame = {**send_frame(thread), **change}

    await ws.send_json_to(frame)

    error = await ws.receive_json_from(timeout=5)
    assert (error["type"], error["code"]) == ("error", code)
    assert error["detail"]
    if isinstance(frame["client_id"], str):
        assert error["client_id"] == frame["client_id"]
    assert await stored(thread) == []
    await ws.send_json_to(send_frame(thread, "still here"))
    assert (await ws.receive_json_from(timeout=5))["type"] == "ack"
    await ws.disconnect()


async def test_a_blocked_participant_gets_forbidden():
    thread, (ann, ann_key), (bob, _bob_key) = await people_in_a_thread()
    await database_sync_to_async(Block.objects.create)(blocker=bob, blocked=ann)
    ws = await connect(ann_key)

    await ws.send_json_to(send_frame(thread))

    assert (await ws.receive_json_from(timeout=5))["code"] == "forbidden"
    assert await stored(thread) == []
    await ws.disconnect()


async def test_read_moves_the_position_and_tells_the_other_subscriber():
    thread, (ann, ann_key), (bob, bob_key) = await people_in_a_thread()
    await send_stored(thread, ann, "one")
    ann_ws, bob_ws = await connect(ann_key), await connect(bob_key)
    await subscribe(ann_ws, thread, after=1)

    await bob_ws.send_json_to({"type": "read", "thread": thread.pk, "seq": 1})

    assert await ann_ws.receive_json_from(timeout=5) == {
        "type": "read", "thread": thread.pk, "neighbour": bob.pk, "seq": 1
    }
    await ann_ws.disconnect()
    await bob_ws.disconnect()


async def test_typing_reaches_the_others_but_not_the_typist():
    thread, (_ann, ann_key), (bob, bob_key) = await people_in_a_thread()
    ann_ws, bob_ws = await connect(ann_key), await connect(bob_key)
    await subscribe(ann_ws, thread)
    await subscribe(bob_ws, thread)

    await bob_ws.send_json_to({"type": "typing", "thread": thread.pk})

    assert await ann_ws.receive_json_from(timeout=5) == {
        "type": "typing", "thread": thread.pk, "neighbour": {"id": bob.pk, "display_name": "Bob"}
    }
    assert await bob_ws.receive_nothing(timeout=0.5)
    await ann_ws.disconnect()
    await bob_ws.disconnect()


async def test_a_participant_not_looking_at_the_thread_gets_a_message_notification():
    thread, (_ann, ann_key), (bob, _bob_key) = await people_in_a_thread()
    ann_ws = await connect(ann_key)

    await send_stored(thread, bob, "ping me")

    frame = await ann_ws.receive_json_from(timeout=5)
    assert (frame["type"], frame["kind"], frame["thread"], frame["seq"], frame["from"]) == (
        "notification", "message", thread.pk, 1, "Bob"
    )
    await ann_ws.disconnect()


async def test_a_flood_of_frames_is_rate_limited_and_the_connection_survives(settings):
    settings.DUGNAD_WS_FRAME_BURST = 5
    settings.DUGNAD_WS_FRAMES_PER_SECOND = 1
    ws = await connect(await stranger_key())

    for n in range(8):
        await ws.send_json_to({"type": "ping", "id": n})
    frames = [await ws.receive_json_from(timeout=5) for _ in range(8)]

    assert [f["type"] for f in frames].count("pong") == 5
    assert [f.get("code") for f in frames if f["type"] == "error"] == ["rate_limited"] * 3
    await ws.disconnect()


async def test_too_many_messages_from_one_neighbour_are_refused_with_rate_limited(settings):
    settings.DUGNAD_RATES = {**settings.DUGNAD_RATES, "message": "2/min"}
    thread, (_ann, ann_key), _bob = await people_in_a_thread()
    ws = await connect(ann_key)

    codes = []
    for n in range(3):
        await ws.send_json_to(send_frame(thread, f"m{n}"))
        frame = await ws.receive_json_from(timeout=5)
        codes.append(frame.get("code", frame["type"]))

    assert codes == ["ack", "ack", "rate_limited"]
    assert len(await stored(thread)) == 2
    await ws.disconnect()
