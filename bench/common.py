"""Helpers shared by the benchmarks (run as scripts from the project's root: `.venv/bin/python bench/<name>.py`)."""

import os
import subprocess
import sys
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
