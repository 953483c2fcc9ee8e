"""The production process layout, run natively: the real Caddy with deploy/Caddyfile (TLS from Caddy's internal CA) in
front of two daphne processes started with the command line of deploy/systemd/dugnad-daphne@.service under
config.settings.production, sharing PostGIS and Redis.

Which daphne served a request is read from its access log: a request that came through the proxy is logged with the
client address taken from X-Forwarded-For (``--proxy-headers``), which has no port (``127.0.0.1:0``); the proxy's own
health checks carry no such header and are logged with their real source port.
"""

import asyncio
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import time
import uuid

import pytest
import websockets
from rest_framework.authtoken.models import Token

from tests.deploy.units import daphne_unit_command
from tests.factories import NeighbourFactory, chat_thread
from tests.live import ROOT, daphne, database_url, free_port, stop

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CADDYFILE = ROOT / "deploy" / "Caddyfile"
SITE = "localhost"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# daphne's access log: `<client host>:<client port> - - [<date>] "<METHOD or WSCONNECT> <path>" ...`.
ACCESS_LINE = re.compile(
    r'^(?P<host>\S+):(?P<port>\d+) - - \[[^]]*\] "(?P<method>[A-Z]+) (?P<path>\S+)"(?: (?P<status>\d+))?'
)


