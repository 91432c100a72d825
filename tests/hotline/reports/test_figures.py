"""The report's figures from counts, and how people may see them (small counts as "<5")."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from hotline.reports import figures, formats
from hotline.reports.counters import Counted

DAY = date(2026, 12, 1)


def report(counts: dict[str, int], people: int = 0) -> figures.Report:
    counted = Counted(
        {DAY: Counter(counts)}, {DAY: people}, people, {"sms": people, "voice": 0, "whatsapp": 0},
        {"en": people, "es": 0},
    )  # fmt: skip
    return figures.build(counted, DAY, DAY, ("en", "es"))


@pytest.mark.parametrize(
    ("buckets", "p50", "p90"),
    [
        ({}, None, None),
        ({"300": 1}, 5.0, 5.0),
        ({"300": 5, "3600": 4, "inf": 1}, 5.0, 60.0),
        ({"300": 4, "3600": 5, "inf": 1}, 60.0, 60.0),
        ({"300": 1, "inf": 9}, None, None),
    ],
)
def test_percentiles_are_the_bound_of_their_bucket(buckets: dict[str, int], p50, p90) -> None:
    waited = figures.wait(buckets)
    assert (waited.p50_minutes, waited.p90_minutes, waited.count) == (
        p50,
        p90,
        sum(buckets.values()),
    )


def test_the_funnel_and_the_totals() -> None:
    built = report({
        "conversations:sms:en": 7, "conversations:voice:es": 2, "opened:sms:en:find": 5,
        "opened:voice:es:find": 1, "finished:sms:en:find": 3, "finished:voice:en:about": 1,
        "page:sms:en:find:1": 5, "page:sms:en:find:2": 3, "page:sms:en:find:10": 1,
        "callback_closed:reached": 3, "callback_closed:no_answer": 1, "reached_within_business_day": 2,
        "callbacks_requested:sms:en:urgent": 1, "callbacks_requested:voice:es:ordinary": 4,
        "reply_segments:sms:en": 30, "text_segments": 4, "voice_seconds:voice:es": 125,
    }, people=6)  # fmt: skip
    assert (built.conversations, built.people) == (9, 6)
    assert built.by_channel["voice"] == {"conversations": 2, "people": 0}
    assert built.by_language == {
        "en": {"conversations": 7, "people": 6},
        "es": {"conversations": 2, "people": 0},
    }
    assert built.parts_opened == {"find": 6}
    assert built.parts_finished == {"about": 1, "find": 3}
    assert built.parts_left_unfinished == {"find": 3}
    assert built.pages_read == {"find": {"1": 5, "2": 3, "10": 1}}
    assert (built.callbacks_requested, built.callbacks_requested_urgent) == (5, 1)
    assert built.reached_within_business_day_share == 0.5
    assert built.sms_segments == {"replies": 30, "texts": 4, "total": 34}
    assert built.voice_minutes == 2.1


def test_the_page_and_csv_hide_small_counts_and_shaky_percentiles() -> None:
    built = report({"conversations:sms:en": 4, "conversations:voice:en": 5, "wait_reached:300": 2,
                    "callback_closed:reached": 2, "reached_within_business_day": 2})  # fmt: skip
    assert [formats.shown(n) for n in (0, 1, 4, 5, 0.5, 12.5)] == [
        "0",
        "<5",
        "<5",
        "5",
        "<5",
        "12.5",
    ]
    table = {
        (f, b): v
        for f, b, v in (line.split(",") for line in formats.to_csv(built).splitlines()[1:])
    }
    assert table[("conversations", "all")] == "9"
    assert table[("conversations", "channel sms")] == "<5"
    assert table[("wait_to_reached_p50_minutes", "at most")] == ""
    assert table[("reached_within_business_day_share", "of closed requests")] == ""
    text = formats.to_text(built)
    assert (
        "wait_to_reached_p50_minutes (at most): 5" in text
        and "share (of closed requests): 1" in text
    )
