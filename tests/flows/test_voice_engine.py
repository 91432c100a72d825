"""flows.engine.step on calls: the whole voice conversation as a pure function, on shipped content."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.callback import CALLBACK_NODE
from flows.catalogue import VOICE_LEADS, VOICE_MAX_SECONDS, spoken_seconds
from flows.content import load_flows
from flows.engine import step
from flows.model import (
    Channel,
    Event,
    EventKind,
    GoTo,
    Option,
    Outcome,
    RequestCallback,
    SendText,
    State,
    Talk,
    Then,
)
from flows.voice.machine import MAX_STEPS
from flows.voice.navigation import MISSES_BEFORE_OFFER
from flows.voice.prompts import greeting, hints, offer, prompt, speakable

FLOWS = load_flows()
EN = FLOWS["en"]
ES = FLOWS["es"]
ROOT = EN.root
HOURS = "Monday to Friday, from 9 AM to 7 PM, New York time"
NODES = sorted(EN.nodes)
PAGES = [(n, p) for n in NODES for p in range(len(EN.nodes[n].voice))]
# The parts of the fact sheet, which "press 9" sends by text (not the menu, nor call-back forms).
FACT_SHEET = ["doctor", "find", "helps", "when", "social", "about"]
FACT_PAGES = [(n, p) for n, p in PAGES if n in FACT_SHEET]
FAILED_DIALS = ["busy", "no-answer", "failed", "canceled"]


# helpers ----------------------------------------------------------------------------------------


def event(
    *,
    digits: str = "",
    text: str = "",
    confidence: float | None = None,
    kind: EventKind = EventKind.INPUT,
    dial_status: str = "",
    can_text: bool = True,
    office_open: bool = False,
) -> Event:
    """A call event; the caller can get texts and the office is closed unless told otherwise."""
    return Event(
        Channel.VOICE,
        text=text,
        digits=digits,
        confidence=confidence,
        kind=kind,
        dial_status=dial_status,
        can_text=can_text,
        office_open=office_open,
        office_hours=HOURS,
    )


def press(key: str, **flags: bool) -> Event:
    """The caller presses `key`."""
    return event(digits=key, **flags)


def say(text: str, confidence: float | None = 0.9, **flags: bool) -> Event:
    """The caller says `text`, recognised with `confidence`."""
    return event(text=text, confidence=confidence, **flags)


def silence() -> Event:
    """The caller says and presses nothing."""
    return event(kind=EventKind.SILENCE)


def dial_ended(status: str) -> Event:
    """The transfer to a social worker ended with Twilio's DialCallStatus `status`."""
    return event(kind=EventKind.DIAL_ENDED, dial_status=status)


def at(
    node: str, page: int = 0, *, misses: int = 0, steps: int = 1, opted_out: bool = False
) -> State:
    """A call in progress, at one page of one node."""
    return State(node=node, page=page, steps=steps, misses=misses, opted_out=opted_out)


def last_page(node: str) -> int:
    """The index of a node's last voice page (where its options are offered)."""
    return len(EN.nodes[node].voice) - 1


def run(events: list[Event], state: State | None = None) -> list[Outcome]:
    """Step through `events` from `state` (a new call by default); every outcome, in order."""
    outcomes = []
    state = state or State()
    for e in events:
        outcome = step(FLOWS, state, e)
        outcomes.append(outcome)
        state = outcome.state
    return outcomes


def last(events: list[Event], state: State | None = None) -> Outcome:
    """The outcome of the last of `events`."""
    return run(events, state)[-1]


def heard(outcome: Outcome) -> str:
    """Everything the caller hears in one step."""
    return " ".join(outcome.replies)


def page_prompt(node: str, page: int = 0) -> tuple[str, ...]:
    """The prompt of one page, as the engine speaks it."""
    return tuple(speakable(p) for p in prompt(EN, node, page))


def offered(node: str = "find", page: int = 0) -> State:
    """The state after three silences at `node`: the caller has been offered a person or a call back."""
    return last([silence()] * MISSES_BEFORE_OFFER, at(node, page)).state


def text(name: str, **values: str) -> str:
    """A fixed text, as the engine speaks it."""
    return speakable(EN.text(name, **values))


def is_reprompt(outcome: Outcome, state: State, lead: str) -> bool:
    """True when `outcome` says `lead` and then the same page again, keeping the caller there."""
    return (
        outcome.then is Then.GATHER
        and outcome.replies == (text(lead), *page_prompt(state.node, state.page))
        and (outcome.state.node, outcome.state.page) == (state.node, state.page)
    )


# starting ---------------------------------------------------------------------------------------


