"""A thousand WebSocket clients thrown out at once (their daphne killed and started again) come back while people
keep writing: the server stays up and every client ends with every message exactly once, in order.

One daphne, started with a listen backlog of 2048 (Twisted's default of 50 would refuse most of a thousand connects
arriving together), serves 1,000 connections of 200 people (five each, as with several devices) in four group
threads. The clients live in this one process on one event loop. Reconnecting, they spread themselves out with
exponential back-off and jitter; a handshake that daphne drops after its 5 s handshake timeout (token lookups queue
up behind each other) is just another failed attempt.
"""

import asyncio
import resource

import pytest
from rest_framework.authtoken.models import Token

from chat.models import Message
from tests.factories import NeighbourFactory, chat_thread
from tests.faults.client import ResilientClient, wait_until
from tests.faults.processes import Daphne

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

THREADS = 4
PEOPLE_PER_THREAD = 50
CONNECTIONS_PER_PERSON = 5  # 4 × 50 × 5 = 1,000 connections
MESSAGES_PER_THREAD = 12
CONNECT_WAVE = 100


def _enough_file_descriptors(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


def test_a_thousand_clients_reconnecting_at_once_all_catch_up_with_every_message_once_in_order():
    _enough_file_descriptors(4096)  # this process holds 1,000 sockets; daphne, which inherits it, as many
    threads = []
    keys = {}
    for _ in range(THREADS):
        people = NeighbourFactory.create_batch(PEOPLE_PER_THREAD)
        threads.append(chat_thread(*people).pk)
        tokens = Token.objects.bulk_create([Token(user=person, key=Token.generate_key()) for person in people])
        keys[threads[-1]] = [token.key for token in tokens]

    with Daphne(backlog=2048, DUGNAD_RATE_LIMITS="off") as server:
        assert "backlog=2048" in server.log()  # daphne took the endpoint with the raised backlog

        async def storm():
            clients = [
                ResilientClient(server.ws_url, key, [thread], base_delay=0.5, max_delay=10, name=f"{thread}/{n}")
                for thread in threads
                for n, key in enumerate(keys[thread] * CONNECTIONS_PER_PERSON)
            ]
            senders = {thread: next(c for c in clients if c.last_seq.keys() == {thread}) for thread in threads}
            try:
                # Connected in waves first: the storm under test is the reconnect, not this start.
                for start in range(0, len(clients), CONNECT_WAVE):
                    wave = [client.start() for client in clients[start:start + CONNECT_WAVE]]
                    await wait_until(lambda wave=wave: all(c.connected for c in wave), timeout=120,
                                     describe=lambda: f"{sum(not c.connected for c in clients)} not connected")

                async def write(thread, sender):
                    for n in range(MESSAGES_PER_THREAD):
                        await sender.send(thread, f"message {n}")
                        await asyncio.sleep(0.25)

                writing = asyncio.gather(*(write(thread, sender) for thread, sender in senders.items()))
                await asyncio.sleep(1)
                server.kill()  # every connection drops at once
                await asyncio.to_thread(server.start)
                await writing
                await wait_until(
                    lambda: all(not c.outbox and len(c.messages[t]) == MESSAGES_PER_THREAD
                                for c in clients for t in c.messages),
                    timeout=240,
                    describe=lambda: (
                        f"{sum(bool(c.outbox) for c in clients)} outboxes not empty, "
                        f"{sum(len(m) < MESSAGES_PER_THREAD for c in clients for m in c.messages.values())} behind, "
                        f"{sum(not c.connected for c in clients)} not connected"
                    ),
                )
                return clients, server.process.poll()
            finally:
                await asyncio.gather(*(client.close() for client in clients))

        clients, exit_code = asyncio.run(storm())

    assert exit_code is None  # the restarted server lived through the storm
    assert len(clients) == 1000
    assert all(c.connections >= 2 for c in clients)  # every client was thrown out and came back
    for thread in threads:
        stored = [str(client_id) for client_id in
                  Message.objects.filter(thread_id=thread).order_by("seq").values_list("client_id", flat=True)]
        assert len(stored) == MESSAGES_PER_THREAD  # re-sent messages were stored once
        for client in clients:
            if thread in client.messages:
                assert client.messages[thread] == stored  # every message once, in order
    assert [c for c in clients if c.violations or c.failed] == []
