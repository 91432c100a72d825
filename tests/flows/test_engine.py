"""flows.engine.step: the whole SMS conversation as a pure function, on shipped and tiny content."""

from __future__ import annotations

import copy
import tomllib
from dataclasses import asdict, replace
from typing import Any

import pytest

from flows.content import CONTENT_DIR, load_flows, parse_flow
from flows.engine import step
from flows.model import (
    Channel,
    Event,
    FileRequest,
    Flows,
    GoTo,
    Node,
    Option,
    Outcome,
    SendText,
    State,
    SwitchLanguage,
)
from flows.sms import no_more_text, page_text, sorry_text, start_text
from flows.voice.prompts import greeting, prompt, speakable

FLOWS = load_flows()
EN = FLOWS["en"]
ES = FLOWS["es"]
EN_DATA = tomllib.loads((CONTENT_DIR / "en.toml").read_text(encoding="utf-8"))


def sms(text: str, opt_out_type: str = "") -> Event:
    """An incoming text."""
    return Event(Channel.SMS, text=text, opt_out_type=opt_out_type)


def run(texts: list[str], flows: Flows = FLOWS, state: State | None = None) -> list[Outcome]:
    """Step through `texts` from `state` (a new conversation by default); every outcome, in order."""
    outcomes = []
    state = state or State()
    for text in texts:
        outcome = step(flows, state, sms(text))
        outcomes.append(outcome)
        state = outcome.state
    return outcomes


def last(texts: list[str], flows: Flows = FLOWS, state: State | None = None) -> Outcome:
    """The outcome of the last of `texts`."""
    return run(texts, flows, state)[-1]


def reply(outcome: Outcome) -> str:
    """The one reply of `outcome` (fails if there is not exactly one)."""
    [text] = outcome.replies
    return text


def sms_options(node: Node) -> list[Option]:
    """The options a node offers by text (some may be offered on calls only)."""
    return list(node.options_for(Channel.SMS))


def tiny_data() -> dict[str, Any]:
    """Small content, as TOML would give it: main -> a (3 pages) -> b (2 pages).

    Sections other than nodes, keywords and the SMS texts come from the shipped file.
    """
    data = copy.deepcopy(EN_DATA)
    data["keywords"].update(start=["HELLO"], menu=["MENU"], back=["BACK"], more=["MORE"])
    data["texts"].update(
        {
            "welcome": "Welcome.",
            "notice": "Notice.",
            "root_footer": "Root footer.",
            "footer": "Footer.",
            "more_footer": "More footer.",
            "sorry": "Sorry.",
            "no_more": "No more.",
            "help": "Help text.",
        }
    )
    data["nodes"] = {
        "main": {
            "sms": ["Main."],
            "voice": ["Main."],
            "options": [{"key": "1", "target": "a", "label": "To A", "say": "For A"}],
        },
        "a": {
            "sms": ["A one.", "A two.", "A three."],
            "voice": ["A."],
            "options": [{"key": "1", "target": "b", "label": "To B", "say": "For B"}],
        },
        "b": {"sms": ["B one.", "B two."], "voice": ["B."]},
    }
    return data


TINY: Flows = {"en": parse_flow(tiny_data())}


# starting ---------------------------------------------------------------------------------------


def test_start_sends_welcome_notice_and_menu_in_one_reply() -> None:
    outcome = step(FLOWS, State(), sms("SECOND"))
    text = reply(outcome)
    assert text == start_text(EN)
    assert text.startswith(EN.text("welcome"))
    assert EN.text("notice") in text
    assert all(f"{o.key} {o.label}" in text for o in sms_options(EN.nodes["main"]))
    assert (outcome.state.node, outcome.state.page) == ("main", 0)


@pytest.mark.parametrize("text", ["secnd", "opinion", "hi", "1", "", "😀", "MORE", "BACK"])
def test_any_first_text_starts_the_conversation(text: str) -> None:
    outcome = step(FLOWS, State(), sms(text))
    assert reply(outcome) == start_text(EN)
    assert outcome.state.node == "main"


