"""Helpers shared by the benchmarks (run as scripts from the project's root: `.venv/bin/python bench/<name>.py`)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def conninfo(url, database=None):
    """A libpq URL for a DATABASE_URL (``postgis://…``), optionally for another database on the same server."""
    parsed = urlparse(url)
    path = f"/{database}" if database else parsed.path
    return parsed._replace(scheme="postgresql", path=path, query="").geturl()


def create_and_migrate(url, app_root=ROOT):
    """Creates the benchmark's database (from template1, which has PostGIS) unless it exists, and migrates it.

    Refuses any database whose name lacks "bench", so a benchmark never fills the application's or a test's.
    ``app_root``: the tree whose migrations to apply."""
    import psycopg
    from psycopg import sql

    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to use {name!r}: the benchmark's database name must contain 'bench'")
    with psycopg.connect(conninfo(url, "postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template1").format(sql.Identifier(name)))
            print(f"created database {name}")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=app_root, env=env,
                   check=True)


def percentile(samples, fraction):
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * fraction + 0.5) - 1))]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port, process, label, log=None):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None if isinstance(process, subprocess.Popen) else not process.is_alive():
            output = Path(log.name).read_text()[-3000:] if log is not None else ""
            raise RuntimeError(f"{label} exited:\n{output}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{label} did not start")


def daphne_command(port, app, backlog, bootstrap=None):
    listen = (["-e", f"tcp:port={port}:interface=127.0.0.1:backlog={backlog}"] if backlog
              else ["-b", "127.0.0.1", "-p", str(port)])
    head = [sys.executable, "-c", bootstrap] if bootstrap else [sys.executable, "-m", "daphne"]
    return [*head, "-v", "0", *listen, app]


# DEBUG off in the served process: config.settings.local turns it on, and its query log is not what production pays.
APP_BOOTSTRAP = (
    "import os, sys; sys.setswitchinterval(float(os.environ.get('BENCH_SWITCH_INTERVAL', '0.005'))); "
    "from django.conf import settings; settings.DEBUG = False; "
    "from daphne.cli import CommandLineInterface; CommandLineInterface.entrypoint()"
)


def join_clients(workers):
    """Waits for the client processes to end (killing any still there after 30 s)."""
    for worker in workers:
        worker.join(30)
        if worker.is_alive():
            worker.kill()


def raise_client_errors(outputs):
    """Raises if any client process reported an error instead of its results."""
    errors = [o["error"] for o in outputs if "error" in o]
    if errors:
        raise RuntimeError(f"client process failed: {errors}")


def stop(process):
    if isinstance(process, subprocess.Popen):
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    else:
        process.terminate()
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join()
