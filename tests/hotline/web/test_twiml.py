"""hotline.web.twiml: texts and calls rendered as TwiML, parsed back and checked verb by verb."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from flows.model import Flows, Outcome, State, Then
from hotline.web import twiml
from tests.support import message_bodies

STEP = "/twilio/voice/step"
LINE = "+18008134673"


def verbs(xml: str) -> list[ET.Element]:
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    return list(root)


def said(parent: ET.Element) -> list[tuple[str, str, str]]:
    return [
        (s.text or "", s.get("voice", ""), s.get("language", "")) for s in parent.findall("Say")
    ]


def test_messages_one_per_text_and_none_for_no_text() -> None:
    xml = twiml.messages(["First & foremost", "Second <2>"])
    assert message_bodies(xml) == ["First & foremost", "Second <2>"]
    assert [v.tag for v in verbs(xml)] == ["Message", "Message"]
    assert verbs(twiml.messages([])) == []


def test_answers_are_kept_unless_personal() -> None:
    twiml.forget_answers()
    assert twiml.kept_answers() == 0
    first = twiml.messages(["Reply a number:"])
    assert twiml.messages(("Reply a number:",)) == first and twiml.kept_answers() == 1
    assert message_bodies(twiml.messages(["OK, we will call 202-555-0187."], personal=True)) == [
        "OK, we will call 202-555-0187."
    ]
    assert twiml.kept_answers() == 1
    twiml.forget_answers()
    assert twiml.kept_answers() == 0


def test_a_gather_listens_for_a_key_or_words_then_comes_back_on_silence(flows: Flows) -> None:
    en = flows["en"]
    outcome = Outcome(State(node="main", steps=3), ("Main menu.", "Press 1."), then=Then.GATHER)
    gather, redirect = verbs(twiml.call(outcome, en, STEP))
    assert gather.tag == "Gather" and redirect.tag == "Redirect"
    assert gather.attrib | {"hints": ""} == {
        "action": f"{STEP}?n=3", "method": "POST", "input": "dtmf speech", "numDigits": "1",
        "finishOnKey": "", "timeout": str(twiml.GATHER_TIMEOUT), "speechTimeout": "auto",
        "language": "en-US", "hints": "",
    }  # fmt: skip
    assert "main menu" in gather.get("hints", "").split(", ")
    assert said(gather) == [
        ("Main menu.", en.tts_voice, "en-US"),
        ("Press 1.", en.tts_voice, "en-US"),
    ]
    assert redirect.text == f"{STEP}?n=3&silence=1" and redirect.get("method") == "POST"


def test_a_gather_for_a_number_waits_for_the_pound_key(flows: Flows) -> None:
    outcome = Outcome(State(node="callback_number", steps=4), ("Enter it.",), then=Then.GATHER)
    gather, redirect = verbs(twiml.call(outcome, flows["en"], STEP))
    assert gather.attrib == {
        "action": f"{STEP}?n=4", "method": "POST", "input": "dtmf", "finishOnKey": "#",
        "timeout": str(twiml.NUMBER_TIMEOUT),
    }  # fmt: skip
    assert redirect.text == f"{STEP}?n=4&silence=1"


def test_spanish_is_spoken_and_heard_in_spanish(flows: Flows) -> None:
    es = flows["es"]
    outcome = Outcome(
        State(lang="es", node="main", steps=1), ("Menú principal.",), then=Then.GATHER
    )
    gather, _ = verbs(twiml.call(outcome, es, STEP))
    assert gather.get("language") == es.speech_language == "es-US"
    assert said(gather) == [("Menú principal.", es.tts_voice, "es-US")]


def test_a_dial_says_its_words_then_rings_the_line_and_comes_back(flows: Flows) -> None:
    outcome = Outcome(State(node="main", steps=5), ("Putting you through.",), then=Then.DIAL)
    say, dial = verbs(twiml.call(outcome, flows["en"], STEP, twiml.DialTo(LINE, "+15005550006")))
    assert (say.tag, say.text) == ("Say", "Putting you through.")
    assert dial.tag == "Dial" and dial.text == LINE
    assert dial.attrib == {
        "action": f"{STEP}?n=5&dial=1", "method": "POST", "timeout": str(twiml.DIAL_TIMEOUT),
        "callerId": "+15005550006",
    }  # fmt: skip
    _, plain = verbs(twiml.call(outcome, flows["en"], STEP, twiml.DialTo(LINE)))
    assert "callerId" not in plain.attrib


@pytest.mark.parametrize(
    ("then", "dial"), [(Then.HANG_UP, twiml.DialTo(LINE)), (Then.DIAL, None), (Then.REPLY, None)]
)
def test_anything_else_says_its_words_and_hangs_up(
    flows: Flows, then: Then, dial: twiml.DialTo | None
) -> None:
    outcome = Outcome(State(node="main", steps=9), ("Goodbye.",), then=then)
    assert [(v.tag, v.text) for v in verbs(twiml.call(outcome, flows["en"], STEP, dial))] == [
        ("Say", "Goodbye."), ("Hangup", None)
    ]  # fmt: skip


def test_a_kept_call_answer_carries_each_steps_own_number(flows: Flows) -> None:
    twiml.forget_answers()
    for steps in (2, 7):
        outcome = Outcome(State(node="main", steps=steps), ("Main menu.",), then=Then.GATHER)
        gather, redirect = verbs(twiml.call(outcome, flows["en"], STEP))
        assert gather.get("action") == f"{STEP}?n={steps}"
        assert redirect.text == f"{STEP}?n={steps}&silence=1"
    assert twiml.kept_answers() == 1  # one answer, kept once, for both steps
    personal = Outcome(State(node="main", steps=8), ("5 5 5",), then=Then.GATHER, personal=True)
    assert verbs(twiml.call(personal, flows["en"], STEP))[0].get("action") == f"{STEP}?n=8"
    assert twiml.kept_answers() == 1


def test_the_apology_puts_the_caller_through_on_a_key_or_silence() -> None:
    gather, redirect = verbs(
        twiml.apology("Sorry, call 8 0 0.", "/twilio/voice/connect", "es-US", "Polly.Lupe")
    )
    assert gather.attrib == {
        "input": "dtmf", "numDigits": "1", "action": "/twilio/voice/connect", "method": "POST",
        "timeout": str(twiml.GATHER_TIMEOUT),
    }  # fmt: skip
    assert said(gather) == [("Sorry, call 8 0 0.", "Polly.Lupe", "es-US")]
    assert (redirect.tag, redirect.text, redirect.get("method")) == (
        "Redirect",
        "/twilio/voice/connect",
        "POST",
    )


def test_connect_dials_straight_through_with_or_without_words() -> None:
    say, dial = verbs(twiml.connect(LINE, "+15005550006", text="Connecting you."))
    assert said(ET.fromstring(twiml.connect(LINE, "+15005550006", text="Connecting you."))) == [
        ("Connecting you.", "Polly.Joanna", "en-US")
    ]
    assert say.tag == "Say" and dial.tag == "Dial" and dial.text == LINE
    assert dial.attrib == {"timeout": str(twiml.DIAL_TIMEOUT), "callerId": "+15005550006"}
    [bare] = verbs(twiml.connect(LINE, ""))
    assert bare.tag == "Dial" and bare.attrib == {"timeout": str(twiml.DIAL_TIMEOUT)}
