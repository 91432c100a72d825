"""The text conversation, by SMS or WhatsApp: one text in, at most one text out."""

from __future__ import annotations

from dataclasses import replace

from flows import checkin
from flows.callback import (
    CALLBACK_NODE,
    arriving,
    choose,
    named_choice,
    refusal,
    take_number,
    urgent_request,
)
from flows.languages import everyones, start_language
from flows.model import Asks, Channel, Flow, Flows, Outcome, State
from flows.parts import has_read, resumable, title
from flows.text import Command, choice, classify
from flows.urgency import answered_crisis, filed_urgent, may_file_urgent, recently_filed
from flows.whatsapp import bold, whatsapp_part


def pages(flow: Flow, node_id: str, channel: Channel = Channel.SMS) -> tuple[str, ...]:
    """A node's pages on a text channel: its SMS pages, or on WhatsApp the whole node as one."""
    if channel is Channel.WHATSAPP:
        return (whatsapp_part(flow, node_id),)
    return flow.nodes[node_id].sms


def page_text(flow: Flow, node_id: str, page: int, channel: Channel = Channel.SMS) -> str:
    """One page of a node as a text: the page, then its options (on the last page), then a footer."""
    shown = pages(flow, node_id, channel)
    if page + 1 < len(shown):
        return "\n".join([shown[page], flow.text("more_footer")])
    return "\n".join([shown[page], *_choices(flow, node_id)])


def sorry_text(flow: Flow, node_id: str, page: int, channel: Channel = Channel.SMS) -> str:
    """What an unrecognised reply gets: a short apology and the choices open from here."""
    if node_id == flow.root:
        return "\n".join([flow.text("sorry"), page_text(flow, node_id, page, channel)])
    if page + 1 < len(pages(flow, node_id, channel)):
        return "\n".join([flow.text("sorry"), flow.text("more_footer")])
    return "\n".join([flow.text("sorry"), *_choices(flow, node_id)])


def start_text(flow: Flow, channel: Channel = Channel.SMS, resume: str = "") -> str:
    """The first text of a conversation: who we are, the notice, the main menu, how to stop.

    Coming back to a part still remembered (`resume`), the notice, read a while ago, gives way
    to the offer to go on with that part.
    """
    welcome = flow.text("welcome")
    lead = flow.text("resume", part=title(flow, resume)) if resume else flow.text("notice")
    first = bold(welcome) if channel is Channel.WHATSAPP else welcome
    parts = [first, lead, page_text(flow, flow.root, 0, channel)]
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
    flows: Flows,
    state: State,
    text: str,
    opt_out_type: str = "",
    now: int = 0,
    channel: Channel = Channel.SMS,
) -> Outcome:
    """Answer one incoming text that arrived at `now` (seconds since the epoch) by `channel`."""
    flow = flows[state.lang]
    everywhere = {name: everyones(flows, name) for name in ("crisis", "not_crisis", "urgent")}
    command = classify(text, everyones(flows, "start"), {**flow.keywords, **everywhere})
    counted = replace(state, steps=state.steps + 1)

    if opt_out_type in ("STOP", "START"):  # Advanced Opt-Out has decided (custom keywords too)
        command = Command.OPT_OUT if opt_out_type == "STOP" else Command.OPT_IN
    # Twilio answers STOP and START on SMS itself; on WhatsApp only when its opt-out handling
    # said so (OptOutType): otherwise the hotline confirms them.
    own = channel is Channel.WHATSAPP and not opt_out_type
    if command is Command.OPT_OUT:  # and any check-in is off
        stopped = replace(counted, opted_out=True, node="", page=0, checkin=checkin.Stage.NONE)
        return Outcome(stopped, (flow.text("opted_out"),) if own else ())
    if command is Command.OPT_IN:
        return Outcome(replace(counted, opted_out=False), (flow.text("opted_in"),) if own else ())
    if command is Command.CRISIS:
        # Safety first, whatever else holds: the place in the conversation is kept.
        return Outcome(answered_crisis(counted, now), (flow.text("crisis"),))
    if command is Command.HELP:
        # With Advanced Opt-Out, Twilio has sent our HELP text already (OptOutType=HELP).
        return Outcome(counted, () if opt_out_type == "HELP" else (flow.text("help"),))
    if state.opted_out:
        return Outcome(counted)
    if checkin.is_open(counted):
        answered = checkin.answer(counted, choice(text))
        if answered is not None:
            answering, name, effects = answered
            return Outcome(answering, (flow.text(name),), effects)
        counted = replace(counted, checkin=checkin.Stage.NONE)  # not an answer: the question lapses
    if command is Command.URGENT:
        return _urgent(flow, counted, now)
    if command is Command.START or not state.node:
        lang = start_language(flows, text, state.lang)
        back = resumable(flow, counted) if state.node else counted
        started = start_text(flows[lang], channel, back.resume)
        return _show(flows[lang], replace(back, lang=lang), flows[lang].root, 0, channel, started)
    return _navigate(flow, counted, command, text, channel)


