"""The hotline's plain values: content (Flow, Node, Option) and conversation (State, Event, Outcome)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum


class Channel(StrEnum):
    """How a person reaches the hotline."""

    SMS = "sms"
    VOICE = "voice"
    WHATSAPP = "whatsapp"

    @property
    def texted(self) -> bool:
        """Whether replies are texts (SMS or WhatsApp), which share options and commands."""
        return self is not Channel.VOICE


class EventKind(StrEnum):
    """What happened: input (text, keys or speech), a call arriving, silence, a transfer ending."""

    INPUT = "input"
    CALL = "call"
    SILENCE = "silence"
    DIAL_ENDED = "dial_ended"


class Then(StrEnum):
    """What a call does after the replies are spoken (an SMS step simply replies)."""

    REPLY = "reply"
    GATHER = "gather"
    DIAL = "dial"
    HANG_UP = "hang_up"


class Asks(StrEnum):
    """The one answer a node of the call-back form collects."""

    WINDOW = "window"
    VOICEMAIL = "voicemail"
    NUMBER = "number"
    CONTACT = "contact"  # may we say CancerCare (and, by text, a first name to ask for)
    TREATMENT = "treatment"  # does treatment start within two weeks (skippable)


class Window(StrEnum):
    """When a person would like to be called back."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"
    ANY = "any"


@dataclass(frozen=True)
class CallbackForm:
    """Answers to the call-back questions; None (or '') for one not given yet.

    An option's `set` is a form too: the answers choosing it gives.
    """

    window: Window | None = None
    voicemail: bool | None = None
    number: str = ""  # another number to call, as E.164
    say_cancercare: bool | None = None  # if someone else answers; False: "a call you asked for"
    first_name: str = ""  # whom to ask for (given by text)
    treatment_soon: bool | None = None  # treatment starts within two weeks

    def merged(self, given: CallbackForm) -> CallbackForm:
        """This form with the answers in `given` taking the place of its own."""
        changes = {
            f.name: v for f in fields(given) if (v := getattr(given, f.name)) not in (None, "")
        }
        return replace(self, **changes)


@dataclass(frozen=True)
class GoTo:
    """An option's target: another node."""

    node: str


@dataclass(frozen=True)
class Talk:
    """An option's target: put the caller through to a social worker (voice only)."""


@dataclass(frozen=True)
class FileRequest:
    """An option's target: file the call-back request with the answers given."""


@dataclass(frozen=True)
class SwitchLanguage:
    """An option's target: go on, from the main menu, in another language."""

    lang: str


Target = GoTo | Talk | FileRequest | SwitchLanguage


@dataclass(frozen=True)
class Option:
    """One numbered choice: its key, its SMS label, where it leads, and its spoken lead-in."""

    key: str
    label: str
    target: Target
    say: str
    channel: Channel | None = None  # None for both channels, or the one channel that offers it
    set: CallbackForm | None = None  # the answers this choice gives (e.g. window=morning)


@dataclass(frozen=True)
class Node:
    """A part of the fact sheet: pages of text per channel, then options after the last page."""

    id: str
    sms: tuple[str, ...]
    voice: tuple[str, ...]
    options: tuple[Option, ...] = ()
    asks: Asks | None = None  # the answer this node collects, if it is part of the form

    def options_for(self, channel: Channel) -> tuple[Option, ...]:
        """The options this channel offers (WhatsApp offers the SMS ones)."""
        wanted = Channel.SMS if channel.texted else channel
        return tuple(o for o in self.options if o.channel in (None, wanted))

    def option(self, key: str, channel: Channel) -> Option | None:
        """The option behind a key on this channel, if there is one."""
        return next((o for o in self.options_for(channel) if o.key == key), None)


@dataclass(frozen=True, eq=False)
class Flow:
    """The whole hotline in one language: nodes by id and the fixed texts and words around them.

    Loaded once and never changed, a flow is itself (equal and hashed by identity), so what is
    derived from flows can be cached.
    """

    lang: str
    nodes: Mapping[str, Node]
    texts: Mapping[str, str]
    keywords: Mapping[str, frozenset[str]]
    source: Mapping[str, str]
    words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # numbers, days, meridiem
    name: str = ""  # the language's name, as the staff dashboard shows it
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
    """Where one conversation stands. `node` is empty before the conversation starts.

    `topic` is the part of the fact sheet a request would be about; `form` holds the call-back
    answers so far; `crisis_at` is when the safety answer was last given and `urgent_at` when
    the last urgent request was filed (the event's clock, None for never; see flows.urgency);
    `urgent` is set while an urgent request waits for a number to call.

    `slow`: the caller asked for slower speech. `read`: the parts of the fact sheet read, one
    bit per node (by its place in the content). `resume`, `resume_page`: the part (and page)
    offered to go on with ("Reply MORE to go on with ..."). `checkin`: where this person's
    check-in stands (see flows.checkin; kept beside the conversation, like the opt-out), and
    `offered`: whether this conversation has offered one.
    """

    lang: str = "en"
    node: str = ""
    page: int = 0
    steps: int = 0
    misses: int = 0
    opted_out: bool = False
    topic: str = ""
    form: CallbackForm = CallbackForm()
    crisis_at: int | None = None
    urgent_at: int | None = None
    urgent: bool = False
    slow: bool = False
    read: int = 0
    resume: str = ""
    resume_page: int = 0
    checkin: str = ""
    offered: bool = False


@dataclass(frozen=True)
class Event:
    """Something the person did (texted or said `text`, pressed `digits`) or that happened to them.

    The host supplies what the engine cannot know by itself: the time (`now`, seconds since the
    epoch), whether the caller's number can get texts, whether the social workers' office is
    open now, and its hours as words.
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
    now: int = 0


@dataclass(frozen=True)
class SendText:
    """Effect: text the caller the SMS pages of `node`."""

    node: str


@dataclass(frozen=True)
class RequestCallback:
    """Effect: file a call-back request about `topic` with the answers in `form`."""

    form: CallbackForm
    topic: str = ""
    urgent: bool = False


@dataclass(frozen=True)
class ScheduleCheckin:
    """Effect: the person agreed to a check-in: schedule it (see flows.checkin)."""


@dataclass(frozen=True)
class Tally:
    """Effect: count `what` (e.g. "checkin_offered") for the reports, by language and channel."""

    what: str


Effect = SendText | RequestCallback | ScheduleCheckin | Tally  # work for the host after the save


@dataclass(frozen=True)
class Outcome:
    """The result of one step: the new state, the texts to send or speak, the effects to run."""

    state: State
    replies: tuple[str, ...] = ()
    effects: tuple[Effect, ...] = field(default_factory=tuple)
    then: Then = Then.REPLY
    personal: bool = False  # the replies repeat the person's own words (a number): keep no copy
