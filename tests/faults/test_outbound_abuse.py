"""Abuse at the edges: forged destinations, huge bodies, replays, spoofed caller IDs and budgets.

Each test here failed before the fix it names (see docs/reliability.md, "Abuse").
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
import redis
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from hotline.dev import procfile
from hotline.dev.phone import Caller
from hotline.stores import keys
from hotline.web.app import create_app
from hotline.wiring import QUEUE, EvictingRedis
from tests.support import (
    ACCOUNT_SID,
    PUBLIC_BASE_URL,
    Phone,
    fictional,
    free_port,
    post_signed,
    run_jobs,
    sms_params,
    transport,
    wait_until,
    worker_env,
)

HOUR = 3600


def queued_filings(settings) -> int:
    connection = redis.Redis.from_url(settings.redis_url)
    return int(connection.zcard(keys.CALLBACKS_OPEN))


# A webhook about someone else's number -------------------------------------------------------


@pytest.mark.parametrize("to", ["+15005550007", "", "whatsapp:+15005550007"])
def test_a_text_to_another_number_is_refused(app, to: str) -> None:
    params = {**sms_params("+12025550101", "SECOND", "SM" + "4" * 32), "To": to}
    assert post_signed(app.test_client(), "/twilio/sms", params).status_code == 403


def test_a_text_to_a_channel_address_of_our_own_number_is_served(app) -> None:
    params = {
        **sms_params("+12025550101", "SECOND", "SM" + "5" * 32),
        "To": "whatsapp:+15005550006",
    }
    assert post_signed(app.test_client(), "/twilio/sms", params).status_code == 200


def test_a_call_to_another_number_is_refused_and_called_counts_as_to(app) -> None:
    base = {"CallSid": "CA" + "6" * 32, "AccountSid": ACCOUNT_SID, "From": "+12025550102"}
    client = app.test_client()
    assert post_signed(client, "/twilio/voice", {**base, "To": "+15005550007"}).status_code == 403
    assert (
        post_signed(client, "/twilio/voice", {**base, "Called": "+15005550006"}).status_code == 200
    )


def test_other_configured_senders_are_the_hotlines_own(settings) -> None:
    app = create_app(replace(settings, twilio_senders=("+15005550009",)))
    params = {**sms_params("+12025550101", "SECOND", "SM" + "7" * 32), "To": "+15005550009"}
    assert post_signed(app.test_client(), "/twilio/sms", params).status_code == 200


# A body of any size --------------------------------------------------------------------------


def test_a_huge_unsigned_body_is_refused_before_it_is_read(settings, tmp_path: Path) -> None:
    """413 from a real gunicorn for a 100 MB POST, in well under its upload time, memory flat."""
    port = free_port()
    env = {**os.environ, **worker_env(settings), "PUBLIC_BASE_URL": PUBLIC_BASE_URL}
    web = subprocess.Popen(procfile.web(f"127.0.0.1:{port}"), env=env, stderr=subprocess.DEVNULL)
    try:
        healthz = f"http://127.0.0.1:{port}/healthz"
        wait_until(lambda: urllib.request.urlopen(healthz, timeout=1).status == 200, "gunicorn", 60)
        size = 100 * 1024 * 1024
        started = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            conn.sendall(
                b"POST /twilio/sms HTTP/1.1\r\nHost: x\r\nX-Twilio-Signature: forged\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                + f"Content-Length: {size}\r\n\r\n".encode()
                + b"Body=" + b"x" * (1024 * 1024)
            )  # fmt: skip
            answer = conn.recv(4096)
        elapsed = time.perf_counter() - started
        assert answer.startswith(b"HTTP/1.1 413"), answer[:80]
        assert elapsed < 2.0
        rss = max(_rss_kib(pid) for pid in _children(web.pid))
        print(f"\n[abuse] 100 MB unsigned POST: 413 in {elapsed * 1000:.0f} ms, "
              f"web worker RSS {rss / 1024:.0f} MB after it")  # fmt: skip
        assert rss < 150 * 1024  # a gunicorn worker's usual size: the body was never held
    finally:
        web.terminate()
        web.wait(timeout=20)


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in found.split()] or [pid]


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# Replays -------------------------------------------------------------------------------------


def test_a_filing_replayed_later_files_and_confirms_nothing_again(app, settings, twilio) -> None:
    client = app.test_client()
    number, filing_sid = "+13035550121", "SM" + "8" * 32
    for i, body in enumerate(("SECOND", "6", "1", "1", "2")):
        assert (
            post_signed(client, "/twilio/sms", sms_params(number, body, f"SM{i:032d}")).status_code
            == 200
        )
    filing = sms_params(number, "3", filing_sid)
    assert b"request is in" in post_signed(client, "/twilio/sms", filing).data
    run_jobs(settings)
    for i, body in enumerate(("MENU", "2", "MENU", "3", "MENU"), start=10):
        post_signed(client, "/twilio/sms", sms_params(number, body, f"SM{i:032d}"))
    connection = redis.Redis.from_url(settings.redis_url)
    connection.delete(*connection.keys("rq:job:*"))  # RQ has long forgotten the finished jobs
    post_signed(client, "/twilio/sms", filing)  # the same signed webhook, minutes later
    run_jobs(settings)
    confirmations = [m for m in twilio.sent("message") if m.get("To") == number]
    assert len(confirmations) == 1
    assert queued_filings(settings) == 1


# Calls with no caller ID ---------------------------------------------------------------------


def test_withheld_callers_file_at_most_the_hours_allowance_then_are_put_through(settings) -> None:
    app = create_app(replace(settings, withheld_callbacks_per_hour=2))
    answers = []
    for _ in range(3):
        caller = Caller(transport(app.test_client()), "+266696687")  # Twilio's "anonymous"
        caller.dial_in()
        caller.press("6")  # a call back
        caller.press("1")  # mornings
        caller.press("2")  # no voicemail
        caller.press("2")  # discreetly
        caller.press("3")  # treatment: skipped; asked for a number to call first
        caller.press("2125550123#")
        for key in ("1", "2", "2"):  # back at the questions, with the number
            caller.press(key)
        answers.append(caller.press("3"))
    assert all("request is in" in " ".join(a.prompts) for a in answers[:2])
    assert "request is in" not in " ".join(answers[2].prompts)  # the third is told, and offered
    assert caller.silence().dialed == settings.social_worker_line  # a social worker straight away
    run_jobs(settings)
    assert queued_filings(settings) == 2


# Outbound budgets ----------------------------------------------------------------------------


def test_a_spoofed_caller_id_cannot_get_its_victim_more_than_the_per_number_cap(
    settings, twilio
) -> None:
    capped = replace(settings, texts_per_number_hour=3)
    app = create_app(capped)
    victim = "+13035550122"
    for _ in range(8):  # eight calls "from" the victim, each asking for a part by text
        caller = Caller(transport(app.test_client()), victim)
        caller.dial_in()
        caller.press("1")
        caller.press("9")
    run_jobs(capped)
    texted = len([m for m in twilio.sent("message") if m.get("To") == victim])
    print(f"\n[abuse] 8 calls from a spoofed caller ID, each pressing 9: {texted} texts to it")
    assert texted == 3


def test_a_confirmation_over_the_hours_budget_waits_for_the_next_hour(
    app, settings, twilio
) -> None:
    connection = redis.Redis.from_url(settings.redis_url)
    hour = int(time.time() // HOUR)
    connection.set(keys.texts_sent(hour), settings.texts_per_hour)  # the hour's budget is spent
    phone = Phone(app.test_client(), "+13035550123")
    for body in ("SECOND", "6", "1", "1", "2", "3"):
        phone.text(body)
    run_jobs(settings)
    assert queued_filings(settings) == 1 and twilio.sent("message") == []
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer)
    scheduled = ScheduledJobRegistry(queue=queue).get_job_ids()
    [waiting] = [job_id for job_id in scheduled if job_id.startswith("file-")]
    assert (
        ScheduledJobRegistry(queue=queue).get_scheduled_time(waiting).timestamp()
        == (hour + 1) * HOUR
    )
    connection.delete(keys.texts_sent(hour))  # the next hour comes
    queue.enqueue_job(Job.fetch(waiting, connection=connection, serializer=JSONSerializer))
    run_jobs(settings)
    [confirmation] = twilio.sent("message")
    assert (
        confirmation.get("To") == "+13035550123" and "confirm" in confirmation.get("Body").lower()
    )


def test_ordinary_texts_leave_the_reserved_share_for_confirmations(settings, twilio) -> None:
    small = replace(settings, texts_per_hour=5, texts_per_number_hour=10, staff_alert_numbers=())
    app = create_app(small)
    for i in range(6):  # six parts asked for by text: only 80% of the budget, 4, go out
        caller = Caller(transport(app.test_client()), fictional(30 + i, 303))
        caller.dial_in()
        caller.press("1")
        caller.press("9")
    run_jobs(small)
    parts = len(twilio.sent("message"))
    phone = Phone(app.test_client(), "+13035550139")
    for body in ("SECOND", "6", "1", "1", "2", "3"):
        phone.text(body)
    run_jobs(small)
    assert parts == 4
    assert [m.get("To") for m in twilio.sent("message")][4:] == ["+13035550139"]


# Health data at rest -------------------------------------------------------------------------


def test_hotline_run_writes_only_owner_only_files(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "REDIS_SENTINELS")}
    port = free_port()
    run = subprocess.Popen(
        [str(Path(sys.executable).parent / "hotline"), "run", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    home = tmp_path / ".hotline"
    try:
        wait_until(lambda: any((home / "redis").rglob("*.aof")), "Redis's append-only file", 30)
    finally:
        run.terminate()
        run.wait(timeout=30)
    written = [home, *home.rglob("*")]
    assert len(written) > 4
    loose = {str(p.relative_to(tmp_path)): oct(p.stat().st_mode & 0o777) for p in written
             if not p.is_socket() and p.stat().st_mode & 0o077}  # fmt: skip
    assert loose == {}


# An evicting Redis ---------------------------------------------------------------------------


@pytest.fixture
def evicting(redis_url: str):
    connection = redis.Redis.from_url(redis_url)
    connection.config_set("maxmemory-policy", "allkeys-lru")
    yield redis_url
    connection.config_set("maxmemory-policy", "noeviction")


def test_the_app_refuses_to_start_on_an_evicting_redis(settings, evicting) -> None:
    with pytest.raises(EvictingRedis, match="maxmemory-policy allkeys-lru"):
        create_app(settings)


def test_the_worker_refuses_to_start_on_an_evicting_redis(settings, evicting) -> None:
    env = {**os.environ, **worker_env(settings)}
    started = subprocess.run(procfile.worker(), env=env, capture_output=True, text=True, timeout=60)
    assert started.returncode != 0
    assert "maxmemory-policy allkeys-lru" in started.stderr


# A spoofed caller ID and an open request -----------------------------------------------------


def call_asking_for_another_number(app, caller_id: str, typed: str, verstat: str = "") -> None:
    """A call "from" `caller_id` that asks to be called back at `typed` instead."""
    post = transport(app.test_client())
    if verstat:
        plain = post

        def post(path: str, params: dict[str, str]) -> bytes:
            return plain(path, {**params, "StirVerstat": verstat})

    caller = Caller(post, caller_id)
    caller.dial_in()
    caller.press("6")  # a call back
    caller.press("5")  # at another number
    caller.press(typed + "#")
    caller.press("1")  # mornings
    caller.press("1")  # a message may be left
    caller.press("2")  # discreetly
    caller.press("3")  # treatment: skipped


def test_a_changed_number_keeps_the_first_and_tells_the_askers_phone(app, settings, twilio) -> None:
    patient = "+13035550141"
    phone = Phone(app.test_client(), patient)
    for body in ("SECOND", "6", "1", "1", "2", "3"):
        phone.text(body)
    run_jobs(settings)
    call_asking_for_another_number(app, patient, "2125550177")
    run_jobs(settings)
    connection = redis.Redis.from_url(settings.redis_url)
    [request_id] = [i.decode() for i in connection.zrange(keys.CALLBACKS_OPEN, 0, -1)]
    held = connection.hgetall(keys.callback(request_id))
    assert (held[b"number"], held[b"first_number"]) == (b"+12125550177", patient.encode())
    to_patient = [m.get("Body") for m in twilio.sent("message") if m.get("To") == patient]
    assert any("changed" in body and "212-555-0177" in body for body in to_patient)
    assert [m for m in twilio.sent("message") if m.get("To") == "+12125550177"] == []


def test_a_caller_id_that_failed_verification_changes_nothing_and_is_texted_nothing(
    app, settings, twilio
) -> None:
    patient = "+13035550161"
    phone = Phone(app.test_client(), patient)
    for body in ("SECOND", "6", "1", "1", "2", "3"):
        phone.text(body)
    run_jobs(settings)
    sent_before = len(twilio.sent("message"))
    call_asking_for_another_number(app, patient, "2125550166", verstat="TN-Validation-Failed-C")
    caller = Caller(transport(app.test_client()), patient)
    run_jobs(settings)
    connection = redis.Redis.from_url(settings.redis_url)
    [request_id] = [i.decode() for i in connection.zrange(keys.CALLBACKS_OPEN, 0, -1)]
    assert connection.hget(keys.callback(request_id), "number") == patient.encode()
    assert len(twilio.sent("message")) == sent_before  # no confirmation, no notice, to anyone
    assert caller.call_sid  # an ordinary call from the same number is still served
