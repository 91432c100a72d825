"""The saved form of one conversation: a versioned, compact JSON record, and older ones read.

A record of the first format (no version) is read as it was meant, as are those of the second
and third (the fourth's layout without its last fields); one of an unknown format starts the conversation
afresh, keeping the durable opt-out flag and check-in.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from typing import Any

from flows.checkin import STAGES, Stage
from flows.model import CallbackForm, State, Window

log = logging.getLogger(__name__)

RATE_WINDOW = 60  # seconds over which a sender's messages are counted
FORMAT = 4  # the record format this version writes; see Record.encode
READ_FORMATS = (2, 3, FORMAT)  # the second and third are the fourth without its last fields


@dataclass(frozen=True)
class Record:
    """What is saved for a conversation: its state, its last event ids (short), the state before
    the last, and its rate window (when it started, in whole seconds, and messages counted)."""

    state: State
    ids: tuple[str, ...] = ()
    before_last: State | None = None
    window: tuple[int, int] = (0, 0)

    def encode(self) -> str:
        """Compact JSON, about a hundred bytes: [FORMAT, state, ids, state before or null, window].

        A state is [lang, node, page, steps, misses, flags, topic, window, voicemail, number,
        crisis_at, urgent_at, read, resume, resume_page, say_cancercare, first_name,
        treatment_soon], without the empty values at its end
        (flags: 1 opted out, 2 urgent, 4 slow, 8 offered, and 16 times the check-in's place in
        STAGES); the state before keeps [topic, ...] as 1 when it is the same as the state's.
        """
        before = None if self.before_last is None else _pack(self.before_last, self.state)
        body = [FORMAT, _pack(self.state), list(self.ids), before, *self.window]
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str, opted_out: bool, checkin: str = "") -> Record:
        """The record behind `raw` ('' for a new conversation); the durable opt-out flag and
        check-in stage win over what the record says.

        A record of the first format ([state, ids, before, start, count], the answers a dict)
        is read as it was meant, as is one of the second; one in an unknown format starts the
        conversation afresh.
        """
        if not raw:
            return cls(State(opted_out=opted_out, checkin=checkin))
        try:
            body = json.loads(raw)
            if body[0] in READ_FORMATS:
                _, packed, ids, before, start, count = body
                unpack = _unpack
            elif isinstance(body[0], list):
                packed, ids, before, start, count = body
                unpack = _unpack_first
            else:
                raise ValueError(f"record format {body[0]!r}")
            state = unpack(packed, None)
            before_last = None if before is None else unpack(before, state)
            record = cls(state, tuple(map(str, ids)), before_last, (int(start), int(count)))
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            # Written by another version of the hotline: start afresh rather than fail on
            # every text until it expires (the opt-out flag is kept apart, and still counts).
            log.warning("a conversation record in an unknown format was started afresh")
            return cls(State(opted_out=opted_out, checkin=checkin))
        return replace(record, state=replace(state, opted_out=opted_out, checkin=checkin))

    def counting(self, now: int) -> tuple[int, int]:
        """The rate window with one more message at `now` (a new window once the last is over)."""
        start, count = self.window
        return (start, count + 1) if now - start < RATE_WINDOW else (now, 1)


def _pack(state: State, beside: State | None = None) -> list[object]:
    """A state as a short list (see Record.encode)."""
    flags = state.opted_out | state.urgent << 1 | state.slow << 2 | state.offered << 3
    flags |= STAGES.index(Stage(state.checkin)) << 4
    form = state.form
    voicemail, say, soon = (
        _flag(v) for v in (form.voicemail, form.say_cancercare, form.treatment_soon)
    )
    tail: list[object] = [state.topic, form.window and form.window.value, voicemail, form.number]
    tail += [state.crisis_at, state.urgent_at, state.read or None, state.resume]
    tail += [state.resume_page or None, say, form.first_name, soon]
    while tail and tail[-1] in ("", None):
        tail.pop()
    if tail and beside is not None and _tail(state) == _tail(beside):
        tail = [1]
    head: list[object] = [state.lang, state.node, state.page, state.steps, state.misses, flags]
    return head + tail if tail or flags else head[:-1]


_TAIL = ("topic", "form", "crisis_at", "urgent_at", "read", "resume", "resume_page")


def _flag(answer: bool | None) -> int | None:
    return None if answer is None else int(answer)


def _tail(state: State) -> tuple[object, ...]:
    return tuple(getattr(state, name) for name in _TAIL)


def _unpack(packed: list[Any], beside: State | None) -> State:
    lang, node, page, steps, misses, *rest = packed
    flags, *tail = rest or [0]
    state = State(str(lang), str(node), int(page), int(steps), int(misses), bool(flags & 1))
    state = replace(
        state,
        urgent=bool(flags & 2),
        slow=bool(flags & 4),
        offered=bool(flags & 8),
        checkin=STAGES[flags >> 4 & 3],
    )
    if tail == [1] and beside is not None:
        return replace(state, **{name: getattr(beside, name) for name in _TAIL})
    defaults: list[Any] = ["", None, None, "", None, None, None, "", None, None, "", None]
    fields = [*tail, *defaults[len(tail) :]]
    topic, window, voicemail, number, crisis_at, urgent_at, read, resume, resume_page = fields[:9]
    say, name, soon = fields[9:]
    form = CallbackForm(
        Window(window) if window else None,
        None if voicemail is None else bool(voicemail),
        str(number or ""),
        None if say is None else bool(say),
        str(name or ""),
        None if soon is None else bool(soon),
    )
    return replace(
        state,
        topic=str(topic or ""),
        form=form,
        crisis_at=None if crisis_at is None else int(crisis_at),
        urgent_at=None if urgent_at is None else int(urgent_at),
        read=int(read or 0),
        resume=str(resume or ""),
        resume_page=int(resume_page or 0),
    )


def _unpack_first(packed: list[Any], beside: State | None) -> State:
    """A state of the first format: the answers a dict of strings ({"topic": "find", ...}).

    Its crisis flag had no time: a call under way at the upgrade hears "press 8" again.
    """
    lang, node, page, steps, misses, opted_out, *answers = packed
    state = State(str(lang), str(node), int(page), int(steps), int(misses), bool(opted_out))
    if answers == [1] and beside is not None:
        return replace(
            state,
            form=beside.form,
            topic=beside.topic,
            urgent=beside.urgent,
        )
    given: dict[str, str] = (answers or [{}])[0]
    form = CallbackForm(
        Window(given["window"]) if given.get("window") else None,
        {"yes": True, "no": False}.get(given.get("voicemail", "")),
        given.get("number", ""),
    )
    return replace(
        state,
        topic=given.get("topic", ""),
        form=form,
        urgent=given.get("urgent") == "yes",
    )
