"""The voice conversation: short prompts, one key (or a few words) per step, no dead ends."""

from __future__ import annotations

import re
from dataclasses import replace

from flows.callback import (
    CALLBACK_NODE,
    DONE_NODE,
    LANGUAGE,
    NUMBER_NODE,
    arriving,
    choose,
    take_number,
    urgent_request,
)
from flows.crisis import crisis_bank, is_crisis
from flows.languages import everyones
from flows.model import (
    Channel,
    Effect,
    EffectKind,
    Event,
    EventKind,
    Flow,
    Flows,
    Option,
    Outcome,
    State,
    Then,
)
from flows.text import normalise

TALK = "@talk"  # an option target: connect the caller with a social worker
MISSES_BEFORE_OFFER = 3
MAX_STEPS = 80  # a call this long is stuck somewhere: end it politely
MIN_CONFIDENCE = 0.4
REPEAT_KEY, MENU_KEY, MORE_KEY, TEXT_KEY, URGENT_KEY = "*", "0", "1", "9", "8"
HELP_KEY, BACK_KEY, MORE_WORD = "help", "back", "more"  # spoken only
# Spoken commands, by their keyword list in the content, and the key each stands for.
_COMMANDS = (
    ("repeat", REPEAT_KEY), ("menu", MENU_KEY), ("help", HELP_KEY), ("talk", TALK),
    ("more", MORE_WORD), ("back", BACK_KEY),
)  # fmt: skip
_NEGATIONS = frozenset({"NO", "NOT", "DONT", "NEVER"})
OFFER_TALK_KEY, OFFER_CALLBACK_KEY = "1", "2"

_PHONE = re.compile(r"\b(?:1[ -])?\d{3}[ -]\d{3}[ -]\d{4}\b")
# Keys said as words, in either language: "two" and "dos" both mean 2.
_NUMBER_WORDS = {
    word: str(digit)
    for words in ("ZERO ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE",
                  "CERO UNO DOS TRES CUATRO CINCO SEIS SIETE OCHO NUEVE")
    for digit, word in enumerate(words.split())
}  # fmt: skip


def speakable(text: str) -> str:
    """Phone numbers spelled out digit by digit ('1 800 422 6237' -> '1, 8 0 0, 4 2 2, 6 2 3 7')."""

    def spell(match: re.Match[str]) -> str:
        return ", ".join(" ".join(group) for group in re.split(r"[ -]", match.group()))

    return _PHONE.sub(spell, text)


def prompt(flow: Flow, node_id: str, page: int) -> tuple[str, ...]:
    """What a caller hears on one page of a node: the page, then the choices and keys."""
    node = flow.nodes[node_id]
    parts = [node.voice[page]]
    if page + 1 < len(node.voice):
        parts.append(flow.text("voice_more"))
    else:
        parts += [_option_line(flow, o) for o in node.options_for(Channel.VOICE)]
    parts.append(flow.text(_keys_text(flow, node_id)))
    return tuple(parts)


def _option_line(flow: Flow, option: Option) -> str:
    if option.target == LANGUAGE:
        return flow.text("voice_other_language")  # said in the other language, so it is understood
    return flow.text("voice_option", say=option.say, key=option.key)


def _keys_text(flow: Flow, node_id: str) -> str:
    if node_id == flow.root:
        return "voice_root_keys"
    return "voice_keys" if can_text_here(flow, node_id) else "voice_form_keys"


def can_text_here(flow: Flow, node_id: str) -> bool:
    """Whether "press 9" offers this node by text: parts of the fact sheet, not the menu or forms."""
    return node_id not in (flow.root, DONE_NODE) and not flow.nodes[node_id].asks


def crisis_prompt(flow: Flow) -> tuple[str, ...]:
    """The safety answer: 911, 988, an urgent call back (8); star goes back to where the caller was."""
    return (flow.text("voice_crisis"), flow.text("voice_form_keys"))


def offer(flow: Flow) -> tuple[str, ...]:
    """What a caller hears after repeated misses: a person, or a call back."""
    return (flow.text("voice_offer"),)


def greeting(flow: Flow) -> tuple[str, ...]:
    """The start of every call: who we are, the notice, the main menu."""
    return (flow.text("voice_welcome"), flow.text("voice_notice"), *prompt(flow, flow.root, 0))


def hints(flow: Flow, node_id: str) -> tuple[str, ...]:
    """Phrases the speech recogniser should expect at this node."""
    labels = [o.label.lower() for o in flow.nodes[node_id].options_for(Channel.VOICE)]
    words = [w.lower() for k, _ in _COMMANDS for w in flow.keywords[k]]
    return tuple(dict.fromkeys(labels + words))