def test_call_greets_with_welcome_notice_and_main_menu() -> None:
    outcome = step(FLOWS, State(), event(kind=EventKind.CALL))
    assert outcome.then is Then.GATHER
    assert outcome.replies == tuple(speakable(r) for r in greeting(EN))
    assert outcome.replies[:2] == (text("voice_welcome"), text("voice_notice"))
    assert all(o.say in heard(outcome) for o in EN.nodes[ROOT].options_for(Channel.VOICE))
    assert (outcome.state.node, outcome.state.page, outcome.state.misses) == (ROOT, 0, 0)
    assert outcome.state.steps == 1 and outcome.effects == ()


@pytest.mark.parametrize(
    "first", [silence(), press("3"), say("main menu"), dial_ended("busy")], ids=repr
)
def test_any_first_event_of_a_call_greets(first: Event) -> None:
    outcome = step(FLOWS, State(), first)
    assert outcome.replies == tuple(speakable(r) for r in greeting(EN))
    assert outcome.state.node == ROOT and outcome.then is Then.GATHER


def test_call_event_midway_starts_over_at_the_main_menu() -> None:
    outcome = step(FLOWS, at("when", 1, misses=2), event(kind=EventKind.CALL))
    assert (outcome.state.node, outcome.state.page, outcome.state.misses) == (ROOT, 0, 0)
    assert outcome.replies[0] == text("voice_welcome")


@pytest.mark.parametrize(
    "stale",
    [
        at("gone"),
        at("when", 9),
        at("find", -1),
        State(lang="xx", node="find", steps=4),
        State(lang="", node=ROOT, steps=4),
    ],
    ids=repr,
)
def test_stale_or_corrupt_state_restarts_the_call(stale: State) -> None:
    outcome = step(FLOWS, replace(stale, opted_out=True, misses=2), press("1"))
    assert outcome.replies == tuple(speakable(r) for r in greeting(EN))
    assert outcome.state == State(
        lang="en", node=ROOT, page=0, steps=stale.steps + 1, opted_out=True
    )


# menus, keys and budgets ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option",
    [o for o in EN.nodes[ROOT].options_for(Channel.VOICE) if isinstance(o.target, GoTo)],
    ids=lambda o: o.key,
)
def test_each_main_menu_key_opens_its_part(option: Option) -> None:
    outcome = step(FLOWS, at(ROOT), press(option.key))
    assert isinstance(option.target, GoTo)
    target = option.target.node
    assert (outcome.state.node, outcome.state.page) == (target, 0)
    assert outcome.replies == page_prompt(target, 0)
    assert outcome.then is Then.GATHER


def test_every_page_of_every_part_is_reachable_by_one_key_per_step() -> None:
    """Breadth-first over single key presses from the main menu reaches every page of every node."""
    seen = {(ROOT, 0)}
    queue = [at(ROOT)]
    for state in queue:
        for key in "12345678":
            outcome = step(FLOWS, state, press(key))
            where = (outcome.state.node, outcome.state.page)
            if outcome.then is Then.GATHER and where not in seen:
                seen.add(where)
                queue.append(replace(outcome.state, misses=0, steps=1))
    assert seen == set(PAGES)


@pytest.mark.parametrize(("node", "page"), PAGES)
def test_every_page_fits_45_seconds_even_after_the_longest_lead(node: str, page: int) -> None:
    for lead in VOICE_LEADS:
        said = " ".join((text(lead), *page_prompt(node, page)))
        assert spoken_seconds(said) <= VOICE_MAX_SECONDS, (node, page, lead)


def test_greeting_offer_and_closed_hours_fit_45_seconds() -> None:
    assert spoken_seconds(" ".join(greeting(EN))) <= VOICE_MAX_SECONDS
    assert spoken_seconds(" ".join(offer(EN))) <= VOICE_MAX_SECONDS
    closed = step(FLOWS, at("social"), press("2", office_open=False))
    assert spoken_seconds(heard(closed)) <= VOICE_MAX_SECONDS


def test_pages_before_the_last_offer_more_and_not_the_options() -> None:
    first = heard(step(FLOWS, at("doctor"), press("*")))
    assert EN.text("voice_more") in first
    social = heard(step(FLOWS, at("social"), press("*")))
    assert EN.text("voice_more") not in social
    for option in EN.nodes["social"].options_for(Channel.VOICE):
        assert f"{option.say}, press {option.key}." in social


def test_main_menu_offers_repeat_but_not_menu_or_text_keys() -> None:
    main = heard(step(FLOWS, at(ROOT), press("*")))
    assert "press star" in main
    assert "press 0" not in main and "press 9" not in main
    assert "Para español, oprima 9." in main  # 9 is the other language, said in that language
    find = heard(step(FLOWS, at("find"), press("*")))
    assert "press star" in find and "press 0" in find and "press 9" in find


