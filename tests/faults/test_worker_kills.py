"""Workers killed again and again at random points: every request filed once, at most one confirmation."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
import redis
from rq import Queue
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from hotline.stores.callbacks import CallbackQueue
from hotline.web.app import create_app
from tests.support import Phone, fictional, worker_env


def _worker(settings) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "rq.cli", "worker", "--burst", "--with-scheduler",
               "--serializer", "json", "--url", settings.redis_url, "--quiet", "hotline"]  # fmt: skip
    return subprocess.Popen(
        command, env={**os.environ, **worker_env(settings)}, start_new_session=True
    )


@pytest.mark.slow
def test_many_kills_lose_and_double_nothing(settings, twilio) -> None:
    rng = random.Random(20261124)
    client = create_app(settings).test_client()
    connection = redis.Redis.from_url(settings.redis_url)
    queue = Queue("hotline", connection=connection, serializer=JSONSerializer)
    numbers = [fictional(i, 615) for i in range(60)]
    for number in numbers:
        for body in ("SECOND", "6", "3", "1", "2", "3"):
            Phone(client, number).text(body)
    kills, started = 0, time.monotonic()
    for _ in range(12):  # kill a worker at a random moment, a dozen times
        worker = _worker(settings)
        time.sleep(rng.uniform(0.05, 1.5))
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            kills += 1
        worker.wait()
    deadline = time.monotonic() + 400
    callbacks = CallbackQueue(connection)
    while time.monotonic() < deadline:  # then let RQ recover the jobs caught mid-flight
        _worker(settings).wait(timeout=120)
        if (
            callbacks.count_waiting() == len(numbers)
            and queue.count == 0
            and not StartedJobRegistry(queue=queue).count
        ):
            break
        time.sleep(5)
    filed = Counter(r.number for r in callbacks.waiting(time.time()))
    confirmations = Counter(
        m.get("To") for m in twilio.sent("message") if "confirmed" in m.get("Body")
    )
    assert sorted(filed) == numbers and set(filed.values()) == {1}
    assert max(confirmations.values()) == 1 and len(confirmations) >= len(numbers) - kills
    assert StartedJobRegistry(queue=queue).count == 0 and queue.count == 0
    print(
        f"\n{kills} SIGKILLs: {len(filed)}/{len(numbers)} requests filed once, "
        f"{len(confirmations)} confirmations (none twice), recovered in {time.monotonic() - started:.0f} s"
    )
