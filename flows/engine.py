"""The engine's one entry point: state + event -> outcome, for any channel. Pure and total."""

from __future__ import annotations

from flows.model import Channel, Event, Flows, Outcome, State
from flows.sms import sms_step


def step(flows: Flows, state: State, event: Event) -> Outcome:
    """Take one step of a conversation."""
    if not _fits(flows, state):
        # State saved under older content: start over rather than fail.
        state = State(steps=state.steps, opted_out=state.opted_out)
    if event.channel is Channel.SMS:
        return sms_step(flows, state, event.text, event.opt_out_type)
    raise ValueError(f"no engine for channel {event.channel!r}")


def _fits(flows: Flows, state: State) -> bool:
    if state.lang not in flows:
        return False
    node = flows[state.lang].nodes.get(state.node) if state.node else None
    return not state.node or (node is not None and state.page < len(node.sms))