def test_notice_appears_once_per_conversation() -> None:
    texts = [
        "SECOND",
        "1",
        "MORE",
        "BACK",
        "MENU",
        "2",
        "0",
        "3",
        "BACK",
        "banana",
        "7",
        "MENU",
        "HELP",
        "5",
        "MORE",
        "1",
        "BACK",
        "MORE",
        "MORE",
    ]
    replies = [r for o in run(texts) for r in o.replies]
    assert len(replies) == len(texts)
    assert [EN.text("notice") in r for r in replies] == [True] + [False] * (len(texts) - 1)
    assert [EN.text("welcome") in r for r in replies] == [True] + [False] * (len(texts) - 1)


def test_start_word_mid_conversation_goes_to_the_menu() -> None:
    outcome = last(["SECOND", "1", "MORE", "secnd"])
    assert (outcome.state.node, outcome.state.page) == ("main", 0)
    assert "1 Talk to your doctor" in reply(outcome)


# options, paging, BACK, MENU -------------------------------------------------------------------


@pytest.mark.parametrize(
    "option",
    [o for o in sms_options(EN.nodes["main"]) if isinstance(o.target, GoTo)],
    ids=lambda o: o.target.node,
)
def test_every_main_option_opens_its_part(option) -> None:
    outcome = last(["SECOND", option.key])
    assert (outcome.state.node, outcome.state.page) == (option.target.node, 0)
    assert reply(outcome) == page_text(EN, option.target.node, 0)
    assert EN.nodes[option.target.node].sms[0] in reply(outcome)


def test_the_language_option_of_the_main_menu_starts_over_in_spanish() -> None:
    [option] = [o for o in sms_options(EN.nodes["main"]) if isinstance(o.target, SwitchLanguage)]
    assert (option.key, option.target) == ("9", SwitchLanguage("es"))
    outcome = last(["SECOND", option.key])
    assert (outcome.state.lang, outcome.state.node, outcome.state.page) == ("es", "main", 0)
    assert reply(outcome) == start_text(ES)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_option_of_every_node_opens_its_target(lang: str) -> None:
    flow = FLOWS[lang]
    for node in flow.nodes.values():
        for option in sms_options(node):
            state = State(lang=lang, node=node.id, page=len(node.sms) - 1, steps=5)
            outcome = step(FLOWS, state, sms(option.key))
            if isinstance(option.target, SwitchLanguage):
                other = option.target.lang
                assert other != lang
                assert outcome.state == State(lang=other, node="main", page=0, steps=6), option
                assert reply(outcome) == start_text(FLOWS[other])
                continue
            assert isinstance(option.target, GoTo | FileRequest)
            target = "callback_done" if option.target == FileRequest() else option.target.node
            assert (outcome.state.lang, outcome.state.node, outcome.state.page) == (
                lang,
                target,
                0,
            ), option
            assert reply(outcome) == page_text(flow, target, 0)


def test_more_reads_every_page_then_says_there_is_no_more() -> None:
    node = EN.nodes["doctor"]
    outcomes = run(["SECOND", "1"] + ["MORE"] * len(node.sms))
    pages = outcomes[1:-1]
    assert [o.state.page for o in pages] == list(range(len(node.sms)))
    for page, outcome in enumerate(pages):
        assert node.sms[page] in reply(outcome)
    assert EN.text("more_footer") in reply(pages[0])
    assert EN.text("footer") in reply(pages[-1]) and EN.text("more_footer") not in reply(pages[-1])
    end = outcomes[-1]
    assert reply(end) == no_more_text(EN, "doctor")
    assert (end.state.node, end.state.page) == ("doctor", len(node.sms) - 1)


def test_more_on_a_one_page_part_says_there_is_no_more() -> None:
    outcome = last(["SECOND", "7", "more"])
    assert reply(outcome).startswith(EN.text("no_more"))
    assert (outcome.state.node, outcome.state.page) == ("about", 0)


def test_options_show_on_the_last_page_only() -> None:
    first, second = run(["SECOND", "5", "MORE"])[1:]
    assert "1 Get a call back" not in reply(first)
    assert "1 Get a call back" in reply(second)


def test_back_goes_to_the_previous_page_then_to_the_parent() -> None:
    outcomes = run(
        ["HELLO", "1", "MORE", "MORE", "1", "MORE", "BACK", "BACK", "BACK", "BACK"], TINY
    )
    at = [(o.state.node, o.state.page) for o in outcomes]
    assert at[:6] == [("main", 0), ("a", 0), ("a", 1), ("a", 2), ("b", 0), ("b", 1)]
    assert at[6] == ("b", 0)
    assert at[7][0] == "a"  # parent of b
    assert at[8:] == [("main", 0), ("main", 0)]  # parent of a, then BACK on the root stays there
    assert reply(outcomes[6]) == page_text(TINY["en"], "b", 0)
    assert reply(outcomes[9]) == page_text(TINY["en"], "main", 0)


