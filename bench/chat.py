"""Chat: latency, throughput and idle connections through daphne, beside a bare relay and a bare daphne consumer.

    .venv/bin/python bench/chat.py                   # the full run, about 5 minutes
    .venv/bin/python bench/chat.py --quick           # a small smoke run, about a minute
    .venv/bin/python bench/chat.py --app-ref HEAD    # serve the app as committed, not the working tree
    .venv/bin/python bench/chat.py --kinds app --skip-idle --windows 4 --py-spy /tmp/pyspy/bin/py-spy
    .venv/bin/python bench/chat.py --processes 1,2,3    # plus the scale-out step (bench/run_all.py runs it)

DESIGN §7 (chat, connections). Runs on a database of its own, dugnad_bench_chat (never `dugnad` or a test database):
the first run creates it from template1 (which has PostGIS), migrates it and bulk-creates the bench neighbours (with
unusable passwords and API tokens) and their threads, one per pair about an Organisation of its own (opened with
chat.services.thread_open); later runs reuse them. Each run empties chat_message first.

Four kinds of server, all started side by side, each a process of its own on this machine; the load comes from
--client-processes other processes using `websockets` (asyncio), one connection per participant:

  1. a bare `websockets` relay: a frame from A is parsed and forwarded to B (no daphne, no Django);
  2. a bare daphne echo consumer (bench/echo_consumer.py, /echo/): the frame goes back to the sender;
  3. a naive daphne relay through the channel layer (bench/echo_consumer.py, /relay/N/ and /relay-pubsub/N/):
     consumer → group_send on channels-redis (its default "lists" layer, and its pub/sub layer) → both consumers
     of the pair → their clients;
  4. Dugnad's /ws/ (config.asgi, token authentication, `send` → chat.services.message_send → PostgreSQL → ack
     to the sender, `message` frames to the thread's subscribers through channels-redis).

Measurements:

  a. latency: --senders pairs (10), the A side of each sending at --rate/--senders msg/s (open loop, evenly spaced)
     for --duration s:
     send → `message` frame received by B (for the echo consumer: by A itself);
  b. throughput: a closed loop, each pair keeping --windows messages in flight (sent, not yet delivered); the
     rate at which B receives them, over --step s after 1 s of warm-up; every message must be acked exactly once,
     come back to its sender exactly once and reach B exactly once, in seq order, and the database must hold
     exactly the acked rows with gap-free seqs;
  c. scale-out (--processes 1,2,3): the throughput step of the app again with 1, 2 and 3 daphne processes sharing
     one channel-layer prefix on one Redis, the pairs spread over them and, with two or more, A sending through one
     process and B receiving through another; the same exactly-once checks;
  d. idle connections: --connections neighbours connect to a fresh daphne and each subscribes to its pair's
     thread (--connect-concurrency at a time per client process); daphne's RSS before and after; then --group of
     them subscribe to one thread they all take part in, and a message sent there is timed to its last receiver.

daphne runs with DEBUG off (config.settings.local turns it on; its query log is not what production pays) and with
DUGNAD_RATE_LIMITS=off, on a channel-layer prefix of its own. CPU use of every process is read from /proc while
each step runs ("others": every other process, e.g. a test suite running meanwhile, which skews the numbers).
Two runs at once would spoil each other: a second run waits for the first (an advisory lock on the database).
--py-spy records daphne (app) over the last throughput step and prints where its threads' time went. Prints
Markdown tables for docs/benchmarks.md.
"""

