"""A private `redis-server` on a unix socket: for `hotline run`, the tests and the benchmark."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from pathlib import Path
from types import TracebackType

import redis


class RedisNotInstalled(RuntimeError):
    """There is no redis-server on this machine."""


class RedisServer:
    """One redis-server in `folder`, listening only on `folder/redis.sock` (owner-only).

    `durable` keeps an append-only file flushed on every write (a request is confirmed only
    once it is on disk), as `hotline run` wants; otherwise nothing is saved, as tests want.
    `log` receives the server's output (discarded without one).
    """

    def __init__(
        self, folder: Path, durable: bool = False, *extra: str, log: Path | None = None
    ) -> None:
        self.folder = folder.resolve()
        self.socket = self.folder / "redis.sock"
        self.url = f"unix://{self.socket}"
        self._durable = durable
        self._extra = extra
        self._log = log
        self.process: subprocess.Popen[bytes] | None = None

    def argv(self) -> list[str]:
        """The command line that starts it."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisNotInstalled("redis-server is not installed: run `bash .ci/setup`")
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "always"]
            if self._durable
            else ["--save", "", "--appendonly", "no"]
        )
        return [binary, "--port", "0", "--unixsocket", str(self.socket),
                "--unixsocketperm", "700", "--dir", str(self.folder),
                *persistence, *self._extra]  # fmt: skip

    def start(self, timeout: float = 15.0) -> str:
        """Start it and wait until it answers; its URL."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._log is None:
            self.process = subprocess.Popen(self.argv(), stdout=subprocess.DEVNULL)
        else:
            with self._log.open("ab") as out:
                self.process = subprocess.Popen(self.argv(), stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        client = redis.Redis.from_url(self.url)
        while True:
            with contextlib.suppress(redis.ConnectionError):
                client.ping()
                return self.url
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the private redis-server did not start (see {self.folder})")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop it (a no-op if it is not running)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
