"""Every log record a WebSocket connection writes carries that connection's id (config/request_id.py)."""

import logging

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from config.asgi import application
from config.logging import ContextFilter
from tests.factories import NeighbourFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@database_sync_to_async
def make_token():
    return Token.objects.create(user=NeighbourFactory()).key


async def open_and_close():
    key = await make_token()
    ws = WebsocketCommunicator(application, "/ws/", headers=[(b"authorization", f"Token {key}".encode())])
    connected, _ = await ws.connect()
    assert connected
    await ws.send_json_to({"type": "ping"})
    await ws.receive_json_from()
    await ws.disconnect()


async def test_each_connection_logs_its_opening_and_closing_under_an_id_of_its_own(caplog):
    caplog.handler.addFilter(ContextFilter())
    with caplog.at_level(logging.INFO, logger="dugnad.access"):
        await open_and_close()
        await open_and_close()

    records = [r for r in caplog.records if r.name == "dugnad.access" and r.getMessage().startswith("WebSocket")]
    ids = [r.connection_id for r in records]
    assert [r.getMessage().split()[2] for r in records] == ["opened", "closed", "opened", "closed"]
    assert all(ids)
    assert ids[0] == ids[1]
    assert ids[2] == ids[3]
    assert ids[0] != ids[2]