def test_back_from_a_part_of_the_fact_sheet_returns_to_the_menu() -> None:
    outcome = last(["SECOND", "3", "BACK"])
    assert (outcome.state.node, outcome.state.page) == ("main", 0)
    assert reply(outcome) == page_text(EN, "main", 0)


@pytest.mark.parametrize("word", ["MENU", "menu", "0", "main", "Main Menu"])
@pytest.mark.parametrize(
    "before",
    [["SECOND"], ["SECOND", "1"], ["SECOND", "1", "MORE", "MORE"], ["SECOND", "5", "MORE", "1"]],
)
def test_menu_and_zero_go_to_the_main_menu_from_anywhere(before: list[str], word: str) -> None:
    outcome = last([*before, word])
    assert (outcome.state.node, outcome.state.page) == ("main", 0)
    assert reply(outcome) == page_text(EN, "main", 0)
    assert EN.text("notice") not in reply(outcome)


def test_menu_from_deep_in_tiny_content() -> None:
    outcome = last(["HELLO", "1", "MORE", "MORE", "1", "MORE", "0"], TINY, State(offered=True))
    assert (outcome.state.node, outcome.state.page) == ("main", 0)
    assert reply(outcome) == "Main.\n1 To A"


# HELP, STOP, START -----------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["HELP", "help", "Info"])
def test_help_answers_with_the_help_text_and_keeps_the_place(word: str) -> None:
    before = last(["SECOND", "1", "MORE"]).state
    outcome = step(FLOWS, before, sms(word))
    assert reply(outcome) == EN.text("help")
    assert outcome.state == replace(before, steps=before.steps + 1)


def test_help_with_advanced_opt_out_gets_no_second_reply() -> None:
    """Twilio has already sent our HELP text when it reports OptOutType=HELP."""
    before = last(["SECOND"]).state
    outcome = step(FLOWS, before, sms("HELP", opt_out_type="HELP"))
    assert outcome.replies == ()
    assert outcome.state == replace(before, steps=before.steps + 1)


@pytest.mark.parametrize(
    "word",
    [
        "STOP",
        "stop",
        "StopAll",
        "UNSUBSCRIBE",
        "cancel",
        "End",
        "QUIT",
        "revoke",
        "optout",
        " Stop. ",
    ],
)
def test_stop_opts_out_without_a_reply(word: str) -> None:
    outcome = last(["SECOND", "1", word])
    assert outcome.replies == ()
    assert outcome.state.opted_out
    assert (outcome.state.node, outcome.state.page) == ("", 0)


def test_stop_as_the_first_text_opts_out_without_a_reply() -> None:
    outcome = step(FLOWS, State(), sms("STOP"))
    assert outcome.replies == () and outcome.state.opted_out


def test_after_stop_only_help_is_answered() -> None:
    opted_out = last(["SECOND", "STOP"]).state
    for text in ["SECOND", "secnd", "1", "0", "MENU", "MORE", "BACK", "banana", "😀", "", "STOP"]:
        outcome = step(FLOWS, opted_out, sms(text))
        assert outcome.replies == (), text
        assert outcome.state == replace(opted_out, steps=opted_out.steps + 1), text
    outcome = step(FLOWS, opted_out, sms("HELP"))
    assert reply(outcome) == EN.text("help")
    assert outcome.state.opted_out


@pytest.mark.parametrize("word", ["START", "start", "UNSTOP", "Yes"])
def test_opt_in_after_stop_clears_it_without_a_reply(word: str) -> None:
    """Twilio confirms the re-subscription itself; the next text starts afresh."""
    outcomes = run(["SECOND", "1", "STOP", word, "1"])
    back_in = outcomes[3]
    assert back_in.replies == ()
    assert not back_in.state.opted_out
    assert back_in.state.node == ""
    assert reply(outcomes[4]) == start_text(EN)


@pytest.mark.parametrize("word", ["START", "yes", "Unstop"])
def test_opt_in_words_when_not_opted_out_are_left_to_twilio(word: str) -> None:
    """Twilio auto-replies to these words; we stay silent and keep the reader's place."""
    outcome = last(["SECOND", "2", word])
    assert outcome.replies == ()
    assert (outcome.state.node, outcome.state.page) == ("find", 0)


