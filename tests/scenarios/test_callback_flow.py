"""Asking for a call back, end to end: webhook, RQ job, the queue, and the texts Twilio is asked to send."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import redis
from rq import Queue
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from hotline.dev.phone import Caller
from hotline.stores.callbacks import CallbackQueue
from hotline.web.app import create_app
from tests.support import Phone, fictional, run_jobs, transport, worker_env


def ask_by_text(
    phone: Phone, window: str = "1", voicemail: str = "1", contact: str = "2", treatment: str = "3"
) -> list[str]:
    """Read a part, then ask for a call back: the replies along the way."""
    return [*phone.text("SECOND"), *phone.text("2"), *phone.text("MENU"), *phone.text("6"),
            *phone.text(window), *phone.text(voicemail), *phone.text(contact),
            *phone.text(treatment)]  # fmt: skip


def queue_of(settings) -> CallbackQueue:
    return CallbackQueue(redis.Redis.from_url(settings.redis_url))


def test_a_texter_asks_and_gets_one_request_and_one_honest_confirmation(settings, twilio) -> None:
    phone = Phone(create_app(settings).test_client(), "+13035550101")
    replies = ask_by_text(phone)
    assert "Your call back request is in" in replies[-1]
    assert queue_of(settings).waiting(time.time()) == []  # not filed until the job runs
    run_jobs(settings)
    [request] = queue_of(settings).waiting(time.time())
    assert (request.number, request.channel, request.lang) == ("+13035550101", "sms", "en")
    assert (request.topic, request.window, request.voicemail, request.urgent) == (
        "find",
        "morning",
        True,
        False,
    )
    assert (request.mention, request.first_name, request.treatment_soon) == ("discreet", "", False)
    texts = twilio.sent("message")
    [confirmation] = [t for t in texts if t.get("To") == "+13035550101"]
    body = confirmation.get("Body")
    assert "confirmed" in body and "303-555-0101" in body
    assert any(when in body for when in ("this morning", "tomorrow morning", "morning"))
    [alert] = [t for t in texts if t.get("To") == "+13125550101"]
    assert (
        alert.get("Body")
        == "CancerCare hotline: 1 call back request(s) waiting. Open the dashboard."
    )


def test_asking_again_updates_the_open_request(settings, twilio) -> None:
    phone = Phone(create_app(settings).test_client(), "+13035550102")
    ask_by_text(phone, window="1")
    run_jobs(settings)
    for body in ("MENU", "6", "3", "2", "2", "3"):
        phone.text(body)
    run_jobs(settings)
    [request] = queue_of(settings).waiting(time.time())
    assert (request.window, request.voicemail) == ("evening", False)
    assert len([t for t in twilio.sent("message") if t.get("To") == "+13035550102"]) == 2


def test_a_caller_asks_for_a_call_to_another_number(settings, twilio) -> None:
    call = Caller(transport(create_app(settings).test_client()), "+13035550103")
    call.dial_in()
    call.press("6")
    assert "enter the 10 digit phone number" in call.press("5").text
    assert "OK, we will call 3 0 3, 5 5 5, 0 1 9 9" in call.press("3035550199").text
    call.press("2")
    assert "someone else answers" in call.press("2").text
    assert "two weeks" in call.press("2").text
    assert "call back request is in" in call.press("1").text
    run_jobs(settings)
    [request] = queue_of(settings).waiting(time.time())
    assert (request.number, request.channel, request.window, request.voicemail) == (
        "+13035550199", "voice", "afternoon", False,
    )  # fmt: skip
    assert (request.mention, request.treatment_soon) == ("discreet", True)
    [confirmation] = [t for t in twilio.sent("message") if t.get("To") == "+13035550103"]
    assert "303-555-0199" in confirmation.get("Body")


def test_a_texter_may_give_a_first_name_and_say_treatment_starts_soon(settings) -> None:
    phone = Phone(create_app(settings).test_client(), "+13035550109")
    replies = ask_by_text(phone, contact="1. Ana María", treatment="1")
    assert "Last question" in replies[-2] and "Your call back request is in" in replies[-1]
    run_jobs(settings)
    [request] = queue_of(settings).waiting(time.time())
    assert (request.mention, request.first_name, request.treatment_soon) == (
        "cancercare", "Ana María", True,
    )  # fmt: skip


def test_a_job_run_twice_files_once_and_confirms_once(settings, twilio, redis_url: str) -> None:
    phone = Phone(create_app(settings).test_client(), "+13035550104")
    ask_by_text(phone)
    connection = redis.Redis.from_url(redis_url)
    queue = Queue("hotline", connection=connection, serializer=JSONSerializer)
    [job] = [j for j in queue.get_jobs() if j.func_name == "hotline.outbound.jobs.file_callback"]
    assert "3035550104" not in repr(job.args) and "3035550104" not in job.description
    args = job.args
    run_jobs(settings)
    queue.enqueue_call("hotline.outbound.jobs.file_callback", args=args, job_id="again")
    run_jobs(settings)
    assert len(queue_of(settings).waiting(time.time())) == 1
    assert len([t for t in twilio.sent("message") if t.get("To") == "+13035550104"]) == 1


def test_no_confirmation_to_a_number_that_opted_out(settings, twilio) -> None:
    phone = Phone(create_app(settings).test_client(), "+13035550105")
    ask_by_text(phone)
    phone.text("STOP")
    run_jobs(settings)
    assert len(queue_of(settings).waiting(time.time())) == 1
    assert [t for t in twilio.sent("message") if t.get("To") == "+13035550105"] == []


def test_a_worker_killed_mid_flight_loses_and_doubles_nothing(
    settings, twilio, redis_url: str
) -> None:
    """SIGKILL a real `rq worker` (and its work horse) while requests are queued; restart it."""
    client = create_app(settings).test_client()
    numbers = [fictional(i, 303) for i in range(50, 70)]
    for number in numbers:
        ask_by_text(Phone(client, number))
    connection = redis.Redis.from_url(redis_url)
    queue = Queue("hotline", connection=connection, serializer=JSONSerializer)
    worker = _start_worker(settings)
    deadline = time.monotonic() + 20
    while StartedJobRegistry(queue=queue).count == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    assert queue_of(settings).count_waiting() < len(numbers), (
        "the worker finished before it was killed"
    )
    # A job caught mid-flight sits in RQ's started registry or its intermediate queue. RQ's
    # maintenance, which a worker runs when it starts and between jobs, fails it after a minute
    # and its Retry schedules it again. Burst workers started one after another let that happen.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        _start_worker(settings).wait(timeout=60)
        if queue_of(settings).count_waiting() == len(numbers) and queue.count == 0:
            break
        time.sleep(5)
    waiting = queue_of(settings).waiting(time.time())
    assert sorted(r.number for r in waiting) == numbers
    confirmations = [t.get("To") for t in twilio.sent("message") if t.get("To") in numbers]
    assert len(confirmations) == len(set(confirmations)) >= len(numbers) - 1
    print(f"\nworker killed mid-flight: {len(waiting)}/{len(numbers)} requests filed once, "
          f"{len(confirmations)} confirmations")  # fmt: skip


def _start_worker(settings) -> subprocess.Popen[bytes]:
    """A real `rq worker` in burst mode, with its scheduler, in a process group of its own."""
    env = {**os.environ, **worker_env(settings)}
    command = [sys.executable, "-m", "rq.cli", "worker", "--burst", "--with-scheduler",
               "--serializer", "json", "--url", settings.redis_url, "--quiet", "hotline"]  # fmt: skip
    return subprocess.Popen(command, env=env, start_new_session=True)
