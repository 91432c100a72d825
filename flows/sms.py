"""The SMS conversation: one text in, at most one short text out."""

from __future__ import annotations

from dataclasses import replace

from flows.callback import CALLBACK_NODE, arriving, choose, take_number, urgent_request
from flows.languages import everyones, start_language
from flows.model import Asks, Channel, Flow, Flows, Outcome, State
from flows.text import Command, choice, classify
from flows.urgency import answered_crisis, filed_urgent, may_file_urgent, recently_filed


def page_text(flow: Flow, node_id: str, page: int) -> str:
    """One page of a node as a text: the page, then its options (on the last page), then a footer."""
    node = flow.nodes[node_id]
    lines = [node.sms[page]]
    if page + 1 < len(node.sms):
        return "\n".join([*lines, flow.text("more_footer")])
    return "\n".join([*lines, *_choices(flow, node_id)])


def sorry_text(flow: Flow, node_id: str, page: int) -> str:
    """What an unrecognised reply gets: a short apology and the choices open from here."""
    if node_id == flow.root:
        return "\n".join([flow.text("sorry"), page_text(flow, node_id, page)])
    if page + 1 < len(flow.nodes[node_id].sms):
        return "\n".join([flow.text("sorry"), flow.text("more_footer")])
    return "\n".join([flow.text("sorry"), *_choices(flow, node_id)])


def start_text(flow: Flow) -> str:
    """The first text of a conversation: who we are, the notice, the main menu, how to stop."""
    parts = [flow.text("welcome"), flow.text("notice"), page_text(flow, flow.root, 0)]
    return "\n".join([*parts, flow.text("root_footer")])


def no_more_text(flow: Flow, node_id: str) -> str:
    """MORE on the last page of a part: say so, and show the choices."""
    return "\n".join([flow.text("no_more"), *_choices(flow, node_id)])


def _choices(flow: Flow, node_id: str) -> list[str]:
    node = flow.nodes[node_id]
    options = [f"{o.key} {o.label}" for o in node.options_for(Channel.SMS)]
    # The main menu is texted often: kept to one segment, it has no footer but its prompt.
    return options if node_id == flow.root else [*options, flow.text("footer")]


def sms_step(
    flows: Flows, state: State, text: str, opt_out_type: str = "", now: int = 0
) -> Outcome:
    """Answer one incoming text that arrived at `now` (seconds since the epoch)."""
    flow = flows[state.lang]
    everywhere = {name: everyones(flows, name) for name in ("crisis", "not_crisis", "urgent")}
    command = classify(text, everyones(flows, "start"), {**flow.keywords, **everywhere})
    counted = replace(state, steps=state.steps + 1)

    if opt_out_type in ("STOP", "START"):  # Advanced Opt-Out has decided (custom keywords too)
        command = Command.OPT_OUT if opt_out_type == "STOP" else Command.OPT_IN
    if command is Command.OPT_OUT:
        return Outcome(replace(counted, opted_out=True, node="", page=0))
    if command is Command.OPT_IN:
        # Twilio answers START, UNSTOP and YES itself; a second reply from us would only confuse.
        return Outcome(replace(counted, opted_out=False))
    if command is Command.CRISIS:
        # Safety first, whatever else holds: the place in the conversation is kept.
        return Outcome(answered_crisis(counted, now), (flow.text("crisis"),))
    if command is Command.HELP:
        # With Advanced Opt-Out, Twilio has sent our HELP text already (OptOutType=HELP).
        return Outcome(counted, () if opt_out_type == "HELP" else (flow.text("help"),))
    if state.opted_out:
        return Outcome(counted)
    if command is Command.URGENT:
        return _urgent(flow, counted, now)
    if command is Command.START or not state.node:
        lang = start_language(flows, text, state.lang)
        return _show(
            flows[lang], replace(counted, lang=lang), flows[lang].root, 0, start_text(flows[lang])
        )
    return _navigate(flow, counted, command, text)


def _urgent(flow: Flow, state: State, now: int) -> Outcome:
    """URGENT files an urgent request soon after a safety answer; else the safety answer first."""
    if may_file_urgent(state, now):
        effect = urgent_request(state)
        return Outcome(filed_urgent(state, now), (flow.text("urgent_filed"),), (effect,))
    if recently_filed(state, now):  # asked again: it is in already
        return Outcome(state, (flow.text("urgent_filed"),))
    return Outcome(answered_crisis(state, now), (flow.text("crisis"),))


def _navigate(flow: Flow, state: State, command: Command, text: str) -> Outcome:
    node = flow.nodes[state.node]
    if command is Command.MENU:
        return _show(flow, state, flow.root, 0)
    if command is Command.BACK:
        if state.page > 0:
            return _show(flow, state, state.node, state.page - 1)
        return _show(flow, state, flow.parents.get(state.node, flow.root), 0)
    if command is Command.MORE:
        if state.page + 1 < len(node.sms):
            return _show(flow, state, state.node, state.page + 1)
        return Outcome(state, (no_more_text(flow, state.node),))
    if node.asks is Asks.NUMBER:
        taken = take_number(flow, state, text)
        if taken is None:
            return Outcome(
                state, ("\n".join([flow.text("number_bad"), page_text(flow, node.id, 0)]),)
            )
        state, said = taken
        text = "\n".join([said, page_text(flow, CALLBACK_NODE, 0)])
        return replace(_show(flow, state, CALLBACK_NODE, 0, text), personal=True)
    option = node.option(choice(text), Channel.SMS) if command is Command.CHOICE else None
    if option is not None:
        state, target, effects = choose(flow, state, option)
        return replace(_show(flow, state, target, 0), effects=effects)
    return Outcome(state, (sorry_text(flow, state.node, state.page),))


def _show(flow: Flow, state: State, node_id: str, page: int, text: str = "") -> Outcome:
    new = arriving(flow, state, node_id, page)
    return Outcome(new, (text or page_text(flow, node_id, page),))