# anything else ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["banana", "😀😀", "", "x" * 10_000, "99", "8", "stop please"])
@pytest.mark.parametrize("before", [["SECOND"], ["SECOND", "1"], ["SECOND", "1", "MORE", "MORE"]])
def test_unknown_reply_gets_sorry_and_choices_and_keeps_the_place(
    before: list[str], text: str
) -> None:
    state = last(before).state
    outcome = step(FLOWS, state, sms(text))
    assert reply(outcome) == sorry_text(EN, state.node, state.page)
    assert reply(outcome).startswith(EN.text("sorry"))
    assert outcome.state == replace(state, steps=state.steps + 1)


def test_sorry_on_the_menu_lists_the_choices() -> None:
    text = reply(last(["SECOND", "banana"]))
    assert all(f"{o.key} {o.label}" in text for o in sms_options(EN.nodes["main"]))


def test_sorry_on_a_middle_page_offers_more() -> None:
    assert reply(last(["SECOND", "1", "banana"])) == f"{EN.text('sorry')}\n{EN.text('more_footer')}"


def test_a_key_with_no_option_here_is_unknown() -> None:
    state = last(["SECOND", "7"]).state  # "about" has no options
    outcome = step(FLOWS, state, sms("1"))
    assert reply(outcome).startswith(EN.text("sorry"))
    assert outcome.state.node == "about"


# steps, stale state, purity ---------------------------------------------------------------------


def test_steps_count_every_step_by_one() -> None:
    texts = [
        "SECOND",
        "1",
        "MORE",
        "MORE",
        "MORE",
        "BACK",
        "banana",
        "HELP",
        "0",
        "STOP",
        "1",
        "HELP",
        "START",
        "hi",
        "7",
    ]
    outcomes = run(texts, state=State(steps=41))
    assert [o.state.steps for o in outcomes] == list(range(42, 42 + len(texts)))


def test_steps_count_help_with_advanced_opt_out_and_restarts() -> None:
    state = State(node="gone", steps=9)
    assert step(FLOWS, state, sms("1")).state.steps == 10
    assert step(FLOWS, State(steps=3), sms("HELP", "HELP")).state.steps == 4


@pytest.mark.parametrize(
    "stale",
    [
        State(node="gone"),  # node removed from the content
        State(node="doctor", page=3),  # doctor has 3 pages: 0, 1, 2
        State(node="about", page=99),
        State(lang="fr", node="doctor", page=1),  # language no longer offered
        State(lang="", node="main"),
    ],
    ids=[
        "unknown node",
        "page past the end",
        "page far past the end",
        "unknown lang",
        "empty lang",
    ],
)
@pytest.mark.parametrize("text", ["MORE", "BACK", "1", "banana", "SECOND"])
def test_state_saved_under_older_content_restarts(stale: State, text: str) -> None:
    stale = replace(stale, steps=7)
    outcome = step(FLOWS, stale, sms(text))
    assert reply(outcome) == start_text(EN)
    assert outcome.state == State(lang="en", node="main", page=0, steps=8)


def test_stale_state_keeps_the_opt_out() -> None:
    outcome = step(FLOWS, State(node="gone", opted_out=True), sms("SECOND"))
    assert outcome.replies == () and outcome.state.opted_out


@pytest.mark.parametrize("page", [-1, -5])
@pytest.mark.parametrize("text", ["MORE", "banana"])
def test_negative_page_from_a_corrupt_record_restarts(page: int, text: str) -> None:
    """A page below zero is out of range too: restart, rather than show another page or raise."""
    outcome = step(FLOWS, State(node="doctor", page=page, steps=2), sms(text))
    assert reply(outcome) == start_text(EN)
    assert outcome.state == State(node="main", page=0, steps=3)


def test_restart_uses_a_language_the_flows_have() -> None:
    """Content in one language other than 'en': a new or stale conversation starts in it."""
    data = tiny_data()
    data["lang"] = "es"
    flows = {"es": parse_flow(data)}
    for state in (State(), State(lang="fr", node="a")):
        outcome = step(flows, state, sms("HELLO"))
        assert outcome.state.lang == "es"
        assert reply(outcome) == start_text(flows["es"])


