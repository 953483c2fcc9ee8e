"""`make scale-demo`: three daphne processes on one Redis and one database, and clients spread over them.

    .venv/bin/python deploy/local/scale_demo.py [--ports 8001,8002,8003] [--database-url postgis://…/dugnad_scale_demo]

Run after deploy/local/bootstrap.sh (PostgreSQL with PostGIS and Redis answering). Creates the demo's own database
(dugnad_scale_demo, from template1, which has PostGIS) if it is missing, migrates it, and starts `daphne
config.asgi:application` three times, on the given ports, all with one channel-layer prefix of this run. Scripted
clients then connect to different processes, as clients behind a load balancer would, and the transcript shows
what crosses between the processes:

  1. chat: three neighbours in one thread, each connected to another process; a message sent through one process
     is acked there and reaches the two others; a fourth participant, connected but not looking at the thread, is
     told by a notification;
  2. sign-ups: two neighbours sign up for a session's last seats over the HTTP API on different processes, the third
     is put on the waiting list; a cancellation through another process promotes the waiting neighbour, whose
     `session_promoted` notification arrives on their WebSocket connection to the third process.

Every expected frame and answer is checked; the exit status is 0 when all of them arrived, 1 when something did not.
The daphne processes are stopped on exit, on Ctrl-C and on SIGTERM.
"""

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_URL = "postgis://dugnad:dugnad@127.0.0.1:5432/dugnad_scale_demo"
DOMAIN = "scale-demo.dugnad.test"
TIMEOUT = 10  # seconds to wait for any one frame or answer


# --- The database and the demo's people --------------------------------------------------------------------------


def create_and_migrate(url):
    """Creates the demo's database from template1 unless it exists, then applies the migrations."""
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "demo" not in name:
        raise SystemExit(f"refusing to use {name!r}: the scale demo's database name must contain 'demo'")
    admin = parsed._replace(scheme="postgresql", path="/postgres", query="").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template1").format(sql.Identifier(name)))
            print(f"created database {name}")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)


def prepare(run):
    """The demo's neighbours (kept between runs) with API tokens, and this run's thread and session."""
    from django.contrib.gis.geos import Point
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from chat.services import thread_open
    from neighbours.models import Category, Neighbour, Organisation
    from offers.services import help_offer_create
    from offers.sessions import session_create, signup_create

    people = {}
    for name in ("Ann", "Bob", "Cid", "Dina", "Eva", "Olga"):
        neighbour, _created = Neighbour.objects.get_or_create(
            email=f"{name.lower()}@{DOMAIN}",
            defaults={"display_name": name, "language": "en", "email_verified_at": timezone.now()},
        )
        people[name] = {"id": neighbour.pk, "token": Token.objects.get_or_create(user=neighbour)[0].key,
                        "neighbour": neighbour}
    subject = Organisation.objects.create(name=f"Scale demo {run}", kind=Organisation.Kind.OTHER)
    thread = thread_open(subject=subject, title=f"Dugnad on Saturday ({run})",
                         participants=[people[n]["neighbour"] for n in ("Ann", "Bob", "Cid", "Dina")])
    offer = help_offer_create(
        author=people["Olga"]["neighbour"], category=Category.objects.get(slug="digital"),
        title=f"Digital Post for beginners ({run})", location=Point(10.752, 59.913, srid=4326), radius_km=5,
    )
    starts_at = timezone.now() + timedelta(days=2)
    session = session_create(offer=offer, by=people["Olga"]["neighbour"], starts_at=starts_at,
                             ends_at=starts_at + timedelta(hours=2), capacity=2, place="Library, room 2")
    signup_create(session=session, neighbour=people["Eva"]["neighbour"])  # seat 1 of 2
    for person in people.values():
        del person["neighbour"]
    return people, thread.pk, session.pk


# --- The daphne processes ------------------------------------------------------------------------------------------


def port_taken(port):
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


