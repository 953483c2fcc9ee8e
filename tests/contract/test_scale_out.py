"""Three daphne processes sharing one Redis and one database: what happens through one reaches clients of the others.

Every client below talks to a process of its own choosing, as clients behind a load balancer would; the processes
share nothing but PostgreSQL and the channel layer on Redis (DESIGN §7, scale-out).
"""

import asyncio
import json
import uuid

import httpx
import pytest
import websockets
from django.urls import reverse
from rest_framework.authtoken.models import Token

from chat.models import Message
from offers.models import SignUp
from offers.sessions import signup_create
from tests.factories import NeighbourFactory, chat_thread, group_session
from tests.live import daphne

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker):
    """The base URLs (``http://127.0.0.1:<port>``) of three daphne processes on the test database."""
    with daphne() as first, daphne() as second, daphne() as third:
        yield first, second, third


def ws_url(base):
    return base.replace("http", "ws") + "/ws/"


def token_for(neighbour):
    return Token.objects.create(user=neighbour).key


def connect(base, key):
    return websockets.connect(ws_url(base), additional_headers={"Authorization": f"Token {key}"})


async def frames_until(ws, wanted_type):
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] == wanted_type:
            return frame


async def notification_of(ws, kind):
    """The next ``notification`` frame of ``kind`` (other notifications are skipped)."""
    while True:
        frame = await frames_until(ws, "notification")
        if frame["kind"] == kind:
            return frame


async def in_their_groups(*connections):
    """Returns once every connection has been answered, so each has joined its neighbour's channel-layer group."""
    for ws in connections:
        await ws.send(json.dumps({"type": "ping"}))
        await frames_until(ws, "pong")


async def subscribe(ws, thread_id):
    await ws.send(json.dumps({"type": "subscribe", "thread": thread_id, "after": 0}))
    await frames_until(ws, "subscribed")


def test_a_message_sent_through_one_process_reaches_a_client_of_another(servers):
    first, second, _third = servers
    ann, bob = NeighbourFactory(display_name="Ann"), NeighbourFactory(display_name="Bob")
    thread = chat_thread(ann, bob)
    ann_key, bob_key = token_for(ann), token_for(bob)
    client_id = str(uuid.uuid4())

    async def talk():
        async with connect(first, ann_key) as ann_ws, connect(second, bob_key) as bob_ws:
            for ws in (ann_ws, bob_ws):
                await subscribe(ws, thread.pk)
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


def test_messages_sent_through_one_process_reach_the_participants_on_the_two_others(servers):
    """Ann on process 1, Bob on 2, Cid on 3 share a thread: each message reaches the other two, once, in order."""
    first, second, third = servers
    ann, bob, cid = (NeighbourFactory(display_name=name) for name in ("Ann", "Bob", "Cid"))
    thread = chat_thread(ann, bob, cid, title="Dugnad on Saturday")
    keys = [token_for(person) for person in (ann, bob, cid)]

    async def talk():
        async with (
            connect(first, keys[0]) as ann_ws, connect(second, keys[1]) as bob_ws, connect(third, keys[2]) as cid_ws,
        ):
            for ws in (ann_ws, bob_ws, cid_ws):
                await subscribe(ws, thread.pk)
            received = {}
            for sender, body in ((ann_ws, "Rakes at nine"), (cid_ws, "I bring coffee")):
                await sender.send(json.dumps(
                    {"type": "send", "thread": thread.pk, "client_id": str(uuid.uuid4()), "body": body}
                ))
                await frames_until(sender, "ack")
                for name, ws in (("ann", ann_ws), ("bob", bob_ws), ("cid", cid_ws)):
                    message = await frames_until(ws, "message")
                    received.setdefault(name, []).append((message["seq"], message["body"]))
            return received

    received = asyncio.run(talk())

    expected = [(1, "Rakes at nine"), (2, "I bring coffee")]
    assert received == {"ann": expected, "bob": expected, "cid": expected}
    assert list(Message.objects.filter(thread=thread).order_by("seq").values_list("seq", "body")) == expected


def test_a_notification_caused_through_one_process_reaches_the_neighbour_on_another(servers):
    """Bob is connected to the second process but not looking at the thread: he is told a message waits."""
    first, second, _third = servers
    ann, bob = NeighbourFactory(), NeighbourFactory()
    thread = chat_thread(ann, bob, title="Pitch")
    ann_key, bob_key = token_for(ann), token_for(bob)

    async def talk():
        async with connect(first, ann_key) as ann_ws, connect(second, bob_key) as bob_ws:
            await in_their_groups(bob_ws)
            await ann_ws.send(json.dumps(
                {"type": "send", "thread": thread.pk, "client_id": str(uuid.uuid4()), "body": "Hello"}
            ))
            return await frames_until(bob_ws, "notification")

    notification = asyncio.run(talk())

    assert (notification["kind"], notification["thread"], notification["title"]) == ("message", thread.pk, "Pitch")


def test_sign_ups_on_different_processes_share_the_seats_and_a_promotion_is_told_on_a_third(servers):
    """Ann takes the last seat through process 1; Bob, through process 2, is put on the waiting list; Ann cancels
    through process 2, and Bob, connected to process 3, is told at once that he has the seat."""
    first, second, third = servers
    session = group_session(capacity=2)
    signup_create(session=session, neighbour=NeighbourFactory())  # seat 1 of 2
    ann, bob = NeighbourFactory(display_name="Ann"), NeighbourFactory(display_name="Bob")
    ann_key, bob_key = token_for(ann), token_for(bob)
    signup_path = reverse("api:session-signup", args=[session.pk])

    def api(base, key):
        return httpx.AsyncClient(base_url=base, headers={"Authorization": f"Token {key}"}, timeout=10)

    async def scenario():
        async with (
            api(first, ann_key) as ann_on_first, api(second, ann_key) as ann_on_second,
            api(second, bob_key) as bob_on_second, api(third, bob_key) as bob_on_third,
            connect(third, bob_key) as bob_ws,
        ):
            await in_their_groups(bob_ws)
            ann_signed_up = await ann_on_first.post(signup_path)
            bob_signed_up = await bob_on_second.post(signup_path)
            ann_cancelled = await ann_on_second.delete(signup_path)
            notification = await notification_of(bob_ws, "session_promoted")
            bob_now = await bob_on_third.get(signup_path)
            return ann_signed_up, bob_signed_up, ann_cancelled, notification, bob_now

    ann_signed_up, bob_signed_up, ann_cancelled, notification, bob_now = asyncio.run(scenario())

    assert ann_signed_up.status_code == 201
    assert (ann_signed_up.json()["status"], ann_signed_up.json()["position"]) == ("confirmed", 2)
    assert bob_signed_up.status_code == 201
    assert (bob_signed_up.json()["status"], bob_signed_up.json()["position"]) == ("waitlisted", 1)
    assert ann_cancelled.status_code == 204
    assert notification["session"] == session.pk
    assert notification["signup"] == bob_signed_up.json()["id"]
    assert (bob_now.json()["status"], bob_now.json()["position"]) == ("confirmed", 2)
    assert SignUp.objects.filter(session=session, status=SignUp.Status.CONFIRMED).count() == 2
