"""When a conversation may file an urgent call back: soon after a safety answer, once a while.

A safety answer (911, 988, "press 8" or "reply URGENT") opens a window of CRISIS_LASTS seconds
in which an urgent request may be filed; filing it closes the window, and a conversation files
at most one urgent request every URGENT_EVERY seconds, however often the person asks. Both
channels share these rules, so a key held down or a text sent again cannot flood the queue.
"""

from __future__ import annotations

from dataclasses import replace

from flows.model import State

CRISIS_LASTS = 30 * 60  # seconds a safety answer keeps "press 8" / URGENT meaning urgent
URGENT_EVERY = 30 * 60  # seconds between two urgent requests of one conversation, at least


def answered_crisis(state: State, now: int) -> State:
    """`state` once the safety answer was given at `now`."""
    return replace(state, crisis_at=now)


def filed_urgent(state: State, now: int) -> State:
    """`state` once an urgent request was filed at `now` (the safety answer's window closes)."""
    return replace(state, urgent_at=now, urgent=False)


def in_crisis(state: State, now: int) -> bool:
    """Whether a safety answer was given within CRISIS_LASTS, and not yet followed by a filing."""
    if state.crisis_at is None or not 0 <= now - state.crisis_at < CRISIS_LASTS:
        return False
    return state.urgent_at is None or state.urgent_at < state.crisis_at


def recently_filed(state: State, now: int) -> bool:
    """Whether this conversation filed an urgent request within URGENT_EVERY."""
    return state.urgent_at is not None and 0 <= now - state.urgent_at < URGENT_EVERY


def may_file_urgent(state: State, now: int) -> bool:
    """Whether asking for an urgent call back now files one."""
    return in_crisis(state, now) and not recently_filed(state, now)
