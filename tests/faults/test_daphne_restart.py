"""A daphne process killed (SIGKILL) in the middle of a conversation and started again on the same port.

Four people write in one thread, two through each of two daphne processes. One process is killed while they write:
its clients lose their connection, keep writing into their outboxes, reconnect with back-off once it is back,
catch up with ``after`` and send their outboxes again with the same ``client_id``s. In the end everyone has every
message exactly once, in order, and the database holds each sent message once.
"""

import asyncio

import pytest
from rest_framework.authtoken.models import Token

from chat.models import Message
from tests.factories import NeighbourFactory, chat_thread
from tests.faults.client import ResilientClient, wait_until
from tests.faults.processes import Daphne

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROUNDS = 15
KILL_AFTER_ROUND = 5


def test_after_a_daphne_is_killed_mid_stream_everyone_has_every_message_once_in_order():
    people = NeighbourFactory.create_batch(4)
    thread = chat_thread(*people)
    keys = [Token.objects.create(user=person).key for person in people]

    with Daphne() as first, Daphne() as second:
        servers = [first, first, second, second]

        async def converse():
            clients = [
                ResilientClient(server.ws_url, key, [thread.pk], name=str(n)).start()
                for n, (server, key) in enumerate(zip(servers, keys, strict=True))
            ]
            try:
                await wait_until(lambda: all(c.connected for c in clients), timeout=60)
                for round_ in range(ROUNDS):
                    if round_ == KILL_AFTER_ROUND:
                        first.kill()  # in the middle of the stream: some sends are on the wire, unacked
                    if round_ == KILL_AFTER_ROUND + 2:
                        await asyncio.to_thread(first.start)
                    for n, client in enumerate(clients):
                        await client.send(thread.pk, f"{n}:{round_}")
                    await asyncio.sleep(0.05)
                total = ROUNDS * len(clients)
                await wait_until(
                    lambda: all(not c.outbox and len(c.messages[thread.pk]) == total for c in clients),
                    timeout=90,
                    describe=lambda: [(c.name, len(c.outbox), len(c.messages[thread.pk])) for c in clients],
                )
                return clients
            finally:
                for client in clients:
                    await client.close()

        clients = asyncio.run(converse())
        logs = first.log() + second.log()

    assert "Exception inside application" not in logs  # re-sends and catch-ups crashed nothing
    stored = list(Message.objects.filter(thread=thread).order_by("seq").values_list("seq", "client_id", "body"))
    total = ROUNDS * len(people)
    assert [seq for seq, _, _ in stored] == list(range(1, total + 1))  # gap-free, nothing stored twice
    assert sorted(body for _, _, body in stored) == sorted(f"{n}:{r}" for n in range(4) for r in range(ROUNDS))
    stored_ids = [str(client_id) for _, client_id, _ in stored]
    for client in clients:
        assert client.violations == []
        assert client.failed == {}
        assert client.outbox == {}
        assert client.messages[thread.pk] == stored_ids  # every message once, in the stored order
    assert all(c.failures >= 1 and c.connections >= 2 for c in clients[:2])  # the first process's clients came back
