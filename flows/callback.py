"""Asking for a call back, the same on both channels: a few answers, then one request to file."""

from __future__ import annotations

from dataclasses import replace

from flows.model import Effect, EffectKind, Flow, Option, State
from flows.text import display_number, phone_number

CALLBACK_NODE = "callback"  # where a call back is offered: asks for the best time
DONE_NODE = "callback_done"  # where a filed request is acknowledged
NUMBER_NODE = "callback_number"  # where another number to call is asked for
REQUEST = "@callback"  # an option target: file the request with the answers given
ANSWERS = ("window", "voicemail", "number")


def choose(flow: Flow, state: State, option: Option) -> tuple[State, str, tuple[Effect, ...]]:
    """Follow an option: record the answer it gives; at REQUEST, file the answers given so far."""
    if option.set:
        name, _, value = option.set.partition("=")
        state = state.answering(name, value)
    if option.target != REQUEST:
        return state, option.target, ()
    fields = tuple(pair for pair in state.answers if pair[0] in (*ANSWERS, "topic"))
    kept = tuple(pair for pair in state.answers if pair[0] not in ANSWERS)
    return (
        replace(state, answers=kept),
        DONE_NODE,
        (Effect(EffectKind.REQUEST_CALLBACK, fields=fields),),
    )


def arriving(flow: Flow, state: State, node_id: str) -> State:
    """The state on showing `node_id`: a part of the fact sheet becomes the topic of any request."""
    if node_id in (flow.root, DONE_NODE) or flow.nodes[node_id].asks:
        return state
    return state.answering("topic", node_id)


def take_number(flow: Flow, state: State, typed: str) -> tuple[State, str] | None:
    """A number typed or keyed where one is asked for: the new state and what to say; None if not one."""
    number = phone_number(typed)
    if not number:
        return None
    return state.answering("number", number), flow.text("number_ok", number=display_number(number))