def _urgent(flow: Flow, state: State, now: int) -> Outcome:
    """URGENT files an urgent request soon after a safety answer; else the safety answer first."""
    if may_file_urgent(state, now):
        effect = urgent_request(state)
        return Outcome(filed_urgent(state, now), (flow.text("urgent_filed"),), (effect,))
    if recently_filed(state, now):  # asked again: it is in already
        return Outcome(state, (flow.text("urgent_filed"),))
    return Outcome(answered_crisis(state, now), (flow.text("crisis"),))


def _navigate(flow: Flow, state: State, command: Command, text: str, channel: Channel) -> Outcome:
    node = flow.nodes[state.node]
    resume, state = (state.resume, state.resume_page), replace(state, resume="", resume_page=0)
    if command is Command.MORE and resume[0] and state.node == flow.root:
        return _show(flow, state, *resume, channel)  # "Reply MORE to go on with ..."
    if command is Command.MENU:
        return _to_menu(flow, state, channel)
    if command is Command.BACK:
        if state.page > 0:
            return _show(flow, state, state.node, state.page - 1, channel)
        parent = flow.parents.get(state.node, flow.root)
        if parent == flow.root:
            return _to_menu(flow, state, channel)
        return _show(flow, state, parent, 0, channel)
    if command is Command.MORE:
        if state.page + 1 < len(pages(flow, state.node, channel)):
            return _show(flow, state, state.node, state.page + 1, channel)
        return Outcome(state, (no_more_text(flow, state.node),))
    if node.asks is Asks.NUMBER:
        taken = take_number(flow, state, text)
        if taken is None:
            bad = [flow.text(refusal(text)), page_text(flow, node.id, 0, channel)]
            return Outcome(state, ("\n".join(bad),))
        state, said = taken
        text = "\n".join([said, page_text(flow, CALLBACK_NODE, 0, channel)])
        return replace(_show(flow, state, CALLBACK_NODE, 0, channel, text), personal=True)
    if node.asks is Asks.CONTACT and (named := named_choice(state, text)):
        state, text = named
        command = Command.CHOICE
    option = node.option(choice(text), channel) if command is Command.CHOICE else None
    if option is not None:
        state, target, effects = choose(flow, state, option)
        return replace(_show(flow, state, target, 0, channel), effects=effects)
    return Outcome(state, (sorry_text(flow, state.node, state.page, channel),))


def _to_menu(flow: Flow, state: State, channel: Channel) -> Outcome:
    """Back to the main menu; the first time after two parts were read, a check-in is offered."""
    if not checkin.may_offer(state):
        return _show(flow, state, flow.root, 0, channel)
    offering, effects = checkin.offered(arriving(flow, state, flow.root, 0))
    return Outcome(offering, (flow.text("checkin_offer"),), effects)


def _show(
    flow: Flow, state: State, node_id: str, page: int, channel: Channel, text: str = ""
) -> Outcome:
    page = min(page, len(pages(flow, node_id, channel)) - 1)  # an SMS page, read on WhatsApp
    new = arriving(flow, state, node_id, page)
    if page + 1 == len(pages(flow, node_id, channel)):
        new = has_read(flow, new, node_id)
    return Outcome(new, (text or page_text(flow, node_id, page, channel),))
