"""WebSocket handshake rate and ping round trip through a real daphne, beside a bare `websockets` echo server.

    .venv/bin/python bench/ws_connect.py [--connections 1000] [--client-processes 4] [--backlog 2048] [--pings 2000]

DESIGN §7: "at least 500 new connections/s". Runs on the chat benchmark's database (dugnad_bench_chat, created and
migrated on first use; never `dugnad` or a test database), where it keeps one bench account with an API token.
Started side by side in one run, each a process of its own:

  1. a bare `websockets` echo server (the floor: no daphne, no Django, no authentication);
  2. daphne serving the app with database connections kept per thread (`conn_max_age=60`, the default);
  3. daphne serving the app with a psycopg connection pool (`?pool=1`, as production runs it).

Both daphne processes listen with a raised backlog (`-e tcp:port=…:backlog=N`; Twisted's default of 50 drops a
burst's SYNs, and the kernel caps the backlog at net.core.somaxconn), run with DEBUG off and the rate limits off.
The burst: --client-processes processes (`websockets`, asyncio) each open their share of --connections at the same
moment (token authentication, joining the neighbour's channel-layer group on Redis) and close them again; the rate
is every handshake that succeeded over the time from the common start to the last one done. Then one connection
sends --pings `ping` frames one after another. Prints a Markdown table for docs/benchmarks.md.
"""

import argparse
import asyncio
import json
import logging
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import websockets
from common import (
    APP_BOOTSTRAP,
    create_and_migrate,
    daphne_command,
    free_port,
    join_clients,
    percentile,
    raise_client_errors,
    stop,
    wait_for,
)

logging.getLogger("websockets").setLevel(logging.WARNING)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgis://dugnad:dugnad@127.0.0.1:5432/dugnad_bench_chat"
OPTIONS = {"compression": None, "ping_interval": None, "open_timeout": 60, "close_timeout": 5}


def bench_token(url):
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.local"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from neighbours.models import Neighbour

    neighbour = Neighbour.objects.filter(email="bench@bench.dugnad.test").first()
    if neighbour is None:
        neighbour = Neighbour.objects.create_user("bench@bench.dugnad.test", None, display_name="Bench")
    key = Token.objects.get_or_create(user=neighbour)[0].key
    connection.close()
    return key


def start_daphne(url, backlog, log):
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DUGNAD_RATE_LIMITS": "off",
           "DATABASE_URL": url, "DUGNAD_CHANNEL_PREFIX": f"benchconnect{os.getpid()}",
           "DUGNAD_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(daphne_command(port, "config.asgi:application", backlog, APP_BOOTSTRAP), cwd=ROOT,
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    wait_for(port, process, "daphne", log)
    return process, port


def echo_main(port):
    async def echo(ws):
        async for frame in ws:
            data = json.loads(frame)
            await ws.send(json.dumps({"type": "pong", "id": data.get("id")}))

    async def main():
        async with websockets.serve(echo, "127.0.0.1", port, backlog=2048, **{k: v for k, v in OPTIONS.items()
                                                                               if k != "open_timeout"}):
            await asyncio.Future()

    asyncio.run(main())


def burst_worker(url, headers, count, barrier, results):
    """A client process: waits for the others, then opens ``count`` connections at once and closes them."""
    async def one():
        started = time.monotonic()
        async with websockets.connect(url, additional_headers=headers, **OPTIONS):
            done = time.monotonic()
        return started, done

    async def main():
        await asyncio.to_thread(barrier.wait, 120)
        return await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)

    try:
        outcomes = asyncio.run(main())
        results.put({"ok": [o for o in outcomes if not isinstance(o, BaseException)],
                     "failed": [repr(o) for o in outcomes if isinstance(o, BaseException)]})
    except Exception as exc:
        barrier.abort()
        results.put({"error": repr(exc)})


