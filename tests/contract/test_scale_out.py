"""Two daphne processes sharing one Redis and one database: what is sent through one reaches clients of the other."""

import asyncio
import json
import uuid

import pytest
import websockets
from rest_framework.authtoken.models import Token

from chat.models import Message
from tests.factories import NeighbourFactory, chat_thread
from tests.live import daphne

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module")
def two_servers(django_db_setup, django_db_blocker):
    with daphne() as first, daphne() as second:
        yield first.replace("http", "ws") + "/ws/", second.replace("http", "ws") + "/ws/"


async def frames_until(ws, wanted_type):
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] == wanted_type:
            return frame


def test_a_message_sent_through_one_process_reaches_a_client_of_the_other(two_servers):
    first, second = two_servers
    ann, bob = NeighbourFactory(display_name="Ann"), NeighbourFactory(display_name="Bob")
    thread = chat_thread(ann, bob)
    ann_key, bob_key = Token.objects.create(user=ann).key, Token.objects.create(user=bob).key
    client_id = str(uuid.uuid4())

    async def talk():
        async with (
            websockets.connect(first, additional_headers={"Authorization": f"Token {ann_key}"}) as ann_ws,
            websockets.connect(second, additional_headers={"Authorization": f"Token {bob_key}"}) as bob_ws,
        ):
            for ws in (ann_ws, bob_ws):
                await ws.send(json.dumps({"type": "subscribe", "thread": thread.pk, "after": 0}))
                await frames_until(ws, "subscribed")
            await ann_ws.send(json.dumps(
                {"type": "send", "thread": thread.pk, "client_id": client_id, "body": "Across processes"}
            ))
            ack = await frames_until(ann_ws, "ack")
            received = await frames_until(bob_ws, "message")
            await bob_ws.send(json.dumps({"type": "read", "thread": thread.pk, "seq": received["seq"]}))
            read = await frames_until(ann_ws, "read")
            return ack, received, read

    ack, received, read = asyncio.run(talk())

    assert ack["seq"] == received["seq"] == 1
    assert (received["body"], received["client_id"], received["author"]["id"]) == ("Across processes", client_id,
                                                                                 ann.pk)
    assert (read["neighbour"], read["seq"]) == (bob.pk, 1)
    assert Message.objects.filter(thread=thread).count() == 1


def test_a_notification_caused_through_one_process_reaches_the_neighbour_on_the_other(two_servers):
    """Bob is connected to the second process but not looking at the thread: he is told a message waits."""
    first, second = two_servers
    ann, bob = NeighbourFactory(), NeighbourFactory()
    thread = chat_thread(ann, bob, title="Pitch")
    ann_key, bob_key = Token.objects.create(user=ann).key, Token.objects.create(user=bob).key

    async def talk():
        async with (
            websockets.connect(first, additional_headers={"Authorization": f"Token {ann_key}"}) as ann_ws,
            websockets.connect(second, additional_headers={"Authorization": f"Token {bob_key}"}) as bob_ws,
        ):
            await bob_ws.send(json.dumps({"type": "ping"}))
            await frames_until(bob_ws, "pong")  # connected and in his group
            await ann_ws.send(json.dumps(
                {"type": "send", "thread": thread.pk, "client_id": str(uuid.uuid4()), "body": "Hello"}
            ))
            return await frames_until(bob_ws, "notification")

    notification = asyncio.run(talk())

    assert (notification["kind"], notification["thread"], notification["title"]) == ("message", thread.pk, "Pitch")
