"""PostgreSQL stopped and restarted under a running daphne: 503 (never 500) while it is away, recovery by itself.

The machine's shared PostgreSQL serves the other tests, so these stop and start a private PostgreSQL 15 cluster of
their own (a temporary directory, a free port, its socket in that directory), holding the project's schema copied
from this process's test database with pg_dump (a fraction of a second; ``migrate`` takes several) and a little data.
Daphne runs both ways the project connects: a kept connection per thread, and a psycopg pool (production).
"""

import asyncio
import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import websockets
from django.conf import settings
from django.db import connections
from django.utils import timezone
from websockets.exceptions import ConnectionClosed

from chat.routing import UNAVAILABLE_CLOSE_CODE
from tests.factories import PASSWORD
from tests.live import daphne

# The tests never write to this process's test database (only the private cluster's), so a plain database mark is
# enough: it makes pytest-django create the test database the cluster's schema is copied from.
pytestmark = pytest.mark.django_db

PG_BIN = Path("/usr/lib/postgresql/15/bin")
USER, USER_PASSWORD, NAME = "dugnad", "dugnad", "dugnad"
# How long to wait for something that should happen (PostgreSQL up, the app ready again): generous, never asserted.
PATIENCE = 30


def port_outside_the_ephemeral_range():
    """A free port below Linux's ephemeral range (32768-60999), from which the kernel hands out ports to programs
    that bind port 0 (daphnes of tests running alongside, tests.live.free_port): none of them can take it while
    PostgreSQL is stopped for a moment."""
    while True:
        port = random.randrange(20000, 32768)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


class PrivateCluster:
    """A throw-away PostgreSQL 15 cluster run by the ``postgres`` account (PostgreSQL refuses to run as root)."""

    def __init__(self, root):
        self.root = Path(root)
        self.data = self.root / "data"
        self.port = port_outside_the_ephemeral_range()

    def _as_postgres(self, *command, **kwargs):
        # From /, which the postgres account may enter (the project may live in root's home).
        done = subprocess.run(["runuser", "-u", "postgres", "--", *map(str, command)], cwd="/",
                              capture_output=True, text=True, **kwargs)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{done.stdout}{done.stderr}")
        return done

    def create(self):
        shutil.chown(self.root, "postgres")
        self._as_postgres(PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth-local=peer",
                          "--auth-host=scram-sha-256", "--no-sync", "--encoding=UTF8", "--locale=C.UTF-8")
        # Durability is of no use to a cluster that lives for one test module; these keep it quick on a busy machine.
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.root}'\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        self.start()
        self.admin_sql("template1", "CREATE EXTENSION postgis; CREATE EXTENSION pg_trgm;")
        self.admin_sql("template1", f"CREATE ROLE {USER} LOGIN PASSWORD '{USER_PASSWORD}'")
        self.admin_sql("template1", f"CREATE DATABASE {NAME} OWNER {USER}")

    def admin_sql(self, database, sql):
        self._as_postgres(PG_BIN / "psql", "-h", self.root, "-p", self.port, "-d", database, "-v", "ON_ERROR_STOP=1",
                          "-qAt", "-c", sql)

    def start(self):
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.root / "server.log", "-w", "-s", "start")

    def stop(self, mode="fast"):
        """``fast`` ends every session (as a planned restart does), ``immediate`` kills the server (as a crash)."""
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-s", "stop")

    def restart(self, mode):
        self.stop(mode)
        self.start()

    @contextlib.contextmanager
    def stopped(self, mode="fast"):
        """PostgreSQL is down inside the block, and running again after it (even when the block fails)."""
        self.stop(mode)
        try:
            yield
        finally:
            self.start()

    def url(self, **options):
        query = "&".join(f"{key}={value}" for key, value in options.items())
        return f"postgis://{USER}:{USER_PASSWORD}@127.0.0.1:{self.port}/{NAME}" + (f"?{query}" if query else "")

    def copy_schema_from(self, db):
        """Copies the schema and rows of the database ``db`` (a ``DATABASES`` entry) into this cluster's database.

        Ownership and grants are left out (everything then belongs to the app's role, as in production), and so is
        PostGIS' own ``spatial_ref_sys`` table, which the template already holds and the app's role may not read.
        """
        dump = subprocess.Popen(
            [PG_BIN / "pg_dump", "-h", db["HOST"] or "127.0.0.1", "-p", db["PORT"] or "5432", "-U", db["USER"],
             "-d", db["NAME"], "--no-owner", "--no-privileges", "--no-comments",
             "--exclude-table-data=spatial_ref_sys"],
            stdout=subprocess.PIPE, env={**os.environ, "PGPASSWORD": db["PASSWORD"]},
        )
        try:
            subprocess.run(
                [PG_BIN / "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", NAME, "-q",
                 "-v", "ON_ERROR_STOP=1"],
                stdin=dump.stdout, env={**os.environ, "PGPASSWORD": USER_PASSWORD}, check=True, capture_output=True,
            )
        finally:
            dump.stdout.close()
            assert dump.wait() == 0, "pg_dump of the test database failed"

    def destroy(self):
        with contextlib.suppress(RuntimeError):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def database_alias(alias, **overrides):
    """A second Django connection, to ``overrides`` (NAME, HOST, PORT), for as long as the block lasts."""
    connections.settings[alias] = {**connections.settings["default"], "CONN_MAX_AGE": 0, **overrides}
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


