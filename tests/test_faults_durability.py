"""Redis killed and restarted with its append-only file: nothing a person was told is confirmed is lost."""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import redis

from conftest import Phone, run_jobs
from hotline.stores.callbacks import CallbackQueue
from hotline.web.app import create_app


def _start(folder: Path) -> subprocess.Popen[bytes]:
    """redis-server as `hotline run` starts it: append-only file on, fsync on every write."""
    process = subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", str(folder / "redis.sock"), "--dir",
         str(folder), "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis(unix_socket_path=str(folder / "redis.sock")).ping()
            return process
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def test_confirmed_requests_survive_a_redis_crash(settings, twilio, tmp_path: Path) -> None:
    server = _start(tmp_path)
    url = f"unix://{tmp_path / 'redis.sock'}"
    durable = replace(settings, redis_url=url)
    try:
        client = create_app(durable).test_client()
        numbers = [f"+1555240{i:04d}" for i in range(30)]
        for number in numbers:
            for body in ("SECOND", "6", "4", "2"):
                Phone(client, number).text(body)
        run_jobs(durable)
        confirmed = {m.get("To") for m in twilio.sent("message") if "confirmed" in m.get("Body")}
        server.send_signal(signal.SIGKILL)
        server.wait()
        server = _start(tmp_path)
        after = CallbackQueue(redis.Redis.from_url(url)).waiting(time.time())
        assert confirmed == set(numbers)
        assert sorted(r.number for r in after) == numbers
        print(
            f"\nredis SIGKILLed after {len(confirmed)} confirmations: {len(after)} requests after restart"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
