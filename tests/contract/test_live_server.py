"""The app as daphne serves it: real HTTP and WebSocket over the loopback, and its dependencies failing."""

import asyncio
import json

import httpx
import pytest
import websockets
from rest_framework.authtoken.models import Token
from websockets.exceptions import InvalidStatus

from tests.factories import NeighbourFactory
from tests.live import daphne, free_port

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    with daphne() as url:
        yield url


def test_register_then_obtain_a_token_over_http(server):
    with httpx.Client(base_url=server) as http:
        registered = http.post(
            "/api/v1/auth/register/",
            json={"email": "live@example.org", "password": "a long walk by the fjord", "display_name": "Live"},
        )
        token = http.post(
            "/api/v1/auth/token/", json={"email": "live@example.org", "password": "a long walk by the fjord"}
        )
        me = http.get("/api/v1/me/", headers={"Authorization": f"Token {token.json()['token']}"})

    assert registered.status_code == 201
    assert token.status_code == 200
    assert me.json()["email"] == "live@example.org"


def test_pages_static_files_and_schema_are_served(server):
    with httpx.Client(base_url=server) as http:
        home = http.get("/")
        css = http.get("/static/frontend/css/site.css")
        schema = http.get("/api/schema/")

    assert home.status_code == 200
    assert css.status_code == 200
    assert "text/css" in css.headers["content-type"]
    assert schema.status_code == 200
    assert "/api/v1/auth/token/" in schema.text


def test_readyz_is_200_with_postgis_and_redis_up(server):
    response = httpx.get(f"{server}/readyz")

    assert response.status_code == 200


def test_websocket_through_daphne_with_a_token(server):
    neighbour = NeighbourFactory()
    key = Token.objects.create(user=neighbour).key

    async def talk():
        async with websockets.connect(
            server.replace("http", "ws") + "/ws/", additional_headers={"Authorization": f"Token {key}"}
        ) as ws:
            await ws.send(json.dumps({"type": "ping", "id": "x"}))
            return json.loads(await asyncio.wait_for(ws.recv(), 5))

    assert asyncio.run(talk()) == {"type": "pong", "id": "x"}


def test_a_burst_of_200_simultaneous_connections_is_accepted(server):
    """redis-py 8 caps the async pool at 100 connections unless the layer sizes it (docs/architecture.md)."""
    neighbour = NeighbourFactory()
    key = Token.objects.create(user=neighbour).key

    async def one(n):
        async with websockets.connect(
            server.replace("http", "ws") + "/ws/", additional_headers={"Authorization": f"Token {key}"},
            open_timeout=30,
        ) as ws:
            await ws.send(json.dumps({"type": "ping", "id": n}))
            return json.loads(await asyncio.wait_for(ws.recv(), 30))["id"]

    async def burst():
        return await asyncio.gather(*(one(n) for n in range(200)))

    assert sorted(asyncio.run(burst())) == list(range(200))


def test_websocket_handshake_from_a_foreign_origin_is_refused(server):
    neighbour = NeighbourFactory()
    key = Token.objects.create(user=neighbour).key

    async def attempt():
        async with websockets.connect(
            server.replace("http", "ws") + "/ws/",
            additional_headers={"Authorization": f"Token {key}"},
            origin="https://evil.example",
        ):
            pass

    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(attempt())
    assert refused.value.response.status_code == 403


def test_with_postgis_down_readyz_names_it_and_the_api_answers_503_not_500(django_db_setup):
    dead = f"postgis://dugnad:dugnad@127.0.0.1:{free_port()}/dugnad"
    with daphne(DATABASE_URL=dead) as url, httpx.Client(base_url=url) as http:
        health = http.get("/healthz")
        ready = http.get("/readyz")
        api = http.get("/api/v1/me/", headers={"Authorization": "Token 0123456789abcdef"})
        http.cookies.set("sessionid", "a" * 32)
        page = http.get("/")

    assert health.status_code == 200
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"postgis": "unavailable", "redis": "ok"}
    assert api.status_code == 503
    assert "Traceback" not in api.text
    assert page.status_code == 503
    assert "Traceback" not in page.text


def test_with_redis_down_readyz_names_it(django_db_setup):
    with daphne(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0") as url:
        ready = httpx.get(f"{url}/readyz")

    assert ready.status_code == 503
    assert ready.json()["checks"] == {"postgis": "ok", "redis": "unavailable"}


def test_with_a_connection_pool_daphne_reuses_database_connections_across_http_requests(django_db_setup):
    """Under ASGI each HTTP request runs in its own thread; without a pool each one opens a connection."""
    from django.db import connection

    from tests.live import database_url

    neighbour = NeighbourFactory()
    key = Token.objects.create(user=neighbour).key

    def sessions():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
            return cursor.fetchone()[0]

    with daphne(DATABASE_URL=database_url() + "?pool=1&pool_max=4") as url, httpx.Client(base_url=url) as http:
        http.get("/api/v1/me/", headers={"Authorization": f"Token {key}"})  # opens the pool
        before = sessions()
        statuses = {http.get("/api/v1/me/", headers={"Authorization": f"Token {key}"}).status_code for _ in range(30)}
        opened = sessions() - before

    assert statuses == {200}
    assert opened <= 4
