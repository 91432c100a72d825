"""What the engineer on call needs right now, read from Redis when asked (at scrape time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rq import Worker
from rq.registry import FailedJobRegistry

from hotline.stores import keys
from hotline.stores.callbacks import URGENT_HEAD_START
from hotline.wiring import Hotline

WORKER_SILENCE = 120  # seconds without a heartbeat after which a worker counts as gone


@dataclass(frozen=True)
class Backlog:
    """Open call-back requests: how many of each kind, and the oldest one's age (0 if none)."""

    urgent: int
    ordinary: int
    oldest_urgent: float
    oldest_any: float


def backlog(h: Hotline, now: float) -> Backlog:
    """The call-back queue as it stands: urgent requests sort first, by request time."""
    with h.redis.pipeline(transaction=False) as pipe:
        pipe.zcount(keys.CALLBACKS_OPEN, "-inf", "(0")
        pipe.zcount(keys.CALLBACKS_OPEN, 0, "+inf")
        pipe.zrangebyscore(keys.CALLBACKS_OPEN, "-inf", "(0", start=0, num=1, withscores=True)
        pipe.zrangebyscore(keys.CALLBACKS_OPEN, 0, "+inf", start=0, num=1, withscores=True)
        urgent, ordinary, first_urgent, first_ordinary = pipe.execute()
    asked = [score + URGENT_HEAD_START for _, score in first_urgent]
    oldest_urgent = now - asked[0] if asked else 0.0
    asked += [score for _, score in first_ordinary]
    return Backlog(int(urgent), int(ordinary), oldest_urgent, now - min(asked) if asked else 0.0)


def workers_alive(h: Hotline, now: datetime | None = None) -> int:
    """RQ workers of the hotline's queue that checked in within the last two minutes."""
    now = now or datetime.now(UTC)
    alive = 0
    for worker in Worker.all(queue=h.queue):
        beat = worker.last_heartbeat
        if beat is not None and beat.tzinfo is None:
            beat = beat.replace(tzinfo=UTC)
        alive += beat is not None and (now - beat).total_seconds() <= WORKER_SILENCE
    return alive


def jobs_failed(h: Hotline) -> int:
    """Jobs that failed for good (kept a week, listed on the dashboard)."""
    return FailedJobRegistry(queue=h.queue).count