def seed(alias):
    """Ann and Bob, each with an API token, in a conversation: the little data the requests below need."""
    from rest_framework.authtoken.models import Token

    from chat.models import Participant, Thread
    from neighbours.models import Neighbour

    people = {}
    for name in ("Ann", "Bob"):
        neighbour = Neighbour(email=f"{name.lower()}@example.org", display_name=name, language="en",
                              email_verified_at=timezone.now())
        neighbour.set_password(PASSWORD)
        neighbour.save(using=alias)
        people[name] = (neighbour, Token.objects.using(alias).create(user=neighbour).key)
    thread = Thread.objects.using(alias).create(title="Lawn mowing")
    for neighbour, _key in people.values():
        Participant.objects.using(alias).create(thread=thread, neighbour=neighbour)
    return {"thread": thread.pk, "ann": people["Ann"][1], "bob": people["Bob"][1]}


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker):
    root = tempfile.mkdtemp(prefix="pgrestart-")
    cluster = PrivateCluster(root)
    try:
        cluster.create()
        with django_db_blocker.unblock():
            cluster.copy_schema_from(settings.DATABASES["default"])
            with database_alias("private_cluster", HOST="127.0.0.1", PORT=str(cluster.port), NAME=NAME,
                                USER=USER, PASSWORD=USER_PASSWORD) as alias:
                cluster.data_ids = seed(alias)
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="module", params=["per-thread connections", "connection pool"])
def app(request, cluster):
    """A daphne on the private cluster, connecting either way; the pool as in production (3 s wait for a
    connection), but with at most 4 connections."""
    pooled = request.param == "connection pool"
    url = cluster.url(pool=1, pool_max=4) if pooled else cluster.url()
    with daphne(DATABASE_URL=url, DUGNAD_RATE_LIMITS="off") as base:
        yield base


def _api(key):
    return {"Authorization": f"Token {key}"}


@contextlib.contextmanager
def signed_in(base):
    """An HTTP client signed in as Ann through the login page, as a browser is (session cookie)."""
    with httpx.Client(base_url=base, timeout=PATIENCE) as http:
        http.get("/login/")
        response = http.post("/login/", data={"username": "ann@example.org", "password": PASSWORD,
                                              "csrfmiddlewaretoken": http.cookies["csrftoken"]})
        assert response.status_code == 302, response.text
        yield http


def http_round(browser, cluster):
    """One request of each kind (``browser`` is signed in as Ann), all at once: {name: response}.

    At once, because with the pool each one waits for a connection until the pool's timeout while PostgreSQL is away.
    """
    ids = cluster.data_ids
    headers = _api(ids["ann"])
    requests = {
        "page": lambda: browser.get("/profile/"),
        "api list": lambda: browser.get("/api/v1/threads/", headers=headers),
        "api write": lambda: browser.post(f"/api/v1/threads/{ids['thread']}/messages/", headers=headers,
                                          json={"body": "Over HTTP", "client_id": str(uuid.uuid4())}),
        "readyz": lambda: browser.get("/readyz"),
    }
    with ThreadPoolExecutor(len(requests)) as pool:
        futures = {name: pool.submit(request) for name, request in requests.items()}
        return {name: future.result() for name, future in futures.items()}


def wait_until_ready(base):
    """Waits (never asserting how long) until /readyz says PostGIS and Redis answer again."""
    deadline = time.monotonic() + PATIENCE
    with httpx.Client(base_url=base, timeout=PATIENCE) as http:
        while http.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the app did not become ready again after PostgreSQL returned"
            time.sleep(0.1)


def ws_url(base):
    return base.replace("http://", "ws://") + "/ws/"


async def frame_of(ws, *types):
    """The next frame of one of ``types`` (notifications and the like in between are skipped)."""
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), PATIENCE))
        if frame["type"] in types:
            return frame


def send_frame(thread, client_id, body="Over the WebSocket"):
    return json.dumps({"type": "send", "thread": thread, "client_id": str(client_id), "body": body})


def test_while_postgres_is_stopped_every_request_is_503_with_retry_after_and_then_200_again(app, cluster):
    """A page (session), an API list and write (token) and /readyz: 503 with Retry-After and no traceback while
    PostgreSQL is stopped, /healthz still 200; the same daphne answers them all again once PostgreSQL is back."""
    with signed_in(app) as browser:
        before = http_round(browser, cluster)

        with cluster.stopped():
            during = http_round(browser, cluster)
            health = browser.get("/healthz")

        wait_until_ready(app)
        after = http_round(browser, cluster)

    assert {name: r.status_code for name, r in before.items()} == {
        "page": 200, "api list": 200, "api write": 201, "readyz": 200}
    assert {name: r.status_code for name, r in during.items()} == dict.fromkeys(during, 503)
    assert all(r.headers.get("Retry-After") for name, r in during.items() if name != "readyz")
    assert not any("Traceback" in r.text for r in during.values())
    assert during["readyz"].json()["checks"] == {"postgis": "unavailable", "redis": "ok"}
    assert health.status_code == 200
    assert {name: r.status_code for name, r in after.items()} == {
        "page": 200, "api list": 200, "api write": 201, "readyz": 200}


