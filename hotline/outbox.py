"""Hand slow work to the RQ worker, keeping phone numbers out of the jobs' arguments.

A job gets the keyed hash of a person's number (their tag) and ids; whatever personal detail
it needs waits for it in a short-lived Redis key under that tag.
"""

from __future__ import annotations

import contextlib
import json
import time

import redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError

from hotline.callbacks import CallbackOutcome, CallbackRequest, Status
from hotline.failover import MasterChanged, MasterWatch
from hotline.settings import can_be_reached
from hotline.store import ConversationStore

QUEUE = "hotline"
# Long enough for a queued job to outlive a worker restart; short, since it is a phone number.
CONTACT_TTL = 24 * 3600
RETRY = Retry(max=4, interval=[10, 60, 300, 900])
FAILED_TTL = 7 * 24 * 3600
ALERT_EVERY = 300  # at most one "requests waiting" alert to staff per five minutes


class Outbox:
    """Queue texts and call-back filings for the worker."""

    def __init__(
        self, connection: redis.Redis, queue: Queue, store: ConversationStore, master: MasterWatch
    ) -> None:
        self._redis = connection
        self._queue = queue
        self._store = store
        self._master = master

    def send_section(self, number: str, lang: str, node: str, job_id: str) -> None:
        """Text `node`'s SMS pages to `number`, once, whatever retries happen (`job_id` is stable)."""
        tag = self._remember(number)
        self._enqueue("workers.jobs.send_section", (tag, lang, node), job_id)

    def request_callback(
        self, number: str, channel: str, lang: str, answers: dict[str, str], filing_key: str
    ) -> None:
        """File a call-back request for `number` (or the number in `answers`) and confirm it.

        `number` is the asker's own (a withheld caller's CallSid stands in for it: such a request
        always carries the number they typed, and no text is sent). Raises MasterChanged when
        the request might not last (a failover, no replica): the person then hears that the
        hotline has a problem, with the social workers' number, and is not told it is in.
        """
        tag = self._store.tag(number)
        details = {
            "number": answers.get("number") or number,
            "text_to": number if can_be_reached(number) else "",
            "channel": channel,
            "lang": lang,
            "topic": answers.get("topic", ""),
            "window": answers.get("window", "any"),
            "voicemail": answers.get("voicemail") == "yes",
            "urgent": answers.get("urgent") == "yes",
            "requested_at": time.time(),
        }
        pending = self._store.key(tag, f"pending:{filing_key}")
        try:
            with self._master.unmoved():
                self._redis.set(pending, json.dumps(details), ex=CONTACT_TTL)
                self._enqueue("workers.jobs.file_callback", (tag, filing_key), f"file-{filing_key}")
        except MasterChanged:
            # The person hears it did not work: if the job survives, it must find nothing to file.
            with contextlib.suppress(redis.RedisError):
                self._redis.delete(pending)
            raise

    def alert_staff(self, now: float) -> None:
        """Tell on-duty staff that requests are waiting (deduplicated to one per period)."""
        self._enqueue("workers.jobs.alert_staff", (), f"alert-{int(now // ALERT_EVERY)}")

    def after_close(self, request: CallbackRequest) -> None:
        """A request closed after its last unanswered attempt gets a final text saying how to reach us."""
        if request.status is Status.CLOSED and request.outcome == CallbackOutcome.NO_ANSWER:
            self._enqueue("workers.jobs.final_notice", (request.id,), f"final-{request.id}")

    def _remember(self, number: str) -> str:
        tag = self._store.tag(number)
        self._redis.set(self._store.key(tag, "contact"), number, ex=CONTACT_TTL)
        return tag

    def _enqueue(self, function: str, args: tuple[str, ...], job_id: str) -> None:
        # The same work already queued (a retried webhook or job) is enough once.
        with contextlib.suppress(DuplicateJobError):
            self._queue.enqueue_call(
                function, args=args, job_id=job_id, retry=RETRY, failure_ttl=FAILED_TTL, unique=True
            )
