"""Urgent call backs: "press 8" is the single key 8, digits on a number prompt are a number, one
urgent request a half hour, a safety answer's window of 30 minutes, and a cap every branch obeys."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import phones
from flows.callback import NUMBER_NODE
from flows.content import load_flows
from flows.engine import step
from flows.model import Asks, Channel, Event, EventKind, Outcome, RequestCallback, State, Then
from flows.urgency import CRISIS_LASTS, URGENT_EVERY, in_crisis, may_file_urgent
from flows.voice.machine import MAX_STEPS

FLOWS = load_flows()
T0 = 1_800_000_000  # the clock at the call's start
TYPED = "8185550134"  # a number that starts with the urgent key
TYPED_E164 = "+18185550134"


def call(*events: Event, state: State | None = None) -> list[Outcome]:
    """Run a call from its start (or `state`) through `events`; each event's outcome."""
    outcomes = []
    current = state or step(FLOWS, State(), Event(Channel.VOICE, kind=EventKind.CALL, now=T0)).state
    for event in events:
        outcome = step(FLOWS, current, event)
        outcomes.append(outcome)
        current = outcome.state
    return outcomes


def press(digits: str, now: int = T0, can_text: bool = True) -> Event:
    return Event(Channel.VOICE, digits=digits, can_text=can_text, now=now)


def say(words: str, now: int = T0, can_text: bool = True) -> Event:
    return Event(Channel.VOICE, text=words, confidence=0.9, can_text=can_text, now=now)


def text(body: str, now: int = T0) -> Event:
    return Event(Channel.SMS, text=body, now=now)


def urgent_filings(outcomes: list[Outcome]) -> list[RequestCallback]:
    return [e for o in outcomes for e in o.effects if isinstance(e, RequestCallback) and e.urgent]


CRISIS = "I want to end my life"


def test_a_withheld_caller_in_crisis_who_types_a_number_starting_with_8_is_filed_once() -> None:
    outcomes = call(say(CRISIS, can_text=False), press("8", can_text=False))
    assert outcomes[-1].state.node == NUMBER_NODE and not urgent_filings(outcomes)
    typed = call(press(TYPED, can_text=False), state=outcomes[-1].state)
    [filing] = urgent_filings(typed)
    assert filing.form.number == TYPED_E164


def test_a_number_typed_in_crisis_on_the_number_prompt_is_a_number_not_an_urgent_key() -> None:
    """A caller with an ID, in crisis, giving another number for an ordinary call back."""
    outcomes = call(say(CRISIS), press("6"), press("5"))  # a call back, to another number
    assert outcomes[-1].state.node == NUMBER_NODE
    typed = call(press(TYPED), state=outcomes[-1].state)
    assert not urgent_filings(typed)
    assert typed[-1].state.form.number == TYPED_E164


@pytest.mark.parametrize("keys", ["88", "81", "18", "8#", "888"])
def test_only_the_single_key_8_is_urgent(keys: str) -> None:
    assert not urgent_filings(call(say(CRISIS), press(keys)))


def test_pressing_8_again_and_again_files_one_urgent_request() -> None:
    outcomes = call(say(CRISIS), *[press("8", now=T0 + i) for i in range(120)])
    assert len(urgent_filings(outcomes)) == 1


def test_the_safety_answer_lasts_30_minutes() -> None:
    late = call(say(CRISIS), press("8", now=T0 + CRISIS_LASTS))
    assert not urgent_filings(late)
    in_time = call(say(CRISIS), press("8", now=T0 + CRISIS_LASTS - 1))
    assert len(urgent_filings(in_time)) == 1


def test_a_conversation_files_one_urgent_request_per_half_hour() -> None:
    soon = call(say(CRISIS), press("8"), say(CRISIS, now=T0 + 60), press("8", now=T0 + 61))
    assert len(urgent_filings(soon)) == 1
    later = T0 + URGENT_EVERY
    again = call(say(CRISIS), press("8"), say(CRISIS, now=later), press("8", now=later + 1))
    assert len(urgent_filings(again)) == 2


