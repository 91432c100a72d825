"""Twilio's webhook forms parsed into the engine's events: the one place that reads their fields.

Voice replay protocol. Twilio retries a webhook it got no answer to, and a caller's phone can
send a <Gather>'s result late. Every URL a call's TwiML points at carries the step it answers
(`?n=<steps so far>`, see `web/twiml.py`); the event id of a request is that number, with `s`
for the <Redirect> that follows a silent <Gather> and `d` for the end of a <Dial>. The store
remembers a conversation's last few event ids: the latest one repeated gets the same answer
again (`Stepped.replayed`), an older one is `Stepped.stale` and gets the current prompt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from flows.model import Channel, Event, EventKind
from flows.phones import reachable
from hotline.stores.conversations import SMS_CONVERSATION, call_conversation

FAILED_VERIFICATION = "TN-Validation-Failed"  # StirVerstat's prefix for a caller ID that failed
WHATSAPP = "whatsapp:"  # the prefix of a WhatsApp address in From and To


class VoiceRequest(StrEnum):
    """Which of a call's requests arrived (the query string of /twilio/voice/step says)."""

    CALL = "call"  # the call came in
    INPUT = "input"  # a <Gather> heard keys or words
    SILENCE = "silence"  # a <Gather> heard nothing
    DIAL_ENDED = "dial_ended"  # a <Dial> to the social workers ended


_KINDS = {
    VoiceRequest.CALL: (EventKind.CALL, "call"),
    VoiceRequest.INPUT: (EventKind.INPUT, ""),
    VoiceRequest.SILENCE: (EventKind.SILENCE, "s"),
    VoiceRequest.DIAL_ENDED: (EventKind.DIAL_ENDED, "d"),
}


@dataclass(frozen=True)
class Inbound:
    """One webhook as the conversation step needs it.

    `who` is the person's number, or the CallSid of a caller whose ID the hotline may not call
    or text (withheld, abroad, premium-rate: such a call is its own person, for state and
    requests); `conversation` names which of their conversations this is; `event_id`
    recognises a repeat; `sid` (a MessageSid or CallSid, never a number) keys the effects the
    step hands off. `verified` is False for a caller ID that failed STIR/SHAKEN
    verification: it may be spoofed, so it is texted nothing and changes no open request.
    """

    channel: Channel
    who: str
    conversation: str
    event_id: str
    sid: str
    event: Event
    verified: bool = True


def sms(form: Mapping[str, str]) -> Inbound:
    """An incoming text, by SMS or WhatsApp (`From=whatsapp:+1…`).

    A WhatsApp message belongs to the person behind the number, as their texts do (one
    conversation); its ProfileName (the name they gave WhatsApp) is never read.
    """
    sid, sender = form.get("MessageSid", ""), form.get("From", "")
    channel = Channel.WHATSAPP if sender.startswith(WHATSAPP) else Channel.SMS
    event = Event(
        channel, text=form.get("Body", ""), opt_out_type=form.get("OptOutType", "").upper()
    )
    who = sender.removeprefix(WHATSAPP)
    return Inbound(channel, who, SMS_CONVERSATION, sid, sid, event)


def voice(form: Mapping[str, str], request: VoiceRequest, step: str, office_open: bool) -> Inbound:
    """One request of a call; `step` is the `n` its URL carried ('' for the call's first)."""
    caller, call_sid = form.get("From", ""), form.get("CallSid", "")
    can_reach = reachable(caller)
    # Twilio's STIR/SHAKEN verdict; most calls carry none, and are taken at their word.
    verified = not form.get("StirVerstat", "").startswith(FAILED_VERIFICATION)
    kind, suffix = _KINDS[request]
    event = Event(
        Channel.VOICE,
        text=form.get("SpeechResult", ""),
        digits=form.get("Digits", ""),
        confidence=_confidence(form.get("Confidence", "")),
        kind=kind,
        dial_status=form.get("DialCallStatus", ""),
        can_text=can_reach and verified,
        office_open=office_open,
    )
    event_id = suffix if request is VoiceRequest.CALL else f"{step}{suffix}"
    who = caller if can_reach else call_sid
    conversation = call_conversation(call_sid)
    return Inbound(Channel.VOICE, who, conversation, event_id, call_sid, event, verified)


def _confidence(raw: str) -> float | None:
    """Twilio's speech Confidence, 0 to 1; None when missing or not such a number."""
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if 0.0 <= value <= 1.0 else None
