"""Real processes for contract, deployment, fault and browser tests: daphne serving the project, and helpers to
start, wait for and stop processes (and the environment of one under production settings)."""

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

# Enough of an environment for a process under production settings that contacts nothing (checks, settings).
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x7#kq2!" + "Lm9vPz4R8tW1yB6nC3dF5gH0jK" * 3,
    "DJANGO_ALLOWED_HOSTS": "dugnad.example.org",
    "DJANGO_EMAIL_HOST": "smtp.example.org",
    "DUGNAD_BASE_URL": "https://dugnad.example.org",
    # Production has no default database (nothing is contacted by these checks).
    "DATABASE_URL": "postgis://dugnad:unused@db.invalid:5432/dugnad",
}


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


def daphne_environment(**env_overrides):
    """The environment of a daphne serving this test process's database and channel layer."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "DUGNAD_CHANNEL_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
        "DUGNAD_TEST_CONN_MAX_AGE": "60",
        **env_overrides,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def wait_until_listening(port, process, log_path, what, timeout=30):
    """Returns once something accepts connections on ``port``; raises with the log if ``process`` ends first."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{Path(log_path).read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not listen on {port} within {timeout} s:\n{Path(log_path).read_text()}")
        time.sleep(0.05)


def stop(process, timeout=10):
    """SIGTERM, then SIGKILL if the process has not gone within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def daphne(*, port=None, command=default_command, log_path=None, **env_overrides):
    """Runs ``daphne config.asgi:application`` on a free port; yields its base URL ``http://127.0.0.1:<port>``.

    ``command(port)`` gives another command line (tests/deploy/ run the systemd unit's); with ``log_path`` the
    process's output is written there and kept.
    """
    port = port or free_port()
    keep_log = log_path is not None
    if not keep_log:
        with tempfile.NamedTemporaryFile(prefix="daphne-", suffix=".log", delete=False) as log:
            log_path = log.name
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command(port), cwd=ROOT, env=daphne_environment(**env_overrides), stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_until_listening(port, process, log_path, "daphne")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)
        if not keep_log:
            os.unlink(log_path)
