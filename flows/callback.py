"""Asking for a call back, the same on both channels: a few answers, then one request to file."""

from __future__ import annotations

from dataclasses import replace

from flows.model import Effect, EffectKind, Flow, Option, State
from flows.text import display_number, phone_number

CALLBACK_NODE = "callback"  # where a call back is offered: asks for the best time
DONE_NODE = "callback_done"  # where a filed request is acknowledged
NUMBER_NODE = "callback_number"  # where another number to call is asked for
REQUEST = "@callback"  # an option target: file the request with the answers given
LANGUAGE = "@lang"  # an option target: go on in the language the option sets
ANSWERS = ("window", "voicemail", "number")


def choose(
    flow: Flow, state: State, option: Option, reachable: bool = True
) -> tuple[State, str, tuple[Effect, ...]]:
    """Follow an option: record the answer it gives; at REQUEST, file the answers given so far.

    A caller whose own number is withheld (not `reachable`) is asked for a number first.
    """
    if option.set:
        name, _, value = option.set.partition("=")
        state = state.answering(name, value)
    if option.target == LANGUAGE:
        lang = state.answer("lang")
        kept = tuple(pair for pair in state.answers if pair[0] != "lang")
        return replace(state, lang=lang, answers=kept), flow.root, ()
    if option.target != REQUEST:
        return state, option.target, ()
    if not reachable and not state.answer("number"):
        return state, NUMBER_NODE, ()
    fields = tuple(pair for pair in state.answers if pair[0] in (*ANSWERS, "topic"))
    kept = tuple(pair for pair in state.answers if pair[0] not in ANSWERS)
    return (
        replace(state, answers=kept),
        DONE_NODE,
        (Effect(EffectKind.REQUEST_CALLBACK, fields=fields),),
    )


def urgent_request(state: State) -> Effect:
    """A request to be called as soon as possible, without the usual questions (no voicemail)."""
    fields = {"topic": state.answer("topic"), "window": "any", "voicemail": "no", "urgent": "yes"}
    if state.answer("number"):
        fields["number"] = state.answer("number")
    return Effect(EffectKind.REQUEST_CALLBACK, fields=tuple(sorted(fields.items())))


def arriving(flow: Flow, state: State, node_id: str, page: int) -> State:
    """`state` moved to a page of `node_id`.

    A part of the fact sheet becomes the topic of any request; coming to the call-back
    questions afresh forgets the answers of an earlier, unfinished request.
    """
    moved = replace(state, node=node_id, page=page)
    if node_id == CALLBACK_NODE and not (state.node in flow.nodes and flow.nodes[state.node].asks):
        return replace(moved, answers=tuple(p for p in moved.answers if p[0] not in ANSWERS))
    if node_id in (flow.root, DONE_NODE) or flow.nodes[node_id].asks:
        return moved
    return moved.answering("topic", node_id)


def take_number(flow: Flow, state: State, typed: str) -> tuple[State, str] | None:
    """A number typed or keyed where one is asked for: the new state and what to say; None if not one."""
    number = phone_number(typed)
    if not number:
        return None
    return state.answering("number", number), flow.text("number_ok", number=display_number(number))