def test_state_in_another_language_is_kept() -> None:
    data = tiny_data()
    data["lang"] = "es"
    data["texts"] = {k: f"ES {v}" for k, v in data["texts"].items()}
    flows = {"en": parse_flow(tiny_data()), "es": parse_flow(data)}
    outcome = step(flows, State(lang="es", node="a"), sms("MORE"))
    assert outcome.state == State(lang="es", node="a", page=1, steps=1, topic="a")
    assert reply(outcome) == "A two.\nES More footer."


@pytest.mark.parametrize(
    "state",
    [State(), State(node="doctor", page=1, steps=3), State(opted_out=True), State(node="gone")],
)
@pytest.mark.parametrize("text", ["SECOND", "1", "MORE", "BACK", "STOP", "HELP", "START", "??"])
def test_step_is_pure(state: State, text: str) -> None:
    flows_before = copy.deepcopy(dict(FLOWS))
    state_before = copy.deepcopy(state)
    first = step(FLOWS, state, sms(text))
    second = step(FLOWS, state, sms(text))
    assert first == second
    assert state == state_before
    # Flows compare by identity (so that what is derived from them can be cached): by value here.
    assert [asdict(f) for f in FLOWS.values()] == [asdict(f) for f in flows_before.values()]


def test_tiny_flow_parents() -> None:
    assert TINY["en"].parents == {"a": "main", "b": "a"}


def test_voice_only_options_are_neither_shown_nor_taken_by_text() -> None:
    data = tiny_data()
    data["nodes"]["main"]["options"].append(
        {"key": "2", "target": "b", "label": "Call only", "say": "To talk", "channel": "voice"}
    )
    flows = {"en": parse_flow(data)}
    menu = reply(step(flows, State(), sms("HELLO")))
    assert "1 To A" in menu and "Call only" not in menu
    outcome = step(flows, State(node="main"), sms("2"))
    assert reply(outcome).startswith("Sorry.")
    assert outcome.state.node == "main"


# languages --------------------------------------------------------------------------------------


def voice_key(key: str) -> Event:
    """A key pressed on a call from a number that can get texts."""
    return Event(Channel.VOICE, digits=key, can_text=True)


def voice_said(words: str) -> Event:
    """Words said on a call, clearly recognised."""
    return Event(Channel.VOICE, text=words, confidence=0.9, can_text=True)


def spoken_greeting(lang: str) -> tuple[str, ...]:
    return tuple(speakable(r) for r in greeting(FLOWS[lang]))


def test_nine_on_the_english_menu_switches_a_texter_to_spanish_and_back() -> None:
    english, spanish, find, menu, back = run(["SECOND", "9", "2", "MENU", "9"])
    assert english.state.lang == "en" and reply(english) == start_text(EN)
    assert spanish.state == State(lang="es", node="main", page=0, steps=2)
    assert reply(spanish) == start_text(ES)
    assert ES.text("welcome") in reply(spanish) and "9 In English" in reply(spanish)
    assert (find.state.lang, find.state.node) == ("es", "find")
    assert reply(find) == page_text(ES, "find", 0)
    assert reply(menu) == page_text(ES, "main", 0)
    assert back.state == State(lang="en", node="main", page=0, steps=5, topic="find")
    assert reply(back) == start_text(EN) and "9 En espanol" in reply(back)


def test_nine_on_the_spanish_menu_switches_a_texter_to_english() -> None:
    outcome = step(FLOWS, State(lang="es", node="main", steps=3), sms("9"))
    assert outcome.state == State(lang="en", node="main", page=0, steps=4)
    assert reply(outcome) == start_text(EN)
    assert outcome.effects == ()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_nine_away_from_the_main_menu_is_not_a_language_switch_by_text(lang: str) -> None:
    state = State(lang=lang, node="social", page=len(EN.nodes["social"].sms) - 1, steps=2)
    outcome = step(FLOWS, state, sms("9"))
    assert outcome.state == replace(state, steps=3)
    assert reply(outcome) == sorry_text(FLOWS[lang], "social", state.page)


def test_the_language_switch_keeps_the_topic_and_leaves_no_lang_answer() -> None:
    state = State(node="main", steps=4, topic="find")
    outcome = step(FLOWS, state, sms("9"))
    assert outcome.state.lang == "es"
    assert outcome.state == replace(state, lang="es", steps=5)


