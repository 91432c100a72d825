"""Asking for a call back, the same on both channels: a few answers, then one request to file."""

from __future__ import annotations

import re
from dataclasses import replace

from flows.model import (
    CallbackForm,
    Effect,
    FileRequest,
    Flow,
    GoTo,
    Option,
    RequestCallback,
    State,
    SwitchLanguage,
    Talk,
    Window,
)
from flows.phones import Verdict, display, judge, parse

CALLBACK_NODE = "callback"  # where a call back is offered: asks for the best time
DONE_NODE = "callback_done"  # where a filed request is acknowledged
NUMBER_NODE = "callback_number"  # where another number to call is asked for
# What a person is told when the number they give cannot be called, by why.
REFUSALS = {
    Verdict.INVALID: "number_bad",
    Verdict.ABROAD: "number_abroad",
    Verdict.PREMIUM: "number_premium",
}
FIRST_NAME_MAX = 24  # characters of a first name kept
# A contact answer with a first name after its key: "2 Ana", "1. Ana María".
_KEY_AND_NAME = re.compile(r"^\s*([1-7])[\s.,:;)-]+(\S.*)$", re.DOTALL)


def choose(
    flow: Flow, state: State, option: Option, reachable: bool = True
) -> tuple[State, str, tuple[Effect, ...]]:
    """Follow an option: record the answers it gives; at FileRequest, file the answers so far.

    A caller whose own number is withheld (not `reachable`) is asked for a number first. Talk is
    the voice machine's to follow; where a person cannot be put through, a call back is offered.
    """
    if option.set is not None:
        state = replace(state, form=state.form.merged(option.set))
    match option.target:
        case SwitchLanguage(lang):
            return replace(state, lang=lang), flow.root, ()
        case GoTo(node):
            return state, node, ()
        case FileRequest() if not reachable and not state.form.number:
            return state, NUMBER_NODE, ()
        case Talk():
            return state, CALLBACK_NODE, ()
        case FileRequest():
            effect = RequestCallback(state.form, state.topic)
            return replace(state, form=CallbackForm()), DONE_NODE, (effect,)


def urgent_request(state: State) -> RequestCallback:
    """A request to be called as soon as possible, without the usual questions (no voicemail)."""
    form = CallbackForm(Window.ANY, voicemail=False, number=state.form.number)
    return RequestCallback(form, state.topic, urgent=True)


def arriving(flow: Flow, state: State, node_id: str, page: int) -> State:
    """`state` moved to a page of `node_id`.

    A part of the fact sheet becomes the topic of any request; coming to the call-back
    questions afresh forgets the answers of an earlier, unfinished request.
    """
    moved = replace(state, node=node_id, page=page)
    if node_id == CALLBACK_NODE and not (state.node in flow.nodes and flow.nodes[state.node].asks):
        return replace(moved, form=CallbackForm())
    if node_id in (flow.root, DONE_NODE) or flow.nodes[node_id].asks:
        return moved
    return replace(moved, topic=node_id)


def take_number(flow: Flow, state: State, typed: str) -> tuple[State, str] | None:
    """A number typed or keyed where one is asked for: the new state and what to say.

    None if the hotline may not call it (`refusal` names what to say): nothing is filed to it.
    """
    number = parse(typed)
    if judge(number) is not Verdict.REACHABLE:
        return None
    said = flow.text("number_ok", number=display(number))
    return replace(state, form=replace(state.form, number=number)), said


def named_choice(state: State, typed: str) -> tuple[State, str] | None:
    """A contact answer by text with a first name after its key: the state holding the name,
    and the key alone; None if `typed` is not a key followed by a name."""
    found = _KEY_AND_NAME.match(typed)
    if not found:
        return None
    kept = "".join(c for c in found[2] if c.isalpha() or c in " '-")
    name = " ".join(kept.split())[:FIRST_NAME_MAX].strip(" '-")
    if not name:
        return None
    return replace(state, form=replace(state.form, first_name=name)), found[1]


def refusal(typed: str) -> str:
    """The text that refuses a number `take_number` would not take: invalid, abroad or premium."""
    return REFUSALS.get(judge(parse(typed)), "number_bad")
