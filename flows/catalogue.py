"""Every text and prompt the hotline can send or say, by channel, and the budgets they keep.

SMS: GSM-7 in at most SMS_MAX_SEGMENTS segments. WhatsApp: one message of at most
WHATSAPP_MAX characters per part. Voice: VOICE_MAX_SECONDS at the usual pace, and
VOICE_SLOW_MAX_SECONDS at the slow one a caller may ask for.
"""

from __future__ import annotations

from collections.abc import Iterator

from flows.callback import CALLBACK_NODE, NUMBER_NODE, REFUSALS
from flows.model import Channel, Flow
from flows.parts import is_part, title
from flows.sms import no_more_text, page_text, sorry_text, start_text
from flows.voice.prompts import SLOW_PACE, crisis_prompt, greeting, prompt, speakable
from flows.whatsapp import WHATSAPP_MAX

SMS_MAX_SEGMENTS = 2
VOICE_MAX_SECONDS = 45.0
VOICE_SLOW_MAX_SECONDS = 60.0
WHEN_MAX = 40  # the longest "when to expect the call" phrase, in any language
WORDS_PER_SECOND = 150 / 60
VOICE_LEADS = [
    "voice_wrong_key",
    "voice_not_understood",
    "voice_silence",
    "voice_help",
    "voice_texted",
    "voice_no_text",
    "voice_not_textable",
    "voice_no_answer",
    "voice_slower",
    *REFUSALS.values(),
]
# Texts sent by text (SMS, and WhatsApp) other than pages of the content.
FIXED_TEXTS = (
    "help", "unavailable", "callback_missed", "crisis", "urgent_filed", "slow_down",
    "checkin_offer", "checkin_offer_after_call", "checkin_agreed", "checkin_declined",
    "checkin", "checkin_thanks_yes", "checkin_thanks_not_yet", "checkin_thanks_social_worker",
)  # fmt: skip
WHATSAPP_ONLY = ("opted_out", "opted_in")  # on SMS, Twilio confirms STOP and START


def spoken_seconds(text: str, pace: float = 1.0) -> float:
    """How long text-to-speech takes to say `text`, at 150 words a minute times `pace`."""
    return len(speakable(text).split()) / (WORDS_PER_SECOND * pace)


def voice_prompts(flow: Flow) -> Iterator[tuple[str, str]]:
    """Every prompt the voice line can say in one breath, each with a name saying where."""
    yield "greeting", " ".join(greeting(flow))
    longest = max((n for n in flow.nodes if is_part(flow, n)), key=lambda n: len(title(flow, n)))
    yield "greeting (calling again)", " ".join(greeting(flow, resume=longest))
    for name in ("voice_offer", "voice_goodbye", "voice_crisis_last", "unavailable_voice"):
        yield name, flow.text(name)
    yield "voice_crisis", " ".join(crisis_prompt(flow))
    # A prompt may follow one short lead-in ("Sorry, that is not one of the choices."): budget the longest.
    lead = max((flow.text(name) for name in VOICE_LEADS), key=spoken_seconds)
    for node in flow.nodes.values():
        for page in range(len(node.voice)):
            yield f"{node.id}[{page}]", " ".join((lead, *prompt(flow, node.id, page)))


def sms_texts(flow: Flow, channel: Channel = Channel.SMS) -> Iterator[tuple[str, str]]:
    """Every text the line can send in this language by `channel` (SMS or WhatsApp), each with a
    name saying where it is used."""
    yield "start", start_text(flow, channel)
    parts = [n for n in flow.nodes if is_part(flow, n)]
    longest = max(parts, key=lambda n: len(title(flow, n)))
    yield "start (coming back)", start_text(flow, channel, resume=longest)
    extra = WHATSAPP_ONLY if channel is Channel.WHATSAPP else ()
    for name in (*FIXED_TEXTS, *extra):
        yield name, flow.text(name)
    # "when" is worded at send time (hotline.office), never longer than WHEN_MAX characters.
    when = "w" * WHEN_MAX
    yield "callback_confirmed", flow.text("callback_confirmed", number="212-555-0123", when=when)
    for name in ("heads_up", "heads_up_discreet"):  # the hotline's own number, as people write it
        yield name, flow.text(name, number="212-555-0123")
    number = flow.text("number_ok", number="212-555-0123")
    yield "number_ok", "\n".join([number, page_text(flow, CALLBACK_NODE, 0, channel)])
    asked = page_text(flow, NUMBER_NODE, 0, channel)
    for refusal in REFUSALS.values():
        yield refusal, "\n".join([flow.text(refusal), asked])
    for node in flow.nodes.values():
        for page in range(len(node.sms) if channel is Channel.SMS else 1):
            yield f"{node.id}[{page}]", page_text(flow, node.id, page, channel)
            yield f"{node.id}[{page}] sorry", sorry_text(flow, node.id, page, channel)
        yield f"{node.id} no more", no_more_text(flow, node.id)


def whatsapp_breach(text: str) -> str:
    """Why a WhatsApp message breaks its budget ('' if it does not)."""
    return f"over {WHATSAPP_MAX} characters" if len(text) > WHATSAPP_MAX else ""


def slow(text: str) -> float:
    """Seconds `text` takes at the slow pace."""
    return spoken_seconds(text, SLOW_PACE)
