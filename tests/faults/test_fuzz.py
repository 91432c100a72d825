"""Fault suite 9: the engine and the text parsers never crash, and never say what they must not.

Random sequences of events, in every language (and stale ones) and both channels (mixed, too),
from any saved state: every step gives a sound state, SMS replies that are GSM-7 in at most two
segments, voice outcomes that render as valid TwiML, effects the host can carry out. And a
bounded fuzz of flows.text (normalise, classify, mentions) and flows.phones.parse.

The cheap runs are part of CI; the long ones are marked slow. Each test prints its figures.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from flows import phones
from flows.engine import step
from flows.model import (
    CallbackForm,
    Channel,
    Event,
    EventKind,
    Outcome,
    RequestCallback,
    SendText,
    State,
    Then,
    Window,
)
from flows.segments import measure
from flows.text import (
    HELP,
    MAX_READ,
    OPT_IN,
    OPT_OUT,
    Command,
    classify,
    mentions,
    normalise,
)
from hotline.office import OfficeHours
from hotline.web import twiml
from tests.support import shipped_flows

FLOWS = shipped_flows()  # the strategies below are built from it, at collection
LANGS = sorted(FLOWS)
NODES = sorted({n for flow in FLOWS.values() for n in flow.nodes})
KEYWORDS = sorted({w for flow in FLOWS.values() for words in flow.keywords.values() for w in words})
CRISIS = sorted({w for flow in FLOWS.values() for w in flow.keywords.get("crisis", ())})
START = frozenset(w for flow in FLOWS.values() for w in flow.keywords["start"])
QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
         HealthCheck.filter_too_much]  # fmt: skip

# Decimal digits of any script (Arabic-Indic, fullwidth, Devanagari...): a phone's keyboard may
# type them, and Python's \d matches them all.
UNICODE_DIGITS = st.text(st.characters(categories=["Nd"]), min_size=10, max_size=11)
KEYS = st.sampled_from(["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "MORE", "BACK"])
TEXTS = st.one_of(
    KEYS,  # mostly what people do: a key, which moves the conversation along
    KEYS,
    KEYS,
    st.sampled_from(KEYWORDS),
    st.sampled_from(["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#", "10", "2.",
                     " 1 ", "3035550199", "(303) 555-0199", "+1 303 555 0199", "555-0100"]),
    st.from_regex(r"[0-9*#]{1,12}", fullmatch=True),
    st.text(max_size=80),
    UNICODE_DIGITS,
    st.builds(lambda a, b: f"{a} {b}", st.sampled_from(KEYWORDS), st.text(max_size=20)),
    st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=6),
              st.integers(min_value=50, max_value=2000)),
)  # fmt: skip
OFFICE_WORDS = sorted({
    OfficeHours.parse(spec, zone).describe(FLOWS.get(lang, FLOWS["en"]))
    for spec in ("mon-fri 09:00-17:00", "mon-thu 09:00-19:00, fri 09:00-17:00", "",
                 "mon-sun 00:00-24:00", "sat 10:00-12:30")
    for zone in ("America/New_York", "America/Los_Angeles", "UTC")
    for lang in (*LANGS, "fr")
})  # fmt: skip
CONFIDENCE = st.one_of(
    st.none(), st.floats(min_value=0, max_value=1), st.floats(allow_nan=True, allow_infinity=True)
)
SMS_EVENTS = st.builds(
    Event,
    channel=st.just(Channel.SMS),
    text=TEXTS,
    opt_out_type=st.sampled_from(["", "", "", "STOP", "START", "HELP", "stop", "?"]),
)
VOICE_EVENTS = st.builds(
    Event,
    channel=st.just(Channel.VOICE),
    text=st.one_of(st.just(""), TEXTS),
    # Keys as Twilio reports them: DTMF only.
    digits=st.one_of(
        st.just(""),
        KEYS.filter(str.isdigit),
        KEYS.filter(str.isdigit),
        st.from_regex(r"[0-9*#]{1,12}", fullmatch=True),
    ),
    confidence=CONFIDENCE,
    kind=st.sampled_from(list(EventKind)),
    dial_status=st.sampled_from(
        ["", "completed", "answered", "no-answer", "busy", "failed", "canceled", "?"]
    ),  # fmt: skip
    can_text=st.booleans(),
    office_open=st.booleans(),
    office_hours=st.sampled_from(OFFICE_WORDS),  # the host's own words, from OfficeHours
)
STATES = st.builds(
    State,
    lang=st.sampled_from([*LANGS, *LANGS, "fr", ""]),
    node=st.sampled_from(["", "", "gone", *NODES]),
    page=st.one_of(st.just(0), st.just(0), st.integers(min_value=-1, max_value=8)),
    steps=st.one_of(st.integers(min_value=0, max_value=10), st.integers(min_value=0, max_value=100),
                    st.integers(min_value=0, max_value=10**9)),
    misses=st.integers(min_value=0, max_value=6),
    opted_out=st.booleans(),
    topic=st.one_of(st.sampled_from(["", "find", *NODES]), st.text(max_size=12)),
    # Answers as the engine saves them (a number only ever as E.164, from take_number).
    form=st.builds(
        CallbackForm,
        window=st.one_of(st.none(), st.sampled_from(list(Window))),
        voicemail=st.one_of(st.none(), st.booleans()),
        number=st.sampled_from(["", "+13035550199", "+12125550199"]),
    ),
    crisis_at=st.one_of(st.none(), st.integers(0, 2**31)),
    urgent_at=st.one_of(st.none(), st.integers(0, 2**31)),
    urgent=st.booleans(),
)  # fmt: skip
CHANNEL_MIX = st.sampled_from(["sms", "voice", "mixed"])


def events_for(mix: str):
    if mix == "sms":
        return st.lists(SMS_EVENTS, min_size=3, max_size=40)
    if mix == "voice":
        return st.lists(VOICE_EVENTS, min_size=3, max_size=40)
    return st.lists(st.one_of(SMS_EVENTS, VOICE_EVENTS), min_size=3, max_size=40)


CONVERSATIONS = CHANNEL_MIX.flatmap(lambda mix: st.tuples(STATES, events_for(mix)))


def check_step(before: State, event: Event, outcome: Outcome, stats: Counter) -> None:
    """What every step must give, whatever came before."""
    assert isinstance(outcome, Outcome)
    state = outcome.state
    assert state.lang in FLOWS, state
    flow = FLOWS[state.lang]
    if state.node:
        assert state.node in flow.nodes, state
        node = flow.nodes[state.node]
        pages = node.voice if event.channel is Channel.VOICE else node.sms
        assert 0 <= state.page < len(pages), state
    assert state.steps == before.steps + 1
    assert state.misses >= 0
    assert all(isinstance(r, str) and r.strip() for r in outcome.replies), outcome.replies
    for effect in outcome.effects:
        if isinstance(effect, SendText):
            assert effect.node in flow.nodes, effect
        else:
            assert isinstance(effect, RequestCallback), effect
            if effect.form.number:
                assert phones.reachable(effect.form.number), (
                    event,
                    effect,
                )  # never filed otherwise
        stats[f"effect {type(effect).__name__}"] += 1
    if event.channel is Channel.SMS:
        assert outcome.then is Then.REPLY and len(outcome.replies) <= 1
        for reply in outcome.replies:
            m = measure(reply)
            assert m.is_gsm7 and m.segments <= 2, (before, event.text, reply, m)
    else:
        assert outcome.then in (Then.GATHER, Then.DIAL, Then.HANG_UP), outcome.then
        assert outcome.replies, (before, event)
        if outcome.then is Then.GATHER:
            assert state.node, (before, event, outcome)
        dial = twiml.DialTo("+18008134673", "+15005550006")
        body = twiml.call(outcome, flow, "/twilio/voice/step", dial).encode()
        root = ET.fromstring(body)
        assert root.tag == "Response" and len(root), body
        verbs = [v.tag for v in root]
        if "Gather" in verbs:
            assert verbs[verbs.index("Gather") + 1] == "Redirect", verbs
            action = root[verbs.index("Gather")].get("action")
            assert action == f"/twilio/voice/step?n={outcome.state.steps}", (action, outcome)
        stats[f"voice {outcome.then.value}"] += 1
    stats[f"{event.channel.value} {state.lang}"] += 1
    stats[f"node {state.node or '-'}"] += 1


def run_conversations(examples: int) -> Counter:
    stats: Counter = Counter()

    @settings(max_examples=examples, deadline=None, suppress_health_check=QUIET)
    @given(CONVERSATIONS)
    # A number typed with a phone's own digits (fullwidth, Arabic-Indic) where one is asked for.
    @example((State(node="callback_number"), [Event(Channel.SMS, text="５５５２３４９９９９")]))
    @example((State("es", "callback_number"), [Event(Channel.SMS, text="٥٥٥٢٣٤٩٩٩٩")]))
    def conversation(case: tuple[State, list[Event]]) -> None:
        state, events = case
        stats["examples"] += 1
        for event in events:
            outcome = step(FLOWS, state, event)
            check_step(state, event, outcome, stats)
            state = outcome.state
            stats["events"] += 1

    conversation()
    return stats


def report(name: str, stats: Counter, took: float) -> None:
    channels = {k: v for k, v in sorted(stats.items()) if k.startswith(("sms ", "voice "))}
    nodes = sum(1 for k in stats if k.startswith("node "))
    effects = {k[7:]: v for k, v in stats.items() if k.startswith("effect ")}
    print(f"\n[fuzz] {name}: {stats['examples']} examples, {stats['events']} events in "
          f"{took:.1f}s, no crash; by channel/language or outcome: {channels}; "
          f"{nodes} distinct nodes reached; effects: {effects}")  # fmt: skip


# Every run has the small sizes; the long scenarios (`pytest -m slow`) the large ones too.
@pytest.mark.parametrize("examples", [1_000, pytest.param(20_000, marks=pytest.mark.slow)])
def test_engine_survives_random_conversations(examples: int) -> None:
    started = time.perf_counter()
    stats = run_conversations(examples)
    report("engine", stats, time.perf_counter() - started)


# --- the text parsers ------------------------------------------------------------------------

ANY_TEXT = st.one_of(
    st.text(),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=200),  # surrogates too
    st.text(st.characters(categories=["Nd", "No", "Mn", "Zs", "Pd", "Lm"]), max_size=40),
    UNICODE_DIGITS,
    st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=8),
              st.integers(min_value=100, max_value=20_000)),
    st.sampled_from(KEYWORDS),
)  # fmt: skip
WORDS = st.dictionaries(
    st.sampled_from(["crisis", "help", "urgent", "menu", "back", "more", "start", "x"]),
    st.frozensets(st.one_of(st.sampled_from(KEYWORDS), st.text(max_size=12)), max_size=6),
)
NORMAL = re.compile(r"(?:[A-Z0-9]+(?: [A-Z0-9]+)*)?", re.ASCII)


def parse_everything(text: str, words, stats: Counter) -> None:
    norm = normalise(text)
    assert NORMAL.fullmatch(norm), (text, norm)
    assert normalise(norm, limit=len(norm) + 1) == norm
    assert normalise(text) == normalise(text.strip()[:MAX_READ])
    command = classify(text, START, words)
    assert isinstance(command, Command)
    assert classify(text, START, words) is command
    if norm in OPT_OUT:
        assert command is Command.OPT_OUT
    elif norm in OPT_IN:
        assert command is Command.OPT_IN
    elif norm in HELP and not mentions(text, words.get("crisis", ())):
        assert command is Command.HELP
    for lang, flow in FLOWS.items():
        real = classify(text, START, flow.keywords)
        stats[f"classify {lang} {real.value}"] += 1
    said = mentions(text, CRISIS)
    assert said in (True, False)
    stats[f"mentions {said}"] += 1
    number = phones.parse(text)
    assert number == "" or phones.is_e164(number), (text, number)
    if number:
        assert phones.parse(number) == number
        assert phones.display(number).isascii() and phones.judge(number)
        if number.startswith("+1"):
            assert phones.parse(phones.display(number)) == number
        stats["phone numbers"] += 1
    stats["texts"] += 1


def run_parsers(examples: int) -> Counter:
    stats: Counter = Counter()

    @settings(max_examples=examples, deadline=None, suppress_health_check=QUIET)
    @given(ANY_TEXT, WORDS)
    def parse(text: str, words) -> None:
        parse_everything(text, words, stats)

    @settings(max_examples=max(100, examples // 10), deadline=None, suppress_health_check=QUIET)
    @given(st.sampled_from(CRISIS), st.text(max_size=200), st.text(max_size=200))
    def crisis_anywhere(phrase: str, before: str, after: str) -> None:
        # A safety phrase is heard wherever it comes in the first 1000 characters.
        assert mentions(phrase, [phrase])
        assert mentions(f"{before} {phrase.lower()} {after}", [phrase]), (before, phrase, after)
        stats["crisis phrases placed"] += 1

    @settings(max_examples=max(100, examples // 10), deadline=None, suppress_health_check=QUIET)
    @given(st.from_regex(r"[2-9][0-9]{2}[2-9][0-9]{6}", fullmatch=True),
           st.sampled_from(["{a}{b}{c}", "({a}) {b}-{c}", "{a}.{b}.{c}", "+1 {a} {b} {c}",
                            "1-{a}-{b}-{c}", "call me at {a} {b} {c} thanks"]))  # fmt: skip
    def numbers_written_any_way(digits: str, form: str) -> None:
        typed = form.format(a=digits[:3], b=digits[3:6], c=digits[6:])
        assert phones.parse(typed) == "+1" + digits, typed
        stats["numbers written"] += 1

    parse()
    crisis_anywhere()
    numbers_written_any_way()
    return stats


def parser_report(name: str, stats: Counter, took: float) -> None:
    classified = Counter()
    for k, v in stats.items():
        if k.startswith("classify "):
            classified[k.split()[-1]] += v
    print(f"\n[fuzz] {name}: {stats['texts']} texts through normalise/classify/mentions/"
          f"phones.parse, {stats['crisis phrases placed']} safety phrases placed in noise, "
          f"{stats['numbers written']} numbers written out, in {took:.1f}s; no crash; commands "
          f"(both languages): {dict(classified)}; crisis heard in {stats['mentions True']}; "
          f"numbers found in {stats['phone numbers']}")  # fmt: skip


@pytest.mark.parametrize("examples", [500, pytest.param(20_000, marks=pytest.mark.slow)])
def test_parsers_survive_random_text(examples: int) -> None:
    started = time.perf_counter()
    stats = run_parsers(examples)
    parser_report("parsers", stats, time.perf_counter() - started)