def wait_for(condition, what, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def tcp_open(port):
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


class Daphne:
    """One daphne of the layout: started and stopped on the same port, logging to one file."""

    def __init__(self, name, port, log_path, env):
        self.name, self.port, self.log_path, self.env = name, port, log_path, env
        self._stack = None

    def start(self):
        self._stack = contextlib.ExitStack()
        self._stack.enter_context(daphne(port=self.port, command=daphne_unit_command, log_path=self.log_path,
                                         **self.env))

    def stop(self):
        self._stack.close()

    def proxied(self, method=None, path_prefix=""):
        """How many requests this process logged that came through the proxy (matching method and path prefix)."""
        count = 0
        for line in self.log_path.read_text(errors="replace").splitlines():
            match = ACCESS_LINE.match(line)
            if (match and match["port"] == "0" and (method is None or match["method"] == method)
                    and match["path"].startswith(path_prefix)):
                count += 1
        return count


    def probed(self):
        """How many of the proxy's own health checks (no X-Forwarded-For) this process answered with 200."""
        return sum(
            1 for line in self.log_path.read_text(errors="replace").splitlines()
            if (match := ACCESS_LINE.match(line)) and match["port"] != "0" and match["path"] == "/healthz"
            and match["status"] == "200"
        )


class Layout:
    def __init__(self, https_port, http_port, admin_port, ca_file, static_root, daphnes, caddy_log):
        self.https_port, self.http_port, self.admin_port = https_port, http_port, admin_port
        self.caddy_log = caddy_log
        self.static_root, self.daphnes = static_root, daphnes
        self.tls = ssl.create_default_context(cafile=str(ca_file))

    @property
    def origin(self):
        return f"https://{SITE}:{self.https_port}"

    def get(self, path, headers=None):
        connection = http.client.HTTPSConnection(SITE, self.https_port, context=self.tls, timeout=30)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def get_plain_http(self, path):
        connection = http.client.HTTPConnection(SITE, self.http_port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.headers
        finally:
            connection.close()

    def access_records(self):
        """Caddy's access log (JSON lines), oldest first."""
        records = []
        for line in self.caddy_log.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if record.get("logger", "").startswith("http.log.access"):
                    records.append(record)
        return records

    def websocket(self, token):
        return websockets.connect(
            f"wss://{SITE}:{self.https_port}/ws/", ssl=self.tls, origin=self.origin,
            additional_headers={"Authorization": f"Token {token}"},
        )


def production_env(static_root):
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": SITE,
        "DJANGO_EMAIL_HOST": "smtp.invalid",
        "DUGNAD_BASE_URL": f"https://{SITE}",
        "DUGNAD_STATIC_ROOT": str(static_root),
        "DUGNAD_RATE_LIMITS": "off",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture(scope="module")
def layout(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("layout")
    static_root = tmp / "static"
    env = {**production_env(static_root), "DATABASE_URL": database_url()}
    # Collected while the daphne processes start (they read the manifest only when rendering a page).
    collectstatic = subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env={**os.environ, **env},
    )
    daphnes = [Daphne(name, free_port(), tmp / f"{name}.log", env) for name in ("first", "second")]
    https_port, http_port, admin_port = free_port(), free_port(), free_port()
    caddy_env = {
        **os.environ,
        "HOME": str(tmp),
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "DUGNAD_SITE_ADDRESS": SITE,
        "DUGNAD_HOST": SITE,
        "DUGNAD_UPSTREAMS": " ".join(f"127.0.0.1:{d.port}" for d in daphnes),
        "DUGNAD_STATIC_ROOT": str(static_root),
        "CADDY_TLS": "internal",
        "CADDY_ADMIN": f"127.0.0.1:{admin_port}",
        "CADDY_HTTP_PORT": str(http_port),
        "CADDY_HTTPS_PORT": str(https_port),
    }
    ca_file = tmp / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    caddy_log = tmp / "caddy.log"
    with contextlib.ExitStack() as stack:
        for one in daphnes:
            one.start()
            stack.callback(one.stop)
        assert collectstatic.wait(timeout=300) == 0
        with open(caddy_log, "wb") as log:
            caddy = subprocess.Popen(
                [shutil.which("caddy"), "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
                cwd=tmp, env=caddy_env, stdout=log, stderr=subprocess.STDOUT,
            )
        stack.callback(stop, caddy)

        def caddy_ready():
            if caddy.poll() is not None:
                raise AssertionError(f"caddy exited with {caddy.returncode}:\n{caddy_log.read_text()}")
            return tcp_open(https_port) and ca_file.exists()

        wait_for(caddy_ready, "Caddy to serve HTTPS")
        layout = Layout(https_port, http_port, admin_port, ca_file, static_root, daphnes, caddy_log)
        # The first certificate is issued on the first handshake; wait until a page comes through.
        wait_for(lambda: _answers(layout), "the first page through the proxy")
        yield layout


def _answers(layout):
    with contextlib.suppress(OSError, ssl.SSLError, http.client.HTTPException):
        return layout.get("/healthz")[0] == 200
    return False


def test_pages_are_served_over_https_through_the_proxy_without_a_redirect_loop(layout):
    """Django redirects plain HTTP to HTTPS (SECURE_SSL_REDIRECT); behind the proxy it sees X-Forwarded-Proto."""
    status, headers, body = layout.get("/")

    assert status == 200, body[:500]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert b"<html" in body
    manifest = json.loads((layout.static_root / "staticfiles.json").read_text())["paths"]
    assert f'/static/{manifest["frontend/css/site.css"]}'.encode() in body


def test_plain_http_is_redirected_to_https_by_the_proxy(layout):
    status, headers = layout.get_plain_http("/")

    assert status in (301, 308)
    assert headers["Location"].startswith(f"https://{SITE}")


def test_every_request_gets_an_id_from_the_proxy_that_its_access_log_and_the_client_see(layout):
    first = layout.get("/healthz")[1]["X-Request-ID"]
    second = layout.get("/healthz")[1]["X-Request-ID"]

    assert UUID.match(first)
    assert UUID.match(second)
    assert first != second
    logged = []
    wait_for(lambda: logged.extend(
        record["resp_headers"].get("X-Request-Id", [None])[0] for record in layout.access_records()
    ) or second in logged, "the request in Caddy's access log")
    assert first in logged


def test_an_api_call_with_a_token_goes_through_the_proxy(layout):
    ann = NeighbourFactory(display_name="Ann")
    token = Token.objects.create(user=ann).key

    status, headers, body = layout.get("/api/v1/me/", {"Authorization": f"Token {token}"})

    assert status == 200, body[:500]
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["display_name"] == "Ann"


def test_the_proxy_probes_each_daphne_with_a_host_django_accepts(layout):
    """Caddy's active health checks reach /healthz over plain HTTP and get 200 (not 400 for the Host, not 301)."""
    wait_for(lambda: all(one.probed() > 0 for one in layout.daphnes), "a passed health check on each daphne")

    assert all(one.probed() > 0 for one in layout.daphnes)


def test_requests_are_spread_over_both_daphne_processes(layout):
    before = [one.proxied("GET", "/healthz") for one in layout.daphnes]

    statuses = [layout.get("/healthz")[0] for _ in range(6)]

    assert statuses == [200] * 6
    wait_for(lambda: sum(one.proxied("GET", "/healthz") for one in layout.daphnes) - sum(before) == 6,
             "six proxied requests in the access logs")
    after = [one.proxied("GET", "/healthz") for one in layout.daphnes]
    assert all(now > then for now, then in zip(after, before, strict=True))


async def _frames_until(ws, wanted_type):
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 15))
        if frame["type"] == wanted_type:
            return frame


def test_a_chat_message_crosses_the_proxy_and_both_daphne_processes(layout):
    """Ann and Bob connect through the proxy; each lands on another daphne; Ann's message is acked and reaches Bob."""
    ann, bob = NeighbourFactory(display_name="Ann"), NeighbourFactory(display_name="Bob")
    thread = chat_thread(ann, bob)
    ann_key, bob_key = Token.objects.create(user=ann).key, Token.objects.create(user=bob).key
    client_id = str(uuid.uuid4())
    before = [one.proxied("WSCONNECT") for one in layout.daphnes]

    async def talk():
        async with layout.websocket(ann_key) as ann_ws, layout.websocket(bob_key) as bob_ws:
            for ws in (ann_ws, bob_ws):
                await ws.send(json.dumps({"type": "subscribe", "thread": thread.pk, "after": 0}))
                await _frames_until(ws, "subscribed")
            await ann_ws.send(json.dumps(
                {"type": "send", "thread": thread.pk, "client_id": client_id, "body": "Through the proxy"}
            ))
            return await _frames_until(ann_ws, "ack"), await _frames_until(bob_ws, "message")

    ack, received = asyncio.run(talk())

    assert (ack["client_id"], ack["seq"]) == (client_id, 1)
    assert (received["seq"], received["body"], received["author"]["id"]) == (1, "Through the proxy", ann.pk)
    # The proxy sends each new WebSocket to the daphne with the fewest open ones: one each.
    after = [one.proxied("WSCONNECT") for one in layout.daphnes]
    assert [now - then for now, then in zip(after, before, strict=True)] == [1, 1]


def test_static_files_are_served_by_the_proxy_with_long_cache_for_hashed_names(layout):
    manifest = json.loads((layout.static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["frontend/css/site.css"]
    before = sum(one.proxied(path_prefix="/static/") for one in layout.daphnes)

    status, headers, body = layout.get(f"/static/{hashed}")
    plain_status, plain_headers, _ = layout.get("/static/frontend/css/site.css")

    assert status == 200
    assert body == (layout.static_root / hashed).read_bytes()
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert plain_status == 200
    assert plain_headers["Cache-Control"] == "public, max-age=3600"
    assert sum(one.proxied(path_prefix="/static/") for one in layout.daphnes) == before


def test_metrics_are_refused_through_the_proxy(layout):
    status, _, _ = layout.get("/metrics")
    sub_status, _, _ = layout.get("/metrics/anything")

    assert (status, sub_status) == (404, 404)
    assert sum(one.proxied(path_prefix="/metrics") for one in layout.daphnes) == 0


def test_the_proxy_keeps_serving_through_the_other_daphne_when_one_stops(layout):
    first, second = layout.daphnes
    second.stop()
    try:
        before = first.proxied("GET", "/healthz")

        statuses = [layout.get("/healthz")[0] for _ in range(8)]

        assert statuses == [200] * 8
        wait_for(lambda: first.proxied("GET", "/healthz") - before == 8, "the first daphne to serve all eight")
    finally:
        second.start()
    # Back in rotation once its health check passes again (so that the other tests see both processes).
    served = second.proxied("GET", "/healthz")
    wait_for(lambda: layout.get("/healthz")[0] == 200 and second.proxied("GET", "/healthz") > served,
             "the restarted daphne to be back in rotation")


def test_each_daphne_answers_the_image_health_check_over_plain_http(layout):
    """deploy/healthcheck.py (compose's probe) gets 200 from /healthz: exempt from the HTTPS redirect, Host accepted."""
    env = {**os.environ, "DJANGO_ALLOWED_HOSTS": SITE}
    results = [
        subprocess.run([sys.executable, "deploy/healthcheck.py", f"http://127.0.0.1:{one.port}/healthz"], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=30, check=False)
        for one in layout.daphnes
    ]

    assert [result.returncode for result in results] == [0, 0], [result.stderr for result in results]


def test_each_daphne_listens_on_localhost_with_the_units_raised_backlog(layout):
    for one in layout.daphnes:
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{one.port}"], capture_output=True, text=True,
                                   timeout=30, check=True).stdout.split()

        # State, Recv-Q, Send-Q (for a listening socket: the backlog), local address.
        assert listening[0] == "LISTEN"
        assert listening[2] == "2048"
        assert listening[3] == f"127.0.0.1:{one.port}"
