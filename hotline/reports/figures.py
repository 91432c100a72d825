"""The report: a date range's counts turned into plainly named figures. Pure: no Redis, no clock."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import date

from hotline.reports.counters import CHANNELS, Counted
from hotline.reports.tally import WAIT_BUCKETS, bucket


@dataclass(frozen=True)
class Wait:
    """How long people waited, from the bucketed counts: a percentile is the upper bound of the
    bucket it falls in (so "p50 15" means half waited 15 minutes or less); None past 7 days."""

    count: int
    p50_minutes: float | None
    p90_minutes: float | None
    buckets: dict[str, int]  # bucket's upper bound in seconds ('inf' for the last) -> count


@dataclass(frozen=True)
class Report:
    """Every figure of one date range (both ends included, in the office's time zone)."""

    since: str
    until: str
    conversations: int
    people: int
    by_channel: dict[str, dict[str, int]]
    by_language: dict[str, dict[str, int]]
    by_day: list[dict[str, int | str]]
    entry_keywords: dict[str, int]
    parts_opened: dict[str, int]
    parts_finished: dict[str, int]
    parts_left_unfinished: dict[str, int]
    pages_read: dict[str, dict[str, int]]
    press_nine_texts: int
    safety_answers: int
    urgent_requests: int
    sms_segments: dict[str, int]
    voice_minutes: float
    texts_sent: int
    callbacks_requested: int
    callbacks_requested_urgent: int
    callback_attempts: dict[str, int]
    callbacks_reached: int
    callbacks_wrong_number: int
    callbacks_closed_after_three_tries: int
    callbacks_closed_without_call: int
    wait_to_first_attempt: Wait
    wait_to_reached: Wait
    reached_within_business_day: int
    reached_within_business_day_share: float | None
    twilio_errors: dict[str, int]
    texts_held_back: dict[str, int]

    def as_json(self) -> dict[str, object]:
        """The report as plain JSON values, figures named as in this class."""
        return asdict(self)


def build(counted: Counted, since: date, until: date, langs: tuple[str, ...]) -> Report:
    """The report of `counted`, the counts of the days from `since` to `until`."""
    total: Counter[str] = Counter()
    for day_counts in counted.days.values():
        total.update(day_counts)
    by = _Grouped(total)
    conversations = by.per("conversations")
    opened, finished = by.detail("opened"), by.detail("finished")
    pages: defaultdict[str, dict[str, int]] = defaultdict(dict)
    for (node, page), n in sorted(
        by.pairs("page").items(), key=lambda kv: (kv[0][0], int(kv[0][1]))
    ):
        pages[node][page] = n
    closed = by.plain("callback_closed")
    within = total["reached_within_business_day"]
    return Report(
        since=since.isoformat(),
        until=until.isoformat(),
        conversations=sum(conversations.values()),
        people=counted.people,
        by_channel={
            c: {
                "conversations": _sum(conversations, channel=c),
                "people": counted.people_by_channel[c],
            }
            for c in CHANNELS
        },
        by_language={
            lang: {
                "conversations": _sum(conversations, lang=lang),
                "people": counted.people_by_language[lang],
            }
            for lang in langs
        },
        by_day=[
            {
                "day": d.isoformat(),
                **{c: _sum(_Grouped(counts).per("conversations"), channel=c) for c in CHANNELS},
                "people": counted.people_by_day[d],
            }
            for d, counts in sorted(counted.days.items())
        ],
        entry_keywords=by.detail("entry"),
        parts_opened=opened,
        parts_finished=finished,
        parts_left_unfinished={p: max(0, n - finished.get(p, 0)) for p, n in opened.items()},
        pages_read=dict(pages),
        press_nine_texts=sum(by.per("press_nine").values()),
        safety_answers=sum(by.per("safety").values()),
        urgent_requests=sum(by.per("urgent").values()),
        sms_segments=_segments(total, by),
        voice_minutes=round(sum(by.per("voice_seconds").values()) / 60, 1),
        texts_sent=total["texts_sent"],
        callbacks_requested=sum(by.detail("callbacks_requested").values()),
        callbacks_requested_urgent=by.detail("callbacks_requested").get("urgent", 0),
        callback_attempts={o: by.plain("callback_attempt").get(o, 0) for o in _ATTEMPTS},
        callbacks_reached=closed.get("reached", 0),
        callbacks_wrong_number=closed.get("wrong_number", 0),
        callbacks_closed_after_three_tries=closed.get("no_answer", 0),
        callbacks_closed_without_call=closed.get("closed", 0),
        wait_to_first_attempt=wait(by.plain("wait_first_attempt")),
        wait_to_reached=wait(by.plain("wait_reached")),
        reached_within_business_day=within,
        reached_within_business_day_share=round(within / sum(closed.values()), 3)
        if closed
        else None,
        twilio_errors=by.plain("twilio_error"),
        texts_held_back=by.plain("held_back"),
    )


def wait(buckets: dict[str, int]) -> Wait:
    """The count and percentiles of one bucketed waiting time."""
    ordered = {bucket(b): buckets.get(bucket(b), 0) for b in WAIT_BUCKETS}
    count = sum(ordered.values())
    return Wait(count, percentile(ordered, 0.5), percentile(ordered, 0.9), ordered)


def percentile(ordered: dict[str, int], q: float) -> float | None:
    """The upper bound, in minutes, of the bucket holding the `q` quantile (None: the last bucket,
    or no counts at all)."""
    count = sum(ordered.values())
    if not count:
        return None
    needed, seen = math.ceil(q * count), 0
    for bound, n in ordered.items():
        seen += n
        if seen >= needed:
            return None if bound == "inf" else int(bound) / 60
    return None


_ATTEMPTS = ("reached", "no_answer", "wrong_number")


class _Grouped:
    """Counter names taken apart: `figure:channel:lang[:detail…]` or `figure[:detail]`."""

    def __init__(self, counts: Counter[str]) -> None:
        self._parts = [(name.split(":"), n) for name, n in counts.items()]

    def per(self, figure: str) -> dict[tuple[str, str], int]:
        """A step figure by (channel, lang)."""
        found: Counter[tuple[str, str]] = Counter()
        for parts, n in self._parts:
            if parts[0] == figure and len(parts) >= 3:
                found[(parts[1], parts[2])] += n
        return dict(found)

    def detail(self, figure: str) -> dict[str, int]:
        """A step figure by its last part (a content id, a keyword, a kind), channels together."""
        found: Counter[str] = Counter()
        for parts, n in self._parts:
            if parts[0] == figure and len(parts) >= 4:
                found[parts[-1]] += n
        return dict(sorted(found.items()))

    def pairs(self, figure: str) -> dict[tuple[str, str], int]:
        """A step figure by its last two parts (a part of the fact sheet and a page)."""
        found: Counter[tuple[str, str]] = Counter()
        for parts, n in self._parts:
            if parts[0] == figure and len(parts) >= 5:
                found[(parts[-2], parts[-1])] += n
        return dict(found)

    def plain(self, figure: str) -> dict[str, int]:
        """A figure with no channel, by its detail."""
        found = {parts[1]: n for parts, n in self._parts if parts[0] == figure and len(parts) == 2}
        return dict(sorted(found.items()))


def _sum(per: dict[tuple[str, str], int], channel: str = "", lang: str = "") -> int:
    return sum(n for (c, la), n in per.items() if channel in ("", c) and lang in ("", la))


def _segments(total: Counter[str], by: _Grouped) -> dict[str, int]:
    replies = sum(by.per("reply_segments").values())
    return {
        "replies": replies,
        "texts": total["text_segments"],
        "total": replies + total["text_segments"],
    }
