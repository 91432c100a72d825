"""Moving about a call: what each key does where the caller is, misses, and the offer of a person."""

from __future__ import annotations

from dataclasses import replace

from flows.callback import CALLBACK_NODE, arriving, choose, urgent_request
from flows.model import (
    Channel,
    Event,
    EventKind,
    Flow,
    GoTo,
    Option,
    Outcome,
    SendText,
    State,
    Talk,
    Then,
)
from flows.voice.hearing import (
    BACK_KEY,
    HELP_KEY,
    MENU_KEY,
    MORE_KEY,
    MORE_WORD,
    REPEAT_KEY,
    SLOW_KEY,
    TALK_KEY,
    TEXT_KEY,
)
from flows.voice.prompts import can_text_here, offer, prompt

MISSES_BEFORE_OFFER = 3
OFFER_TALK_KEY, OFFER_CALLBACK_KEY = "1", "2"


def press(flow: Flow, state: State, event: Event, key: str) -> Outcome:
    """Do what `key` (pressed, or said as words) does where the caller is."""
    node = flow.nodes[state.node]
    missed_before, state = state, replace(state, misses=0, resume="", resume_page=0)
    last_page = state.page + 1 >= len(node.voice)
    if key == MORE_WORD and missed_before.resume and state.node == flow.root:
        return show(flow, state, missed_before.resume, missed_before.resume_page)  # calling again
    if key == SLOW_KEY:
        slower = (flow.text("voice_slower"),)
        return show(flow, replace(state, slow=True), state.node, state.page, lead=slower)
    if key == REPEAT_KEY:
        return show(flow, state, state.node, state.page)
    if key == MENU_KEY:
        return show(flow, state, flow.root, 0)
    if key == HELP_KEY:
        return show(flow, state, state.node, state.page, lead=(flow.text("voice_help"),))
    if key == BACK_KEY:
        if state.page > 0:
            return show(flow, state, state.node, state.page - 1)
        return show(flow, state, flow.parents.get(state.node, flow.root), 0)
    if key == TALK_KEY:
        return talk(flow, state, event)
    if key == TEXT_KEY and can_text_here(flow, state.node):
        if not (event.can_text and not state.opted_out):
            why = "voice_no_text" if event.can_text else "voice_not_textable"  # opted out, or not
            return show(flow, state, state.node, state.page, lead=(flow.text(why),))
        shown = show(flow, state, state.node, state.page, lead=(flow.text("voice_texted"),))
        return replace(shown, effects=(SendText(state.node),))
    if key in (MORE_KEY, MORE_WORD) and not last_page:
        return show(flow, state, state.node, state.page + 1)
    if key == MORE_WORD:
        return show(flow, state, state.node, state.page, lead=(flow.text("no_more"),))
    option = node.option(key, Channel.VOICE) if last_page else None
    if option is None:
        return miss(flow, missed_before, event, sorry="voice_wrong_key")
    if isinstance(option.target, Talk):
        return talk(flow, state, event)
    state, target, effects = choose(flow, state, option, event.can_text)
    return replace(show(flow, state, target, 0), effects=effects)


def talk(flow: Flow, state: State, event: Event) -> Outcome:
    """Put the caller through in office hours; else say the hours and offer a call back."""
    if event.office_open:
        return Outcome(state, (flow.text("voice_connecting"),), then=Then.DIAL)
    closed = flow.text("voice_closed", hours=event.office_hours)
    return show(flow, state, CALLBACK_NODE, 0, lead=(closed,))


def miss(flow: Flow, state: State, event: Event, sorry: str = "") -> Outcome:
    """One more thing not understood: say so and ask again, or, after a few, offer a person."""
    state = replace(state, misses=state.misses + 1)
    if state.misses >= MISSES_BEFORE_OFFER:
        return Outcome(state, offer(flow), then=Then.GATHER)
    if not sorry:
        sorry = "voice_silence" if event.kind is EventKind.SILENCE else "voice_not_understood"
    return show(flow, state, state.node, state.page, lead=(flow.text(sorry),))


def offer_choices(flow: Flow) -> tuple[Option, ...]:
    """What a caller may say to the offer: the call-back option's words (key 1 is a person)."""
    asks = [o for o in flow.nodes[flow.root].options if o.target == GoTo(CALLBACK_NODE)]
    return tuple(replace(o, key=OFFER_CALLBACK_KEY) for o in asks)


def answer_offer(flow: Flow, state: State, event: Event, key: str | None) -> Outcome:
    """After repeated misses: a person, a call back, the menu again, or a polite goodbye."""
    if key in (OFFER_TALK_KEY, TALK_KEY):
        return talk(flow, replace(state, misses=0), event)
    if key == OFFER_CALLBACK_KEY:
        return show(flow, replace(state, misses=0), CALLBACK_NODE, 0)
    if key == MENU_KEY:
        return show(flow, replace(state, misses=0), flow.root, 0)
    if key == REPEAT_KEY:
        return Outcome(state, offer(flow), then=Then.GATHER)
    if key == SLOW_KEY:
        return Outcome(
            replace(state, slow=True), (flow.text("voice_slower"), *offer(flow)), then=Then.GATHER
        )
    return goodbye(flow, state)


def urgent(flow: Flow, state: State, lead: tuple[str, ...], node_id: str) -> Outcome:
    """File an urgent call back, then go on at `node_id` (where the caller was, if they can go back)."""
    effect = urgent_request(state)
    calm = replace(state, form=replace(state.form, number=""))
    page = calm.page if node_id == calm.node else 0
    return replace(show(flow, calm, node_id, page, lead=lead), effects=(effect,))


def show(flow: Flow, state: State, node_id: str, page: int, lead: tuple[str, ...] = ()) -> Outcome:
    """Go to a page of a node and say it, after any lead-in."""
    new = arriving(flow, state, node_id, page)
    return Outcome(new, (*lead, *prompt(flow, node_id, page)), then=Then.GATHER)


def goodbye(flow: Flow, state: State) -> Outcome:
    """End the call politely."""
    return Outcome(state, (flow.text("voice_goodbye"),), then=Then.HANG_UP)