class Servers:
    """Three (or more) daphne processes, each in a process group of its own, stopped by ``stop()``."""

    def __init__(self, ports, url, prefix):
        self.ports, self.url, self.prefix = ports, url, prefix
        self.processes = []
        self.log = Path(tempfile.mkstemp(prefix="scale-demo-", suffix=".log")[1])

    def start(self):
        busy = [port for port in self.ports if port_taken(port)]
        if busy:
            raise SystemExit(f"ports {', '.join(map(str, busy))} are in use: stop what listens there or pass "
                             "--ports")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DATABASE_URL": self.url,
               "DUGNAD_CHANNEL_PREFIX": self.prefix}
        with open(self.log, "ab") as log:
            for port in self.ports:
                self.processes.append(subprocess.Popen(  # noqa: S603 (our own command line)
                    [sys.executable, "-m", "daphne", "-v", "1", "-b", "127.0.0.1", "-p", str(port),
                     "config.asgi:application"],
                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                ))
        deadline = time.monotonic() + 60
        for port, process in zip(self.ports, self.processes, strict=True):
            while not port_taken(port):
                if process.poll() is not None:
                    raise SystemExit(f"daphne on port {port} exited:\n{self.log.read_text()[-3000:]}")
                if time.monotonic() > deadline:
                    raise SystemExit(f"daphne on port {port} did not listen within 60 s (log: {self.log})")
                time.sleep(0.1)
            print(f"daphne pid {process.pid} listens on 127.0.0.1:{port}")

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes = []


# --- The scripted clients ------------------------------------------------------------------------------------------


