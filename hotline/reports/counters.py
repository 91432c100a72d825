"""ReportCounters: the report's counts in the queue's Redis, per day, expiring after REPORT_DAYS.

Each day (in the office's time zone) is one hash of counter name -> count, plus a HyperLogLog
of people per channel and language (`PFADD` of a person's tag keeps no tag: only register
maxima). A few all-time counts that /metrics reads (texts, Twilio errors, texts held back) are
kept in one small hash beside them.

Webhook steps `add` to a buffer in the process, written by a thread every second in one
pipelined round trip: the step itself costs no Redis round trip, and a crash loses at most a
second of counts. Jobs, the dashboard and the CLI `record` at once (one round trip), since an
RQ work horse ends without warning when its job is done.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import redis

from hotline.reports.tally import Tally
from hotline.stores import keys
from hotline.stores.decode import text

log = logging.getLogger(__name__)
FLUSH_EVERY = 1.0  # seconds between a process's writes of buffered counts
BUFFER_PEOPLE = 100_000  # tags kept while Redis cannot be reached; past this, people go uncounted
LASTING = ("texts_sent", "twilio_error:", "held_back:")  # also counted all-time, for /metrics
CHANNELS = ("sms", "voice", "whatsapp")


@dataclass(frozen=True)
class Counted:
    """A date range's counts: per day, and distinct people (whole range, by channel, by language)."""

    days: dict[date, Counter[str]]
    people_by_day: dict[date, int]
    people: int
    people_by_channel: dict[str, int]
    people_by_language: dict[str, int]


class ReportCounters:
    """Count into the queue's Redis, now or buffered; read a date range back."""

    def __init__(self, connection: redis.Redis, zone: ZoneInfo, keep_days: int) -> None:
        self._redis = connection
        self.zone = zone
        self.keep_days = keep_days
        self._lock = threading.Lock()
        self._counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._people: defaultdict[tuple[str, str, str], set[str]] = defaultdict(set)
        self._writing = threading.Lock()  # one flush at a time, a flush_all() waits for it
        self._flusher: threading.Thread | None = None
        self._pid = os.getpid()
        self._today = (0, "")  # the second it was worked out in, and the day: once a second
        _LIVE.add(self)

    def day(self, at: float | None = None) -> str:
        """The office's date at `at` (now by default), as YYYY-MM-DD."""
        if at is not None:
            return datetime.fromtimestamp(at, self.zone).date().isoformat()
        now = int(time.time())
        if self._today[0] != now:
            self._today = (now, datetime.fromtimestamp(now, self.zone).date().isoformat())
        return self._today[1]

    def record(self, tally: Tally, at: float | None = None) -> None:
        """Write `tally` now, in one round trip."""
        day = self.day(at)
        people = {(day, *tally.person[:2]): {tally.person[2]}} if tally.person else {}
        self._write({day: tally.counts}, people)

    def add(self, tally: Tally, at: float | None = None) -> None:
        """Buffer `tally`; this process's flusher writes it within a second."""
        day = self.day(at)
        if self._pid != os.getpid():
            self._forget()
        with self._lock:
            self._counts[day].update(tally.counts)
            if tally.person and sum(map(len, self._people.values())) < BUFFER_PEOPLE:
                self._people[(day, *tally.person[:2])].add(tally.person[2])
            if self._flusher is None:
                self._flusher = threading.Thread(
                    target=_flush_forever, args=(weakref.ref(self),), daemon=True
                )
                self._flusher.start()

    def flush(self) -> None:
        """Write what is buffered; on a Redis error keep it for the next try."""
        with self._writing:
            with self._lock:
                counts, people = self._counts, self._people
                self._counts, self._people = defaultdict(Counter), defaultdict(set)
            if not counts and not people:
                return
            try:
                self._write(counts, people)
            except redis.RedisError:
                with self._lock:
                    for day, counted in counts.items():
                        self._counts[day].update(counted)
                    for where, tags in people.items():
                        self._people[where] |= tags
                raise

    def read(self, first: date, last: date, langs: Iterable[str]) -> Counted:
        """The counts of the days from `first` to `last`, both included, in `langs`."""
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        langs = tuple(langs)

        def people(days: list[date], channels: Iterable[str], langs: Iterable[str]) -> list[str]:
            return [
                keys.report_people(d.isoformat(), c, lang)
                for d in days
                for c in channels
                for lang in langs
            ]

        with self._redis.pipeline(transaction=False) as pipe:
            for d in days:
                pipe.hgetall(keys.report_day(d.isoformat()))
            for d in days:
                pipe.pfcount(*people([d], CHANNELS, langs))
            pipe.pfcount(*people(days, CHANNELS, langs))
            for c in CHANNELS:
                pipe.pfcount(*people(days, [c], langs))
            for lang in langs:
                pipe.pfcount(*people(days, CHANNELS, [lang]))
            found = iter(pipe.execute())
        counts = {d: Counter({text(k): int(v) for k, v in next(found).items()}) for d in days}
        by_day = {d: int(next(found)) for d in days}
        everyone = int(next(found))
        by_channel = {c: int(next(found)) for c in CHANNELS}
        by_language = {lang: int(next(found)) for lang in langs}
        return Counted(counts, by_day, everyone, by_channel, by_language)

    def totals(self) -> Counter[str]:
        """The all-time counts /metrics reads."""
        raw = self._redis.hgetall(keys.REPORT_TOTALS)
        return Counter({text(k): int(v) for k, v in raw.items()})

    def _write(
        self, counts: dict[str, Counter[str]], people: dict[tuple[str, str, str], set[str]]
    ) -> None:
        with self._redis.pipeline(transaction=False) as pipe:
            for day, counted in counts.items():
                name = keys.report_day(day)
                for counter, n in counted.items():
                    pipe.hincrby(name, counter, n)
                    if counter.startswith(LASTING):
                        pipe.hincrby(keys.REPORT_TOTALS, counter, n)
                pipe.expireat(name, self._expiry(day))
            for (day, channel, lang), tags in people.items():
                name = keys.report_people(day, channel, lang)
                pipe.pfadd(name, *tags)
                pipe.expireat(name, self._expiry(day))
            pipe.execute()

    def _expiry(self, day: str) -> int:
        """When a day's counts go: REPORT_DAYS after the day ended."""
        end = datetime.combine(date.fromisoformat(day) + timedelta(days=1), datetime.min.time())
        return int(end.replace(tzinfo=self.zone).timestamp()) + self.keep_days * 86400

    def _flush_quietly(
        self, failed: str = "report counts not written yet (kept for the next try)"
    ) -> None:
        try:
            self.flush()
        except Exception:  # noqa: BLE001 - the flusher must outlive any one failure
            log.warning("%s: Redis did not answer", failed)

    def _forget(self) -> None:
        """In a forked child: the parent's buffer, locks and flusher are the parent's."""
        self._pid = os.getpid()
        self._lock, self._writing = threading.Lock(), threading.Lock()
        self._counts, self._people = defaultdict(Counter), defaultdict(set)
        self._flusher = None


_LIVE: weakref.WeakSet[ReportCounters] = weakref.WeakSet()


def flush_all() -> None:
    """Write every buffer of this process now (at exit; a test's end), waiting out any write."""
    for counters in list(_LIVE):
        counters._flush_quietly("report counts of the last second lost")


atexit.register(flush_all)


def _flush_forever(counters: weakref.ref[ReportCounters]) -> None:
    """A process's flusher: every second, until its counters are gone."""
    while True:
        time.sleep(FLUSH_EVERY)
        alive = counters()
        if alive is None:
            return
        alive._flush_quietly()
        del alive
