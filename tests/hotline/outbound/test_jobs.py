"""The `final_notice` and `purge` jobs, run by RQ's worker against the Twilio stand-in."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from flows.model import Flows
from hotline.dev.twilio_standin import TwilioStandIn
from hotline.outbound import jobs
from hotline.outbound.enqueue import enqueue
from hotline.settings import Settings
from hotline.stores.callbacks import CallbackOutcome, CallbackQueue
from hotline.stores.conversations import ConversationStore
from hotline.wiring import QUEUE
from tests.support import ABROAD, INVALID, PREMIUM_900, file_request, run_jobs

ASKER = "+12025550101"
OTHER_PHONE = "+12025550109"  # the number the asker gave us to call, not their own
DAY = 86400
RUNS = itertools.count()


@pytest.fixture
def connection(settings: Settings) -> redis.Redis:
    return redis.Redis.from_url(settings.redis_url)


@pytest.fixture
def queue(connection: redis.Redis) -> Queue:
    return Queue(QUEUE, connection=connection, serializer=JSONSerializer)


@pytest.fixture
def callbacks(connection: redis.Redis, settings: Settings) -> CallbackQueue:
    return CallbackQueue(connection, keep_closed=settings.closed_callback_days * DAY)


def run(settings: Settings, queue: Queue, function: Any, *args: str) -> Any:
    """Queue `function(*args)`, run the queue as the worker would, and return what it returned."""
    job_id = f"test-{function.__name__}-{next(RUNS)}"  # each run its own job
    enqueue(queue, function, args, job_id)
    run_jobs(settings)
    job = Job.fetch(job_id, connection=queue.connection, serializer=JSONSerializer)
    assert job.get_status() == "finished", job.get_status()
    return job.return_value()


def tag(settings: Settings, number: str, connection: redis.Redis) -> str:
    return ConversationStore(connection, settings.secret_key, 60).tag(number)


def test_final_notice_texts_the_askers_own_phone(
    settings: Settings, queue: Queue, callbacks: CallbackQueue, twilio: TwilioStandIn,
    connection: redis.Redis, flows: Flows,
) -> None:  # fmt: skip
    person = tag(settings, ASKER, connection)
    request_id = file_request(callbacks, OTHER_PHONE, time.time(), person=person, text_to=ASKER)
    assert run(settings, queue, jobs.final_notice, request_id) is True
    [sent] = twilio.sent("message")
    assert sent.get("To") == ASKER and sent.get("Body") == flows["en"].text("callback_missed")
    assert OTHER_PHONE not in [m.get("To") for m in twilio.sent()]


@pytest.mark.parametrize("asker", [ABROAD, PREMIUM_900, INVALID])
def test_no_text_goes_to_a_number_the_hotline_may_not_text(
    settings: Settings, queue: Queue, callbacks: CallbackQueue, twilio: TwilioStandIn,
    connection: redis.Redis, asker: str,
) -> None:  # fmt: skip
    """A request filed before the rule (its `text_to` abroad, say) is not texted either."""
    person = tag(settings, asker, connection)
    request_id = file_request(callbacks, OTHER_PHONE, time.time(), person=person, text_to=asker)
    assert run(settings, queue, jobs.final_notice, request_id) is False
    assert twilio.sent() == []


def test_final_notice_speaks_the_askers_language(
    settings: Settings, queue: Queue, callbacks: CallbackQueue, twilio: TwilioStandIn, flows: Flows
) -> None:
    request_id = file_request(callbacks, ASKER, time.time(), lang="es", text_to=ASKER)
    assert run(settings, queue, jobs.final_notice, request_id) is True
    assert [m.get("Body") for m in twilio.sent("message")] == [flows["es"].text("callback_missed")]


@pytest.mark.parametrize("case", ["unknown request", "withheld number", "opted out"])
def test_final_notice_sends_nothing_when_it_must_not(
    case: str, settings: Settings, queue: Queue, callbacks: CallbackQueue,
    twilio: TwilioStandIn, connection: redis.Redis,
) -> None:  # fmt: skip
    person = tag(settings, ASKER, connection)
    request_id = file_request(
        callbacks,
        ASKER,
        time.time(),
        person=person,
        text_to="" if case == "withheld number" else ASKER,
    )
    if case == "unknown request":
        request_id = "no-such-request"
    if case == "opted out":
        ConversationStore(connection, settings.secret_key, 60).record_opt_out(person)
    assert run(settings, queue, jobs.final_notice, request_id) is False
    assert twilio.sent() == []


def close(callbacks: CallbackQueue, request_id: str, at: float) -> None:
    callbacks.claim(request_id, "alice", at)
    callbacks.close(request_id, "alice", CallbackOutcome.REACHED, "", at)


def test_purge_deletes_closed_requests_past_retention_and_schedules_the_next(
    settings: Settings, queue: Queue, callbacks: CallbackQueue
) -> None:
    now = time.time()
    keep = settings.closed_callback_days * DAY
    old = file_request(callbacks, "+12025550102", now - keep - 2 * DAY)
    recent = file_request(callbacks, "+12025550103", now - 2 * DAY)
    still_open = file_request(callbacks, "+12025550104", now - keep - 2 * DAY)
    close(callbacks, old, now - keep - DAY)
    close(callbacks, recent, now - DAY)

    assert run(settings, queue, jobs.purge) == 1
    assert callbacks.get(old) is None
    assert callbacks.get(recent) is not None and callbacks.get(still_open) is not None
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert f"purge-{tomorrow:%Y-%m-%d}" in ScheduledJobRegistry(queue=queue).get_job_ids()

    assert run(settings, queue, jobs.purge) == 0  # nothing more to purge; still one scheduled
    assert [
        j for j in ScheduledJobRegistry(queue=queue).get_job_ids() if j.startswith("purge-")
    ] == [f"purge-{tomorrow:%Y-%m-%d}"]
