"""One step of a conversation, with no HTTP: dedupe, rate-limit, step the engine, hand off, save.

`take_step` is what both webhooks call once Twilio's form is parsed (`hotline/inbound.py`); a
test can call it directly. It costs two Redis round trips on the conversation store (see
`stores/conversations.py`), plus the outbox's writes when the step has effects.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flows.engine import step
from flows.model import (
    Channel,
    Outcome,
    RequestCallback,
    ScheduleCheckin,
    SendText,
    State,
    Tally,
    Then,
)
from flows.parts import from_heard, heard
from flows.phones import reachable
from flows.voice.prompts import prompt, speakable
from hotline.inbound import Inbound
from hotline.outbound import outbox
from hotline.reports import tally
from hotline.stores import keys
from hotline.stores.conversations import Beside
from hotline.wiring import Hotline

EFFECTS_REMEMBERED = 24 * 3600  # seconds an event's effects are known to be queued
WHATSAPP_SESSION = 24 * 3600  # WhatsApp's customer service window after a person's message


@dataclass(frozen=True)
class Stepped:
    """What a step came to.

    `replayed`: the event was seen before (its effects were handed off then). `stale`: it was an
    older event than the conversation's latest, so the outcome says where the person is now.
    `over_limit` counts texts past the sender's per-minute limit (0 within it): such a text
    takes no step.
    """

    outcome: Outcome
    replayed: bool = False
    stale: bool = False
    over_limit: int = 0


def take_step(h: Hotline, inbound: Inbound) -> Stepped:
    """Advance `inbound`'s conversation by its event, atomically, and queue the effects."""
    office = h.settings.office_hours
    before: list[State] = []  # the state the saved step started from (a retry replaces it)

    def engine(state: State) -> Outcome:
        before[:] = [state]
        event = replace(inbound.event, now=int(h.store.clock()))
        if inbound.channel is Channel.VOICE:
            # In the caller's language (a state saved under older content starts in the first).
            flow = h.flows.get(state.lang) or next(iter(h.flows.values()))
            event = replace(event, office_hours=office.describe(flow))
        return step(h.flows, state, event)

    advanced = h.store.advance(
        inbound.conversation,
        inbound.who,
        inbound.event_id,
        engine,
        lambda outcome: hand_off(h, outcome, inbound),
        rate_limit=h.settings.sms_per_minute if inbound.channel.texted else 0,
        channel=inbound.channel,
        beside=_beside(h, inbound),
    )
    outcome = advanced.outcome
    if before and not (advanced.replayed or advanced.over_limit):  # counted once, in a second
        h.reports.add(
            tally.step(h.flows, inbound.event, before[0], outcome, h.store.tag(inbound.who))
        )
    if not advanced.replayed:
        _after_save(h, outcome, inbound)
    if advanced.stale and inbound.channel is Channel.VOICE:
        here = prompt(h.flows[outcome.state.lang], outcome.state.node, outcome.state.page)
        outcome = replace(outcome, replies=tuple(speakable(p) for p in here), then=Then.GATHER)
    return Stepped(outcome, advanced.replayed, advanced.stale, advanced.over_limit)


def _beside(h: Hotline, inbound: Inbound) -> Beside | None:
    """What is kept beside the conversation: on WhatsApp, that the person wrote (24 hours of
    free-form replies); for a caller, the part last heard (for their next call)."""
    tag = h.store.tag(inbound.who)
    if inbound.channel is Channel.WHATSAPP:
        return Beside(keys.whatsapp_session(tag), WHATSAPP_SESSION, keep=lambda state: "1")
    if inbound.channel is Channel.VOICE and reachable(inbound.who):
        return Beside(
            keys.last_heard(tag),
            h.settings.conversation_ttl,
            start=lambda kept: _calling_again(h, kept),
            keep=lambda state: _heard_now(h, state),
        )
    return None


def _heard_now(h: Hotline, state: State) -> str:
    """What to keep of a call after a step: the part and page heard, with the language ('' to
    keep what is kept when the caller is not at a part)."""
    where = heard(h.flows[state.lang], state)
    return f"{state.lang} {where}" if where else ""


def _calling_again(h: Hotline, kept: str) -> State:
    """A new call's state, offering the part the caller last heard (kept as "lang node page")."""
    lang, _, where = kept.partition(" ")
    if lang not in h.flows:
        return State()
    return replace(from_heard(h.flows[lang], where), lang=lang)


def _after_save(h: Hotline, outcome: Outcome, inbound: Inbound) -> None:
    """The effects that must follow the step that won: a step that lost to a simultaneous one
    (and was taken again) must neither count nor schedule anything."""
    for effect in outcome.effects:
        match effect:
            case ScheduleCheckin():
                outbox.schedule_checkin(h, inbound.who, inbound.channel, outcome.state.lang)
            case Tally(what):
                h.counts.add(what, outcome.state.lang, inbound.channel)


def hand_off(h: Hotline, outcome: Outcome, inbound: Inbound) -> None:
    """Queue the outcome's effects for the worker, each under a job id stable across retries.

    A part of the fact sheet is texted at most once per call; a call-back request is filed once
    per step that asked for it. An event's effects are queued once for a day: Twilio's retry,
    or a replay of a signed webhook, finds them marked and queues nothing again.
    """
    mark = keys.effect_handed_off(f"{inbound.sid}:{inbound.event_id}")
    if not h.redis.set(mark, "1", nx=True, ex=EFFECTS_REMEMBERED):
        return
    try:
        _queue(h, outcome, inbound)
    except Exception:
        h.redis.delete(mark)  # nothing was promised: a retry of this event must queue it
        raise


def _queue(h: Hotline, outcome: Outcome, inbound: Inbound) -> None:
    lang, sid = outcome.state.lang, inbound.sid
    for effect in outcome.effects:
        match effect:
            case SendText(node):
                outbox.send_section(h, inbound.who, lang, node, f"text-{sid}-{node}")
            case RequestCallback():
                filing_key = f"{sid}-{outcome.state.steps}"
                outbox.request_callback(
                    h, inbound.who, inbound.channel, lang, effect, filing_key, inbound.verified
                )
