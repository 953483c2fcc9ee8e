"""Real processes that fault tests kill and start again: daphne on a fixed port, and a private redis-server."""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.live import ROOT, daphne_environment, free_port, stop, wait_until_listening


class _Process:
    """A subprocess that keeps its port across restarts; its output goes to one log file for all its lives."""

    what = "process"

    def __init__(self):
        self.port = free_port()
        self.process = None
        with tempfile.NamedTemporaryFile(prefix=f"{self.what}-", suffix=".log", delete=False) as log:
            self.log_path = log.name

    def command(self):
        raise NotImplementedError

    def environment(self):
        return None

    def start(self):
        assert self.process is None or self.process.poll() is not None, f"{self.what} is already running"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=ROOT, env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
            )
        wait_until_listening(self.port, self.process, self.log_path, self.what)

    def kill(self):
        """SIGKILL: no goodbye to clients or to anyone else, as when a machine or container dies."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        """SIGTERM, then SIGKILL if it does not go within 10 s."""
        if self.process is None or self.process.poll() is not None:
            return
        stop(self.process)

    def log(self):
        return Path(self.log_path).read_text(errors="replace")

    def close(self):
        self.stop()
        if os.environ.get("DUGNAD_KEEP_LOGS"):
            print(f"{self.what} log kept: {self.log_path}")
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.log_path)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()


class RedisServer(_Process):
    """A redis-server of the test's own on a free port (never the machine's shared one on 6379)."""

    what = "redis"

    def command(self):
        return ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", tempfile.gettempdir(), "--daemonize", "no"]

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"


class Daphne(_Process):
    """``daphne config.asgi:application`` on one fixed port, through a Twisted endpoint so that the listen backlog
    can be raised (``-b``/``-p`` give Twisted's default of 50, too small for a thousand clients connecting at once)."""

    what = "daphne"

    def __init__(self, *, backlog=50, **env_overrides):
        super().__init__()
        self.backlog = backlog
        self.env_overrides = env_overrides

    def command(self):
        endpoint = f"tcp:port={self.port}:interface=127.0.0.1:backlog={self.backlog}"
        return [sys.executable, "-m", "daphne", "-v", "1", "-e", endpoint, "config.asgi:application"]

    def environment(self):
        return daphne_environment(**self.env_overrides)

    @property
    def http_url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}/ws/"
