"""WebSocket handshake rate and ping round trip through a real daphne, beside a bare `websockets` echo server.

    .venv/bin/python bench/ws_connect.py [--connections 300] [--pings 2000]

Uses the `make run` database (it creates one bench account). Starts, side by side in one run: daphne with database
connections kept (the default, conn_max_age=60), daphne opening one per use (conn_max_age=0), and a bare
`websockets` echo server as the floor. Prints a Markdown table for docs/benchmarks.md.
"""

import argparse
import asyncio
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import websockets

logging.getLogger("websockets").setLevel(logging.WARNING)

ROOT = Path(__file__).resolve().parent.parent
BASE_DB = os.environ.get("DATABASE_URL", "postgis://dugnad:dugnad@127.0.0.1:5432/dugnad")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_token():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from rest_framework.authtoken.models import Token

    from neighbours.models import Neighbour

    neighbour = Neighbour.objects.filter(email="bench@bench.dugnad.test").first()
    if neighbour is None:
        neighbour = Neighbour.objects.create_user("bench@bench.dugnad.test", None, display_name="Bench")
    return Token.objects.get_or_create(user=neighbour)[0].key


def wait_for(port, process):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def start_daphne(conn_max_age):
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DUGNAD_RATE_LIMITS": "off",
           "DATABASE_URL": f"{BASE_DB}?conn_max_age={conn_max_age}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-v", "0", "-p", str(port), "config.asgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_for(port, process)
    return process, port


async def echo_server(stop, ready):
    async def echo(ws):
        async for frame in ws:
            data = json.loads(frame)
            await ws.send(json.dumps({"type": "pong", "id": data.get("id")}))

    async with websockets.serve(echo, "127.0.0.1", 0) as server:
        ready.set_result(server.sockets[0].getsockname()[1])
        await stop


async def connect_burst(url, headers, count):
    async def one():
        async with websockets.connect(url, additional_headers=headers, open_timeout=60):
            pass

    started = time.perf_counter()
    results = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    elapsed = time.perf_counter() - started
    failures = sum(isinstance(r, Exception) for r in results)
    return count / elapsed, failures


async def ping_latency(url, headers, count):
    samples = []
    async with websockets.connect(url, additional_headers=headers) as ws:
        for n in range(count):
            started = time.perf_counter()
            await ws.send(json.dumps({"type": "ping", "id": n}))
            await ws.recv()
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


async def measure(name, url, headers, args, rows):
    rate, failures = await connect_burst(url, headers, args.connections)
    p50, p99 = await ping_latency(url, headers, args.pings)
    rows.append((name, rate, failures, p50, p99))


async def main(args):
    token = await asyncio.to_thread(bench_token)
    headers = {"Authorization": f"Token {token}"}
    rows = []
    loop = asyncio.get_running_loop()
    stop, ready = loop.create_future(), loop.create_future()
    echo = asyncio.create_task(echo_server(stop, ready))
    await measure("bare websockets echo", f"ws://127.0.0.1:{await ready}/", {}, args, rows)
    stop.set_result(None)
    await echo
    for label, age in (("daphne, connections kept (default)", 60), ("daphne, conn_max_age=0", 0)):
        process, port = start_daphne(age)
        try:
            await measure(label, f"ws://127.0.0.1:{port}/ws/", headers, args, rows)
        finally:
            process.terminate()
            process.wait()
    print(f"{args.connections} simultaneous handshakes, then {args.pings} sequential pings on one connection\n")
    print("| server | handshakes/s | failed | ping p50 (ms) | ping p99 (ms) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, rate, failures, p50, p99 in rows:
        print(f"| {name} | {rate:.0f} | {failures} | {p50:.2f} | {p99:.2f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--pings", type=int, default=2000)
    asyncio.run(main(parser.parse_args()))
