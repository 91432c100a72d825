"""The parts of the fact sheet: which nodes they are, their titles, which were read, where to
pick up again (a text or call that comes back is offered the part it was reading, by a word)."""

from __future__ import annotations

from dataclasses import replace

from flows.callback import DONE_NODE
from flows.model import Flow, GoTo, State


def is_part(flow: Flow, node_id: str) -> bool:
    """Whether a node is a part of the fact sheet (not the menu, a form step or its end)."""
    node = flow.nodes.get(node_id)
    return node is not None and node_id not in (flow.root, DONE_NODE) and not node.asks


def title(flow: Flow, node_id: str) -> str:
    """A part's title: the label of the option that leads to it ("When it matters")."""
    parent = flow.nodes[flow.parents.get(node_id, flow.root)]
    return next((o.label for o in parent.options if o.target == GoTo(node_id)), node_id)


def has_read(flow: Flow, state: State, node_id: str) -> State:
    """`state` with the part `node_id` counted as read (one bit per node, by its place)."""
    if not is_part(flow, node_id):
        return state
    return replace(state, read=state.read | 1 << list(flow.nodes).index(node_id))


def resumable(flow: Flow, state: State) -> State:
    """`state` offering to go on with the part it is reading, if it is reading one."""
    if not is_part(flow, state.node):
        return replace(state, resume="", resume_page=0)
    return replace(state, resume=state.node, resume_page=state.page)


def heard(flow: Flow, state: State) -> str:
    """What is kept of a call for the caller's next one: the part and page heard ('' if none)."""
    return f"{state.node} {state.page}" if is_part(flow, state.node) else ""


def from_heard(flow: Flow, kept: str) -> State:
    """A new call's state offering to go on where the last call was (`kept`, from `heard`)."""
    node, _, page = kept.partition(" ")
    if not is_part(flow, node) or not page.isdigit() or int(page) >= len(flow.nodes[node].voice):
        return State()
    return State(resume=node, resume_page=int(page))
