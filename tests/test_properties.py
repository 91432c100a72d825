"""Properties of the SMS engine for any text and any conversation (Hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.content import load_flows
from flows.engine import step
from flows.model import Channel, Event, Outcome, State
from flows.segments import measure
from flows.text import Command, classify

FLOWS = load_flows()
EN = FLOWS["en"]
START = EN.keywords["start"]
WORDS = dict(EN.keywords)

COMMANDS = [
    "SECOND",
    "second",
    "secnd",
    "OPINION",
    "opinon",
    "MENU",
    "main menu",
    "0",
    "BACK",
    "previous",
    "MORE",
    "next",
    "HELP",
    "info",
    "STOP",
    "stop",
    "StopAll",
    "END",
    "quit",
    "optout",
    "START",
    "yes",
    "UNSTOP",
    "stop please",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "10",
    "2.",
    " 1 ",
]
HUGE = st.builds(
    lambda piece, times: piece * times,
    st.text(min_size=1, max_size=8),
    st.integers(min_value=100, max_value=5_000),
)
TEXTS = st.one_of(
    st.sampled_from(COMMANDS),
    st.from_regex(r"[0-9]{1,3}", fullmatch=True),
    st.text(),
    HUGE,
)
CONVERSATIONS = st.lists(TEXTS, max_size=30)
STATES = st.builds(
    State,
    lang=st.sampled_from(["en", "fr", ""]),
    node=st.sampled_from(["", "gone", *EN.nodes]),
    page=st.integers(min_value=0, max_value=10),
    steps=st.integers(min_value=0, max_value=10**6),
    opted_out=st.booleans(),
)


def check(before: State, text: str, outcome: Outcome) -> None:
    """What every step must give: a sound state and at most one short GSM-7 reply, when due."""
    assert isinstance(outcome, Outcome)
    state = outcome.state
    assert state.lang in FLOWS
    assert state.node == "" or state.node in FLOWS[state.lang].nodes
    if state.node:
        assert 0 <= state.page < len(FLOWS[state.lang].nodes[state.node].sms)
    assert state.steps == before.steps + 1
    for reply in outcome.replies:
        m = measure(reply)
        assert reply.strip(), "empty reply"
        assert m.is_gsm7 and m.segments <= 2, (m, reply)
    command = classify(text, START, WORDS)
    if command is Command.OPT_OUT:
        assert outcome.replies == () and state.opted_out
    elif command is Command.OPT_IN:
        assert outcome.replies == () and not state.opted_out
    elif before.opted_out:
        assert len(outcome.replies) == (1 if command is Command.HELP else 0)
    else:
        assert len(outcome.replies) == 1


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_any_first_text(text: str) -> None:
    check(State(), text, step(FLOWS, State(), Event(Channel.SMS, text=text)))


@settings(max_examples=300, deadline=None)
@given(CONVERSATIONS)
def test_any_conversation(texts: list[str]) -> None:
    state = State()
    for text in texts:
        outcome = step(FLOWS, state, Event(Channel.SMS, text=text))
        check(state, text, outcome)
        state = outcome.state


@settings(max_examples=300, deadline=None)
@given(STATES, TEXTS)
def test_any_saved_state(state: State, text: str) -> None:
    """Also states saved under other content: unknown language or node, pages past the end."""
    check(state, text, step(FLOWS, state, Event(Channel.SMS, text=text)))