def test_more_key_pages_through_a_part() -> None:
    outcomes = run([press("1"), press("1")], at("doctor"))
    assert [(o.state.node, o.state.page) for o in outcomes] == [("doctor", 1), ("doctor", 2)]
    assert outcomes[-1].replies == page_prompt("doctor", 2)


@pytest.mark.parametrize(("node", "target"), [(ROOT, "doctor"), ("social", CALLBACK_NODE)])
def test_more_key_on_the_last_page_is_the_first_option(node: str, target: str) -> None:
    outcome = step(FLOWS, at(node, last_page(node)), press("1"))
    assert (outcome.state.node, outcome.state.page) == (target, 0)


def test_more_key_on_the_last_page_of_a_part_without_options_is_a_wrong_key() -> None:
    state = at("doctor", last_page("doctor"))
    outcome = step(FLOWS, state, press("1"))
    assert is_reprompt(outcome, state, "voice_wrong_key")
    assert outcome.state.misses == 1


@pytest.mark.parametrize(("node", "page"), PAGES)
def test_star_repeats_the_last_prompt(node: str, page: int) -> None:
    outcome = step(FLOWS, at(node, page), press("*"))
    assert outcome.replies == page_prompt(node, page)
    assert (outcome.state.node, outcome.state.page) == (node, page)
    assert outcome.then is Then.GATHER and outcome.effects == ()


@pytest.mark.parametrize(("node", "page"), PAGES)
def test_zero_returns_to_the_main_menu(node: str, page: int) -> None:
    outcome = step(FLOWS, at(node, page, misses=2), press("0"))
    assert outcome.replies == page_prompt(ROOT, 0)
    assert (outcome.state.node, outcome.state.page, outcome.state.misses) == (ROOT, 0, 0)


@pytest.mark.parametrize("can_text", [True, False])
def test_nine_on_the_main_menu_switches_to_spanish(can_text: bool) -> None:
    state = at(ROOT, misses=2)
    outcome = step(FLOWS, state, press("9", can_text=can_text))
    assert outcome.effects == ()
    assert outcome.state == State(lang="es", node=ROOT, page=0, steps=2, misses=0)
    assert outcome.replies == tuple(speakable(r) for r in greeting(ES))
    assert "For English, press 9." in outcome.replies
    assert outcome.then is Then.GATHER


def test_nine_on_the_spanish_main_menu_switches_to_english() -> None:
    state = replace(at(ROOT), lang="es")
    outcome = step(FLOWS, state, press("9"))
    assert outcome.state == State(lang="en", node=ROOT, page=0, steps=2)
    assert outcome.replies == tuple(speakable(r) for r in greeting(EN))
    assert "Para español, oprima 9." in outcome.replies


@pytest.mark.parametrize(("node", "key"), [(ROOT, "8"), ("social", "3"), ("find", "5")])
def test_wrong_key_says_so_and_asks_again(node: str, key: str) -> None:
    state = at(node)
    outcome = step(FLOWS, state, press(key))
    assert is_reprompt(outcome, state, "voice_wrong_key")
    assert outcome.state.misses == 1


def test_only_the_first_of_several_digits_counts() -> None:
    outcome = step(FLOWS, at(ROOT), press("27"))
    assert outcome.state.node == "find"


@pytest.mark.parametrize(("node", "page"), [(ROOT, 0), ("doctor", 1), ("about", 0)])
def test_silence_says_so_and_asks_again(node: str, page: int) -> None:
    state = at(node, page)
    outcome = step(FLOWS, state, silence())
    assert is_reprompt(outcome, state, "voice_silence")
    assert outcome.state.misses == 1


# misses and the offer ---------------------------------------------------------------------------


def test_three_silences_offer_a_social_worker_or_a_call_back() -> None:
    outcomes = run([silence()] * 3, at("find"))
    assert [o.state.misses for o in outcomes] == [1, 2, 3]
    assert all(o.replies[0] == text("voice_silence") for o in outcomes[:2])
    assert outcomes[-1].replies == tuple(speakable(r) for r in offer(EN))
    assert "press 1" in heard(outcomes[-1]) and "press 2" in heard(outcomes[-1])
    assert outcomes[-1].then is Then.GATHER


def test_wrong_keys_silence_and_unclear_speech_all_count_as_misses() -> None:
    outcomes = run([press("8"), silence(), say("banana")], at("find"))
    assert [o.replies[0] for o in outcomes[:2]] == [text("voice_wrong_key"), text("voice_silence")]
    assert outcomes[-1].replies == (text("voice_offer"),)


