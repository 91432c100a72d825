"""The engine's one entry point: state + event -> outcome, for any channel. Pure and total."""

from __future__ import annotations

from dataclasses import replace

from flows.model import Channel, Event, Flows, Outcome, State
from flows.sms import sms_step, start_text
from flows.voice.machine import voice_step
from flows.voice.prompts import greeting, speakable


def step(flows: Flows, state: State, event: Event) -> Outcome:
    """Take one step of a conversation."""
    if event.channel is Channel.WHATSAPP:
        state = replace(state, page=0)  # a part is one message there (an SMS page read on)
    if not _fits(flows, state, event.channel):
        # State saved under older content: start over rather than fail.
        lang = state.lang if state.lang in flows else next(iter(flows))
        state = State(
            lang=lang, steps=state.steps, opted_out=state.opted_out, checkin=state.checkin
        )
    if event.channel is Channel.VOICE:
        outcome = voice_step(flows, state, event)
        if outcome.state.lang != state.lang:  # the caller chose another language: greet them in it
            return replace(
                outcome,
                replies=tuple(
                    speakable(r)
                    for r in greeting(flows[outcome.state.lang], slow=outcome.state.slow)
                ),
            )
        return outcome
    outcome = sms_step(flows, state, event.text, event.opt_out_type, event.now, event.channel)
    if outcome.state.lang != state.lang and outcome.state.node:
        started = start_text(flows[outcome.state.lang], event.channel, outcome.state.resume)
        return replace(outcome, replies=(started,))
    return outcome


def _fits(flows: Flows, state: State, channel: Channel) -> bool:
    if state.lang not in flows:
        return False
    node = flows[state.lang].nodes.get(state.node) if state.node else None
    if node is None:
        return not state.node
    return 0 <= state.page < len(node.voice if channel is Channel.VOICE else node.sms)