def voice_step(flows: Flows, state: State, event: Event) -> Outcome:
    """Answer one event of a call, in words text-to-speech reads well."""
    outcome = _step(flows, state, event)
    return replace(outcome, replies=tuple(speakable(r) for r in outcome.replies))


def _step(flows: Flows, state: State, event: Event) -> Outcome:
    flow = flows[state.lang]
    state = replace(state, steps=state.steps + 1)
    if event.kind is EventKind.CALL or not state.node:
        return Outcome(
            replace(state, node=flow.root, page=0, misses=0), greeting(flow), then=Then.GATHER
        )
    crisis = crisis_bank(everyones(flows, "crisis"), everyones(flows, "not_crisis"))
    if event.text and is_crisis(event.text, crisis):
        return Outcome(state.answering("crisis", "yes"), crisis_prompt(flow), then=Then.GATHER)
    if state.answer("crisis") and (event.digits[:1] == URGENT_KEY or _urgent_said(flows, event)):
        if not event.can_text:  # a withheld number: ask for one to call first
            return _show(flow, state.answering("urgent", "yes"), NUMBER_NODE, 0)
        return _urgent(flow, state, (flow.text("voice_urgent_filed"),), state.node)
    if state.steps > MAX_STEPS:
        return _goodbye(flow, state)
    if event.kind is EventKind.DIAL_ENDED:
        if event.dial_status in ("completed", "answered"):
            return _goodbye(flow, state)
        return _show(flow, state, flow.root, 0, lead=(flow.text("voice_no_answer"),))
    if flow.nodes[state.node].asks == "number" and len(event.digits) > 1:
        taken = take_number(flow, state, event.digits)
        if taken is None:
            return _miss(flow, state, event, sorry="number_bad")
        state, said = replace(taken[0], misses=0), taken[1]
        if state.answer("urgent"):
            outcome = _urgent(flow, state, (said, flow.text("voice_urgent_filed")), DONE_NODE)
        else:
            outcome = _show(flow, state, CALLBACK_NODE, 0, lead=(said,))
        return replace(outcome, personal=True)
    if state.misses >= MISSES_BEFORE_OFFER:
        return _answer_offer(flow, state, event, _key(flow, state, event, _offer_choices(flow)))
    node = flow.nodes[state.node]
    choices = node.options_for(Channel.VOICE) if state.page + 1 >= len(node.voice) else ()
    key = _key(flow, state, event, choices)
    if key is None:
        return _miss(flow, state, event)
    return _press(flow, state, event, key)


def _key(flow: Flow, state: State, event: Event, choices: tuple[Option, ...]) -> str | None:
    """The key a caller pressed, or the key their words stand for; None if neither is clear."""
    if event.kind is EventKind.SILENCE:
        return None
    if event.digits:
        return event.digits[:1]
    if not event.text or (event.confidence is not None and event.confidence < MIN_CONFIDENCE):
        return None
    said = normalise(event.text)
    if said in _NUMBER_WORDS or (len(said) == 1 and said.isdigit()):
        return _NUMBER_WORDS.get(said, said)
    for name, key in _COMMANDS:
        if said in flow.keywords[name]:
            return key  # exactly a command: "help", "main menu"
    if _NEGATIONS & set(said.split()):
        # "don't leave a message" shares more words with "leave a message" than with "no message".
        choices = (
            tuple(o for o in choices if _NEGATIONS & set(normalise(o.label).split())) or choices
        )
    heard = _stems(said)
    whole = {o.key: len(stems) for o in choices if (stems := _stems(normalise(o.label))) <= heard}
    if whole and list(whole.values()).count(max(whole.values())) == 1:
        return max(whole, key=whole.__getitem__)  # all of a label was said: "social worker help"
    for name, key in _COMMANDS:
        if any(_means(said, phrase) for phrase in flow.keywords[name]):
            return key
    return _best_choice(choices, said)


def _urgent(flow: Flow, state: State, lead: tuple[str, ...], node_id: str) -> Outcome:
    """File an urgent call back, then go on at `node_id` (where the caller was, if they can go back)."""
    effect = urgent_request(state)
    calm = replace(
        state, answers=tuple(p for p in state.answers if p[0] not in ("urgent", "number"))
    )
    page = calm.page if node_id == calm.node else 0
    return replace(_show(flow, calm, node_id, page, lead=lead), effects=(effect,))


def _urgent_said(flows: Flows, event: Event) -> bool:
    said = normalise(event.text)
    return bool(said) and any(_means(said, word) for word in everyones(flows, "urgent"))


def _means(said: str, phrase: str) -> bool:
    """A command phrase in what was said: anywhere if it has several words, else in a short reply."""
    return f" {phrase} " in f" {said} " and (" " in phrase or said.count(" ") < 3)


