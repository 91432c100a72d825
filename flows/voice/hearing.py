"""Understanding a caller: the key they pressed, or the key their words stand for."""

from __future__ import annotations

from functools import lru_cache

from flows.languages import everyones
from flows.model import Event, EventKind, Flow, Flows, Option
from flows.text import normalise

MIN_CONFIDENCE = 0.4
REPEAT_KEY, MENU_KEY, MORE_KEY, TEXT_KEY, URGENT_KEY = "*", "0", "1", "9", "8"
SLOW_KEY = "#"  # every key of the main menu is taken: pound asks for slower speech
HELP_KEY, BACK_KEY, MORE_WORD, TALK_KEY = "help", "back", "more", "talk"  # spoken only
# Spoken commands, by their keyword list in the content, and the key each stands for.
COMMANDS = (
    ("repeat", REPEAT_KEY), ("menu", MENU_KEY), ("help", HELP_KEY), ("talk", TALK_KEY),
    ("more", MORE_WORD), ("back", BACK_KEY),
)  # fmt: skip


def heard_key(flows: Flows, flow: Flow, event: Event, choices: tuple[Option, ...]) -> str | None:
    """The key a caller pressed, or the key their words stand for; None if neither is clear."""
    if event.kind is EventKind.SILENCE:
        return None
    if event.digits:
        return event.digits[:1]
    if not event.text or (event.confidence is not None and event.confidence < MIN_CONFIDENCE):
        return None
    said = normalise(event.text)
    if any(_means(said, phrase) for phrase in everyones(flows, "slower")):
        return SLOW_KEY  # before MORE: "más despacio" holds "más"
    digits = number_words(tuple(flows.values()))
    if said in digits or (len(said) == 1 and said.isdigit()):
        return digits.get(said, said)
    for name, key in COMMANDS:
        if said in flow.keywords[name]:
            return key  # exactly a command: "help", "main menu"
    negations = everyones(flows, "negation")
    if negations & set(said.split()):
        # "don't leave a message" shares more words with "leave a message" than with "no message".
        choices = (
            tuple(o for o in choices if negations & set(normalise(o.label).split())) or choices
        )
    heard = _stems(said)
    whole = {o.key: len(stems) for o in choices if (stems := _stems(normalise(o.label))) <= heard}
    if whole and list(whole.values()).count(max(whole.values())) == 1:
        return max(whole, key=whole.__getitem__)  # all of a label was said: "social worker help"
    for name, key in COMMANDS:
        if any(_means(said, phrase) for phrase in flow.keywords[name]):
            return key
    return _best_choice(choices, said)


@lru_cache(maxsize=16)
def number_words(flows: tuple[Flow, ...]) -> dict[str, str]:
    """Keys said as words, in any language: "two" and "dos" both mean 2."""
    return {
        normalise(word): str(digit)
        for flow in flows
        for digit, word in enumerate(flow.words.get("numbers", ()))
    }


def said_urgent(flows: Flows, event: Event) -> bool:
    """Whether the caller asked for an urgent call back, in any language."""
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
