"""Which language a conversation is in: chosen by the start word, or by a menu option."""

from __future__ import annotations

from functools import lru_cache

from flows.model import Flow, Flows
from flows.text import near, normalise


def everyones(flows: Flows, keywords: str) -> frozenset[str]:
    """One keyword list of every language together (safety words work in any language)."""
    return _together(tuple(flows.values()), keywords)


@lru_cache(maxsize=64)
def _together(flows: tuple[Flow, ...], keywords: str) -> frozenset[str]:
    return frozenset(word for flow in flows for word in flow.keywords.get(keywords, ()))


def start_language(flows: Flows, text: str, current: str) -> str:
    """The language a start word belongs to ('SEGUNDA' -> es); a word shared by several keeps `current`."""
    words = normalise(text).split()
    speaking = set()
    for lang, flow in flows.items():
        own = flow.keywords["start"] - everyones(
            {k: f for k, f in flows.items() if k != lang}, "start"
        )
        if any(near(w, k) for w in words for k in own):
            speaking.add(lang)
    return speaking.pop() if len(speaking) == 1 else current
