"""The hotline's plain values: content (Flow, Node, Option) and conversation (State, Event, Outcome)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Channel(StrEnum):
    SMS = "sms"
    VOICE = "voice"


@dataclass(frozen=True)
class Option:
    """One numbered choice: its key, its SMS label, where it leads, and its spoken lead-in."""

    key: str
    label: str
    target: str
    say: str


@dataclass(frozen=True)
class Node:
    """A part of the fact sheet: pages of text per channel, then options after the last page."""

    id: str
    sms: tuple[str, ...]
    voice: tuple[str, ...]
    options: tuple[Option, ...] = ()

    def option(self, key: str) -> Option | None:
        """The option behind a key, if there is one."""
        return next((o for o in self.options if o.key == key), None)


@dataclass(frozen=True)
class Flow:
    """The whole hotline in one language: nodes by id and the fixed texts around them."""

    lang: str
    nodes: Mapping[str, Node]
    texts: Mapping[str, str]
    keywords: Mapping[str, frozenset[str]]
    source: Mapping[str, str]
    root: str = "main"
    parents: Mapping[str, str] = field(default_factory=dict)

    def text(self, name: str, **values: str) -> str:
        """A fixed text by name, with its {placeholders} filled in."""
        return self.texts[name].format(**values) if values else self.texts[name]


Flows = Mapping[str, Flow]


@dataclass(frozen=True)
class State:
    """Where one conversation stands. `node` is empty before the conversation starts."""

    lang: str = "en"
    node: str = ""
    page: int = 0
    steps: int = 0
    misses: int = 0
    opted_out: bool = False


@dataclass(frozen=True)
class Event:
    """Something the person did: texted `text`, pressed `digits`, said `text`, or stayed silent."""

    channel: Channel
    text: str = ""
    digits: str = ""
    confidence: float | None = None
    opt_out_type: str = ""


@dataclass(frozen=True)
class Effect:
    """Work for the host to do after the state is saved (`kind` names it, `arg` qualifies it)."""

    kind: str
    arg: str = ""


@dataclass(frozen=True)
class Outcome:
    """The result of one step: the new state, the texts to send or speak, the effects to run."""

    state: State
    replies: tuple[str, ...] = ()
    effects: tuple[Effect, ...] = field(default_factory=tuple)