import argparse
import asyncio
import atexit
import collections
import contextlib
import itertools
import json
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import websockets
from common import (
    APP_BOOTSTRAP,
    conninfo,
    create_and_migrate,
    daphne_command,
    free_port,
    join_clients,
    percentile,
    raise_client_errors,
    stop,
    wait_for,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgis://dugnad:dugnad@127.0.0.1:5432/dugnad_bench_chat"
BENCH_DOMAIN = "bench.dugnad.test"
LOAD_PAIRS = 300  # pairs reserved for the latency and throughput steps (users 1..600); each step takes fresh ones
BODY = "Hei! Kan du hjelpe meg med plenen på lørdag? Jeg har klipperen, du trenger bare å ta med hansker."
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

KINDS = {
    "bare": "bare `websockets` relay (A → B)",
    "echo": "bare daphne echo consumer (A → A)",
    "group": "daphne relay, channels-redis group_send, lists layer (A → A, B)",
    "pubsub": "daphne relay, channels-redis group_send, pub/sub layer (A → A, B)",
    "app": "Dugnad /ws/: persisted, acked, delivered (A → A, B)",
}
WS_OPTIONS = {"compression": None, "ping_interval": None, "open_timeout": 60, "close_timeout": 2, "max_size": 2**22}


def email(n):
    return f"chat{n:05d}@{BENCH_DOMAIN}"


# --- The database ----------------------------------------------------------------------------------------------------


def ensure_data(users, pairs, group_size):
    """Neighbours 1..users with tokens; pair k is neighbours 2k-1 and 2k in a thread of their own; the group thread
    holds the first ``group_size`` neighbours after the load pairs. Returns (tokens by n, thread by pair, group)."""
    from django.db import transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from chat.models import Participant, Thread
    from chat.services import thread_open
    from neighbours.models import Neighbour, Organisation

    started = time.perf_counter()
    wanted = {email(n): n for n in range(1, users + 1)}
    have = set(Neighbour.objects.filter(email__in=wanted).values_list("email", flat=True))
    missing = []
    for address, n in wanted.items():
        if address not in have:
            neighbour = Neighbour(email=address, display_name=f"Nabo {n}", language="nb",
                                  email_verified_at=timezone.now())
            neighbour.set_unusable_password()  # no hashing: 5,000 accounts in a second
            missing.append(neighbour)
    Neighbour.objects.bulk_create(missing, batch_size=2000)
    ids = dict(Neighbour.objects.filter(email__in=wanted).values_list("email", "id"))
    by_n = {wanted[address]: pk for address, pk in ids.items()}
    with_token = set(Token.objects.filter(user_id__in=ids.values()).values_list("user_id", flat=True))
    Token.objects.bulk_create(
        [Token(key=Token.generate_key(), user_id=pk) for pk in ids.values() if pk not in with_token], batch_size=2000
    )
    token_by_user = dict(Token.objects.filter(user_id__in=ids.values()).values_list("user_id", "key"))
    tokens = {n: token_by_user[pk] for n, pk in by_n.items()}

    titles = {f"chat bench pair {k}": k for k in range(1, pairs + 1)}
    threads = {titles[title]: pk for title, pk in Thread.objects.filter(title__in=titles).values_list("title", "id")}
    todo = [k for k in range(1, pairs + 1) if k not in threads]
    if todo:
        print(f"opening {len(todo):,} pair threads …", flush=True)
        organisations = Organisation.objects.bulk_create(
            [Organisation(name=f"chat bench pair {k}", kind=Organisation.Kind.OTHER) for k in todo], batch_size=2000
        )
        neighbours = {pk: Neighbour(pk=pk) for pk in by_n.values()}
        with transaction.atomic():
            for k, organisation in zip(todo, organisations, strict=True):
                thread = thread_open(subject=organisation, participants=[neighbours[by_n[2 * k - 1]],
                                                                          neighbours[by_n[2 * k]]],
                                     title=f"chat bench pair {k}")
                threads[k] = thread.pk

    group_members = [by_n[n] for n in range(2 * LOAD_PAIRS + 1, 2 * LOAD_PAIRS + group_size + 1)]
    organisation = Organisation.objects.filter(name="chat bench group").first()
    if organisation is None:
        organisation = Organisation.objects.create(name="chat bench group", kind=Organisation.Kind.OTHER)
    group = Thread.objects.filter(title="chat bench group").first()
    if group is None or Participant.objects.filter(thread=group, neighbour_id__in=group_members).count() < len(
        group_members
    ):
        with transaction.atomic():
            group = thread_open(subject=organisation, participants=[Neighbour(pk=pk) for pk in group_members],
                                title="chat bench group")
    print(f"data: {users:,} neighbours with tokens, {pairs:,} pair threads, a group thread of {group_size:,} "
          f"({time.perf_counter() - started:.1f} s)")
    return tokens, threads, group.pk


def hold_bench_lock(url):
    """A session-level advisory lock on the bench database, held until this process exits: two runs at once would
    empty each other's messages, share the pair threads and skew each other's numbers."""
    import psycopg

    conn = psycopg.connect(conninfo(url), autocommit=True)
    deadline = time.monotonic() + 600
    while not conn.execute("SELECT pg_try_advisory_lock(hashtext('bench/chat.py'))").fetchone()[0]:
        if time.monotonic() > deadline:
            raise SystemExit("another bench/chat.py run has held dugnad_bench_chat for 10 minutes: giving up")
        print("another bench/chat.py run is using the bench database: waiting for it to finish …", flush=True)
        time.sleep(5)
    return conn


def git(*argv):
    return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def export_app(ref):
    """The app as committed at ``ref``, exported with `git archive` into a directory of its own (for runs while
    someone edits the working tree). Returns the directory and a description of the code."""
    sha = git("rev-parse", "--short", ref).strip()
    directory = Path(tempfile.mkdtemp(prefix=f"bench-chat-app-{sha}-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    archive = subprocess.run(["git", "archive", "--format=tar", sha], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(directory)], input=archive.stdout, check=True)
    return directory, f"{sha} (exported with git archive into {directory}, removed at the end)"


def code_version():
    """HEAD, and the app's files that differ from it in the working tree."""
    dirty = git("status", "--porcelain", "--", "chat", "config", "neighbours", "requests", "offers", "geo")
    files = sorted({line[3:] for line in dirty.splitlines() if line.strip()})
    return git("rev-parse", "--short", "HEAD").strip() + (
        f" with uncommitted changes to {', '.join(files)}" if files else "")


def reset_messages(url):
    import psycopg

    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("TRUNCATE chat_message CASCADE")  # (and requests_proposal: none in the bench data)
        conn.execute("UPDATE chat_thread SET last_seq = 0, last_message_at = NULL WHERE last_seq <> 0")
        conn.execute("VACUUM (ANALYZE) chat_message")
        conn.execute("VACUUM (ANALYZE) chat_thread")


def check_database(url, expected):
    """``expected``: thread id → the seqs acked in it. The rows must be exactly those, and last_seq the highest."""
    import psycopg

    problems = []
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT t.id, t.last_seq, count(m.id), count(DISTINCT m.client_id), coalesce(max(m.seq), 0), "
            "coalesce(min(m.seq), 0) FROM chat_thread t LEFT JOIN chat_message m ON m.thread_id = t.id "
            "WHERE t.id = ANY(%s) GROUP BY t.id",
            [list(expected)],
        ).fetchall()
    total = 0
    for thread_id, last_seq, count, distinct, top, bottom in rows:
        acked = expected[thread_id]
        total += count
        if not (count == distinct == top == last_seq == len(acked) and (count == 0 or bottom == 1)):
            problems.append(f"thread {thread_id}: {count} rows, {distinct} client_ids, seq {bottom}..{top}, "
                            f"last_seq {last_seq}, acked {len(acked)}")
        elif sorted(acked) != list(range(1, count + 1)):
            problems.append(f"thread {thread_id}: acked seqs are not 1..{count}")
    return total, problems


# --- Processes and /proc --------------------------------------------------------------------------------------------




def start_app(url, prefix, backlog, log, app_root, switch_interval=0.005):
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DUGNAD_RATE_LIMITS": "off",
           "DATABASE_URL": url, "DUGNAD_CHANNEL_PREFIX": prefix, "DUGNAD_LOG_LEVEL": "WARNING",
           "BENCH_SWITCH_INTERVAL": str(switch_interval)}
    process = subprocess.Popen(daphne_command(port, "config.asgi:application", backlog, APP_BOOTSTRAP),
                               cwd=app_root, env=env, stdout=log, stderr=subprocess.STDOUT)
    wait_for(port, process, "daphne (app)", log)
    return process, port


def start_echo(prefix, backlog, log):
    port = free_port()
    env = {**os.environ, "DUGNAD_CHANNEL_PREFIX": prefix}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(daphne_command(port, "bench.echo_consumer:application", backlog), cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    wait_for(port, process, "daphne (echo)", log)
    return process, port


def cpu_seconds(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def pids_named(name):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
    return found


def machine_busy():
    """(busy, total) jiffies of all CPUs since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class CpuMeter:
    """CPU used by the server, the clients, PostgreSQL and Redis between start() and stop(), as % of one core.

    Per process: a process that exits in between (a PostgreSQL backend) is not counted; one that starts in between
    counts with all its CPU time."""

    def __init__(self, server_pids, client_pids):
        """``server_pids``: the server's pid, or a list of them (several daphne processes counted as one)."""
        server_pids = list(server_pids) if isinstance(server_pids, list | tuple) else [server_pids]
        self.groups = {"server": lambda: server_pids, "clients": lambda: client_pids,
                       "postgres": lambda: pids_named("postgres"), "redis": lambda: pids_named("redis-server")}

    def snapshot(self):
        return {name: {pid: cpu_seconds(pid) for pid in pids()} for name, pids in self.groups.items()}, machine_busy()

    def start(self):
        self.begun = time.monotonic()
        self.first, (self.busy, self.total) = self.snapshot()

    def stop(self):
        elapsed = time.monotonic() - self.begun
        last, (busy, total) = self.snapshot()
        usage = {name: 100 * sum(max(0.0, seconds - self.first[name].get(pid, 0.0))
                                 for pid, seconds in last[name].items()) / elapsed for name in self.groups}
        usage["machine"] = 100 * (busy - self.busy) / max(1, total - self.total)  # % of all cores
        # Everything else on the machine (a test suite running meanwhile would show here), % of one core.
        usage["others"] = max(0.0, usage["machine"] * os.cpu_count() - sum(usage[name] for name in self.groups))
        return usage


# --- The bare relay (a process of its own) ---------------------------------------------------------------------------


def relay_frame(text):
    content = json.loads(text)
    return json.dumps({"type": "message", "client_id": content.get("client_id"), "body": content.get("body")},
                      ensure_ascii=False, separators=(",", ":"))


def bare_relay_main(port):
    async def main():
        peers = {}

        async def handler(ws):
            _, pair, role = ws.request.path.strip("/").split("/")  # /bare/<pair>/<a|b>
            peers[pair, role] = ws
            other = (pair, "b" if role == "a" else "a")
            try:
                async for text in ws:
                    target = peers.get(other)
                    if target is not None:
                        await target.send(relay_frame(text))
            finally:
                peers.pop((pair, role), None)

        async with websockets.serve(handler, "127.0.0.1", port, compression=None, ping_interval=None):
            await asyncio.Future()

    asyncio.run(main())


# --- The load: closed or open loop over pairs of connections (client processes) ----------------------------------


class Pair:
    """One pair of connections. A sends; the delivery that counts is the `message` frame at B (at A for echo)."""

    def __init__(self, spec, kind):
        self.spec, self.kind = spec, kind
        self.sent = {}  # client_id → monotonic send time
        self.acks, self.own, self.delivered = {}, {}, {}  # client_id → times seen
        self.ack_seqs, self.delivered_seqs, self.own_seqs = [], [], []
        self.latencies = []  # (send time, latency s) of each first delivery
        self.delivery_times = []
        self.errors = []
        self.window = None
        self.done = asyncio.Event()

    async def connect(self):
        spec = self.spec
        self.a = await websockets.connect(spec["a_url"], additional_headers=spec["a_headers"], **WS_OPTIONS)
        self.b = self.a
        if self.kind != "echo":
            self.b = await websockets.connect(spec["b_url"], additional_headers=spec["b_headers"], **WS_OPTIONS)
        if self.kind == "app":
            for ws in (self.a, self.b):
                await ws.send(json.dumps({"type": "subscribe", "thread": spec["thread"], "after": 0}))
                while True:
                    frame = json.loads(await ws.recv())
                    if frame["type"] == "subscribed":
                        break
                    if frame["type"] != "message":
                        raise RuntimeError(f"subscribe: {frame}")
        self.tasks = [asyncio.create_task(self.read(self.a, "a"))]
        if self.b is not self.a:
            self.tasks.append(asyncio.create_task(self.read(self.b, "b")))

    async def read(self, ws, side):
        with contextlib.suppress(websockets.ConnectionClosed):
            async for text in ws:
                now = time.monotonic()
                frame = json.loads(text)
                kind, client_id = frame.get("type"), frame.get("client_id")
                if kind == "ack":
                    self.acks[client_id] = self.acks.get(client_id, 0) + 1
                    self.ack_seqs.append(frame["seq"])
                elif kind == "message" and (side == "b" or self.kind == "echo"):
                    count = self.delivered.get(client_id, 0)
                    self.delivered[client_id] = count + 1
                    if "seq" in frame:
                        self.delivered_seqs.append(frame["seq"])
                    if count == 0 and client_id in self.sent:
                        self.delivery_times.append(now)
                        self.latencies.append((self.sent[client_id], now - self.sent[client_id]))
                        if self.window is not None:
                            self.window.release()
                elif kind == "message":
                    self.own[client_id] = self.own.get(client_id, 0) + 1
                    if "seq" in frame:
                        self.own_seqs.append(frame["seq"])
                elif kind != "notification":
                    self.errors.append(text[:200])
                if len(self.delivered) == len(self.sent) and self.finished:
                    self.done.set()

    finished = False

    async def send(self):
        client_id = str(uuid.uuid4())
        frame = {"type": "send", "client_id": client_id, "body": BODY}
        if self.kind == "app":
            frame["thread"] = self.spec["thread"]
        text = json.dumps(frame, ensure_ascii=False)
        self.sent[client_id] = time.monotonic()
        await self.a.send(text)

    async def closed_loop(self, window, end):
        self.window = asyncio.Semaphore(window)
        while True:
            await self.window.acquire()
            if time.monotonic() >= end:
                break
            await self.send()

    async def open_loop(self, rate, offset, end):
        n, lag = 0, 0.0
        while True:
            due = offset + n / rate
            if due >= end:
                break
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                lag = max(lag, -delay)
            await self.send()
            n += 1
        self.lag = lag

    def report(self):
        sent = set(self.sent)
        report = {
            "thread": self.spec.get("thread"), "sent": len(sent),
            "delivered_once": sum(1 for c in sent if self.delivered.get(c) == 1),
            "delivered_twice": sum(1 for c in sent if self.delivered.get(c, 0) > 1),
            "undelivered": sum(1 for c in sent if c not in self.delivered),
            "unknown": sum(1 for c in self.delivered if c not in sent), "errors": self.errors[:5],
            "latencies": self.latencies, "delivery_times": self.delivery_times, "lag": getattr(self, "lag", 0.0),
        }
        if self.kind == "app":
            report.update({
                "acked_once": sum(1 for c in sent if self.acks.get(c) == 1),
                "own_once": sum(1 for c in sent if self.own.get(c) == 1),
                "ack_seqs": self.ack_seqs,
                "in_order": self.delivered_seqs == list(range(1, len(self.delivered_seqs) + 1))
                and self.own_seqs == list(range(1, len(self.own_seqs) + 1)),
            })
        return report

    async def close(self):
        for ws in {self.a, self.b}:
            await ws.close()
        for task in self.tasks:
            task.cancel()


def load_worker(kind, specs, mode, barrier, start_at, results):
    """A client process: connects its pairs, waits for everyone, runs the load, drains, reports."""
    async def main():
        pairs = [Pair(spec, kind) for spec in specs]
        for pair in pairs:
            await pair.connect()
        await asyncio.to_thread(barrier.wait, 120)  # everyone connected
        await asyncio.to_thread(barrier.wait, 120)  # the parent has set start_at
        go = start_at.value
        end = go + mode["warmup"] + mode["duration"]
        await asyncio.sleep(max(0.0, go - time.monotonic()))
        if mode["window"]:
            loops = [pair.closed_loop(mode["window"], end) for pair in pairs]
        else:
            rate = mode["rate"]
            # Pair j of client process i is pair i + j·P overall; all pairs' sends are spaced evenly in time.
            loops = [pair.open_loop(rate, go + (mode["first"] + j * mode["stride"]) / (rate * mode["pairs"]), end)
                     for j, pair in enumerate(pairs)]
        await asyncio.gather(*loops)
        for pair in pairs:
            pair.finished = True
            if len(pair.delivered) >= len(pair.sent):
                pair.done.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(pair.done.wait() for pair in pairs)), mode["drain"])
        if kind == "app":  # the acks and the sender's own copies trail the delivery to B a little
            deadline = time.monotonic() + mode["drain"]
            while time.monotonic() < deadline and any(len(p.acks) < len(p.sent) or len(p.own) < len(p.sent)
                                                      for p in pairs):
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.2)  # anything duplicated would arrive now
        reports = [pair.report() for pair in pairs]
        for pair in pairs:
            await pair.close()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {"pairs": reports, "cpu": usage.ru_utime + usage.ru_stime}

    try:
        results.put(asyncio.run(main()))
    except Exception as exc:
        barrier.abort()
        results.put({"error": repr(exc)})