@pytest.mark.parametrize("good", [press("*"), press("0"), say("help"), press("1")], ids=repr)
def test_misses_reset_after_a_good_answer(good: Event) -> None:
    outcomes = run([silence(), press("8"), good, silence(), silence()], at(ROOT))
    assert [o.state.misses for o in outcomes] == [1, 2, 0, 1, 2]
    assert all(text("voice_offer") not in heard(o) for o in outcomes)


def test_offer_1_with_the_office_open_dials_a_social_worker() -> None:
    outcome = step(FLOWS, offered(), press("1", office_open=True))
    assert outcome.then is Then.DIAL
    assert outcome.replies == (text("voice_connecting"),)
    assert outcome.state.misses == 0


def test_offer_1_with_the_office_closed_says_the_hours_and_goes_to_call_back() -> None:
    outcome = step(FLOWS, offered(), press("1", office_open=False))
    assert outcome.then is Then.GATHER
    assert outcome.replies == (text("voice_closed", hours=HOURS), *page_prompt(CALLBACK_NODE))
    assert HOURS in heard(outcome)
    assert (outcome.state.node, outcome.state.misses) == (CALLBACK_NODE, 0)


def test_offer_2_goes_to_call_back() -> None:
    outcome = step(FLOWS, offered(ROOT), press("2", office_open=True))
    assert outcome.replies == page_prompt(CALLBACK_NODE)
    assert (outcome.state.node, outcome.state.page, outcome.state.misses) == (CALLBACK_NODE, 0, 0)
    assert outcome.then is Then.GATHER


def test_offer_star_repeats_the_offer_and_keeps_it_open() -> None:
    outcomes = run([press("*"), press("*"), press("2")], offered())
    assert [o.replies for o in outcomes[:2]] == [(text("voice_offer"),)] * 2
    assert outcomes[1].state.misses == MISSES_BEFORE_OFFER
    assert outcomes[-1].state.node == CALLBACK_NODE


@pytest.mark.parametrize("answer", [silence(), press("3"), press("9"), say("banana")], ids=repr)
def test_offer_anything_else_says_goodbye_and_hangs_up(answer: Event) -> None:
    outcome = step(FLOWS, offered(), answer)
    assert outcome.then is Then.HANG_UP
    assert outcome.replies == (text("voice_goodbye"),)
    assert outcome.effects == ()


@pytest.mark.parametrize(
    ("words", "then", "node"),
    [
        ("social worker", Then.DIAL, "find"),
        ("two", Then.GATHER, CALLBACK_NODE),
        ("one", Then.DIAL, "find"),
        ("repeat", Then.GATHER, "find"),
    ],
)
def test_offer_answered_by_speech(words: str, then: Then, node: str) -> None:
    outcome = step(FLOWS, offered("find"), say(words, office_open=True))
    assert (outcome.then, outcome.state.node) == (then, node)


@pytest.mark.parametrize("node", [ROOT, "social"])
def test_saying_call_back_to_the_offer_asks_for_a_call_back(node: str) -> None:
    """The offer says 'to ask for a call back, press 2'; a caller who says 'call back' means 2.

    Today the words are matched against the menu the caller was lost in, not the offer: on the
    main menu they mean option 6 (-> goodbye), on the social worker part option 1 (-> a dial).
    """
    outcome = step(FLOWS, offered(node), say("call back", office_open=True))
    assert outcome.then is Then.GATHER
    assert outcome.state.node == CALLBACK_NODE


# speech -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("words", ["repeat", "say that again", "Again?"])
def test_saying_repeat_repeats(words: str) -> None:
    outcome = step(FLOWS, at("when", 1), say(words))
    assert outcome.replies == page_prompt("when", 1)


@pytest.mark.parametrize("words", ["main menu", "Menu.", "zero", "0"])
def test_saying_main_menu_goes_to_the_main_menu(words: str) -> None:
    outcome = step(FLOWS, at("helps"), say(words))
    assert (outcome.state.node, outcome.replies) == (ROOT, page_prompt(ROOT))


@pytest.mark.parametrize("words", ["help", "I need help"])
def test_saying_help_explains_and_asks_again(words: str) -> None:
    state = at("find", misses=2)
    outcome = step(FLOWS, state, say(words))
    assert is_reprompt(outcome, state, "voice_help")
    assert outcome.state.misses == 0


@pytest.mark.parametrize("node", NODES)
@pytest.mark.parametrize("words", ["social worker", "talk to a social worker", "operator"])
def test_saying_social_worker_dials_when_the_office_is_open(words: str, node: str) -> None:
    outcome = step(FLOWS, at(node, last_page(node)), say(words, office_open=True))
    assert outcome.then is Then.DIAL
    assert outcome.replies == (text("voice_connecting"),)


