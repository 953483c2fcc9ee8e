"""Real daphne processes serving the project, for contract and browser tests."""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(database_name=None):
    """A DATABASE_URL for the database this test process uses (the test database once pytest-django made it)."""
    db = settings.DATABASES["default"]
    name = database_name or db["NAME"]
    return (
        f"postgis://{quote(db['USER'])}:{quote(db['PASSWORD'])}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{quote(name)}"
    )


def default_command(port):
    return [sys.executable, "-m", "daphne", "-v", "1", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"]


@contextlib.contextmanager
def daphne(*, port=None, command=default_command, log_path=None, **env_overrides):
    """Runs ``daphne config.asgi:application`` on a free port; yields its base URL ``http://127.0.0.1:<port>``.

    ``command(port)`` gives another command line (tests/deploy/ run the systemd unit's); with ``log_path`` the
    process's output is written there and kept.
    """
    port = port or free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "DUGNAD_CHANNEL_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
        "DUGNAD_TEST_CONN_MAX_AGE": "60",
        **env_overrides,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    keep_log = log_path is not None
    if not keep_log:
        with tempfile.NamedTemporaryFile(prefix="daphne-", suffix=".log", delete=False) as log:
            log_path = log.name
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"daphne exited with {process.returncode}:\n{Path(log_path).read_text()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"daphne did not listen on {port} within 30 s:\n{Path(log_path).read_text()}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if not keep_log:
            os.unlink(log_path)