def run_load(kind, specs, mode, processes, server_pid, profile=None):
    """Splits the pairs over client processes, runs the step, returns the merged reports and the CPU used.

    ``server_pid``: the server's pid, or a list of them. ``profile``: a py-spy command line, run against the
    (single) server over the measured window."""
    context = multiprocessing.get_context("spawn")
    processes = max(1, min(processes, len(specs)))
    barrier = context.Barrier(processes + 1)
    start_at = context.Value("d", 0.0)
    results = context.Queue()
    workers = []
    for index in range(processes):
        share = specs[index::processes]
        worker_mode = {**mode, "first": index, "stride": processes, "pairs": len(specs)}
        workers.append(context.Process(target=load_worker, args=(kind, share, worker_mode, barrier, start_at,
                                                                     results)))
    for worker in workers:
        worker.start()
    try:
        barrier.wait(120)
        start_at.value = time.monotonic() + 0.2
        meter = CpuMeter(server_pid, [w.pid for w in workers])
        barrier.wait(120)
        time.sleep(max(0.0, start_at.value + mode["warmup"] - time.monotonic()))
        meter.start()
        profiler = None
        if profile:
            profiler = subprocess.Popen([*profile, "-p", str(server_pid), "-d", str(round(mode["duration"]))],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(max(0.0, start_at.value + mode["warmup"] + mode["duration"] - time.monotonic()))
        usage = meter.stop()
        if profiler is not None:
            profiler.wait(60)
        outputs = [results.get(timeout=120) for _ in workers]
    finally:
        join_clients(workers)
    raise_client_errors(outputs)
    window = (start_at.value + mode["warmup"], start_at.value + mode["warmup"] + mode["duration"])
    pairs = [report for output in outputs for report in output["pairs"]]
    return summarise(kind, pairs, window, mode), usage


def summarise(kind, pairs, window, mode):
    begin, end = window
    latencies = [lat * 1000 for p in pairs for sent, lat in p["latencies"] if begin <= sent < end]
    in_window = sum(1 for p in pairs for t in p["delivery_times"] if begin <= t < end)
    total = {key: sum(p[key] for p in pairs) for key in ("sent", "delivered_once", "delivered_twice", "undelivered",
                                                           "unknown")}
    summary = {
        "kind": kind, "rate": in_window / (end - begin), "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99), "max": max(latencies, default=float("nan")), "samples": len(latencies),
        "lag": max(p["lag"] for p in pairs) * 1000, "errors": [e for p in pairs for e in p["errors"]][:5], **total,
    }
    if kind == "app":
        summary["acked_once"] = sum(p["acked_once"] for p in pairs)
        summary["own_once"] = sum(p["own_once"] for p in pairs)
        summary["in_order"] = all(p["in_order"] for p in pairs)
        summary["acked_seqs"] = {p["thread"]: p["ack_seqs"] for p in pairs}
    return summary


# --- Idle connections ----------------------------------------------------------------------------------------------


class Idle:
    """One subscribed connection of the idle test: its reader resolves `subscribed` waiters and times messages."""

    def __init__(self, spec):
        self.spec = spec
        self.waiters = {}
        self.received = {}  # client_id → monotonic time

    async def open(self):
        started = time.monotonic()
        self.ws = await websockets.connect(self.spec["url"], additional_headers=self.spec["headers"], **WS_OPTIONS)
        handshake = time.monotonic() - started
        self.reader = asyncio.create_task(self.read())
        await self.subscribe(self.spec["thread"])
        return handshake, time.monotonic() - started

    async def subscribe(self, thread):
        waiter = self.waiters[thread] = asyncio.get_running_loop().create_future()
        await self.ws.send(json.dumps({"type": "subscribe", "thread": thread, "after": 0}))
        await asyncio.wait_for(waiter, 120)

    async def read(self):
        with contextlib.suppress(websockets.ConnectionClosed):
            async for text in self.ws:
                now = time.monotonic()
                frame = json.loads(text)
                if frame["type"] == "subscribed":
                    self.waiters.pop(frame["thread"]).set_result(None)
                elif frame["type"] == "message":
                    self.received.setdefault(frame["client_id"], now)
                elif frame["type"] == "error":
                    for waiter in self.waiters.values():
                        waiter.set_exception(RuntimeError(text))
                    self.waiters.clear()


def idle_worker(specs, options, barrier, results):
    async def bounded(items, concurrency, coroutine):
        semaphore = asyncio.Semaphore(concurrency)

        async def one(item):
            async with semaphore:
                try:
                    return await coroutine(item)
                except Exception as exc:
                    return exc

        return await asyncio.gather(*(one(item) for item in items))

    async def main():
        connections = [Idle(spec) for spec in specs]
        wait = lambda: asyncio.to_thread(barrier.wait, 300)  # noqa: E731
        await wait()  # every client process is ready
        opened = await bounded(connections, options["concurrency"], Idle.open)
        await wait()  # all connected and subscribed: the parent reads daphne's RSS
        await wait()
        members = [c for c, o in zip(connections, opened, strict=True)
                   if c.spec["member"] and not isinstance(o, Exception)]
        group_started = time.monotonic()
        group_results = await bounded(members, options["concurrency"],
                                      lambda c: c.subscribe(options["group_thread"]))
        group_seconds = time.monotonic() - group_started
        await wait()  # all members subscribed to the group thread
        fanout = []
        for client_id in options["fanout_ids"]:
            await wait()
            sent_at = None
            if options["sender"] and members:
                sent_at = time.monotonic()
                await members[0].ws.send(json.dumps({"type": "send", "thread": options["group_thread"],
                                                     "client_id": client_id, "body": BODY}))
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(client_id not in c.received for c in members):
                await asyncio.sleep(0.005)
            times = [c.received[client_id] for c in members if client_id in c.received]
            fanout.append({"sent_at": sent_at, "received": len(times), "last": max(times, default=None),
                           "expected": len(members)})
            await wait()
        await wait()  # the parent has read the RSS again
        for connection in connections:
            with contextlib.suppress(Exception):
                await connection.ws.close()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "handshakes": [o[0] for o in opened if not isinstance(o, Exception)],
            "opened": [o[1] for o in opened if not isinstance(o, Exception)],
            "failures": [repr(o) for o in opened if isinstance(o, Exception)],
            "group_failures": [repr(o) for o in group_results if isinstance(o, Exception)],
            "group_seconds": group_seconds, "members": len(members), "fanout": fanout,
            "cpu": usage.ru_utime + usage.ru_stime,
        }

    try:
        results.put(asyncio.run(main()))
    except Exception as exc:
        barrier.abort()
        results.put({"error": repr(exc)})


