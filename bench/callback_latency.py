"""Time from a call-back request's filing webhook to the request in the social workers' queue."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

from rq import Worker
from rq.registry import StartedJobRegistry

from bench.driver import exchange
from bench.lab import Lab
from bench.webhooks import CALLBACK_SCRIPT
from hotline.dev import procfile

WARMUP = 3  # requests sent first and not counted
POLL = 0.0005  # seconds between two looks at the queue


@dataclass
class CallbackLatency:
    to_queue: list[float] = field(default_factory=list)  # seconds, webhook sent -> in the queue
    webhook: list[float] = field(default_factory=list)  # seconds, the webhook's own answer
    misses: int = 0  # requests never seen in the queue


class _QueueWatch:
    """Polls the number of waiting requests from a thread; remembers when it changed."""

    def __init__(self, lab: Lab) -> None:
        self.callbacks = lab.hotline.callbacks
        self.seen: list[tuple[int, float]] = []  # (count, first time seen)
        self.changed = threading.Condition()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        last = None
        while not self.done.is_set():
            count = self.callbacks.count_waiting()
            if count != last:
                now = time.perf_counter()
                with self.changed:
                    self.seen.append((count, now))
                    self.changed.notify_all()
                last = count
            time.sleep(POLL)

    def __enter__(self) -> _QueueWatch:
        self.thread.start()
        with self.changed:
            self.changed.wait_for(lambda: self.seen, timeout=5)
        return self

    def __exit__(self, *_: object) -> None:
        self.done.set()
        self.thread.join(timeout=5)

    def last(self) -> int:
        with self.changed:
            return self.seen[-1][0]

    def grown_past(self, base: int, timeout: float) -> float | None:
        """When the count first exceeded `base` (perf_counter), waiting up to `timeout`."""
        with self.changed:
            if not self.changed.wait_for(lambda: self.seen[-1][0] > base, timeout=timeout):
                return None
            return next((t for c, t in self.seen if c > base), math.nan)


def measure(lab: Lab, count: int) -> CallbackLatency:
    """`count` requests, one at a time, each sent when the single RQ worker is idle."""
    conn, queue = lab.hotline.redis, lab.hotline.queue
    started = StartedJobRegistry(queue=queue)

    def idle(seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            lab.children.check_alive()
            workers = Worker.all(connection=conn)
            if (workers and all(w.get_state() == "idle" for w in workers)
                    and queue.count == 0 and started.count == 0):  # fmt: skip
                return True
            time.sleep(0.005)
        return False

    worker = lab.children.start("rq-worker", procfile.worker(), lab.env)
    result = CallbackLatency()
    try:
        if not idle(60):
            raise SystemExit("the RQ worker did not become idle")
        convs = lab.signer.sms_conversations("latency", count + WARMUP, CALLBACK_SCRIPT)
        with _QueueWatch(lab) as watch:
            for i, conv in enumerate(convs):
                with lab.real.connect() as s:
                    for step in conv[:-1]:
                        exchange(s, lab.real.request(step))
                if not idle(10):
                    raise SystemExit("the RQ worker stayed busy")
                base = watch.last()
                with lab.real.connect() as s:
                    t0 = time.perf_counter()
                    status, body, _ = exchange(s, lab.real.request(conv[-1]))
                    t1 = time.perf_counter()
                if status != 200 or b"call back request is in" not in body:
                    raise SystemExit(f"callback webhook failed: {status} {body[:200]!r}")
                visible = watch.grown_past(base, timeout=5)
                if visible is None:
                    result.misses += 1
                    if result.misses >= 3:
                        raise SystemExit("call-back requests do not reach the queue")
                elif i >= WARMUP:
                    result.to_queue.append(visible - t0)
                    result.webhook.append(t1 - t0)
        return result
    finally:
        lab.children.stop(worker)
