"""The /ws/ endpoint over the real Redis channel layer."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework.authtoken.models import Token

from chat.events import notify_neighbour
from config.asgi import application
from tests.factories import NeighbourFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ORIGIN = (b"origin", b"http://testserver")


@database_sync_to_async
def make_token():
    neighbour = NeighbourFactory()
    return neighbour, Token.objects.create(user=neighbour).key


@database_sync_to_async
def make_session_cookie():
    neighbour = NeighbourFactory()
    client = Client()
    client.force_login(neighbour)
    return neighbour, f"sessionid={client.cookies['sessionid'].value}".encode()


async def connect(*headers):
    communicator = WebsocketCommunicator(application, "/ws/", headers=list(headers))
    connected, _ = await communicator.connect()
    return communicator, connected


async def test_a_token_authenticates_the_handshake_and_ping_gets_pong():
    _neighbour, key = await make_token()
    ws, connected = await connect((b"authorization", f"Token {key}".encode()))
    assert connected

    await ws.send_json_to({"type": "ping", "id": 7})

    assert await ws.receive_json_from() == {"type": "pong", "id": 7}
    await ws.disconnect()


async def test_the_session_cookie_authenticates_a_browser_handshake_from_an_allowed_origin():
    _neighbour, cookie = await make_session_cookie()
    ws, connected = await connect(ORIGIN, (b"cookie", cookie))

    assert connected
    await ws.disconnect()


async def test_anonymous_handshakes_are_refused():
    _ws, connected = await connect(ORIGIN)

    assert not connected


@pytest.mark.parametrize("value", [b"Token not-a-real-key", b"Bearer abc", b"garbage"])
async def test_handshakes_with_a_bad_authorization_header_are_refused(value):
    _ws, connected = await connect((b"authorization", value))

    assert not connected


async def test_a_session_cookie_without_an_origin_is_not_enough():
    _neighbour, cookie = await make_session_cookie()

    _ws, connected = await connect((b"cookie", cookie))

    assert not connected


async def test_a_foreign_origin_is_refused_even_with_a_valid_session():
    _neighbour, cookie = await make_session_cookie()

    _ws, connected = await connect((b"origin", b"https://evil.example"), (b"cookie", cookie))

    assert not connected


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2, 3]", "bad_frame"),
        ('{"no_type": true}', "bad_frame"),
        ('{"type": 5}', "bad_frame"),
        ('{"type": "launch_rockets"}', "unknown_type"),
        ('{"type": "ping", "pad": "' + "x" * 70_000 + '"}', "too_large"),
        # Found by the frame fuzzer (tests/chat/test_ws_fuzz.py): deeper than the parser's recursion limit, and a
        # lone surrogate that nothing can encode (echoed by ping, or stored by send); both closed the socket with 1011.
        ("[" * 30_000 + "]" * 30_000, "bad_json"),
        ('{"type": "send", "thread": 1, "body": ' + "[" * 30_000 + "]" * 30_000 + "}", "bad_json"),
        ('{"type": "ping", "id": "\\ud800"}', "bad_json"),
        ('{"type": "send", "thread": 1, "client_id": "x", "body": "a\\udfffb"}', "bad_json"),
    ],
)
async def test_a_bad_frame_gets_an_error_frame_and_the_connection_stays_open(frame, code):
    _neighbour, key = await make_token()
    ws, _connected = await connect((b"authorization", f"Token {key}".encode()))

    await ws.send_to(text_data=frame)
    error = await ws.receive_json_from()
    await ws.send_json_to({"type": "ping", "id": 1})

    assert error["type"] == "error"
    assert error["code"] == code
    assert error["detail"]
    assert await ws.receive_json_from() == {"type": "pong", "id": 1}
    await ws.disconnect()


async def test_a_binary_frame_gets_an_error_frame():
    _neighbour, key = await make_token()
    ws, _connected = await connect((b"authorization", f"Token {key}".encode()))

    await ws.send_to(bytes_data=b"\x00\x01")

    assert (await ws.receive_json_from())["code"] == "bad_frame"
    await ws.disconnect()


async def test_an_unknown_frame_echoes_its_client_id_in_the_error():
    _neighbour, key = await make_token()
    ws, _connected = await connect((b"authorization", f"Token {key}".encode()))

    await ws.send_json_to({"type": "nope", "client_id": "c-1"})

    assert (await ws.receive_json_from())["client_id"] == "c-1"
    await ws.disconnect()


async def test_notifications_reach_every_connection_of_that_neighbour_and_no_one_else():
    neighbour, key = await make_token()
    _other, other_key = await make_token()
    first, _ = await connect((b"authorization", f"Token {key}".encode()))
    second, _ = await connect((b"authorization", f"Token {key}".encode()))
    other, _ = await connect((b"authorization", f"Token {other_key}".encode()))

    await database_sync_to_async(notify_neighbour)(neighbour_id=neighbour.pk, payload={"kind": "hello", "n": 1})

    expected = {"type": "notification", "kind": "hello", "n": 1}
    assert await first.receive_json_from(timeout=5) == expected
    assert await second.receive_json_from(timeout=5) == expected
    assert await other.receive_nothing(timeout=0.5)
    for ws in (first, second, other):
        await ws.disconnect()


async def test_an_idle_connection_still_receives_notifications_after_the_redis_socket_timeout():
    """redis-py 8's default 5 s socket timeout used to break the layer's blocking receive (docs/architecture.md)."""
    neighbour, key = await make_token()
    ws, _ = await connect((b"authorization", f"Token {key}".encode()))

    await asyncio.sleep(6)
    await database_sync_to_async(notify_neighbour)(neighbour_id=neighbour.pk, payload={"kind": "late"})

    assert await ws.receive_json_from(timeout=5) == {"type": "notification", "kind": "late"}
    await ws.disconnect()


async def test_a_new_request_nearby_reaches_an_interested_neighbour_live():
    """Posting commits first, then the stored notification is pushed to the neighbour's open connection."""

    @database_sync_to_async
    def interested_with_token():
        from neighbours.models import Category
        from neighbours.services import neighbour_update_profile
        from tests.factories import point

        neighbour = neighbour_update_profile(neighbour=NeighbourFactory(), home=point(62.4722, 6.1495), reach_km=5)
        neighbour.interests.add(Category.objects.get(slug="garden"))
        return neighbour, Token.objects.create(user=neighbour).key

    @database_sync_to_async
    def post_nearby():
        from tests.factories import help_request, point

        return help_request(title="Mow the lawn", location=point(62.4722, 6.16))

    _neighbour, key = await interested_with_token()
    ws, _ = await connect((b"authorization", f"Token {key}".encode()))

    posted = await post_nearby()

    frame = await ws.receive_json_from(timeout=5)
    assert frame["type"] == "notification"
    assert frame["kind"] == "request_nearby"
    assert frame["request"] == posted.pk
    assert frame["title"] == "Mow the lawn"
    await ws.disconnect()
