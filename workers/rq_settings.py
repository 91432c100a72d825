"""RQ's own settings (`rq worker --config workers.rq_settings`): the queue's Redis, found as the
web app finds it: REDIS_URL, or the master that REDIS_SENTINELS name."""

from __future__ import annotations

import os

from redis.backoff import NoBackoff
from redis.retry import Retry

from hotline import settings, wiring  # as modules: RQ reads every upper-case name here as a setting
from hotline.outbound import jobs

_sentinels = settings.parse_sentinels(os.environ.get("REDIS_SENTINELS", ""))
if _sentinels:
    SENTINEL = {
        "INSTANCES": list(_sentinels),
        "MASTER_NAME": os.environ.get("REDIS_SENTINEL_MASTER") or settings.SENTINEL_MASTER,
        # Fail fast, without retries, when a Sentinel or the master does not answer; RQ sets the
        # read timeout of its own connection (longer than its wait for the next job).
        "SENTINEL_KWARGS": {"socket_timeout": wiring.REDIS_TIMEOUT, "retry": Retry(NoBackoff(), 0)},
        "CONNECTION_KWARGS": {"socket_connect_timeout": wiring.REDIS_TIMEOUT},
    }
else:
    REDIS_URL = os.environ.get("REDIS_URL")

if _sentinels or os.environ.get("REDIS_URL"):
    # Built once, before RQ forks a work horse for each job; refuses an evicting Redis at start.
    jobs.hotline()
