"""/metrics of a real daphne process: WebSocket connections, messages and channel-layer errors are counted."""

import asyncio
import json
import time
import uuid

import httpx
import pytest
import websockets
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.authtoken.models import Token

from chat.models import Message
from tests.factories import NeighbourFactory, chat_thread
from tests.live import daphne, free_port

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def scrape(base_url):
    response = httpx.get(f"{base_url}/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def scrape_until(base_url, condition, timeout=10):
    """Scrapes until ``condition(metrics)`` holds (daphne handles a closed connection just after the client's close
    handshake ends); returns the last scrape either way."""
    deadline = time.monotonic() + timeout
    while not condition(metrics := scrape(base_url)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return metrics


async def frames_until(ws, wanted_type):
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] == wanted_type:
            return frame


def send_one_message_and_scrape(base_url):
    """Ann connects, subscribes, sends one message and waits for its ack; the metrics are read while she is still
    connected. Returns (ack, metrics)."""
    ann, bob = NeighbourFactory(), NeighbourFactory()
    thread = chat_thread(ann, bob)
    key = Token.objects.create(user=ann).key

    async def talk():
        async with websockets.connect(
            base_url.replace("http", "ws") + "/ws/", additional_headers={"Authorization": f"Token {key}"}
        ) as ws:
            await ws.send(json.dumps({"type": "subscribe", "thread": thread.pk, "after": 0}))
            await frames_until(ws, "subscribed")
            await ws.send(json.dumps(
                {"type": "send", "thread": thread.pk, "client_id": str(uuid.uuid4()), "body": "Counted"}
            ))
            ack = await frames_until(ws, "ack")
            return ack, await asyncio.to_thread(scrape, base_url)

    ack, metrics = asyncio.run(talk())
    assert Message.objects.filter(thread=thread, body="Counted").count() == 1
    return ack, metrics


def test_metrics_count_the_open_connection_and_the_stored_message():
    with daphne() as url:
        ack, metrics = send_one_message_and_scrape(url)
        after_close = scrape_until(url, lambda m: m[("dugnad_websocket_connections", ())] == 0)

    assert ack["seq"] == 1
    assert metrics[("dugnad_websocket_connections", ())] == 1
    assert metrics[("dugnad_websocket_connections_total", ())] == 1
    assert metrics[("dugnad_chat_messages_total", ())] == 1
    assert metrics[("dugnad_websocket_frames_sent_total", (("type", "ack"),))] == 1
    assert metrics[("dugnad_websocket_frames_received_total", ())] == 2
    assert metrics[("dugnad_channel_layer_errors_total", (("operation", "group_send"),))] == 0
    assert after_close[("dugnad_websocket_connections", ())] == 0


def test_with_redis_unreachable_channel_layer_errors_are_counted_while_sending_still_stores_and_answers():
    """Given a daphne whose Redis is a closed port, a message sent over HTTP is stored and answered 201 while the
    failed live broadcast is counted. (Over WebSocket, channels-redis' pub/sub layer cannot even open a connection's
    channel without Redis; that part is the fault tests' subject.)"""
    ann, bob = NeighbourFactory(), NeighbourFactory()
    thread = chat_thread(ann, bob)
    key = Token.objects.create(user=ann).key

    with daphne(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0") as url:
        sent = httpx.post(
            f"{url}/api/v1/threads/{thread.pk}/messages/", headers={"Authorization": f"Token {key}"},
            json={"body": "Stored anyway", "client_id": str(uuid.uuid4())}, timeout=30,
        )
        metrics = scrape(url)

    assert sent.status_code == 201
    assert Message.objects.filter(thread=thread, body="Stored anyway").count() == 1
    assert metrics[("dugnad_chat_messages_total", ())] == 1
    assert metrics[("dugnad_channel_layer_errors_total", (("operation", "group_send"),))] >= 1
    route = "api/v1/threads/<int:pk>/messages/"
    assert metrics[("dugnad_http_requests_total", (("method", "POST"), ("route", route), ("status", "201")))] == 1