def test_saying_social_worker_when_closed_says_the_hours_and_goes_to_call_back() -> None:
    outcome = step(FLOWS, at("find"), say("social worker", office_open=False))
    assert outcome.replies == (text("voice_closed", hours=HOURS), *page_prompt(CALLBACK_NODE))
    assert outcome.state.node == CALLBACK_NODE and outcome.then is Then.GATHER


@pytest.mark.parametrize(
    ("words", "confidence"), [("two", 0.39), ("main menu", 0.1), ("social worker", 0.0)]
)
def test_low_confidence_speech_is_not_guessed_at(words: str, confidence: float) -> None:
    state = at(ROOT)
    outcome = step(FLOWS, state, say(words, confidence, office_open=True))
    assert is_reprompt(outcome, state, "voice_not_understood")
    assert outcome.state.misses == 1


def test_confidence_of_exactly_the_threshold_is_taken() -> None:
    assert step(FLOWS, at(ROOT), say("two", 0.4)).state.node == "find"


def test_speech_without_a_confidence_is_taken() -> None:
    assert step(FLOWS, at(ROOT), say("two", None)).state.node == "find"


@pytest.mark.parametrize(
    ("words", "target"),
    [("finding a doctor", "find"), ("about this information", "about"), ("when matters", "when")],
)
def test_speech_chooses_an_option_by_its_label_words(words: str, target: str) -> None:
    outcome = step(FLOWS, at(ROOT), say(words))
    assert (outcome.state.node, outcome.state.page) == (target, 0)


@pytest.mark.parametrize(
    ("node", "page", "words", "where"),
    [
        (ROOT, 0, "two", ("find", 0)),
        (ROOT, 0, "Seven.", ("about", 0)),
        (ROOT, 0, "4", ("when", 0)),
        ("doctor", 0, "one", ("doctor", 1)),
        ("social", 0, "one", (CALLBACK_NODE, 0)),
    ],
)
def test_number_words_stand_for_keys(
    node: str, page: int, words: str, where: tuple[str, int]
) -> None:
    outcome = step(FLOWS, at(node, page), say(words))
    assert (outcome.state.node, outcome.state.page) == where


@pytest.mark.parametrize("words", ["more", "next"])
def test_saying_more_pages_on_a_page_before_the_last(words: str) -> None:
    outcome = step(FLOWS, at("when", 0), say(words))
    assert (outcome.state.node, outcome.state.page) == ("when", 1)


@pytest.mark.parametrize("words", ["doctor", "banana", "", "   "])
def test_ambiguous_or_unknown_speech_is_not_understood(words: str) -> None:
    state = at(ROOT)
    outcome = step(FLOWS, state, say(words))
    assert is_reprompt(outcome, state, "voice_not_understood")
    assert outcome.state.misses == 1


def chose(node: str, words: str, option: Option) -> bool:
    """True when saying `words` at `node` does just what pressing `option`'s key does.

    For the social worker part, being put through to a social worker right away will do too.
    """
    state = at(node, last_page(node))
    said = step(FLOWS, state, say(words))
    if said == step(FLOWS, state, press(option.key)):
        return True
    return option.target == GoTo("social") and said.replies[0] == text("voice_closed", hours=HOURS)


VOICE_OPTIONS = [
    (n, o) for n in NODES for o in EN.nodes[n].options_for(Channel.VOICE) if o.target != Talk()
]


@pytest.mark.parametrize(
    ("node", "option"), VOICE_OPTIONS, ids=[f"{n}-{o.key}" for n, o in VOICE_OPTIONS]
)
def test_saying_an_option_label_chooses_it(node: str, option: Option) -> None:
    """'How it can help' and 'Social worker help' contain 'help', which wins over the options."""
    assert chose(node, option.label, option)


@pytest.mark.parametrize(
    ("node", "option"), VOICE_OPTIONS, ids=[f"{n}-{o.key}" for n, o in VOICE_OPTIONS]
)
def test_repeating_what_an_option_prompt_says_chooses_it(node: str, option: Option) -> None:
    """A caller who hears 'For help from a social worker, press 5' may say just that."""
    assert chose(node, option.say, option)


@pytest.mark.parametrize("node", [ROOT, "social"])
@pytest.mark.parametrize("words", ["back", "go back"])
def test_saying_back_is_not_taken_for_a_call_back(words: str, node: str) -> None:
    """'back' is a speech hint, but the call has no 'back': the stem BACK matches 'Get a call back'."""
    outcome = step(FLOWS, at(node, last_page(node)), say(words))
    assert outcome.state.node != CALLBACK_NODE