def test_a_websocket_send_while_postgres_is_stopped_gets_an_unavailable_error_and_the_resend_is_stored_once(
    app, cluster
):
    """The connection survives the outage: the frame sent meanwhile gets ``unavailable`` with its client_id, and
    re-sent (twice) after PostgreSQL returns it is acked with one seq and stored once."""
    ids = cluster.data_ids
    first, lost = uuid.uuid4(), uuid.uuid4()

    async def talk():
        async with websockets.connect(ws_url(app), additional_headers=_api(ids["ann"]), open_timeout=PATIENCE) as ws:
            await ws.send(send_frame(ids["thread"], first))
            acked = await frame_of(ws, "ack", "error")
            with cluster.stopped():
                await ws.send(send_frame(ids["thread"], lost))
                refused = await frame_of(ws, "ack", "error")
            await asyncio.to_thread(wait_until_ready, app)
            await ws.send(send_frame(ids["thread"], lost))
            resent = await frame_of(ws, "ack", "error")
            await ws.send(send_frame(ids["thread"], lost))
            again = await frame_of(ws, "ack", "error")
            return acked, refused, resent, again

    acked, refused, resent, again = asyncio.run(talk())
    stored = httpx.get(f"{app}/api/v1/threads/{ids['thread']}/messages/", headers=_api(ids["bob"]),
                       params={"after": acked["seq"]}, timeout=PATIENCE).json()["results"]

    assert acked["type"] == "ack"
    assert refused["type"] == "error"
    assert refused["code"] == "unavailable"
    assert refused["client_id"] == str(lost)
    assert resent["type"] == again["type"] == "ack"
    assert resent["seq"] == again["seq"]
    assert [m["client_id"] for m in stored if m["client_id"] == str(lost)] == [str(lost)]


def test_a_websocket_handshake_while_postgres_is_stopped_ends_with_unavailable_not_an_error_500(app, cluster):
    """The token cannot be checked: the client hears why (``unavailable``, close code 4503) and connects later."""
    ids = cluster.data_ids

    async def attempt():
        async with websockets.connect(ws_url(app), additional_headers=_api(ids["ann"]), open_timeout=PATIENCE) as ws:
            frame = json.loads(await asyncio.wait_for(ws.recv(), PATIENCE))
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), PATIENCE)
            return frame, ws.close_code

    with cluster.stopped():
        frame, close_code = asyncio.run(attempt())

    assert frame["type"] == "error"
    assert frame["code"] == "unavailable"
    assert close_code == UNAVAILABLE_CLOSE_CODE


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_postgres_restart_in_the_middle_of_a_stream_of_requests_never_gives_a_500(app, cluster, mode):
    """Two clients keep listing and posting while PostgreSQL restarts (a planned restart, or a crash and recovery):
    every answer is a success or a 503, and the stream is all successes again once PostgreSQL is back."""
    ids = cluster.data_ids
    restarted = threading.Event()
    stop = threading.Event()
    answers = []  # (after the restart?, status)

    def stream():
        with httpx.Client(base_url=app, headers=_api(ids["ann"]), timeout=PATIENCE) as http:
            while not stop.is_set():
                for response in (
                    http.get("/api/v1/threads/"),
                    http.post(f"/api/v1/threads/{ids['thread']}/messages/",
                              json={"body": "Streaming", "client_id": str(uuid.uuid4())}),
                ):
                    answers.append((restarted.is_set(), response.status_code, response.text))

    clients = [threading.Thread(target=stream) for _ in range(2)]
    for client in clients:
        client.start()
    try:
        time.sleep(0.5)
        cluster.restart(mode)
        restarted.set()
        wait_until_ready(app)
        time.sleep(0.5)
    finally:
        stop.set()
        for client in clients:
            client.join(PATIENCE)

    statuses = {status for _after, status, _text in answers}
    assert statuses <= {200, 201, 503}, [text for _a, status, text in answers if status >= 500 and status != 503]
    sequence = [(after, status) for after, status, _text in answers]
    assert {200, 201} <= statuses, sequence
    assert {status for _after, status, _text in answers[-8:]} <= {200, 201}, sequence



def test_requests_right_after_a_restart_succeed_although_the_idle_connections_died(app, cluster):
    """Connections kept while idle (per thread, or in the pool) died with the restart; the first requests after it
    get fresh ones instead of failing on the dead ones."""
    ids = cluster.data_ids
    with httpx.Client(base_url=app, headers=_api(ids["ann"]), timeout=PATIENCE) as http:
        warm = [http.get("/api/v1/threads/").status_code for _ in range(10)]
        cluster.restart("fast")
        after = [http.get("/api/v1/threads/").status_code for _ in range(10)]

    assert warm == [200] * 10
    assert after == [200] * 10
