"""The voice conversation: short prompts, one key (or a few words) per step, no dead ends."""

from __future__ import annotations

from dataclasses import replace

from flows.callback import CALLBACK_NODE, DONE_NODE, NUMBER_NODE, refusal, take_number
from flows.crisis import crisis_bank, is_crisis
from flows.languages import everyones
from flows.model import Asks, Channel, Event, EventKind, Flow, Flows, Outcome, State, Then
from flows.urgency import answered_crisis, filed_urgent, may_file_urgent
from flows.voice.hearing import URGENT_KEY, heard_key, said_urgent
from flows.voice.navigation import (
    MISSES_BEFORE_OFFER,
    answer_offer,
    goodbye,
    miss,
    offer_choices,
    press,
    show,
    urgent,
)
from flows.voice.prompts import crisis_prompt, greeting, speakable

MAX_STEPS = 80  # a call this long is stuck somewhere: end it politely


def voice_step(flows: Flows, state: State, event: Event) -> Outcome:
    """Answer one event of a call, in words text-to-speech reads well."""
    outcome = _step(flows, state, event)
    return replace(outcome, replies=tuple(speakable(r) for r in outcome.replies))


def _step(flows: Flows, state: State, event: Event) -> Outcome:
    flow = flows[state.lang]
    state = replace(state, steps=state.steps + 1)
    if event.kind is EventKind.CALL or not state.node:
        welcome = greeting(flow, state.resume, state.slow)
        return Outcome(replace(state, node=flow.root, page=0, misses=0), welcome, then=Then.GATHER)
    crisis = crisis_bank(everyones(flows, "crisis"), everyones(flows, "not_crisis"))
    if event.text and is_crisis(event.text, crisis):
        said = answered_crisis(state, event.now)
        if state.steps > MAX_STEPS:  # safety first, even on a call that must end
            return Outcome(said, (flow.text("voice_crisis_last"),), then=Then.HANG_UP)
        return Outcome(said, crisis_prompt(flow), then=Then.GATHER)
    if state.steps > MAX_STEPS:
        return goodbye(flow, state)
    if event.kind is EventKind.DIAL_ENDED:
        if event.dial_status in ("completed", "answered"):
            return goodbye(flow, state)
        return show(flow, state, flow.root, 0, lead=(flow.text("voice_no_answer"),))
    if flow.nodes[state.node].asks is Asks.NUMBER and len(event.digits) > 1:
        return _number_keyed(flow, state, event)  # digits on a number prompt are a number
    if (event.digits == URGENT_KEY or said_urgent(flows, event)) and may_file_urgent(
        state, event.now
    ):
        if not event.can_text:  # a withheld number: ask for one to call first
            return show(flow, replace(state, urgent=True), NUMBER_NODE, 0)
        filed = filed_urgent(state, event.now)
        return urgent(flow, filed, (flow.text("voice_urgent_filed"),), state.node)
    if state.misses >= MISSES_BEFORE_OFFER:
        key = heard_key(flows, flow, event, offer_choices(flow))
        return answer_offer(flow, state, event, key)
    node = flow.nodes[state.node]
    choices = node.options_for(Channel.VOICE) if state.page + 1 >= len(node.voice) else ()
    key = heard_key(flows, flow, event, choices)
    if key is None:
        return miss(flow, state, event)
    return press(flow, state, event, key)


def _number_keyed(flow: Flow, state: State, event: Event) -> Outcome:
    """The number to call, keyed on the number prompt: filed at once if the request is urgent."""
    taken = take_number(flow, state, event.digits)
    if taken is None:
        return miss(flow, state, event, sorry=refusal(event.digits))
    state, said = replace(taken[0], misses=0), taken[1]
    if state.urgent and may_file_urgent(state, event.now):
        filed = filed_urgent(state, event.now)
        outcome = urgent(flow, filed, (said, flow.text("voice_urgent_filed")), DONE_NODE)
    else:
        outcome = show(flow, replace(state, urgent=False), CALLBACK_NODE, 0, lead=(said,))
    return replace(outcome, personal=True)