@pytest.mark.parametrize("word", ["SEGUNDA", "segunda", "Espanol", "ESPAÑOL", "español!"])
@pytest.mark.parametrize("before", [State(), State(node="doctor", page=1, steps=3)], ids=repr)
def test_spanish_start_words_start_in_spanish(before: State, word: str) -> None:
    outcome = step(FLOWS, before, sms(word))
    assert (outcome.state.lang, outcome.state.node, outcome.state.page) == ("es", "main", 0)
    assert reply(outcome) == start_text(ES, resume=before.node)


@pytest.mark.parametrize("word", ["SECOND", "second"])
def test_an_english_start_word_starts_a_spanish_texter_in_english(word: str) -> None:
    outcome = step(FLOWS, State(lang="es", node="find", steps=3), sms(word))
    assert (outcome.state.lang, outcome.state.node) == ("en", "main")
    assert reply(outcome) == start_text(EN, resume="find")


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("before", ["", "doctor"])
def test_opinion_is_shared_and_keeps_the_language(lang: str, before: str) -> None:
    outcome = step(FLOWS, State(lang=lang, node=before, steps=1), sms("OPINION"))
    assert (outcome.state.lang, outcome.state.node) == (lang, "main")
    assert reply(outcome) == start_text(FLOWS[lang], resume=before)


def test_a_spanish_start_word_after_stop_is_not_answered_and_changes_nothing() -> None:
    opted_out = State(opted_out=True, steps=2)
    outcome = step(FLOWS, opted_out, sms("ESPANOL"))
    assert outcome.replies == ()
    assert outcome.state == replace(opted_out, steps=3)


def test_a_spanish_texter_is_answered_in_spanish() -> None:
    outcomes = run(["SEGUNDA", "1", "MAS", "ATRAS", "banana", "AYUDA", "HELP"])
    assert [o.state.lang for o in outcomes] == ["es"] * 7
    assert reply(outcomes[1]) == page_text(ES, "doctor", 0)
    assert reply(outcomes[2]) == page_text(ES, "doctor", 1)
    assert reply(outcomes[3]) == page_text(ES, "doctor", 0)
    assert reply(outcomes[4]) == sorry_text(ES, "doctor", 0)
    assert reply(outcomes[5]) == reply(outcomes[6]) == ES.text("help")


def test_nine_on_the_english_call_menu_switches_to_spanish_and_back() -> None:
    call = step(FLOWS, State(), Event(Channel.VOICE))
    assert "Para español, oprima 9." in call.replies
    spanish = step(FLOWS, call.state, voice_key("9"))
    assert spanish.state == State(lang="es", node="main", page=0, steps=2)
    assert spanish.replies == spoken_greeting("es")
    assert "For English, press 9." in spanish.replies
    assert spanish.effects == ()
    find = step(FLOWS, spanish.state, voice_key("2"))
    assert (find.state.lang, find.state.node) == ("es", "find")
    assert find.replies == tuple(speakable(p) for p in prompt(ES, "find", 0))
    menu = step(FLOWS, find.state, voice_key("0"))
    english = step(FLOWS, menu.state, voice_key("9"))
    assert english.state == State(lang="en", node="main", page=0, steps=5, topic="find")
    assert english.replies == spoken_greeting("en")


def test_nine_on_the_spanish_call_menu_switches_to_english() -> None:
    outcome = step(FLOWS, State(lang="es", node="main", steps=1, misses=2), voice_key("9"))
    assert outcome.state == State(lang="en", node="main", page=0, steps=2, misses=0)
    assert outcome.replies == spoken_greeting("en")


@pytest.mark.parametrize(
    ("lang", "words", "other"), [("en", "Español", "es"), ("es", "English", "en")]
)
def test_saying_the_other_language_on_the_call_menu_switches_to_it(
    lang: str, words: str, other: str
) -> None:
    outcome = step(FLOWS, State(lang=lang, node="main", steps=1), voice_said(words))
    assert (outcome.state.lang, outcome.state.node) == (other, "main")
    assert outcome.replies == spoken_greeting(other)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_nine_on_a_spanish_or_english_part_still_texts_it(lang: str) -> None:
    outcome = step(FLOWS, State(lang=lang, node="find", steps=1), voice_key("9"))
    assert outcome.state.lang == lang and outcome.state.node == "find"
    assert outcome.effects == (SendText("find"),)
    assert outcome.replies[0] == speakable(FLOWS[lang].text("voice_texted"))
