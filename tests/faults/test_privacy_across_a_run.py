"""Privacy across a whole run: numbers and words stay out of logs and job arguments; state expires."""

from __future__ import annotations

import logging
import re

import redis
from rq import Queue
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from hotline.dev.phone import Caller
from hotline.web.app import create_app
from tests.support import Phone, run_jobs, transport

NUMBERS = ("+16125550101", "+16125550102", "+16125550103")
SECRET_WORDS = "my biopsy came back stage three"
PHONE_DIGITS = re.compile(r"61255501\d\d|612-?555-?010\d")


class Everything(logging.Handler):
    """Keeps every log record's raw message and traceback, before any formatter runs."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        if record.exc_info:
            self.lines.append(logging.Formatter().formatException(record.exc_info))


def test_a_whole_run_keeps_numbers_and_words_out_of_logs_and_jobs(settings, twilio) -> None:
    root, handler = logging.getLogger(), Everything()
    root.addHandler(handler)
    level, root.level = root.level, logging.DEBUG
    try:
        client = create_app(settings).test_client()
        texter = Phone(client, NUMBERS[0])
        for body in (
            "SECOND",
            SECRET_WORDS,
            "2",
            "MENU",
            "6",
            "5",
            "(612) 555-0103",
            "1",
            "2",
            "2",
            "3",
        ):
            texter.text(body)
        call = Caller(transport(client), NUMBERS[1])
        call.dial_in()
        call.press("2")
        call.press("9")
        call.say(SECRET_WORDS)
        connection = redis.Redis.from_url(settings.redis_url)
        jobs = Queue("hotline", connection=connection, serializer=JSONSerializer).get_jobs()
        assert len(jobs) == 2
        for job in jobs:
            raw = str(connection.hgetall(job.key))
            assert not PHONE_DIGITS.search(raw) and "biopsy" not in raw, raw
        run_jobs(settings)
    finally:
        root.removeHandler(handler)
        root.level = level
    logged = "\n".join(handler.lines)
    assert len(handler.lines) > 20, "the run logged too little to prove anything"
    assert not PHONE_DIGITS.search(logged) and "biopsy" not in logged
    assert {m.get("To") for m in twilio.sent("message")} == {
        NUMBERS[0],
        NUMBERS[1],
        *settings.staff_alert_numbers,
    }

    for key in connection.scan_iter("hotline:{*"):
        name = key.decode()
        assert not PHONE_DIGITS.search(name), name
        if not name.endswith(":optout"):
            assert connection.ttl(key) > 0, f"{name} never expires"
    scheduled = ScheduledJobRegistry("hotline", connection=connection, serializer=JSONSerializer)
    assert any(job_id.startswith("purge-") for job_id in scheduled.get_job_ids())
    print(f"\nprivacy: {len(handler.lines)} log lines, {len(jobs)} jobs, "
          f"{sum(1 for _ in connection.scan_iter('hotline:{*'))} conversation keys: no number, no words")  # fmt: skip
