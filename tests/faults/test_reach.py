"""Fault suite: reaching people. Duplicated WhatsApp deliveries, a check-in answered twice, a
check-in to a number that opted out in the meantime, and a worker killed between scheduling a
check-in and sending it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
import redis
from rq import Queue
from rq.serializers import JSONSerializer

from hotline.web.app import create_app
from hotline.web.resources import resources_of
from hotline.wiring import QUEUE, Hotline
from tests.support import Phone, message_bodies, post_signed, run_all, run_jobs, worker_env

NUMBER = "+12125550199"


def whatsapp_params(number: str, body: str, sid: str) -> dict[str, str]:
    """The form Twilio posts for a WhatsApp message from `number`."""
    return {
        "MessageSid": sid, "AccountSid": "AC" + "0" * 32, "From": f"whatsapp:{number}",
        "To": "whatsapp:+15005550006", "Body": body, "NumMedia": "0", "WaId": number[1:],
        "ProfileName": "Maria", "SmsStatus": "received", "ApiVersion": "2010-04-01",
    }  # fmt: skip


def deliver_copies(app, params: dict[str, str], copies: int) -> list[list[str]]:
    """`copies` deliveries of one message at the same moment, then one more a little later."""
    replies: list[list[str]] = []
    lock = threading.Lock()

    def deliver() -> None:
        got = message_bodies(post_signed(app.test_client(), "/twilio/sms", params).data)
        with lock:
            replies.append(got)

    run_all([deliver] * copies)
    deliver()
    return replies


def test_duplicated_whatsapp_deliveries_take_one_step_and_file_once(settings, twilio) -> None:
    app = create_app(settings)
    script = ("SECOND", "3", "MENU", "6", "2", "1", "1", "3")
    for i, body in enumerate(script):
        params = whatsapp_params(NUMBER, body, f"SM{i:032d}")
        replies = deliver_copies(app, params, copies=2 + i % 3)
        assert len({tuple(r) for r in replies}) == 1, (body, replies)
    h = resources_of(app)
    state = h.store.load("sms", NUMBER)
    assert state.steps == len(script)
    run_jobs(settings)
    [request] = h.callbacks.waiting(time.time())
    sent = Counter(m.get("To") for m in twilio.sent("message") if "confirmed" in m.get("Body"))
    assert sent == {f"whatsapp:{NUMBER}": 1} and request.window == "afternoon"


def agree_and_send(app, settings) -> tuple[Phone, Hotline]:
    """A check-in agreed to, then sent (its job run now)."""
    phone = Phone(app.test_client(), NUMBER)
    for body in ("SECOND", "2", "MORE", "MENU", "7", "MENU", "1"):
        phone.text(body)
    h = resources_of(app)
    queue = Queue(QUEUE, connection=h.redis, serializer=JSONSerializer)
    job = queue.fetch_job(f"checkin-{h.store.tag(NUMBER)}")
    queue.scheduled_job_registry.remove(job)
    queue.enqueue_job(job)
    run_jobs(settings)
    return phone, h


def test_a_check_in_answered_twice_is_thanked_and_counted_once(settings, twilio) -> None:
    app = create_app(settings)
    phone, h = agree_and_send(app, settings)
    first = phone.text("1", sid="SM" + "7" * 32)
    assert first == ["Thank you for letting us know. We wish you well. Text SECOND any time."]
    assert phone.text("1", sid="SM" + "7" * 32) == first  # Twilio's retry: the same answer
    statuses: list[list[str]] = []
    run_all([lambda i=i: statuses.append(phone.text(str(1 + i % 2))) for i in range(6)])
    assert not any("Thank you for letting us know" in r for got in statuses for r in got)
    figures = h.counts.figures()
    assert figures["checkin_answered:en:sms"] == 1 and figures["checkin_answer_yes:en:sms"] == 1
    assert "checkin_answer_not_yet:en:sms" not in figures


def test_two_answers_at_once_only_one_counts(settings, twilio) -> None:
    app = create_app(settings)
    phone, h = agree_and_send(app, settings)
    got: list[list[str]] = []
    run_all([lambda body=body: got.append(phone.text(body)) for body in ("1", "2", "1", "2")])
    thanked = [r for replies in got for r in replies if r.startswith("Thank you for letting")]
    assert len(thanked) == 1, got
    assert h.counts.figures()["checkin_answered:en:sms"] == 1


def test_a_check_in_to_a_number_that_opted_out_meanwhile_sends_nothing(settings, twilio) -> None:
    app = create_app(settings)
    phone = Phone(app.test_client(), NUMBER)
    for body in ("SECOND", "2", "MORE", "MENU", "7", "MENU", "1"):
        phone.text(body)
    h = resources_of(app)
    h.store.record_opt_out(h.store.tag(NUMBER))  # Twilio told a job: 21610 (say, by carrier)
    twilio.unsubscribe(NUMBER)
    queue = Queue(QUEUE, connection=h.redis, serializer=JSONSerializer)
    job = queue.fetch_job(f"checkin-{h.store.tag(NUMBER)}")
    queue.scheduled_job_registry.remove(job)
    queue.enqueue_job(job)
    run_jobs(settings)
    assert [m for m in twilio.sent("message") if m.get("To") == NUMBER] == []
    assert twilio.rejected() == []  # not even tried
    assert h.store.checkin(h.store.tag(NUMBER)) is None
    assert "checkin_sent:en:sms" not in h.counts.figures()


def worker(settings) -> subprocess.Popen[bytes]:
    """A real RQ worker with its scheduler, as the Procfile runs it."""
    command = [sys.executable, "-m", "rq.cli", "worker", "--with-scheduler", "--serializer",
               "json", "--maintenance-interval", "5", "--worker-ttl", "20", "--url",
               settings.redis_url, "--quiet",
               QUEUE]  # fmt: skip
    return subprocess.Popen(
        command, env={**os.environ, **worker_env(settings)}, start_new_session=True
    )


@pytest.mark.parametrize(
    "stop",
    [signal.SIGTERM, pytest.param(signal.SIGKILL, marks=pytest.mark.slow)],
    ids=["restarted", "killed"],
)
def test_a_scheduled_check_in_survives_a_worker_stopped_before_it_is_due(
    settings, twilio, stop: signal.Signals
) -> None:
    """Restarted (SIGTERM), the next worker's scheduler sends it at once; killed (SIGKILL), once
    the dead scheduler's lock lapses (61 s), at the next worker's maintenance."""
    first = worker(settings)
    app = create_app(settings)
    phone = Phone(app.test_client(), NUMBER)
    for body in ("SECOND", "2", "MORE", "MENU", "7", "MENU", "1"):
        phone.text(body)
    time.sleep(1.5)  # the worker and its scheduler are up, the check-in two weeks away
    os.killpg(first.pid, stop)
    first.wait(timeout=30)
    h = resources_of(app)
    queue = Queue(QUEUE, connection=redis.Redis.from_url(settings.redis_url),
                  serializer=JSONSerializer)  # fmt: skip
    job = queue.fetch_job(f"checkin-{h.store.tag(NUMBER)}")
    assert job is not None and job.get_status() == "scheduled"
    queue.scheduled_job_registry.schedule(job, datetime.now(UTC))  # two weeks pass
    second = worker(settings)
    try:
        [sent] = [m for m in twilio.wait_for(1, "message", timeout=120) if m.get("To") == NUMBER]
        time.sleep(1)
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)
    assert "Have you been able to get a second opinion?" in sent.get("Body")
    assert len(twilio.sent("message")) == 1
