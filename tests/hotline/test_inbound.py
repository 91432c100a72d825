"""hotline.inbound: Twilio's webhook forms parsed into the engine's events."""

from __future__ import annotations

import pytest

from flows.model import Channel, EventKind
from hotline.inbound import VoiceRequest, sms, voice
from hotline.stores.conversations import SMS_CONVERSATION, call_conversation
from tests.support import (
    ABROAD,
    CARIBBEAN,
    INVALID,
    PREMIUM_900,
    PREMIUM_976,
    WITHHELD,
    sms_params,
    voice_params,
)

NUMBER = "+12025550101"
CALL = "CA" + "7" * 32


def test_a_text() -> None:
    inbound = sms(sms_params(NUMBER, "second", "SM" + "1" * 32))
    assert inbound.channel is Channel.SMS and inbound.who == NUMBER
    assert inbound.conversation == SMS_CONVERSATION
    assert inbound.event_id == inbound.sid == "SM" + "1" * 32
    assert inbound.event.channel is Channel.SMS and inbound.event.text == "second"
    assert inbound.event.opt_out_type == ""


def test_a_texts_opt_out_type_is_upper_cased_and_missing_fields_are_empty() -> None:
    assert (
        sms({**sms_params(NUMBER, "stop", "SM1"), "OptOutType": "stop"}).event.opt_out_type
        == "STOP"
    )
    empty = sms({})
    assert (empty.who, empty.sid, empty.event.text) == ("", "", "")


def test_a_calls_first_request() -> None:
    inbound = voice(voice_params(NUMBER, CALL), VoiceRequest.CALL, "", office_open=True)
    assert inbound.channel is Channel.VOICE and inbound.who == NUMBER and inbound.sid == CALL
    assert inbound.conversation == call_conversation(CALL) != SMS_CONVERSATION
    assert inbound.event_id == "call"
    assert inbound.event.kind is EventKind.CALL
    assert inbound.event.can_text and inbound.event.office_open


@pytest.mark.parametrize(
    ("request_kind", "kind", "event_id"),
    [
        (VoiceRequest.INPUT, EventKind.INPUT, "4"),
        (VoiceRequest.SILENCE, EventKind.SILENCE, "4s"),
        (VoiceRequest.DIAL_ENDED, EventKind.DIAL_ENDED, "4d"),
    ],
)
def test_each_later_request_is_known_by_its_step(
    request_kind: VoiceRequest, kind: EventKind, event_id: str
) -> None:
    inbound = voice(voice_params(NUMBER, CALL), request_kind, "4", office_open=False)
    assert inbound.event.kind is kind and inbound.event_id == event_id
    assert not inbound.event.office_open


def test_keys_words_and_dial_status_are_read() -> None:
    form = voice_params(
        NUMBER,
        CALL,
        Digits="12#",
        SpeechResult="main menu",
        Confidence="0.42",
        DialCallStatus="busy",
    )
    event = voice(form, VoiceRequest.INPUT, "2", office_open=False).event
    assert (event.digits, event.text, event.confidence, event.dial_status) == (
        "12#", "main menu", 0.42, "busy"
    )  # fmt: skip


@pytest.mark.parametrize("raw", ["", "high", "nan?", "nan", "inf", "-1", "1.5"])
def test_a_missing_or_odd_confidence_is_none(raw: str) -> None:
    form = voice_params(NUMBER, CALL, SpeechResult="two", Confidence=raw)
    assert voice(form, VoiceRequest.INPUT, "2", office_open=False).event.confidence is None


@pytest.mark.parametrize(
    "caller", [WITHHELD, "anonymous", "", ABROAD, CARIBBEAN, PREMIUM_900, PREMIUM_976, INVALID]
)
def test_a_caller_id_the_hotline_may_not_text_is_their_call_and_cannot_be_texted(
    caller: str,
) -> None:
    inbound = voice(voice_params(caller, CALL), VoiceRequest.CALL, "", office_open=True)
    assert inbound.who == CALL and not inbound.event.can_text
