"""Safety words first, in both languages and channels; Spanish by keyword or menu; content you can check."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner

from flows.content import CONTENT_DIR
from flows.engine import step
from flows.model import Channel, Event, GoTo, State
from flows.segments import measure
from flows.text import mentions
from hotline.cli.main import main
from hotline.dev.phone import Caller
from hotline.stores.callbacks import CallbackQueue
from hotline.web.app import create_app
from tests.support import Phone, run_jobs, transport

EN_CRISIS = tomllib.loads((CONTENT_DIR / "en.toml").read_text())["keywords"]["crisis"]
ES_CRISIS = tomllib.loads((CONTENT_DIR / "es.toml").read_text())["keywords"]["crisis"]


@pytest.mark.parametrize(
    "text",
    ["I want to kill myself", "i feel suicidal", "thinking about suicde", "I cant breathe",
     "I can't breathe!!", "chest pains since this morning", "this is an EMERGENCY", "call 911",
     "I just want to die", "i want to end my life", "Better off dead"],
)  # fmt: skip
def test_english_crisis_words_and_variants_are_caught(text: str) -> None:
    assert mentions(text, EN_CRISIS)


@pytest.mark.parametrize(
    "text",
    ["Quiero morir", "me quiero morir", "pienso en el suicidio", "tengo dolor de pecho",
     "No puedo respirar", "es una emergencia", "emergensia", "quiero matarme"],
)  # fmt: skip
def test_spanish_crisis_words_and_variants_are_caught(text: str) -> None:
    assert mentions(text, ES_CRISIS)


@pytest.mark.parametrize(
    "text",
    ["skill", "emergent", "what skills does a social worker have", "I want to diet",
     "second opinion", "is it an emergent care clinic", "MORE", "9",
     "my breathing is fine", "chest x-ray results", "pecho", "respirar mejor"],
)  # fmt: skip
def test_ordinary_words_do_not_trigger_the_safety_answer(text: str) -> None:
    assert not mentions(text, [*EN_CRISIS, *ES_CRISIS])


def test_a_texter_in_crisis_gets_the_safety_answer_and_keeps_their_place(flows) -> None:
    state = State(node="find", page=1, steps=4, topic="find")
    outcome = step(flows, state, Event(Channel.SMS, text="I feel suicidal"))
    [reply] = outcome.replies
    assert "911" in reply and "988" in reply and "800-813-4673" in reply and "URGENT" in reply
    assert (outcome.state.node, outcome.state.page) == ("find", 1)
    assert measure(reply).is_gsm7 and measure(reply).segments <= 2


def test_a_spanish_texter_in_crisis_gets_it_in_spanish(flows) -> None:
    outcome = step(flows, State(lang="es", node="main"), Event(Channel.SMS, text="quiero morir"))
    assert (
        "911" in outcome.replies[0]
        and "988" in outcome.replies[0]
        and "URGENTE" in outcome.replies[0]
    )


def test_urgent_files_a_request_that_jumps_the_queue(settings, twilio) -> None:
    client = create_app(settings).test_client()
    calm = Phone(client, "+13055550101")
    for body in ("SECOND", "6", "1", "1", "2", "3"):
        calm.text(body)
    anxious = Phone(client, "+13055550102")
    anxious.text("SECOND")
    assert "988" in anxious.text("I can't breathe and I want to die")[0]
    assert "call you back as soon as we can" in anxious.text("URGENT")[0]
    run_jobs(settings)
    first, second = CallbackQueue(redis.Redis.from_url(settings.redis_url)).waiting(2e9)
    assert (first.number, first.urgent, first.voicemail) == ("+13055550102", True, False)
    assert (second.number, second.urgent) == ("+13055550101", False)


def test_a_caller_in_crisis_hears_the_safety_answer_and_can_ask_for_an_urgent_call(
    settings,
) -> None:
    call = Caller(transport(create_app(settings).test_client()), "+13055550103")
    call.dial_in()
    call.press("2")
    heard = call.say("I am having chest pain")
    assert "9 1 1" in heard.text and "9 8 8" in heard.text and "press 8" in heard.text
    assert "call you back as soon as we can" in call.press("8").text
    assert "medical society" in call.press("*").text  # the place is kept
    run_jobs(settings)
    [request] = CallbackQueue(redis.Redis.from_url(settings.redis_url)).waiting(2e9)
    assert request.urgent and request.channel == "voice"


@pytest.mark.parametrize("word", ["SEGUNDA", "segunda opinión", "Español", "ESPANOL"])
def test_spanish_start_words_start_in_spanish(flows, word: str) -> None:
    outcome = step(flows, State(), Event(Channel.SMS, text=word))
    assert outcome.state.lang == "es" and outcome.replies[0] == _start("es", flows)


def test_the_english_menu_offers_spanish_and_the_choice_sticks(phone: Phone, flows) -> None:
    phone.text("SECOND")
    assert "9 En espanol" in phone.text("MENU")[0]
    assert phone.text("9")[0] == _start("es", flows)
    assert flows["es"].nodes["find"].sms[0] in phone.text("2")[0]
    assert "9 In English" in phone.text("MENU")[0]
    assert phone.text("9")[0] == _start("en", flows)


def test_a_whole_spanish_conversation_reaches_every_part_by_text(phone: Phone, flows) -> None:
    es = flows["es"]
    replies = phone.text("SEGUNDA")
    for option in es.nodes["main"].options:
        if not isinstance(option.target, GoTo):
            continue
        replies += phone.text(option.key)
        replies += [r for _ in es.nodes[option.target.node].sms[1:] for r in phone.text("MAS")]
        replies += phone.text("MENU")
    joined = "\n".join(replies)
    for node in es.nodes.values():
        if not node.asks and node.id != "callback_done":
            assert all(page in joined for page in node.sms), node.id
    assert all(measure(r).is_gsm7 and measure(r).segments <= 2 for r in replies)


def test_a_whole_spanish_call_reaches_every_part(settings, flows) -> None:
    es = flows["es"]
    call = Caller(transport(create_app(settings).test_client()), "+13055550104")
    greeting = call.dial_in()
    assert "Para español, oprima 9." in greeting.text
    heard = [call.press("9")]
    assert heard[0].prompts[0] == es.text("voice_welcome")
    for option in es.nodes["main"].options:
        if not isinstance(option.target, GoTo):
            continue
        heard.append(call.press(option.key))
        while es.text("voice_more") in heard[-1].text:
            heard.append(call.press("1"))
        heard.append(call.press("0"))
    said = " ".join(h.text for h in heard)
    for node_id in ("doctor", "find", "helps", "when", "social", "about"):
        for page in es.nodes[node_id].voice:
            assert page.split(".")[0] in said, node_id


def test_spanish_speech_is_understood(settings, flows) -> None:
    es = flows["es"]
    call = Caller(transport(create_app(settings).test_client()), "+13055550105")
    call.dial_in()
    call.press("9")
    assert call.say("repetir").prompts[0] == es.nodes["main"].voice[0]
    assert es.nodes["find"].voice[0][:40] in call.say("encontrar un médico").text
    assert call.say("menú principal").prompts[0] == es.nodes["main"].voice[0]


def test_content_check_prints_figures_and_passes(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["content", "check"])
    assert result.exit_code == 0, result.output
    assert "en  sms    start" in result.output and "es  voice" in result.output
    assert "every text within budget" in result.output


def test_content_check_flags_a_character_that_forces_ucs2(tmp_path: Path) -> None:
    for lang in ("en", "es"):
        shutil.copy(CONTENT_DIR / f"{lang}.toml", tmp_path)
    en = tmp_path / "en.toml"
    en.write_text(en.read_text().replace('"Reply a number:"', '"Reply a número:"'))
    result = CliRunner().invoke(main, ["content", "check", "--dir", str(tmp_path)])
    assert result.exit_code != 0
    lines = result.output.splitlines()
    [menu] = [line for line in lines if line.split()[:4] == ["en", "sms", "main[0]", "UCS-2,"]]
    assert "BREACH: not GSM-7: 'ú' at 9; over 2 segments" in menu


def test_content_transcript_covers_both_trees_and_the_source(tmp_path: Path, flows) -> None:
    out = tmp_path / "transcript.md"
    result = CliRunner().invoke(main, ["content", "transcript", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "CancerCare, When to Get a Second Opinion (en)" in text and "(es)" in text
    assert "Source updated 2025-03-25" in text
    assert flows["en"].nodes["when"].sms[2] in text and "1, 8 0 0, 4 2 2, 6 2 3 7" in text


def _start(lang: str, flows) -> str:
    from flows.sms import start_text

    return start_text(flows[lang])
