"""Putting a job on the hotline's RQ queue: by function, once per id, with RQ's retries."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from rq import Queue, Retry
from rq.exceptions import DuplicateJobError

RETRY = Retry(max=4, interval=[10, 60, 300, 900])
FAILED_TTL = 7 * 24 * 3600  # a failed job is kept a week for the dashboard, then purged


def enqueue(queue: Queue, function: Callable[..., Any], args: tuple[str, ...], job_id: str) -> None:
    """Queue `function(*args)` under `job_id`; the same work already queued is enough once.

    Arguments are ids and keyed hashes, never a number (the queue is JSON in Redis).
    """
    with contextlib.suppress(DuplicateJobError):
        queue.enqueue_call(
            function, args=args, job_id=job_id, retry=RETRY, failure_ttl=FAILED_TTL, unique=True
        )
