"""What each event counts: conversation steps from the engine's own outcomes, call-back outcomes."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from flows.engine import step
from flows.model import Channel, Event, EventKind, Flows, State
from flows.segments import measure
from hotline.office import OfficeHours
from hotline.reports import tally
from hotline.stores.callbacks import CallbackOutcome, CallbackRequest, Status

NY = ZoneInfo("America/New_York")
OFFICE = OfficeHours.parse("mon-fri 09:00-17:00", "America/New_York", "2026-12-25")


def texted(flows: Flows, *bodies: str) -> tuple[State, list[Counter[str]]]:
    """Text `bodies` through the engine from a fresh conversation; each step's counts."""
    state, counted = State(), []
    for body in bodies:
        event = Event(Channel.SMS, text=body)
        outcome = step(flows, state, event)
        counted.append(tally.step(flows, event, state, outcome, "tag").counts)
        state = outcome.state
    return state, counted


def called(flows: Flows, *keys: str) -> list[Counter[str]]:
    state, counted = State(), []
    for kind, key in [(EventKind.CALL, ""), *((EventKind.INPUT, k) for k in keys)]:
        event = Event(Channel.VOICE, digits=key, kind=kind, can_text=True)
        outcome = step(flows, state, event)
        counted.append(tally.step(flows, event, state, outcome, "tag").counts)
        state = outcome.state
    return counted


def test_a_text_conversation_counts_its_start_parts_and_pages(flows: Flows) -> None:
    _, (start, find, more, again, menu) = texted(flows, "second", "2", "MORE", "MORE", "MENU")
    assert start["conversations:sms:en"] == 1 and start["entry:sms:en:SECOND"] == 1
    assert (
        start["reply_segments:sms:en"]
        == measure(step(flows, State(), Event(Channel.SMS, text="second")).replies[0]).segments
    )
    assert {k for k in find if not k.startswith("reply")} == {
        "opened:sms:en:find",
        "page:sms:en:find:1",
    }
    assert {k for k in more if not k.startswith("reply")} == {
        "page:sms:en:find:2",
        "finished:sms:en:find",
    }
    assert {k for k in again if not k.startswith("reply")} == set()  # "that is the end": no page
    assert "conversations:sms:en" not in menu and "opened:sms:en:find" not in menu


def test_a_conversation_begun_with_no_keyword_is_counted_as_other(flows: Flows) -> None:
    _, (start,) = texted(flows, "hi there, my doctor said to text")
    assert (
        start["entry:sms:en:other"] == 1 and len([k for k in start if k.startswith("entry")]) == 1
    )


def test_spanish_keywords_count_in_spanish(flows: Flows) -> None:
    _, (start, helps) = texted(flows, "Español", "3")
    assert start["entry:sms:es:ESPANOL"] == 1 and helps["opened:sms:es:helps"] == 1


def test_safety_and_urgent_are_counted(flows: Flows) -> None:
    _, (crisis, urgent) = texted(flows, "I want to kill myself", "URGENT")
    assert crisis["safety:sms:en"] == 1 and "conversations:sms:en" not in crisis
    assert urgent["urgent:sms:en"] == 1


def test_a_call_counts_seconds_press_nine_and_voice_pages(flows: Flows) -> None:
    greeting, doctor, nine, page_two = called(flows, "1", "9", "1")
    assert greeting["conversations:voice:en"] == 1 and greeting["entry:voice:en:call"] == 1
    assert greeting["voice_seconds:voice:en"] > 10 and "reply_segments:voice:en" not in greeting
    assert doctor["opened:voice:en:doctor"] == 1 and doctor["page:voice:en:doctor:1"] == 1
    assert nine["press_nine:voice:en"] == 1 and "page:voice:en:doctor:1" not in nine
    assert page_two["page:voice:en:doctor:2"] == 1 and "finished:voice:en:doctor" not in page_two