def test_urgent_by_text_needs_a_safety_answer_first() -> None:
    flow = FLOWS["en"]
    state = step(FLOWS, State(), text("SECOND")).state
    first = step(FLOWS, state, text("URGENT"))
    assert first.replies == (flow.text("crisis"),) and not first.effects
    second = step(FLOWS, first.state, text("URGENT", now=T0 + 60))
    assert second.replies == (flow.text("urgent_filed"),) and len(second.effects) == 1
    third = step(FLOWS, second.state, text("URGENT", now=T0 + 120))
    assert third.replies == (flow.text("urgent_filed"),) and not third.effects
    stale = step(FLOWS, first.state, text("URGENT", now=T0 + CRISIS_LASTS))
    assert stale.replies == (flow.text("crisis"),) and not stale.effects


def test_a_crisis_text_opens_the_window_and_a_filing_closes_it() -> None:
    state = step(FLOWS, State(), text("I can't go on anymore")).state
    assert in_crisis(state, T0 + 1) and may_file_urgent(state, T0 + 1)
    filed = step(FLOWS, state, text("URGENT", now=T0 + 2)).state
    assert not in_crisis(filed, T0 + 3) and not may_file_urgent(filed, T0 + 3)


# The property: whatever a caller in crisis presses or says -----------------------------------

KEYS = st.sampled_from(["8", "8", "8", "1", "2", "5", "6", "9", "0", "*", "#", "88", "18"])
NUMBERS = st.sampled_from([TYPED, "2125550134", "818555", "8"])
SPEECH = st.sampled_from([CRISIS, "urgent", "eight", "menu", "slower", "yes", ""])
EVENTS = st.lists(
    st.one_of(
        KEYS.map(lambda k: ("press", k)),
        NUMBERS.map(lambda n: ("press", n)),
        SPEECH.map(lambda s: ("say", s)),
        st.just(("silence", "")),
    ),
    min_size=1,
    max_size=MAX_STEPS + 40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=EVENTS, can_text=st.booleans(), gap=st.integers(0, 120))
def test_a_caller_in_crisis_files_at_most_one_urgent_request_within_the_cap(
    events: list[tuple[str, str]], can_text: bool, gap: int
) -> None:
    state = call(say(CRISIS, can_text=can_text))[-1].state
    filings, ended, typed = 0, False, ""
    for i, (kind, value) in enumerate(events, start=1):
        now = T0 + i * gap
        if kind == "press":
            event = press(value, now, can_text)
        elif kind == "say":
            event = say(value, now, can_text)
        else:
            event = Event(Channel.VOICE, kind=EventKind.SILENCE, can_text=can_text, now=now)
        on_number_prompt = FLOWS[state.lang].nodes[state.node].asks is Asks.NUMBER
        outcome = step(FLOWS, state, event)
        taken = phones.parse(value) if kind == "press" and len(value) > 1 else ""
        if on_number_prompt and phones.reachable(taken):
            typed = taken  # taken as the number to call, whatever its first digit
            assert outcome.state.form.number == typed or urgent_filings([outcome])
        news = urgent_filings([outcome])
        filings += len(news)
        for filing in news:
            # A typed number is never lost: the urgent request calls it, if one was typed.
            assert filing.form.number == typed and (typed or can_text)
        if any(isinstance(e, RequestCallback) and not e.urgent for e in outcome.effects):
            typed = ""  # an ordinary request took it
        state = outcome.state
        if outcome.then is Then.HANG_UP:
            ended = True
            assert state.steps <= MAX_STEPS + 2  # the call ends within the cap
            break
    assert filings <= 1
    assert ended or state.steps <= MAX_STEPS + 1


def test_every_branch_counts_toward_the_cap() -> None:
    """Crisis words, 8 and speech all count: a call of crisis and 8s ends at the cap."""
    events = [say(CRISIS) if i % 2 else press("8", now=T0 + i) for i in range(2 * MAX_STEPS)]
    outcomes = call(*events)
    ends = [i for i, o in enumerate(outcomes) if o.then is Then.HANG_UP]
    assert ends and ends[0] <= MAX_STEPS
    assert len(urgent_filings(outcomes)) == 1