def burst(url, headers, connections, processes):
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes + 1)
    results = context.Queue()
    shares = [connections // processes + (1 if i < connections % processes else 0) for i in range(processes)]
    workers = [context.Process(target=burst_worker, args=(url, headers, share, barrier, results)) for share in shares]
    for worker in workers:
        worker.start()
    try:
        barrier.wait(120)
        begun = time.monotonic()
        outputs = [results.get(timeout=300) for _ in workers]
    finally:
        join_clients(workers)
    raise_client_errors(outputs)
    ok = [pair for o in outputs for pair in o["ok"]]
    failed = [f for o in outputs for f in o["failed"]]
    last = max((done for _, done in ok), default=begun)
    handshakes = [(done - started) * 1000 for started, done in ok]
    return {"rate": len(ok) / max(last - begun, 1e-9), "opened": len(ok), "failed": len(failed),
            "failures": failed[:3], "seconds": last - begun, "handshake_p50": percentile(handshakes, 0.5),
            "handshake_p99": percentile(handshakes, 0.99)}


async def ping_latency(url, headers, count):
    samples = []
    async with websockets.connect(url, additional_headers=headers, **OPTIONS) as ws:
        for n in range(count):
            started = time.perf_counter()
            await ws.send(json.dumps({"type": "ping", "id": n}))
            await ws.recv()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), percentile(samples, 0.99)


def measure(name, url, headers, args):
    row = {"name": name, **burst(url, headers, args.connections, args.client_processes)}
    row["ping_p50"], row["ping_p99"] = asyncio.run(ping_latency(url, headers, args.pings))
    print(f"  {name}: {row['rate']:.0f} handshakes/s, {row['failed']} failed", flush=True)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000, help="handshakes in the burst")
    parser.add_argument("--client-processes", type=int, default=4, help="processes sharing the burst")
    parser.add_argument("--backlog", type=int, default=2048, help="daphne's listen backlog")
    parser.add_argument("--pings", type=int, default=2000, help="sequential pings on one connection")
    parser.add_argument("--quick", action="store_true", help="200 handshakes, 300 pings")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON (for bench/run_all.py)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    if args.quick:
        args.connections, args.pings = 200, 300
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))  # inherited by the processes
    somaxconn = int(Path("/proc/sys/net/core/somaxconn").read_text())
    create_and_migrate(args.database_url)
    headers = {"Authorization": f"Token {bench_token(args.database_url)}"}

    rows = []
    log_path = Path(tempfile.gettempdir()) / f"bench-connect-{os.getpid()}.log"
    with open(log_path, "wb") as log:
        port = free_port()
        echo = multiprocessing.get_context("spawn").Process(target=echo_main, args=(port,))
        echo.start()
        try:
            wait_for(port, echo, "bare echo server")
            rows.append(measure("bare `websockets` echo (floor)", f"ws://127.0.0.1:{port}/", {}, args))
        finally:
            stop(echo)
        pooled = args.database_url + ("&" if "?" in args.database_url else "?") + "pool=1"
        for label, url in (("daphne, connections kept per thread (default)", args.database_url),
                           ("daphne, connection pool (`?pool=1`, production)", pooled)):
            process, port = start_daphne(url, args.backlog, log)
            try:
                rows.append(measure(label, f"ws://127.0.0.1:{port}/ws/", headers, args))
            finally:
                stop(process)
    backlog = min(args.backlog, somaxconn)
    print(f"\n### WebSocket handshakes: {args.connections:,} at once from {args.client_processes} client processes "
          f"(daphne's listen backlog {backlog}), then {args.pings:,} sequential pings on one connection\n")
    print("| server | handshakes/s | failed | handshake p50 / p99 (ms) | ping p50 (ms) | ping p99 (ms) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(f"| {row['name']} | {row['rate']:.0f} | {row['failed']} | {row['handshake_p50']:.0f} / "
              f"{row['handshake_p99']:.0f} | {row['ping_p50']:.2f} | {row['ping_p99']:.2f} |")
    for row in rows:
        if row["failures"]:
            print(f"\n{row['name']}: failures, e.g. {row['failures'][0]}")
    if args.json:
        Path(args.json).write_text(json.dumps({"connections": args.connections, "backlog": backlog,
                                               "client_processes": args.client_processes, "rows": rows}, indent=1))
    log_path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
