"""Replies rendered as TwiML strings: the one place that speaks Twilio's markup (views wrap them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Gather, VoiceResponse

from flows.model import Asks, Flow, Outcome, Then
from flows.voice.prompts import SLOW_PACE, hints

GATHER_TIMEOUT = 6  # seconds of silence before a <Gather> gives up (Twilio's default is 5)
NUMBER_TIMEOUT = 10  # people look up or read out a number: give them longer between keys
SLOW_GATHER_TIMEOUT, SLOW_NUMBER_TIMEOUT = 10, 15  # for a caller who asked us to go slower
SLOW_RATE = f"{SLOW_PACE:.0%}"  # SSML <prosody rate>
DIAL_TIMEOUT = 25  # seconds a social worker's phone rings before we come back to the caller
KEPT = 1024  # answers kept once built, for texts and for calls (about a kilobyte each)
STEP = "STEP-N"  # stands for the step number in a kept voice answer (only after "?n=")


def messages(texts: Iterable[str], personal: bool = False) -> str:
    """A messaging response sending each text as its own message (none: an empty <Response/>).

    The hotline says the same few hundred things again and again: each answer is built once and
    kept, unless it is `personal` (it repeats what the person typed).
    """
    texts = tuple(texts)
    return _messages.__wrapped__(texts) if personal else _messages(texts)


@lru_cache(maxsize=KEPT)
def _messages(texts: tuple[str, ...]) -> str:
    twiml = MessagingResponse()
    for text in texts:
        twiml.message(text)
    return str(twiml)


def call(outcome: Outcome, flow: Flow, step_path: str, dial: DialTo | None = None) -> str:
    """A voice response: the replies spoken inside a <Gather> that waits, or before a <Dial> or <Hangup>.

    A <Gather> that hears nothing falls through to the next verb, so every one is followed by a
    <Redirect> that brings the silence back into the state machine. Every request to
    `step_path` carries the step it answers (`?n=`). As for texts, each answer is built once
    and kept (with a stand-in for the step), unless it is personal.
    """
    state = outcome.state
    parts = (outcome.replies, outcome.then, state.node, flow, step_path, dial, state.slow)
    built = _call.__wrapped__(*parts) if outcome.personal else _call(*parts)
    return built.replace(f"?n={STEP}", f"?n={outcome.state.steps}")


@lru_cache(maxsize=KEPT)
def _call(
    replies: tuple[str, ...],
    then: Then,
    node_id: str,
    flow: Flow,
    step_path: str,
    dial: DialTo | None,
    slow: bool = False,
) -> str:
    step_url = f"{step_path}?n={STEP}"
    twiml = VoiceResponse()
    if then is Then.GATHER:
        gather = twiml.gather(action=step_url, method="POST", **_listening(flow, node_id, slow))
        _say_all(gather, replies, flow, slow)
        twiml.redirect(_with(step_url, "silence=1"), method="POST")
    else:
        _say_all(twiml, replies, flow, slow)
        if then is Then.DIAL and dial is not None:
            twiml.dial(
                dial.number,
                action=_with(step_url, "dial=1"),
                method="POST",
                timeout=DIAL_TIMEOUT,
                caller_id=dial.caller_id or None,
            )
        else:
            twiml.hangup()
    return str(twiml)


def apology(
    text: str, connect_url: str, language: str = "en-US", voice: str = "Polly.Joanna"
) -> str:
    """The answer when the hotline itself is failing: say so, and put the caller through to a person.

    A key or silence both lead to `connect_url`, which needs nothing that could be failing.
    """
    twiml = VoiceResponse()
    gather = twiml.gather(
        input="dtmf", num_digits=1, action=connect_url, method="POST", timeout=GATHER_TIMEOUT
    )
    gather.say(text, voice=voice, language=language)
    twiml.redirect(connect_url, method="POST")
    return str(twiml)


def connect(
    number: str,
    caller_id: str,
    language: str = "en-US",
    voice: str = "Polly.Joanna",
    text: str = "",
) -> str:
    """Put the caller straight through to `number` (needs nothing but settings)."""
    twiml = VoiceResponse()
    if text:
        twiml.say(text, voice=voice, language=language)
    twiml.dial(number, timeout=DIAL_TIMEOUT, caller_id=caller_id or None)
    return str(twiml)


def kept_answers() -> int:
    """How many answers (texts' and calls') are kept built, to be sent again as they are."""
    return _messages.cache_info().currsize + _call.cache_info().currsize


def forget_answers() -> None:
    """Drop every kept answer (each is built again when next needed)."""
    _messages.cache_clear()
    _call.cache_clear()


@dataclass(frozen=True)
class DialTo:
    """Whom a <Dial> rings, and the caller ID it shows."""

    number: str
    caller_id: str = ""


def _listening(flow: Flow, node_id: str, slow: bool = False) -> dict[str, object]:
    """How a <Gather> listens at this node: one key (pound included: it asks for slower speech)
    or a few words; keys up to # for a number. A caller who asked for slower speech gets longer."""
    if flow.nodes[node_id].asks is Asks.NUMBER:
        timeout = SLOW_NUMBER_TIMEOUT if slow else NUMBER_TIMEOUT
        return {"input": "dtmf", "finish_on_key": "#", "timeout": timeout}
    return {
        "input": "dtmf speech",
        "num_digits": 1,
        "finish_on_key": "",
        "timeout": SLOW_GATHER_TIMEOUT if slow else GATHER_TIMEOUT,
        "speech_timeout": "auto",
        "language": flow.speech_language,
        "hints": ", ".join(hints(flow, node_id)),
    }


def _say_all(
    parent: VoiceResponse | Gather, texts: Iterable[str], flow: Flow, slow: bool = False
) -> None:
    for text in texts:
        if slow:  # SSML, which Twilio's Polly voices speak
            say = parent.say(voice=flow.tts_voice, language=flow.speech_language)
            say.prosody(text, rate=SLOW_RATE)
        else:
            parent.say(text, voice=flow.tts_voice, language=flow.speech_language)


def _with(url: str, param: str) -> str:
    return url + ("&" if "?" in url else "?") + param
