"""Hand outbound texts to the RQ worker, keeping the phone number out of the job's arguments."""

from __future__ import annotations

import redis
from rq import Queue, Retry

from hotline.store import ConversationStore

QUEUE = "hotline"
# Long enough for a queued job to outlive a worker restart; short, since it is a phone number.
CONTACT_TTL = 24 * 3600
RETRY = Retry(max=4, interval=[10, 60, 300, 900])


class Outbox:
    """Queue the texting of a part of the fact sheet to a caller."""

    def __init__(self, connection: redis.Redis, queue: Queue, store: ConversationStore) -> None:
        self._redis = connection
        self._queue = queue
        self._store = store

    def send_section(self, number: str, lang: str, node: str, job_id: str) -> None:
        """Text `node`'s SMS pages to `number`, once, whatever retries happen (`job_id` is stable)."""
        tag = self._store.tag(number)
        self._redis.set(self._store.key(tag, "contact"), number, ex=CONTACT_TTL)
        self._queue.enqueue_call(
            "workers.jobs.send_section",
            args=(tag, lang, node),
            job_id=job_id,
            retry=RETRY,
            failure_ttl=7 * 24 * 3600,
        )