def run_idle(args, url, tokens, threads, group_thread, prefix, log):
    count = args.connections
    base = 2 * LOAD_PAIRS  # the idle neighbours come after the load pairs' ones
    process, port = start_app(url, f"{prefix}idle", args.backlog, log, args.app_root, args.switch_interval)
    specs = []
    for i in range(count):
        n = base + i + 1
        specs.append({"url": f"ws://127.0.0.1:{port}/ws/", "headers": {"Authorization": f"Token {tokens[n]}"},
                      "thread": threads[(n + 1) // 2], "member": i < args.group})
    context = multiprocessing.get_context("spawn")
    processes = max(1, args.client_processes)
    barrier = context.Barrier(processes + 1)
    results = context.Queue()
    fanout_ids = [str(uuid.uuid4()) for _ in range(args.fanout_rounds)]
    workers = [context.Process(target=idle_worker, args=(specs[i::processes], {
        "concurrency": args.connect_concurrency, "group_thread": group_thread, "fanout_ids": fanout_ids,
        "sender": i == 0}, barrier, results)) for i in range(processes)]
    try:
        rss = {"started": rss_mib(process.pid)}
        # One connection first: the first handshake imports and sets up what every later one shares.
        async def warm():
            async with websockets.connect(specs[0]["url"], additional_headers=specs[0]["headers"], **WS_OPTIONS) as ws:
                await ws.send(json.dumps({"type": "subscribe", "thread": specs[0]["thread"], "after": 0}))
                while json.loads(await ws.recv())["type"] != "subscribed":
                    pass

        asyncio.run(warm())
        time.sleep(1)
        rss["warm"] = rss_mib(process.pid)
        for worker in workers:
            worker.start()
        meter = CpuMeter(process.pid, [w.pid for w in workers])
        barrier.wait(120)
        meter.start()
        started = time.monotonic()
        barrier.wait(600)
        connect_seconds = time.monotonic() - started
        usage = meter.stop()
        time.sleep(2)
        rss["connected"] = rss_mib(process.pid)
        barrier.wait(60)
        barrier.wait(600)  # group subscriptions done
        rss["group"] = rss_mib(process.pid)
        for _ in fanout_ids:
            barrier.wait(60)
            barrier.wait(60)
        barrier.wait(60)
        outputs = [results.get(timeout=120) for _ in workers]
        time.sleep(2)
        rss["closed"] = rss_mib(process.pid)
    finally:
        join_clients(workers)
        stop(process)
    raise_client_errors(outputs)
    opened = [t * 1000 for o in outputs for t in o["opened"]]
    fanout = []
    for round_index in range(len(fanout_ids)):
        sent_at = next(o["fanout"][round_index]["sent_at"] for o in outputs if o["fanout"][round_index]["sent_at"])
        lasts = [o["fanout"][round_index]["last"] for o in outputs if o["fanout"][round_index]["last"]]
        received = sum(o["fanout"][round_index]["received"] for o in outputs)
        expected = sum(o["fanout"][round_index]["expected"] for o in outputs)
        fanout.append(((max(lasts) - sent_at) * 1000 if lasts else float("nan"), received, expected))
    return {
        "count": count, "opened": len(opened), "failures": [f for o in outputs for f in o["failures"]],
        "rate": len(opened) / connect_seconds, "seconds": connect_seconds, "p50": percentile(opened, 0.5),
        "p99": percentile(opened, 0.99), "rss": rss, "usage": usage,
        "group_seconds": max(o["group_seconds"] for o in outputs), "members": sum(o["members"] for o in outputs),
        "group_failures": [f for o in outputs for f in o["group_failures"]], "fanout": fanout,
    }


# --- The run ---------------------------------------------------------------------------------------------------------


def pair_specs(kind, pairs, port, tokens, threads):
    """The connections of each pair. ``port``: the server's, or for the app a list of daphne processes' ports:
    pair i then sends through process i mod N and receives through process i + 1 mod N (the same process if N = 1),
    so that with two or more every message crosses between processes."""
    specs = []
    ports = port if isinstance(port, list) else [port]
    for i, k in enumerate(pairs):
        if kind == "app":
            a, b = 2 * k - 1, 2 * k
            url = f"ws://127.0.0.1:{ports[i % len(ports)]}/ws/"
            b_url = f"ws://127.0.0.1:{ports[(i + 1) % len(ports)]}/ws/"
            specs.append({"a_url": url, "b_url": b_url, "a_headers": {"Authorization": f"Token {tokens[a]}"},
                          "b_headers": {"Authorization": f"Token {tokens[b]}"}, "thread": threads[k]})
        elif kind == "bare":
            specs.append({"a_url": f"ws://127.0.0.1:{port}/bare/{k}/a", "b_url": f"ws://127.0.0.1:{port}/bare/{k}/b",
                          "a_headers": {}, "b_headers": {}})
        elif kind == "echo":
            specs.append({"a_url": f"ws://127.0.0.1:{port}/echo/", "a_headers": {}})
        else:
            url = f"ws://127.0.0.1:{port}/{'relay' if kind == 'group' else 'relay-pubsub'}/{k}/"
            specs.append({"a_url": url, "b_url": url, "a_headers": {}, "b_headers": {}})
    return specs


def run_scale(args, url, tokens, threads, take, prefix, log):
    """Throughput of the app with 1, 2, … daphne processes sharing one channel-layer prefix (--processes), each at
    every --windows: the pairs spread over the processes, A and B of a pair on different ones. Returns the rows and
    the problems the exactly-once checks found."""
    rows, problems = [], []
    for count in [int(n) for n in args.processes.split(",")]:
        servers = []
        try:
            for _ in range(count):
                servers.append(start_app(url, f"{prefix}scale{count}", args.backlog, log, args.app_root,
                                         args.switch_interval))
            ports, pids = [port for _, port in servers], [process.pid for process, _ in servers]
            for window in [int(w) for w in args.windows.split(",")]:
                mode = {"window": window, "warmup": 1.0, "duration": args.step, "drain": 10.0}
                specs = pair_specs("app", take(args.pairs), ports, tokens, threads)
                summary, usage = run_load("app", specs, mode, args.client_processes, pids)
                summary.update(window=window, processes=count)
                problems += [f"{count} processes, {window} in flight per pair: {p}"
                             for p in verify(summary, url)["problems"]]
                rows.append((summary, usage))
                print(f"  throughput app, {count} daphne process{'es' if count > 1 else ''} x{window}: "
                      f"{summary['rate']:.0f}/s, p50 {summary['p50']:.1f} ms, daphne CPU {usage['server']:.0f} %, "
                      f"PostgreSQL {usage['postgres']:.0f} %, machine {usage['machine']:.0f} %", flush=True)
        finally:
            for process, _port in servers:
                stop(process)
    return rows, problems


def verify(summary, url):
    """Exactly-once checks of an app step, against the client's records and the database."""
    rows, problems = check_database(url, summary.pop("acked_seqs"))
    sent = summary["sent"]
    for key, label in (("acked_once", "acked exactly once"), ("own_once", "back to the sender exactly once"),
                       ("delivered_once", "delivered to B exactly once")):
        if summary[key] != sent:
            problems.append(f"{sent - summary[key]} of {sent} not {label}")
    if rows != sent:
        problems.append(f"{rows} rows in chat_message for {sent} messages sent")
    if not summary["in_order"]:
        problems.append("a `message` frame arrived out of seq order")
    summary["rows"] = rows
    summary["problems"] = problems
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run (a few seconds per step)")
    parser.add_argument("--rate", type=int, default=200, help="latency step: messages/s over all 10 senders")
    parser.add_argument("--senders", type=int, default=10, help="latency step: pairs (one sender each)")
    parser.add_argument("--duration", type=float, default=10, help="latency step: seconds measured")
    parser.add_argument("--pairs", type=int, default=20, help="throughput steps: pairs")
    parser.add_argument("--windows", default="1,4,16", help="throughput steps: messages in flight per pair")
    parser.add_argument("--step", type=float, default=5, help="throughput steps: seconds measured each")
    parser.add_argument("--connections", type=int, default=5000, help="idle test: subscribed connections")
    parser.add_argument("--group", type=int, default=1000, help="idle test: members of the group thread")
    parser.add_argument("--fanout-rounds", type=int, default=5, help="idle test: messages sent to the group")
    parser.add_argument("--connect-concurrency", type=int, default=50,
                        help="idle test: handshakes in progress at once per client process")
    parser.add_argument("--client-processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--backlog", type=int, default=0,
                        help="daphne's listen backlog (0: Twisted's default, 50)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="servers to measure, of " + ",".join(KINDS))
    parser.add_argument("--skip-idle", action="store_true", help="skip the idle-connections test")
    parser.add_argument("--skip-load", action="store_true", help="skip the latency and throughput steps")
    parser.add_argument("--setup-only", action="store_true", help="create the database and the data, then stop")
    parser.add_argument("--py-spy", metavar="PATH", help="record daphne (app) with py-spy at the last window step")
    parser.add_argument("--switch-interval", type=float, default=0.005, metavar="S",
                        help="sys.setswitchinterval in the app's daphne (Python's default 0.005; a diagnostic: how "
                        "long a thread back from PostgreSQL waits for the GIL)")
    parser.add_argument("--app-ref", metavar="REF",
                        help="serve the app as committed at REF (git archive into a temporary directory), not the "
                        "working tree: for runs while someone edits it")
    parser.add_argument("--app-root", metavar="DIR", help="serve the app from this directory")
    parser.add_argument("--py-spy-gil", action="store_true",
                        help="with --py-spy: sample only the thread holding the GIL (where the CPU goes), not every "
                        "thread at every sample (where the wall-clock time goes)")
    parser.add_argument("--processes", default="", metavar="N,N,…",
                        help="scale-out step: the app's throughput with each number of daphne processes (e.g. "
                        "1,2,3) sharing one Redis, at every --windows; pairs spread over the processes, sender and "
                        "receiver on different ones")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON (for bench/run_all.py)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    if args.quick:
        args.duration, args.step, args.connections, args.group, args.fanout_rounds = 3, 2, 200, 50, 2
        args.windows = "1,8"
    windows = [int(w) for w in args.windows.split(",")]
    kinds = args.kinds.split(",")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))  # inherited by the processes

    url = args.database_url
    if args.app_ref:
        args.app_root, code = export_app(args.app_ref)
    elif args.app_root:
        args.app_root, code = Path(args.app_root).resolve(), f"the tree in {args.app_root}"
    else:
        args.app_root, code = ROOT, code_version()
    create_and_migrate(url, args.app_root)
    lock = hold_bench_lock(url)  # noqa: F841 (held until the process exits)
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.local",
                       "DUGNAD_RATE_LIMITS": "off"})
    sys.path.insert(0, str(args.app_root))
    import django

    django.setup()
    from django.db import connection

    pairs_needed = LOAD_PAIRS + (args.connections + 1) // 2
    group_size = min(args.group, args.connections)
    tokens, threads, group_thread = ensure_data(2 * pairs_needed, pairs_needed, group_size)
    connection.close()
    if args.setup_only:
        return
    reset_messages(url)

    print(f"code: {code}")
    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; "
          f"{os.cpu_count()} CPUs")
    prefix = f"benchchat{os.getpid()}"
    log_path = Path(tempfile.gettempdir()) / f"bench-chat-{os.getpid()}.log"
    profile_path = log_path.with_suffix(".pyspy.txt")
    load_rows, latency_rows, scale_rows, problems = [], [], [], []
    idle = None
    servers = []
    next_pair = iter(range(1, LOAD_PAIRS + 1))

    def take(count):
        taken = list(itertools.islice(next_pair, count))
        if len(taken) < count:
            raise SystemExit(f"more pairs asked for than the {LOAD_PAIRS} reserved for the load steps")
        return taken

    with open(log_path, "wb") as log:
        try:
            if not args.skip_load:
                ports, pids = {}, {}
                if "bare" in kinds:
                    port = free_port()
                    relay = multiprocessing.get_context("spawn").Process(target=bare_relay_main, args=(port,))
                    relay.start()
                    servers.append(relay)
                    wait_for(port, relay, "bare relay")
                    ports["bare"], pids["bare"] = port, relay.pid
                if {"echo", "group", "pubsub"} & set(kinds):
                    echo, port = start_echo(f"{prefix}echo", args.backlog, log)
                    servers.append(echo)
                    for kind in ("echo", "group", "pubsub"):
                        ports[kind], pids[kind] = port, echo.pid
                if "app" in kinds:
                    app, port = start_app(url, f"{prefix}app", args.backlog, log, args.app_root,
                                          args.switch_interval)
                    servers.append(app)
                    ports["app"], pids["app"] = port, app.pid

                for kind in kinds:
                    mode = {"window": 0, "rate": args.rate / args.senders, "warmup": 1.0,
                            "duration": args.duration, "drain": 10.0}
                    pairs = take(args.senders) if kind == "app" else range(1, args.senders + 1)
                    summary, usage = run_load(kind, pair_specs(kind, pairs, ports[kind], tokens, threads), mode,
                                              args.client_processes, pids[kind])
                    if kind == "app":
                        problems += [f"latency step: {p}" for p in verify(summary, url)["problems"]]
                    latency_rows.append((summary, usage))
                    print(f"  latency {kind}: p50 {summary['p50']:.2f} ms, p99 {summary['p99']:.2f} ms, "
                          f"{summary['rate']:.0f}/s", flush=True)

                for kind in kinds:
                    for index, window in enumerate(windows):
                        mode = {"window": window, "warmup": 1.0, "duration": args.step, "drain": 10.0}
                        pairs = take(args.pairs) if kind == "app" else range(1, args.pairs + 1)
                        profile = None
                        if args.py_spy and kind == "app" and index == len(windows) - 1:
                            profile = [args.py_spy, "record", "-r", "200", "-t", "-f", "raw", "-o",
                                       str(profile_path), *(["--gil"] if args.py_spy_gil else ["--idle"])]
                        summary, usage = run_load(kind, pair_specs(kind, pairs, ports[kind], tokens, threads), mode,
                                                  args.client_processes, pids[kind], profile)
                        summary["window"] = window
                        if kind == "app":
                            problems += [f"{window} in flight per pair: {p}" for p in verify(summary, url)["problems"]]
                        load_rows.append((summary, usage))
                        print(f"  throughput {kind} x{window}: {summary['rate']:.0f}/s, p50 {summary['p50']:.1f} ms, "
                              f"server CPU {usage['server']:.0f} %, others {usage['others']:.0f} %", flush=True)
                for server in servers:
                    stop(server)
                servers = []
            if args.processes:
                scale_rows, scale_problems = run_scale(args, url, tokens, threads, take, prefix, log)
                problems += scale_problems
            if not args.skip_idle:
                idle = run_idle(args, url, tokens, threads, group_thread, prefix, log)
        finally:
            for server in servers:
                stop(server)

    report(args, latency_rows, load_rows, idle, problems, scale_rows)
    if args.json:
        write_json(args.json, code, latency_rows, load_rows, scale_rows, idle, problems)
    print(f"\ndaphne's output: {log_path}")
    if args.py_spy and profile_path.exists():
        profile_summary(profile_path, round(args.step), 200, gil=args.py_spy_gil)
        print(f"\npy-spy profile (raw, collapsed stacks with thread ids): {profile_path}")