# press 9 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("node", "page"), FACT_PAGES)
def test_nine_texts_the_current_part(node: str, page: int) -> None:
    outcome = step(FLOWS, at(node, page), press("9", can_text=True))
    assert "To get this by text, press 9." in " ".join(page_prompt(node, page))
    assert outcome.effects == (SendText(node),)
    assert outcome.replies == (text("voice_texted"), *page_prompt(node, page))
    assert (outcome.state.node, outcome.state.page) == (node, page)
    assert outcome.then is Then.GATHER


@pytest.mark.parametrize(("node", "page"), PAGES)
def test_nine_is_offered_exactly_where_it_texts(node: str, page: int) -> None:
    """9 texts a part of the fact sheet; on the main menu it is the other language; else wrong."""
    said = " ".join(page_prompt(node, page))
    offered_here = "press 9" in said
    outcome = step(FLOWS, at(node, page), press("9", can_text=True))
    texted = any(isinstance(e, SendText) for e in outcome.effects)
    assert offered_here == texted
    if node == ROOT:
        assert "oprima 9" in said and outcome.state.lang == "es"
    elif not texted:
        assert "oprima 9" not in said
        assert outcome.replies[0] == text("voice_wrong_key")


def test_saying_nine_texts_the_current_part() -> None:
    outcome = step(FLOWS, at("find"), say("nine", can_text=True))
    assert outcome.effects == (SendText("find"),)


def test_nine_when_the_number_cannot_get_texts_says_why() -> None:
    state = at("find")
    outcome = step(FLOWS, state, press("9", can_text=False))
    assert is_reprompt(outcome, state, "voice_not_textable")
    assert outcome.effects == () and outcome.state.misses == 0
    opted_out = replace(state, opted_out=True)
    outcome = step(FLOWS, opted_out, press("9", can_text=True))
    assert is_reprompt(outcome, opted_out, "voice_no_text") and outcome.effects == ()


def test_nine_when_opted_out_of_texts_says_so() -> None:
    state = at("when", 1, opted_out=True)
    outcome = step(FLOWS, state, press("9", can_text=True))
    assert is_reprompt(outcome, state, "voice_no_text")
    assert outcome.effects == ()


# talking to a social worker ---------------------------------------------------------------------


def test_social_option_2_dials_when_the_office_is_open() -> None:
    outcome = step(FLOWS, at("social"), press("2", office_open=True))
    assert outcome.then is Then.DIAL
    assert outcome.replies == (text("voice_connecting"),)
    assert outcome.effects == ()


def test_social_option_2_when_closed_says_the_hours_and_goes_to_call_back() -> None:
    outcome = step(FLOWS, at("social"), press("2", office_open=False))
    assert outcome.then is Then.GATHER
    assert outcome.replies == (text("voice_closed", hours=HOURS), *page_prompt(CALLBACK_NODE))
    assert (outcome.state.node, outcome.state.page) == (CALLBACK_NODE, 0)


@pytest.mark.parametrize("status", FAILED_DIALS)
def test_a_dial_nobody_answered_comes_back_to_the_main_menu_with_an_apology(status: str) -> None:
    dialled = step(FLOWS, at("social"), press("2", office_open=True))
    outcome = step(FLOWS, dialled.state, dial_ended(status))
    assert outcome.then is Then.GATHER
    assert outcome.replies == (text("voice_no_answer"), *page_prompt(ROOT))
    assert (outcome.state.node, outcome.state.page) == (ROOT, 0)


@pytest.mark.parametrize("status", ["completed", "answered"])
def test_a_completed_dial_ends_the_call(status: str) -> None:
    dialled = step(FLOWS, at("social"), press("2", office_open=True))
    outcome = step(FLOWS, dialled.state, dial_ended(status))
    assert outcome.then is Then.HANG_UP
    assert outcome.replies == (text("voice_goodbye"),)


# the step cap -----------------------------------------------------------------------------------


def test_the_step_cap_ends_the_call_politely() -> None:
    state = at("find", steps=MAX_STEPS - 1)
    before_cap = step(FLOWS, state, press("*"))
    assert before_cap.then is Then.GATHER and before_cap.state.steps == MAX_STEPS
    capped = step(FLOWS, before_cap.state, press("*"))
    assert capped.then is Then.HANG_UP
    assert capped.replies == (text("voice_goodbye"),)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_safety_words_are_answered_even_at_the_step_cap(lang: str) -> None:
    """The safety answer comes before anything else: a caller in crisis is never just hung up on,
    but the cap holds for every branch: 911 and 988, then goodbye."""
    under = step(FLOWS, replace(at("find", steps=MAX_STEPS - 1), lang=lang), say("kill myself"))
    assert under.replies[0] == speakable(FLOWS[lang].text("voice_crisis"))
    assert under.then is Then.GATHER
    over = step(FLOWS, under.state, say("I want to kill myself"))
    assert over.replies == (speakable(FLOWS[lang].text("voice_crisis_last")),)
    assert over.then is Then.HANG_UP and not over.effects
    assert "9 1 1" in over.replies[0] and "9 8 8" in over.replies[0]