def test_a_reply_that_repeats_a_number_is_measured_but_not_kept(flows: Flows) -> None:
    state, _ = texted(flows, "SECOND", "6", "5")
    kept = tally._segments.cache_info().currsize
    event = Event(Channel.SMS, text="212 555 0198")
    outcome = step(flows, state, event)
    assert outcome.personal
    assert tally.step(flows, event, state, outcome, "t").counts["reply_segments:sms:en"] >= 1
    assert tally._segments.cache_info().currsize == kept


def request(
    outcome: CallbackOutcome, attempts: int, asked: str, at: str, closed: bool = True
) -> CallbackRequest:
    return CallbackRequest(
        id="r1", person="p", number="+15551230001", channel="sms", lang="en", topic="", window="any",
        voicemail=False, urgent=False, requested_at=datetime.fromisoformat(asked).replace(tzinfo=NY).timestamp(),
        updated_at=datetime.fromisoformat(at).replace(tzinfo=NY).timestamp(), attempts=attempts,
        outcome=outcome, status=Status.CLOSED if closed else Status.OPEN,
    )  # fmt: skip


def test_a_first_unanswered_call_times_the_first_attempt() -> None:
    counts = tally.recorded(
        request(CallbackOutcome.NO_ANSWER, 1, "2026-12-07T10:00", "2026-12-07T10:20", closed=False),
        OFFICE,
    ).counts
    assert counts == Counter({"callback_attempt:no_answer": 1, "wait_first_attempt:1800": 1})


def test_the_third_unanswered_call_closes_without_timing_again() -> None:
    counts = tally.recorded(
        request(CallbackOutcome.NO_ANSWER, 3, "2026-12-07T10:00", "2026-12-08T10:20"), OFFICE
    ).counts
    assert counts == Counter({"callback_attempt:no_answer": 1, "callback_closed:no_answer": 1})


@pytest.mark.parametrize(
    ("asked", "reached", "within"),
    [
        ("2026-12-04T16:00", "2026-12-07T15:59", True),  # Friday to Monday: 7 h 59 of office time
        ("2026-12-04T16:00", "2026-12-07T16:01", False),  # a minute past a business day
        ("2026-12-05T11:00", "2026-12-07T17:00", True),  # a Saturday request: Monday counts whole
        ("2026-12-24T12:00", "2026-12-28T11:00", True),  # Christmas (a holiday) does not count
        ("2026-12-07T10:00", "2026-12-08T10:30", False),
    ],
)
def test_reached_within_one_business_day(asked: str, reached: str, within: bool) -> None:
    counts = tally.recorded(request(CallbackOutcome.REACHED, 0, asked, reached), OFFICE).counts
    assert counts["reached_within_business_day"] == int(within)
    assert counts["callback_attempt:reached"] == counts["callback_closed:reached"] == 1
    assert sum(n for k, n in counts.items() if k.startswith("wait_first_attempt:")) == 1


def test_reached_after_an_unanswered_call_is_no_first_attempt() -> None:
    counts = tally.recorded(
        request(CallbackOutcome.REACHED, 1, "2026-12-07T10:00", "2026-12-07T12:00"), OFFICE
    ).counts
    assert "wait_first_attempt:7200" not in counts and counts["wait_reached:7200"] == 1


def test_closed_without_a_call_is_no_attempt() -> None:
    counts = tally.recorded(
        request(CallbackOutcome.CLOSED, 0, "2026-12-07T10:00", "2026-12-07T12:00"), OFFICE
    ).counts
    assert counts == Counter({"callback_closed:closed": 1})


@pytest.mark.parametrize(
    ("seconds", "name"),
    [(0, "300"), (300, "300"), (301, "900"), (604800, "604800"), (604801, "inf")],
)
def test_buckets_are_named_by_their_upper_bound(seconds: float, name: str) -> None:
    assert tally.bucket(seconds) == name


def test_outbound_tallies() -> None:
    assert tally.sent("ж" * 71).counts == Counter({"texts_sent": 1, "text_segments": 2})
    assert tally.failed("21211").counts == Counter({"twilio_error:21211": 1})
    assert tally.held_back("hour").counts == Counter({"held_back:hour": 1})
