"""Redis (channel layer and cache) stopped in the middle of a conversation, then started again on the same port.

Two daphne processes share a private redis-server that this test starts and stops (never the machine's shared one).
While Redis is down, messages are still stored and acknowledged, over WebSocket and over HTTP, ``/readyz`` says
Redis is down, open connections stay open and new ones are accepted. Once Redis is back, every connection catches up
with what it missed live (without waiting for a new message) and live delivery resumes, also for a connection that
subscribed while Redis was down.
"""

import asyncio
import uuid

import httpx
import pytest
from rest_framework.authtoken.models import Token

from chat.models import Message
from tests.factories import NeighbourFactory, chat_thread
from tests.faults.client import ResilientClient, wait_until
from tests.faults.processes import Daphne, RedisServer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def received(clients, thread, count):
    return lambda: all(len(c.messages[thread]) >= count for c in clients)


def progress(clients, thread):
    return lambda: [(c.name, len(c.outbox), len(c.messages[thread]), c.connections, c.failures) for c in clients]


def test_with_redis_down_messages_are_stored_and_acked_and_everyone_catches_up_when_it_is_back():
    ann, bob, cid = NeighbourFactory(), NeighbourFactory(), NeighbourFactory()
    thread = chat_thread(ann, bob, cid).pk
    ann_key, bob_key, cid_key = (Token.objects.create(user=person).key for person in (ann, bob, cid))

    with RedisServer() as redis_server:
        env = {"REDIS_URL": redis_server.url, "DUGNAD_TEST_CACHE_URL": f"redis://127.0.0.1:{redis_server.port}/1"}
        with Daphne(**env) as first, Daphne(**env) as second:

            async def converse():
                ann_ws = ResilientClient(first.ws_url, ann_key, [thread], name="ann").start()
                bob_ws = ResilientClient(second.ws_url, bob_key, [thread], name="bob").start()
                cid_ws = ResilientClient(second.ws_url, cid_key, [thread], name="cid")
                everyone = [ann_ws, bob_ws, cid_ws]
                http = httpx.AsyncClient(base_url=first.http_url, timeout=30)
                try:
                    await wait_until(lambda: ann_ws.connected and bob_ws.connected, timeout=60)
                    await ann_ws.send(thread, "Before the outage")
                    await wait_until(received([ann_ws, bob_ws], thread, 1), timeout=30)

                    # Given Redis is down
                    redis_server.kill()

                    # When Ann writes over WebSocket and Bob over HTTP, and Cid connects
                    await ann_ws.send(thread, "Over WebSocket, Redis down")
                    posted = await http.post(
                        f"/api/v1/threads/{thread}/messages/",
                        json={"body": "Over HTTP, Redis down", "client_id": str(uuid.uuid4())},
                        headers={"Authorization": f"Token {bob_key}"},
                    )
                    ready = await http.get("/readyz")
                    await wait_until(lambda: not ann_ws.outbox, timeout=30, describe=progress(everyone, thread))
                    cid_ws.start()
                    await wait_until(received([cid_ws], thread, 3), timeout=60, describe=progress(everyone, thread))
                    kept_open = [(c.connections, c.failures) for c in (ann_ws, bob_ws)]

                    # And Redis comes back on the same port
                    await asyncio.to_thread(redis_server.start)

                    # Then everyone catches up without a new message, and live delivery works again
                    await wait_until(received(everyone, thread, 3), timeout=60, describe=progress(everyone, thread))
                    for client in everyone:
                        await client.send(thread, f"{client.name}, Redis back")
                    await wait_until(
                        lambda: all(not c.outbox for c in everyone) and received(everyone, thread, 6)(),
                        timeout=60, describe=progress(everyone, thread),
                    )
                    ready_again = await http.get("/readyz")
                    return everyone, posted, ready, ready_again, kept_open
                finally:
                    await http.aclose()
                    for client in everyone:
                        await client.close()

            everyone, posted, ready, ready_again, kept_open = asyncio.run(converse())
            logs = first.log() + second.log()

    assert "Exception inside application" not in logs  # no consumer or view crashed
    assert [line for line in logs.splitlines() if '" 500 ' in line] == []
    assert posted.status_code == 201
    assert ready.status_code == 503
    assert ready.json()["checks"]["redis"] == "unavailable"
    assert ready_again.status_code == 200
    assert kept_open == [(1, 0), (1, 0)]  # the open connections lived through the outage
    assert everyone[2].connections == 2  # accepted without live delivery, then asked to reconnect when Redis was back
    stored = list(Message.objects.filter(thread_id=thread).order_by("seq").values_list("seq", "client_id"))
    assert [seq for seq, _ in stored] == list(range(1, 7))
    for client in everyone:
        assert client.violations == []
        assert client.failed == {}
        assert client.messages[thread] == [str(client_id) for _, client_id in stored]