class Demo:
    def __init__(self, ports, people):
        self.ports, self.people = ports, people
        self.failures = []

    def say(self, port, who, text):
        print(f"  [:{port}] {who:<5} {text}", flush=True)

    def check(self, condition, what):
        if not condition:
            self.failures.append(what)
            print(f"  !! NOT AS EXPECTED: {what}", flush=True)

    async def connect(self, name, port):
        import websockets

        ws = await websockets.connect(f"ws://127.0.0.1:{port}/ws/", open_timeout=TIMEOUT,
                                      additional_headers={"Authorization": f"Token {self.people[name]['token']}"})
        await ws.send(json.dumps({"type": "ping"}))
        await self.expect(ws, "pong")  # answered: the connection has joined its neighbour's group
        self.say(port, name, "connected over WebSocket")
        return ws

    async def expect(self, ws, wanted, kind=None):
        """The next frame of type ``wanted`` (and for notifications of ``kind``; others are skipped), or None after
        TIMEOUT seconds."""
        deadline = time.monotonic() + TIMEOUT
        while (left := deadline - time.monotonic()) > 0:
            try:
                frame = json.loads(await asyncio.wait_for(ws.recv(), left))
            except TimeoutError:
                break
            if frame["type"] == wanted and (kind is None or frame.get("kind") == kind):
                return frame
        return None

    def http(self, name, port):
        import httpx

        return httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=TIMEOUT,
                                 headers={"Authorization": f"Token {self.people[name]['token']}"})

    async def chat(self, thread):
        p1, p2, p3 = self.ports
        print(f"\n1. Chat: Ann on :{p1}, Bob on :{p2}, Cid on :{p3} subscribe to thread {thread}; Dina, on :{p2}, "
              "is in the thread but not looking at it")
        where = {"Ann": p1, "Bob": p2, "Cid": p3, "Dina": p2}
        ws = {name: await self.connect(name, port) for name, port in where.items()}
        try:
            for name in ("Ann", "Bob", "Cid"):
                await ws[name].send(json.dumps({"type": "subscribe", "thread": thread, "after": 0}))
                subscribed = await self.expect(ws[name], "subscribed")
                self.check(subscribed is not None, f"{name} subscribed to the thread")
            for sender, body, expected_seq in (("Ann", "Rakes and gloves at nine?", 1),
                                               ("Cid", "Yes, and I bring coffee.", 2)):
                client_id = str(uuid.uuid4())
                await ws[sender].send(json.dumps({"type": "send", "thread": thread, "client_id": client_id,
                                                  "body": body}))
                self.say(where[sender], sender, f'→ send "{body}"')
                ack = await self.expect(ws[sender], "ack")
                self.check(ack is not None and ack["seq"] == expected_seq,
                           f"{sender}'s message acked with seq {expected_seq} by :{where[sender]}")
                if ack:
                    self.say(where[sender], sender, f"← ack seq {ack['seq']} (stored in PostgreSQL)")
                for name in ("Ann", "Bob", "Cid"):
                    message = await self.expect(ws[name], "message")
                    ok = message is not None and (message["seq"], message["body"], message["client_id"]) == (
                        expected_seq, body, client_id)
                    self.check(ok, f"{name} on :{where[name]} received {sender}'s message seq {expected_seq}")
                    if message:
                        self.say(where[name], name, f"← message seq {message['seq']} from "
                                                    f"{message['author']['display_name']}: \"{message['body']}\"")
            notification = await self.expect(ws["Dina"], "notification", kind="message")
            self.check(notification is not None and notification.get("kind") == "message"
                       and notification.get("thread") == thread,
                       f"Dina on :{p2} was notified of the messages in thread {thread}")
            if notification:
                self.say(p2, "Dina", f"← notification {notification['kind']}: new in \"{notification['title']}\"")
        finally:
            for connection in ws.values():
                await connection.close()

    async def signups(self, session):
        p1, p2, p3 = self.ports
        path = f"/api/v1/sessions/{session}/signup/"
        print(f"\n2. Sign-ups for session {session} (2 seats, Eva already has seat 1): Ann signs up on :{p1}, Bob on "
              f":{p2}; Ann cancels on :{p2}; Bob listens on :{p3}")
        bob_ws = await self.connect("Bob", p3)
        try:
            async with self.http("Ann", p1) as ann1, self.http("Bob", p2) as bob2, self.http("Ann", p2) as ann2, \
                    self.http("Bob", p3) as bob3:
                response = await ann1.post(path)
                body = response.json()
                self.say(p1, "Ann", f"POST {path} → {response.status_code} {body.get('status')}, position "
                                    f"{body.get('position')}")
                self.check((response.status_code, body.get("status"), body.get("position")) == (201, "confirmed", 2),
                           f"Ann took the last seat (seat 2) through :{p1}")
                response = await bob2.post(path)
                body = response.json()
                bob_signup = body.get("id")
                self.say(p2, "Bob", f"POST {path} → {response.status_code} {body.get('status')}, position "
                                    f"{body.get('position')}")
                self.check((response.status_code, body.get("status"), body.get("position")) == (
                    201, "waitlisted", 1), f"Bob, through :{p2}, saw the seat Ann took through :{p1} and was put "
                                           "first on the waiting list")
                response = await ann2.delete(path)
                self.say(p2, "Ann", f"DELETE {path} → {response.status_code}")
                self.check(response.status_code == 204, f"Ann cancelled her seat through :{p2}")
                notification = await self.expect(bob_ws, "notification", kind="session_promoted")
                self.check(notification is not None and notification.get("kind") == "session_promoted"
                           and notification.get("signup") == bob_signup,
                           f"Bob on :{p3} was told he was promoted (session_promoted)")
                if notification:
                    self.say(p3, "Bob", f"← notification {notification['kind']}: \"{notification.get('title')}\" "
                                        f"at {notification.get('place')}")
                response = await bob3.get(path)
                body = response.json()
                self.say(p3, "Bob", f"GET {path} → {response.status_code} {body.get('status')}, position "
                                    f"{body.get('position')}")
                self.check((body.get("status"), body.get("position")) == ("confirmed", 2),
                           f"Bob, asking :{p3}, has seat 2")
        finally:
            await bob_ws.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ports", default="8001,8002,8003", help="three ports for the daphne processes")
    parser.add_argument("--database-url", default=os.environ.get("SCALE_DEMO_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    ports = [int(port) for port in args.ports.split(",")]
    if len(ports) != 3 or len(set(ports)) != 3:
        raise SystemExit("--ports: three different ports, e.g. 8001,8002,8003")

    # SIGTERM (and SIGHUP) end the demo like Ctrl-C does: through the `finally` that stops the servers.
    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    create_and_migrate(args.database_url)
    os.environ.update({"DATABASE_URL": args.database_url, "DJANGO_SETTINGS_MODULE": "config.settings.local"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    logging.getLogger("httpx").setLevel(logging.WARNING)  # the transcript says what was asked and answered

    run = f"{time.strftime('%H:%M:%S')}, pid {os.getpid()}"
    people, thread, session = prepare(run)
    connection.close()

    servers = Servers(ports, args.database_url, f"scaledemo{os.getpid()}")
    demo = Demo(ports, people)
    try:
        servers.start()
        print(f"three daphne processes share PostgreSQL ({urlparse(args.database_url).path.lstrip('/')}) and Redis "
              f"(channel prefix {servers.prefix})")
        asyncio.run(demo.chat(thread))
        asyncio.run(demo.signups(session))
    finally:
        servers.stop()
    if demo.failures:
        print(f"\nFAILED: {len(demo.failures)} of the expected frames or answers did not arrive "
              f"(daphne's log: {servers.log}):")
        for failure in demo.failures:
            print(f"  - {failure}")
        return 1
    servers.log.unlink(missing_ok=True)
    print("\nOK: every message, notification and sign-up result crossed between the processes as expected.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nscale demo interrupted (the daphne processes it started are stopped)", file=sys.stderr)
        sys.exit(130)
