"""Redis killed and restarted with its append-only file: nothing a person was told is confirmed is lost."""

from __future__ import annotations

import signal
import time
from dataclasses import replace
from pathlib import Path

import redis

from hotline.dev.redis_server import RedisServer
from hotline.stores.callbacks import CallbackQueue
from hotline.web.app import create_app
from tests.support import Phone, fictional, run_jobs


def test_confirmed_requests_survive_a_redis_crash(settings, twilio, tmp_path: Path) -> None:
    server = RedisServer(tmp_path, True)  # as `hotline run` starts it: fsync on every write
    url = server.start()
    durable = replace(settings, redis_url=url)
    try:
        client = create_app(durable).test_client()
        numbers = [fictional(i, 503) for i in range(30)]
        for number in numbers:
            for body in ("SECOND", "6", "4", "2", "2", "3"):
                Phone(client, number).text(body)
        run_jobs(durable)
        confirmed = {m.get("To") for m in twilio.sent("message") if "confirmed" in m.get("Body")}
        assert server.process is not None
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        server.start()
        after = CallbackQueue(redis.Redis.from_url(url)).waiting(time.time())
        assert confirmed == set(numbers)
        assert sorted(r.number for r in after) == numbers
        print(
            f"\nredis SIGKILLed after {len(confirmed)} confirmations: {len(after)} requests after restart"
        )
    finally:
        server.stop()