def report_scale(args, scale_rows, load_rows):
    print(f"\n### Scale-out: Dugnad /ws/ with 1 to {max(s['processes'] for s, _ in scale_rows)} daphne processes on "
          f"one Redis ({args.pairs} pairs, closed loop, {args.step:g} s per step; with two or more processes, "
          "sender and receiver of each pair on different ones)\n")
    print("| daphne processes | in flight | delivered/s | per process | p50 (ms) | p99 (ms) | daphne CPU (all) | "
          "daphne CPU per message | clients CPU | PostgreSQL | Redis | others | machine |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for summary, usage in scale_rows:
        per_message = 10 * usage["server"] / max(summary["rate"], 1e-9)
        print(f"| {summary['processes']} | {summary['window'] * args.pairs} | {summary['rate']:.0f} | "
              f"{summary['rate'] / summary['processes']:.0f} | {summary['p50']:.1f} | {summary['p99']:.1f} | "
              f"{usage['server']:.0f} % | {per_message:.2f} ms | {usage['clients']:.0f} % | "
              f"{usage['postgres']:.0f} % | {usage['redis']:.0f} % | {usage['others']:.0f} % | "
              f"{usage['machine']:.0f} % |")
    best = {}
    for summary, _ in scale_rows:
        best[summary["processes"]] = max(best.get(summary["processes"], 0), summary["rate"])
    baselines = {}
    for summary, _ in load_rows:
        if summary["kind"] in ("bare", "echo"):
            baselines[summary["kind"]] = max(baselines.get(summary["kind"], 0), summary["rate"])
    one = best.get(1)
    columns = ["daphne processes", "best delivered/s", "vs 1 process",
               *(f"share of the {KINDS[kind]}" for kind in baselines)]
    print("\n| " + " | ".join(columns) + " |")
    print("|" + " ---: |" * len(columns))
    for count, rate in sorted(best.items()):
        cells = [str(count), f"{rate:.0f}", f"{rate / one:.2f}x" if one else "—",
                 *(f"{rate / base:.3f}" for base in baselines.values())]
        print("| " + " | ".join(cells) + " |")


# How py-spy's samples (taken with --idle: every thread, every sample) are classified, by the frames they hold.
WAITS = [
    ("idle: waiting for work", ("EpollSelector.select", "_worker (concurrent/futures/thread.py")),
    ("waiting for PostgreSQL", ("psycopg/connection.py", "psycopg/waiting.py", "wait_c (")),
    ("waiting for the event loop (async_to_sync: channels-redis)", ("AsyncToSync.__call__",)),
]


def profile_summary(path, seconds, rate, top=16, gil=False):
    """What py-spy saw (raw collapsed stacks, --threads --idle): where each thread's wall-clock time went, and the
    frames the time of the busiest ones went to (self: the frame itself; inclusive: with what it called)."""
    threads = collections.defaultdict(collections.Counter)
    busy_leaves, inclusive = collections.Counter(), collections.Counter()
    for line in Path(path).read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        count = int(count)
        frames = stack.split(";")
        name = frames[0].split(": ", 1)[-1]
        category = "running Python (or the GIL)"
        for label, needles in WAITS:
            # Idle is where the thread blocks (its innermost frame); the waits count wherever they are on the stack.
            where = frames[-1:] if label.startswith("idle") else frames[1:]
            if any(needle in frame for needle in needles for frame in where):
                category = label
                break
        threads[name][category] += count
        if category.startswith("idle"):
            continue
        busy_leaves[frames[-1]] += count
        for frame in set(frames[1:]):
            inclusive[frame] += count
    print(f"\n### py-spy: daphne (app) over the last throughput step's {seconds:g} s, sampled at {rate} Hz\n")
    if gil:
        print("(--gil: only the thread holding the GIL is sampled; a thread's share is its share of the GIL)\n")
    for name, categories in sorted(threads.items(), key=lambda item: -item[1].total()):
        total = categories.total()
        print(f"- thread {name} ({total} samples): " + ", ".join(
            f"{label} {100 * count / total:.0f} %" for label, count in categories.most_common()))
    total = busy_leaves.total()
    print(f"\nself, of the {total} samples not idle:")
    for frame, count in busy_leaves.most_common(top):
        print(f"  {100 * count / total:5.1f} %  {frame}")
    print("\ninclusive, the app's frames and the libraries it calls:")
    shown = 0
    for frame, count in inclusive.most_common():
        if shown < top * 2 and any(part in frame for part in (
                "chat/", "channels", "psycopg", "django/db", "asgiref", "autobahn", "daphne/", "redis/")):
            print(f"  {100 * count / total:5.1f} %  {frame}")
            shown += 1


def write_json(path, code, latency_rows, load_rows, scale_rows, idle, problems):
    """The figures of the run, as bench/run_all.py reads them."""
    def rows(items):
        return [{**{k: v for k, v in summary.items() if k not in ("errors", "problems")}, "usage": usage,
                 "label": KINDS[summary["kind"]]} for summary, usage in items]

    Path(path).write_text(json.dumps({
        "code": code, "latency": rows(latency_rows), "throughput": rows(load_rows), "scale": rows(scale_rows),
        "idle": idle, "problems": problems,
    }, indent=1, default=str))


def report(args, latency_rows, load_rows, idle, problems, scale_rows=()):
    print(f"\nload average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if latency_rows:
        print(f"\n### Latency: {args.senders} senders, {args.rate} messages/s in all, {args.duration:g} s "
              "(open loop, evenly spaced)\n")
        print("| server | delivered/s | p50 (ms) | p99 (ms) | max (ms) | server CPU | clients CPU | PostgreSQL "
              "| Redis | others |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for summary, usage in latency_rows:
            print(f"| {KINDS[summary['kind']]} | {summary['rate']:.0f} | {summary['p50']:.2f} | {summary['p99']:.2f} "
                  f"| {summary['max']:.1f} | {usage['server']:.0f} % | {usage['clients']:.0f} % | "
                  f"{usage['postgres']:.0f} % | {usage['redis']:.0f} % | {usage['others']:.0f} % |")
        lags = max(s["lag"] for s, _ in latency_rows)
        print(f"\n(the clients' largest delay behind their sending schedule: {lags:.1f} ms)")
    if load_rows:
        print(f"\n### Throughput: {args.pairs} pairs, closed loop, {args.step:g} s per step after 1 s of warm-up\n")
        print("| server | in flight | delivered/s | p50 (ms) | p99 (ms) | server CPU | server CPU per message | "
              "clients CPU | PostgreSQL | Redis | others | machine |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for summary, usage in load_rows:
            per_message = 10 * usage["server"] / max(summary["rate"], 1e-9)  # ms: (% of a core / 100) / rate × 1000
            print(f"| {KINDS[summary['kind']]} | {summary['window'] * args.pairs} | {summary['rate']:.0f} | "
                  f"{summary['p50']:.1f} | {summary['p99']:.1f} | {usage['server']:.0f} % | {per_message:.2f} ms | "
                  f"{usage['clients']:.0f} % "
                  f"| {usage['postgres']:.0f} % | {usage['redis']:.0f} % | {usage['others']:.0f} % "
                  f"| {usage['machine']:.0f} % |")
        best = {}
        for summary, _ in load_rows:
            best[summary["kind"]] = max(best.get(summary["kind"], 0), summary["rate"])
        print("\n(CPU in % of one core over the measured seconds; \"others\": every other process on the machine; "
              "\"machine\": all cores together)")
        print("\n| server | best delivered/s | ours as a share of it |")
        print("| --- | ---: | ---: |")
        for kind, rate in best.items():
            share = f"{best['app'] / rate:.3f} ({rate / best['app']:.1f}x faster)" if "app" in best else "—"
            print(f"| {KINDS[kind]} | {rate:.0f} | {share} |")
    if scale_rows:
        report_scale(args, scale_rows, load_rows)
    if latency_rows or load_rows or scale_rows:
        app_rows = [s for s, _ in latency_rows + load_rows + list(scale_rows) if s["kind"] == "app"]
        if app_rows:
            sent = sum(s["sent"] for s in app_rows)
            rows = sum(s["rows"] for s in app_rows)
            print(f"\nDugnad: {sent:,} messages sent over all steps, {rows:,} rows stored; every one acked once, "
                  "back to its sender once, delivered to the other party once, in seq order: "
                  + ("yes" if not problems else "NO"))
        others = [s for s, _ in latency_rows + load_rows if s["kind"] != "app"]
        for s in others:
            if s["undelivered"] or s["delivered_twice"] or s["unknown"]:
                problems.append(f"{s['kind']}: {s['undelivered']} undelivered, {s['delivered_twice']} twice")
        for s, _ in latency_rows + load_rows:
            if s["errors"]:
                problems.append(f"{s['kind']}: unexpected frames, e.g. {s['errors'][0]}")
    if idle:
        rss = idle["rss"]
        per = (rss["connected"] - rss["warm"]) * 1024 / max(1, idle["opened"])
        print(f"\n### Idle connections: {idle['count']:,} to one daphne, {args.client_processes} client processes, "
              f"{args.connect_concurrency} handshakes at a time each\n")
        print("| measure | value |")
        print("| --- | ---: |")
        print(f"| connected and subscribed | {idle['opened']:,} of {idle['count']:,} "
              f"({len(idle['failures'])} failed) |")
        print(f"| connections/s (handshake + subscribe) | {idle['rate']:.0f} ({idle['seconds']:.1f} s) |")
        print(f"| handshake + subscribe, p50 / p99 (ms) | {idle['p50']:.0f} / {idle['p99']:.0f} |")
        usage = idle["usage"]
        print(f"| daphne CPU while connecting | {usage['server']:.0f} % (clients {usage['clients']:.0f} %, PostgreSQL "
              f"{usage['postgres']:.0f} %, Redis {usage['redis']:.0f} %, others {usage['others']:.0f} %) |")
        print(f"| daphne RSS: started / after 1 connection | {rss['started']:.0f} / {rss['warm']:.0f} MiB |")
        print(f"| daphne RSS with {idle['opened']:,} subscribed | {rss['connected']:.0f} MiB ({per:.0f} KiB each) |")
        print(f"| {idle['members']:,} of them subscribe to their {args.group:,}-member thread too | "
              f"{idle['group_seconds']:.1f} s ({len(idle['group_failures'])} failed); RSS {rss['group']:.0f} MiB |")
        for ms, received, expected in idle["fanout"]:
            print(f"| a message to the {expected:,} members, to the last of them | {ms:.0f} ms ({received:,} "
                  f"received) |")
        print(f"| daphne RSS after all closed | {rss['closed']:.0f} MiB |")
        if idle["failures"]:
            problems.append(f"idle: {len(idle['failures'])} connections failed, e.g. {idle['failures'][0]}")
    if problems:
        print("\nPROBLEMS:")
        for problem in problems:
            print(f"  - {problem}")


if __name__ == "__main__":
    main()