def test_repeating_forever_is_cut_off_at_the_cap() -> None:
    outcomes = run([event(kind=EventKind.CALL)] + [press("*")] * (MAX_STEPS + 5))
    ends = [i for i, o in enumerate(outcomes) if o.then is Then.HANG_UP]
    assert ends and ends[0] == MAX_STEPS  # the (MAX_STEPS + 1)th step of the call


# what is spoken ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("1 800 422 6237", "1, 8 0 0, 4 2 2, 6 2 3 7"),
        ("1-800-422-6237", "1, 8 0 0, 4 2 2, 6 2 3 7"),
        ("800 813 4673", "8 0 0, 8 1 3, 4 6 7 3"),
        ("Call 800-813-4673 now.", "Call 8 0 0, 8 1 3, 4 6 7 3 now."),
        ("updated March 25, 2025", "updated March 25, 2025"),
        ("press 1, or press 9", "press 1, or press 9"),
        ("", ""),
    ],
)
def test_speakable_spells_phone_numbers_digit_by_digit(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


def all_spoken() -> list[str]:
    """Every reply a caller can hear on the shipped content, gathered through the engine."""
    outcomes = [step(FLOWS, State(), event(kind=EventKind.CALL))]
    for node, page in PAGES:
        for e in (press("*"), press("8"), silence(), say("banana"), press("9"), say("help")):
            outcomes.append(step(FLOWS, at(node, page), e))
    outcomes += [step(FLOWS, offered(), e) for e in (press("*"), press("3"))]
    outcomes += [step(FLOWS, at("social"), press("2", office_open=o)) for o in (True, False)]
    outcomes.append(step(FLOWS, at("social"), dial_ended("busy")))
    return [r for o in outcomes for r in o.replies]


def test_no_phone_number_is_spoken_as_letters_or_as_a_whole_number() -> None:
    spoken = all_spoken()
    assert any("1, 8 0 0, 4 2 2, 6 2 3 7" in r for r in spoken)
    assert any("8 0 0, 8 1 3, 4 6 7 3" in r for r in spoken)
    for reply in spoken:
        assert not re.search(r"\bHOPE\b|\bCANCER\b|4-CANCER", reply), reply
        assert not re.search(r"\d{3}[ -]\d{3}|\d{4,}[ -]\d", reply), reply


def test_goodbye_speaks_the_number_digit_by_digit() -> None:
    goodbye = step(FLOWS, offered(), silence())
    assert "8 0 0, 8 1 3, 4 6 7 3" in heard(goodbye)


@pytest.mark.parametrize("node", NODES)
def test_hints_include_the_option_labels(node: str) -> None:
    labels = [o.label.lower() for o in EN.nodes[node].options_for(Channel.VOICE)]
    assert set(labels) <= set(hints(EN, node))


@pytest.mark.parametrize("name", ["repeat", "menu", "talk", "help"])
def test_hints_include_every_spoken_command(name: str) -> None:
    """The recogniser is told to expect repeat, main menu, social worker and help everywhere."""
    for node in NODES:
        assert {w.lower() for w in EN.keywords[name]} <= set(hints(EN, node)), (name, node)


def test_every_step_answers_with_something_to_hear() -> None:
    events = [press(k, office_open=o) for k in "0123456789*#" for o in (True, False)] + [
        silence(),
        say("help"),
        say("social worker", office_open=True),
        dial_ended("busy"),
    ]
    for (node, page), e, misses in itertools.product(PAGES, events, (0, 3)):
        outcome = step(FLOWS, at(node, page, misses=misses), e)
        assert outcome.then in (Then.GATHER, Then.DIAL, Then.HANG_UP)
        assert outcome.replies and all(r.strip() for r in outcome.replies), (node, page, e)


# properties -------------------------------------------------------------------------------------

PHRASES = [
    "repeat",
    "main menu",
    "social worker",
    "help",
    "more",
    "back",
    "call back",
    "two",
    "nine",
    "finding a doctor",
    "doctor",
    "what",
]
DIGITS = st.text(alphabet="0123456789*#", min_size=1, max_size=3)
SPEECH = st.one_of(st.sampled_from(PHRASES), st.text(max_size=80))
CONFIDENCE = st.one_of(st.none(), st.floats(min_value=0.0, max_value=1.0))
DIAL_STATUS = st.sampled_from(["completed", "answered", *FAILED_DIALS, ""])
EVENTS = st.one_of(
    st.builds(
        lambda d, t, o: press(d, can_text=t, office_open=o), DIGITS, st.booleans(), st.booleans()
    ),
    st.builds(
        lambda s, c, t, o: say(s, c, can_text=t, office_open=o),
        SPEECH,
        CONFIDENCE,
        st.booleans(),
        st.booleans(),
    ),
    st.just(silence()),
    st.builds(dial_ended, DIAL_STATUS),
)
STATES = st.builds(
    State,
    lang=st.sampled_from(["en", "es", "fr", ""]),
    node=st.sampled_from(["", "gone", *NODES]),
    page=st.integers(min_value=-1, max_value=4),
    steps=st.integers(min_value=0, max_value=MAX_STEPS + 3),
    misses=st.integers(min_value=0, max_value=5),
    opted_out=st.booleans(),
)


def check(before: State, outcome: Outcome) -> None:
    """What every voice step must give: a sound state and something to hear, then a next move."""
    assert outcome.then in (Then.GATHER, Then.DIAL, Then.HANG_UP)
    assert outcome.replies and all(r.strip() for r in outcome.replies)
    state = outcome.state
    assert state.lang in FLOWS and state.node in FLOWS[state.lang].nodes
    assert 0 <= state.page < len(FLOWS[state.lang].nodes[state.node].voice)
    assert state.steps == before.steps + 1
    for effect in outcome.effects:
        if isinstance(effect, SendText):
            assert effect.node in EN.nodes and effect.node != ROOT and not state.opted_out
    if before.lang in FLOWS and state.lang != before.lang:  # the caller chose the other language
        assert (state.node, state.page) == (ROOT, 0) and outcome.then is Then.GATHER
        assert outcome.replies == tuple(
            speakable(r) for r in greeting(FLOWS[state.lang], slow=state.slow)
        )


@settings(max_examples=250, deadline=None)
@given(STATES, st.lists(EVENTS, max_size=40))
def test_any_call_never_fails_and_always_says_something(start: State, events: list[Event]) -> None:
    state = step(FLOWS, start, event(kind=EventKind.CALL)).state
    for e in events:
        outcome = step(FLOWS, state, e)
        check(state, outcome)
        state = outcome.state
        if outcome.then is Then.HANG_UP:
            break


@settings(max_examples=150, deadline=None)
@given(STATES, st.lists(EVENTS, max_size=10))
def test_keeping_silent_always_ends_the_call(start: State, events: list[Event]) -> None:
    state = start
    for e in events:  # wherever the call has got to ...
        state = step(FLOWS, state, e).state
    for _ in range(MAX_STEPS + 1):  # ... silence from then on hangs up
        outcome = step(FLOWS, state, silence())
        state = outcome.state
        if outcome.then is Then.HANG_UP:
            return
    pytest.fail(f"still talking after {MAX_STEPS + 1} silences: {state}")


@settings(max_examples=60, deadline=None)
@given(st.lists(EVENTS, min_size=1, max_size=8))
def test_no_call_loops_forever(events: list[Event]) -> None:
    """Any events, over and over: the call hangs up by its (MAX_STEPS + 1)th step."""
    state = step(FLOWS, State(), event(kind=EventKind.CALL)).state
    for e in itertools.islice(itertools.cycle(events), MAX_STEPS):
        outcome = step(FLOWS, state, e)
        state = outcome.state
        if outcome.then is Then.HANG_UP:
            break
    assert outcome.then is Then.HANG_UP
    assert state.steps <= MAX_STEPS + 1


DECLINES = [
    (n, o)
    for n in NODES
    for o in EN.nodes[n].options_for(Channel.VOICE)
    if o.set is not None and o.set.voicemail is False
]


@pytest.mark.parametrize(("node", "option"), DECLINES, ids=[f"{n}-{o.key}" for n, o in DECLINES])
@pytest.mark.parametrize("field", ["say", "label"])
def test_saying_no_voice_message_never_agrees_to_one(node: str, option: Option, field: str) -> None:
    """'If we should not leave a message' shares more word stems with 'Yes, leave a message'."""
    outcome = step(FLOWS, at(node, last_page(node)), say(getattr(option, field)))
    forms = [e.form for e in outcome.effects if isinstance(e, RequestCallback)]
    assert all(form.voicemail is not True for form in [outcome.state.form, *forms])
