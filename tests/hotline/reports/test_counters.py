"""ReportCounters: buffered per process (and per forked child), flushed in one round trip, kept
REPORT_DAYS; and a webhook step still costs the conversation store 2 round trips."""

from __future__ import annotations

import dataclasses
import os
import time
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis

from hotline.reports import counters as counters_module
from hotline.reports.counters import ReportCounters
from hotline.reports.tally import Tally
from hotline.settings import Settings
from hotline.stores import keys
from hotline.web.app import create_app
from hotline.web.resources import resources_of
from tests.support import Phone, fictional

NY = ZoneInfo("America/New_York")


@pytest.fixture
def connection(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


def today(counters: ReportCounters) -> date:
    return date.fromisoformat(counters.day())


def test_buffered_counts_arrive_within_a_second_or_two(connection: redis.Redis) -> None:
    counters = ReportCounters(connection, NY, 400)
    counters.add(Tally(Counter({"conversations:sms:en": 2}), ("sms", "en", "t1")))
    counters.add(Tally(Counter({"conversations:sms:en": 1}), ("sms", "en", "t1")))
    assert connection.hget(keys.report_day(counters.day()), "conversations:sms:en") is None
    deadline = time.monotonic() + 5
    while connection.hget(keys.report_day(counters.day()), "conversations:sms:en") != b"3":
        assert time.monotonic() < deadline, "the flusher did not write within 5 s"
        time.sleep(0.05)
    counted = counters.read(today(counters), today(counters), ("en", "es"))
    assert counted.people == 1 and counted.people_by_language == {"en": 1, "es": 0}


def test_counts_wait_out_a_redis_that_does_not_answer(connection: redis.Redis, tmp_path) -> None:
    gone = redis.Redis.from_url(f"unix://{tmp_path}/nothing.sock")
    counters = ReportCounters(gone, NY, 400)
    counters.add(Tally(Counter({"safety:sms:en": 1}), ("sms", "en", "t")))
    with pytest.raises(redis.RedisError):
        counters.flush()
    counters._redis = connection  # Redis is back
    counters.flush()
    assert connection.hget(keys.report_day(counters.day()), "safety:sms:en") == b"1"
    assert connection.pfcount(keys.report_people(counters.day(), "sms", "en")) == 1


def test_a_forked_child_counts_its_own_and_never_its_parents(connection: redis.Redis) -> None:
    counters = ReportCounters(connection, NY, 400)
    counters.add(Tally(Counter({"steps": 1})))  # the parent's, still buffered
    child = os.fork()
    if child == 0:  # a gunicorn worker forked from a master that counted
        try:
            counters.add(Tally(Counter({"steps": 10})))
            counters.flush()
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    counters.flush()
    assert connection.hget(keys.report_day(counters.day()), "steps") == b"11"


def test_days_expire_report_days_after_they_end(connection: redis.Redis) -> None:
    counters = ReportCounters(connection, NY, 400)
    counters.record(Tally(Counter({"texts_sent": 1}), ("sms", "en", "t")))
    ttl = connection.ttl(keys.report_day(counters.day()))
    assert 400 * 86400 <= ttl <= 401 * 86400
    old = datetime.now(NY) - timedelta(days=402)
    counters.record(Tally(Counter({"texts_sent": 1}), ("sms", "en", "t")), at=old.timestamp())
    assert not connection.exists(keys.report_day(counters.day(old.timestamp())))
    assert connection.hget(keys.REPORT_TOTALS, "texts_sent") == b"2"  # all-time, for /metrics


def test_people_are_counted_once_across_days_and_channels(connection: redis.Redis) -> None:
    counters = ReportCounters(connection, NY, 400)
    now = time.time()
    for days_ago, channel, lang, tag in [(0, "sms", "en", "a"), (1, "sms", "en", "a"),
                                         (1, "voice", "es", "a"), (1, "voice", "en", "b")]:  # fmt: skip
        counters.record(Tally(person=(channel, lang, tag)), at=now - days_ago * 86400)
    end = today(counters)
    counted = counters.read(end - timedelta(days=1), end, ("en", "es"))
    assert counted.people == 2
    assert counted.people_by_channel == {"sms": 1, "voice": 2, "whatsapp": 0}
    assert counted.people_by_language == {"en": 2, "es": 1}
    assert list(counted.people_by_day.values()) == [2, 1]


def test_a_webhook_step_costs_two_round_trips_and_the_counts_one_a_second(
    settings: Settings, connection: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(counters_module, "FLUSH_EVERY", 3600.0)  # flushed by hand below
    app = create_app(dataclasses.replace(settings, staff_alert_numbers=()))
    phone = Phone(app.test_client(), fictional(1, 503))
    phone.text("SECOND")  # connections opened, scripts loaded
    reads = connection.info("stats")["total_reads_processed"]
    # Steps with no effect of their own: no part read to its end (leaving one offers a check-in).
    for body in ("1", "MORE", "BACK", "MORE", "BACK", "MENU", "2", "MENU", "3", "MENU"):
        phone.text(body)
    grown = connection.info("stats")["total_reads_processed"] - reads - 1  # less this INFO
    assert grown == 20
    resources_of(app).reports.flush()
    assert connection.info("stats")["total_reads_processed"] - reads - 2 == 21
    day = resources_of(app).reports.day()
    assert connection.hget(keys.report_day(day), "page:sms:en:doctor:2") == b"2"
