"""RQ's own settings (`rq worker --config workers.rq_settings`): the queue's Redis, found as the
web app finds it: REDIS_URL, or the master that REDIS_SENTINELS name."""

from __future__ import annotations

import os

from hotline.app import REDIS_TIMEOUT
from hotline.settings import SENTINEL_MASTER, parse_sentinels

_sentinels = parse_sentinels(os.environ.get("REDIS_SENTINELS", ""))
if _sentinels:
    SENTINEL = {
        "INSTANCES": list(_sentinels),
        "MASTER_NAME": os.environ.get("REDIS_SENTINEL_MASTER") or SENTINEL_MASTER,
        "SENTINEL_KWARGS": {"socket_timeout": REDIS_TIMEOUT},
    }
else:
    REDIS_URL = os.environ.get("REDIS_URL")
