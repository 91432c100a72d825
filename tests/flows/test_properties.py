"""Properties of the SMS engine for any text and any conversation (Hypothesis)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from flows.content import load_flows
from flows.engine import step
from flows.model import Channel, Event, Outcome, State
from flows.segments import measure
from flows.sms import start_text
from flows.text import Command, choice, classify

FLOWS = load_flows()
EN = FLOWS["en"]
ES = FLOWS["es"]
# Start words and safety words are heard in any language; the other commands in the texter's own.
START = frozenset(w for flow in FLOWS.values() for w in flow.keywords["start"])
CRISIS = frozenset(w for flow in FLOWS.values() for w in flow.keywords["crisis"])

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
    # Spanish
    "SEGUNDA",
    "segunda opinion",
    "ESPAÑOL",
    "espanol",
    "MAS",
    "siguiente",
    "ATRAS",
    "menu principal",
    "inicio",
    "AYUDA",
    "URGENTE",
    "URGENT",
    # safety words, in both languages
    "911",
    "I want to die",
    "chest pain",
    "quiero morir",
    "no puedo respirar",
    "emergensia",
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
    lang=st.sampled_from(["en", "es", "fr", ""]),
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
    lang = before.lang if before.lang in FLOWS else "en"  # a stale language starts over in English
    flow = FLOWS[lang]
    kept = before.node in flow.nodes and 0 <= before.page < len(flow.nodes[before.node].sms)
    command = classify(text, START, {**FLOWS[lang].keywords, "crisis": CRISIS})
    if command is Command.OPT_OUT:
        assert outcome.replies == () and state.opted_out
    elif command is Command.OPT_IN:
        assert outcome.replies == () and not state.opted_out
    elif command is Command.CRISIS:
        # The safety answer comes first, even after STOP, in the texter's language; nothing moves.
        assert outcome.replies == (FLOWS[lang].text("crisis"),)
        assert state.lang == lang and state.opted_out == before.opted_out
        if before.lang in FLOWS and kept:
            assert (state.node, state.page) == (before.node, before.page)
    elif before.opted_out:
        assert len(outcome.replies) == (1 if command is Command.HELP else 0)
        assert state.lang == lang
    else:
        assert len(outcome.replies) == 1
    if state.lang != lang:
        # Only a start word, a first text, or 9 on the main menu changes the language: to its start.
        assert (
            command is Command.START
            or not kept  # a new conversation, or one saved under other content, starts afresh
            or (before.node == "main" and choice(text) == "9")
        ), (before, text)
        # Coming back from a part, the first text offers it instead of the notice.
        assert outcome.replies == (start_text(FLOWS[state.lang], resume=state.resume),)


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
@example(State(node="gone"), "hola, quiero leer en ESPANOL")
@example(State(lang="es", node="gone", opted_out=True), "quiero morir")
@example(State(lang="es", node="doctor", page=7), "I want to die")
@example(State(lang="fr", node="find", opted_out=True), "AYUDA")
@example(State(lang="es", node="main"), "9")
@example(State(lang="es", node="main", opted_out=True), "9")
def test_any_saved_state(state: State, text: str) -> None:
    """Also states saved under other content: unknown language or node, pages past the end."""
    check(state, text, step(FLOWS, state, Event(Channel.SMS, text=text)))


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_any_first_text_of_a_spanish_conversation(text: str) -> None:
    check(State(lang="es"), text, step(FLOWS, State(lang="es"), Event(Channel.SMS, text=text)))


@settings(max_examples=300, deadline=None)
@given(CONVERSATIONS)
def test_any_spanish_conversation(texts: list[str]) -> None:
    """Spanish conversations obey the same rules, and stay in Spanish unless asked not to."""
    state = State(lang="es")
    for text in texts:
        outcome = step(FLOWS, state, Event(Channel.SMS, text=text))
        check(state, text, outcome)
        state = outcome.state


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(ES.nodes)), st.integers(min_value=0, max_value=3), CONVERSATIONS)
def test_any_spanish_conversation_from_any_page(node: str, page: int, texts: list[str]) -> None:
    state = State(lang="es", node=node, page=min(page, len(ES.nodes[node].sms) - 1))
    for text in texts:
        outcome = step(FLOWS, state, Event(Channel.SMS, text=text))
        check(state, text, outcome)
        state = outcome.state
