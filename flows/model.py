"""The hotline's plain values: content (Flow, Node, Option) and conversation (State, Event, Outcome)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum


class Channel(StrEnum):
    """How a person reaches the hotline."""

    SMS = "sms"
    VOICE = "voice"


class EventKind(StrEnum):
    """What happened: input (text, keys or speech), a call arriving, silence, a transfer ending."""

    INPUT = "input"
    CALL = "call"
    SILENCE = "silence"
    DIAL_ENDED = "dial_ended"


class EffectKind(StrEnum):
    """Work the host does after saving the state."""

    SEND_TEXT = "send_text"  # text the caller the SMS pages of node `arg`
    REQUEST_CALLBACK = "request_callback"  # file a call-back request with `fields`


class Then(StrEnum):
    """What a call does after the replies are spoken (an SMS step simply replies)."""

    REPLY = "reply"
    GATHER = "gather"
    DIAL = "dial"
    HANG_UP = "hang_up"


@dataclass(frozen=True)
class Option:
    """One numbered choice: its key, its SMS label, where it leads, and its spoken lead-in."""

    key: str
    label: str
    target: str
    say: str
    channel: str = ""  # "" for both channels, or the one channel that offers it
    set: str = ""  # an answer this choice gives, as "name=value" (e.g. "window=morning")


@dataclass(frozen=True)
class Node:
    """A part of the fact sheet: pages of text per channel, then options after the last page."""

    id: str
    sms: tuple[str, ...]
    voice: tuple[str, ...]
    options: tuple[Option, ...] = ()
    asks: str = ""  # the answer this node collects ("window", "voicemail", "number"), if any

    def options_for(self, channel: Channel) -> tuple[Option, ...]:
        """The options this channel offers."""
        return tuple(o for o in self.options if o.channel in ("", channel))

    def option(self, key: str, channel: Channel) -> Option | None:
        """The option behind a key on this channel, if there is one."""
        return next((o for o in self.options_for(channel) if o.key == key), None)


@dataclass(frozen=True, eq=False)
class Flow:
    """The whole hotline in one language: nodes by id and the fixed texts around them.

    Loaded once and never changed, a flow is itself (equal and hashed by identity), so what is
    derived from flows can be cached.
    """

    lang: str
    nodes: Mapping[str, Node]
    texts: Mapping[str, str]
    keywords: Mapping[str, frozenset[str]]
    source: Mapping[str, str]
    tts_voice: str = "Polly.Joanna"
    speech_language: str = "en-US"
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
    answers: tuple[tuple[str, str], ...] = ()  # what the person chose so far (callback details)

    def answer(self, name: str) -> str:
        """One answer given so far, or ''."""
        return dict(self.answers).get(name, "")

    def answering(self, name: str, value: str) -> State:
        """This state with one more (or a changed) answer."""
        return replace(self, answers=tuple(sorted({**dict(self.answers), name: value}.items())))


@dataclass(frozen=True)
class Event:
    """Something the person did (texted or said `text`, pressed `digits`) or that happened to them.

    The host supplies what the engine cannot know by itself: whether the caller's number can
    get texts, whether the social workers' office is open now, and its hours as words.
    """

    channel: Channel
    text: str = ""
    digits: str = ""
    confidence: float | None = None
    opt_out_type: str = ""
    kind: EventKind = EventKind.INPUT
    dial_status: str = ""
    can_text: bool = False
    office_open: bool = False
    office_hours: str = ""


@dataclass(frozen=True)
class Effect:
    """Work for the host to do after the state is saved (`kind` names it, `arg` qualifies it)."""

    kind: EffectKind
    arg: str = ""
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Outcome:
    """The result of one step: the new state, the texts to send or speak, the effects to run."""

    state: State
    replies: tuple[str, ...] = ()
    effects: tuple[Effect, ...] = field(default_factory=tuple)
    then: Then = Then.REPLY
    personal: bool = False  # the replies repeat the person's own words (a number): keep no copy
