"""The report of a known mix of conversations: every figure of `hotline report --json` checked
against what the test sent, through the real webhooks and RQ worker; and nothing in the
counters' keys or values that points at a person."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner

from flows.segments import measure
from flows.validate import spoken_seconds
from hotline.cli.main import main
from hotline.dev.phone import Caller, Heard
from hotline.dev.twilio_standin import TwilioStandIn
from hotline.settings import Settings
from hotline.stores import keys
from hotline.stores.callbacks import CallbackQueue
from hotline.stores.staff import StaffDirectory
from hotline.web.app import create_app
from hotline.web.resources import resources_of
from tests.support import (
    ALICE_PHONE,
    AUTH_TOKEN,
    PASSWORD,
    Phone,
    fictional,
    run_jobs,
    transport,
    worker_env,
)

A, B, C, D, E = (fictional(i, 404) for i in range(1, 6))
SAID = ("hello", "I feel like I want to die")  # what the person typed that is no keyword


class Mix:
    """The people of the mix, by text and by phone, tallying what they were sent."""

    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)
        self.client = self.app.test_client()
        self.reply_segments = 0
        self.voice_seconds = 0
        self.call_sids: list[str] = []

    def texts(self, number: str, *bodies: str) -> list[str]:
        phone, replies = Phone(self.client, number), []
        for body in bodies:
            got = phone.text(body)
            self.reply_segments += sum(measure(r).segments for r in got)
            replies += got
        return replies

    def call(self, number: str, *keys: str) -> Heard:
        caller = Caller(transport(self.client), number)
        self.call_sids.append(caller.call_sid)
        heard = self._heard(caller.dial_in())
        for key in keys:
            heard = self._heard(caller.press(key))
        return heard

    def _heard(self, heard: Heard) -> Heard:
        self.voice_seconds += round(sum(spoken_seconds(p) for p in heard.prompts))
        return heard

    def flush(self) -> None:
        resources_of(self.app).reports.flush()


@pytest.fixture
def quiet(settings: Settings) -> Settings:
    """No staff alerts: their number depends on the clock (one per five minutes)."""
    return dataclasses.replace(settings, staff_alert_numbers=())


@pytest.fixture
def cli_env(quiet: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    return {**worker_env(quiet), "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "STAFF_ALERT_NUMBERS": ""}


def hotline(env: dict[str, str], *args: str) -> str:
    result = CliRunner(env=env).invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_every_figure_of_the_report_is_what_was_sent(
    quiet: Settings, twilio: TwilioStandIn, cli_env: dict[str, str]
) -> None:
    mix = Mix(quiet)
    connection = redis.Redis.from_url(quiet.redis_url)
    StaffDirectory(connection).add("alice", PASSWORD, ALICE_PHONE)
    queue = CallbackQueue(connection)

    # A reads "find a doctor" to its end and asks for a call back; B gives up in Spanish.
    assert (
        "call back request is in"
        in mix.texts(A, "SECOND", "2", "MORE", "MENU", "6", "1", "1", "1", "3")[-1]
    )
    run_jobs(quiet)
    mix.texts(B, "SEGUNDA", "3")
    # C starts with no keyword, gets the safety answer, and asks for an urgent call back.
    replies = mix.texts(C, *SAID, "URGENT")
    assert "988" in replies[1] and "as soon as we can" in replies[2]
    run_jobs(quiet)
    # D calls, has two parts texted (the second is over the number's hourly cap), gives up.
    mix.call(D, "1", "9", "1", "0", "2", "9")
    run_jobs(quiet)
    # E calls, goes on in Spanish, reads a part and asks for a call back; Twilio refuses the
    # confirmation (21211). A calls and hangs up at the greeting.
    assert "pedido de llamada" in mix.call(E, "9", "2", "0", "6", "2", "1", "1", "3").text
    twilio.fail_next(400, 21211)
    run_jobs(quiet)
    mix.call(A)
    mix.flush()

    # The social workers: C reached at once; A missed three times (asked 3 hours ago); E
    # reached after 10 days.
    by_number = {r.text_to or r.number: r.id for r in queue.waiting(time.time())}
    assert sorted(by_number) == [A, C, E]
    now = time.time()
    connection.hset(keys.callback(by_number[A]), "requested_at", now - 3 * 3600)
    connection.hset(keys.callback(by_number[E]), "requested_at", now - 10 * 86400)
    for number, outcome in ((C, "reached"), (A, "no_answer"), (A, "no_answer"),
                            (A, "no_answer"), (E, "reached")):  # fmt: skip
        hotline(
            cli_env, "callbacks", "close", by_number[number], "--as", "alice", "--outcome", outcome
        )
    run_jobs(quiet)  # A's final notice

    sent = twilio.sent("message")
    # Confirmations, the part texted to D, the offers of a check-in to those reached, A's notice.
    assert [t.get("To") for t in sent] == [A, C, D, D, D, C, A, E]
    today = date.fromisoformat(resources_of(mix.app).reports.day())
    since = (today - timedelta(days=1)).isoformat()  # the mix may straddle midnight
    report = json.loads(hotline(cli_env, "report", "--since", since, "--json"))

    days = report.pop("by_day")
    assert [d["day"] for d in days] == [since, today.isoformat()]
    totals = {k: sum(d[k] for d in days) for k in ("sms", "voice", "whatsapp")}
    assert totals == {"sms": 3, "voice": 3, "whatsapp": 0}
    assert max(d["people"] for d in days) <= 5 <= sum(d["people"] for d in days)
    assert report == {
        "since": since,
        "until": today.isoformat(),
        "conversations": 6,
        "people": 5,
        "by_channel": {
            "sms": {"conversations": 3, "people": 3},
            "voice": {"conversations": 3, "people": 3},
            "whatsapp": {"conversations": 0, "people": 0},
        },
        "by_language": {
            "en": {"conversations": 5, "people": 4},
            "es": {"conversations": 1, "people": 2},
        },
        "entry_keywords": {"SECOND": 1, "SEGUNDA": 1, "call": 3, "other": 1},
        "parts_opened": {"doctor": 1, "find": 3, "helps": 1},
        "parts_finished": {"find": 3},
        "parts_left_unfinished": {"doctor": 1, "find": 0, "helps": 1},
        "pages_read": {"doctor": {"1": 1, "2": 1}, "find": {"1": 3, "2": 1}, "helps": {"1": 1}},
        "press_nine_texts": 2,
        "safety_answers": 1,
        "urgent_requests": 1,
        "sms_segments": {
            "replies": mix.reply_segments,
            "texts": sum(measure(t.get("Body")).segments for t in sent),
            "total": mix.reply_segments + sum(measure(t.get("Body")).segments for t in sent),
        },
        "voice_minutes": round(mix.voice_seconds / 60, 1),
        "texts_sent": 8,
        "callbacks_requested": 3,
        "callbacks_requested_urgent": 1,
        "callback_attempts": {"reached": 2, "no_answer": 3, "wrong_number": 0},
        "callbacks_reached": 2,
        "callbacks_wrong_number": 0,
        "callbacks_closed_after_three_tries": 1,
        "callbacks_closed_without_call": 0,
        "wait_to_first_attempt": {
            "count": 3,
            "p50_minutes": 240.0,
            "p90_minutes": None,
            "buckets": buckets({"300": 1, "14400": 1, "inf": 1}),
        },  # fmt: skip
        "wait_to_reached": {
            "count": 2,
            "p50_minutes": 5.0,
            "p90_minutes": None,
            "buckets": buckets({"300": 1, "inf": 1}),
        },  # fmt: skip
        "reached_within_business_day": 1,
        "reached_within_business_day_share": 0.333,
        "twilio_errors": {"21211": 1},
        "texts_held_back": {"recipient": 1},
    }

    scan_counters(connection, mix, [by_number[n] for n in (A, C, E)])


def buckets(counted: dict[str, int]) -> dict[str, int]:
    bounds = ("300", "900", "1800", "3600", "7200", "14400", "28800", "86400", "172800",
              "259200", "604800", "inf")  # fmt: skip
    return {b: counted.get(b, 0) for b in bounds}


def scan_counters(connection: redis.Redis, mix: Mix, request_ids: list[str]) -> None:
    """Every key and value the counters wrote: no number, hash of one, id or message."""
    store = resources_of(mix.app).store
    numbers = [A, B, C, D, E]
    forbidden = [n.lstrip("+") for n in numbers] + [n[-10:] for n in numbers]
    forbidden += [store.tag(n) for n in numbers] + [store.tag(n)[:8] for n in numbers]
    forbidden += request_ids + [sid[2:10] for sid in mix.call_sids] + [s.upper() for s in SAID]
    forbidden += [s.lower() for s in SAID]
    written = [k for k in connection.scan_iter(f"{keys.REPORT}:*")]
    assert len(written) >= 4
    for key in written:
        kind = connection.type(key)
        if kind == b"hash":
            contents = [part for pair in connection.hgetall(key).items() for part in pair]
            assert all(v.isdigit() for v in connection.hvals(key))
        else:
            assert kind == b"string" and connection.get(key).startswith(b"HYLL")
            contents = [connection.get(key)]
        for blob in [key, *contents]:
            text = blob.decode("latin-1")
            assert not [f for f in forbidden if f.encode().decode("latin-1") in text], key
        assert connection.ttl(key) > 399 * 86400 or key == keys.REPORT_TOTALS.encode()