def _best_choice(choices: tuple[Option, ...], said: str) -> str | None:
    """The one option whose label shares the most words with what was said."""
    heard = _stems(said)
    scores = {o.key: len(heard & _stems(normalise(o.label))) for o in choices}
    best = max(scores.values(), default=0)
    winners = [k for k, s in scores.items() if s == best]
    return winners[0] if best and len(winners) == 1 else None


def _stems(words: str) -> set[str]:
    """Crude stems of the longer words: 'FINDING A DOCTOR' -> {'FIND', 'DOCT'}."""
    return {w[:4] for w in words.split() if len(w) > 3}


def _press(flow: Flow, state: State, event: Event, key: str) -> Outcome:
    node = flow.nodes[state.node]
    missed_before, state = state, replace(state, misses=0)
    last_page = state.page + 1 >= len(node.voice)
    if key == REPEAT_KEY:
        return _show(flow, state, state.node, state.page)
    if key == MENU_KEY:
        return _show(flow, state, flow.root, 0)
    if key == HELP_KEY:
        return _show(flow, state, state.node, state.page, lead=(flow.text("voice_help"),))
    if key == BACK_KEY:
        if state.page > 0:
            return _show(flow, state, state.node, state.page - 1)
        return _show(flow, state, flow.parents.get(state.node, flow.root), 0)
    if key == TALK:
        return _talk(flow, state, event)
    if key == TEXT_KEY and can_text_here(flow, state.node):
        if not (event.can_text and not state.opted_out):
            return _show(flow, state, state.node, state.page, lead=(flow.text("voice_no_text"),))
        shown = _show(flow, state, state.node, state.page, lead=(flow.text("voice_texted"),))
        return replace(shown, effects=(Effect(EffectKind.SEND_TEXT, state.node),))
    if key in (MORE_KEY, MORE_WORD) and not last_page:
        return _show(flow, state, state.node, state.page + 1)
    if key == MORE_WORD:
        return _show(flow, state, state.node, state.page, lead=(flow.text("no_more"),))
    option = node.option(key, Channel.VOICE) if last_page else None
    if option is None:
        return _miss(flow, missed_before, event, sorry="voice_wrong_key")
    if option.target == TALK:
        return _talk(flow, state, event)
    state, target, effects = choose(flow, state, option, event.can_text)
    return replace(_show(flow, state, target, 0), effects=effects)


def _talk(flow: Flow, state: State, event: Event) -> Outcome:
    if event.office_open:
        return Outcome(state, (flow.text("voice_connecting"),), then=Then.DIAL)
    closed = flow.text("voice_closed", hours=event.office_hours)
    return _show(flow, state, CALLBACK_NODE, 0, lead=(closed,))


def _miss(flow: Flow, state: State, event: Event, sorry: str = "") -> Outcome:
    state = replace(state, misses=state.misses + 1)
    if state.misses >= MISSES_BEFORE_OFFER:
        return Outcome(state, offer(flow), then=Then.GATHER)
    if not sorry:
        sorry = "voice_silence" if event.kind is EventKind.SILENCE else "voice_not_understood"
    return _show(flow, state, state.node, state.page, lead=(flow.text(sorry),))


def _offer_choices(flow: Flow) -> tuple[Option, ...]:
    """What a caller may say to the offer: the call-back option's words (key 1 is a person)."""
    asks = [o for o in flow.nodes[flow.root].options if o.target == CALLBACK_NODE]
    return tuple(replace(o, key=OFFER_CALLBACK_KEY) for o in asks)


def _answer_offer(flow: Flow, state: State, event: Event, key: str | None) -> Outcome:
    """After repeated misses: a person, a call back, the menu again, or a polite goodbye."""
    if key in (OFFER_TALK_KEY, TALK):
        return _talk(flow, replace(state, misses=0), event)
    if key == OFFER_CALLBACK_KEY:
        return _show(flow, replace(state, misses=0), CALLBACK_NODE, 0)
    if key == MENU_KEY:
        return _show(flow, replace(state, misses=0), flow.root, 0)
    if key == REPEAT_KEY:
        return Outcome(state, offer(flow), then=Then.GATHER)
    return _goodbye(flow, state)


def _show(flow: Flow, state: State, node_id: str, page: int, lead: tuple[str, ...] = ()) -> Outcome:
    new = arriving(flow, state, node_id, page)
    return Outcome(new, (*lead, *prompt(flow, node_id, page)), then=Then.GATHER)


def _goodbye(flow: Flow, state: State) -> Outcome:
    return Outcome(state, (flow.text("voice_goodbye"),), then=Then.HANG_UP)
