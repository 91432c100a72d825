"""ConversationStore: each conversation's state in Redis, advanced atomically, replays recognised.

One step costs two round trips: an MGET of the conversation and the durable opt-out flag, and a
compare-and-set script that saves the new state only if nobody else saved first. A conversation
is keyed by a keyed hash of the phone number (or call id), never the number, with a Redis
Cluster hash tag so that its keys share a slot. Everything a conversation needs, its rate limit
included, is in its one record of about a hundred bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import redis
from redis.cluster import RedisCluster

from flows.model import CallbackForm, Outcome, State, Window
from hotline.stores import keys

log = logging.getLogger(__name__)

# A Twilio retry comes within seconds; remembering the last few message ids is enough.
REMEMBERED_IDS = 3
MAX_ATTEMPTS = 100
RATE_WINDOW = 60  # seconds over which a sender's messages are counted
SHORT_ID = 8  # characters an event or call id is kept in: a hash when the id is longer

# ARGV: expected value ('' = none), new value, ttl seconds, opt-out ('1' set, '0' clear, '' keep).
_SWAP = """
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then
  return {0, current, redis.call('EXISTS', KEYS[2])}
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
if ARGV[4] == '1' then redis.call('SET', KEYS[2], '1')
elseif ARGV[4] == '0' then redis.call('DEL', KEYS[2]) end
return {1, '', 0}
"""


def short_id(event_id: str) -> str:
    """An id as a record keeps it: itself when short (a voice step), else a 48-bit hash (a Sid).

    Ids are compared only with the few others of one conversation, where a collision of 48-bit
    hashes is out of reach.
    """
    if len(event_id) <= SHORT_ID:
        return event_id
    digest = hashlib.blake2b(event_id.encode(), digest_size=SHORT_ID * 3 // 4).digest()
    return base64.urlsafe_b64encode(digest).decode()


class StoreBusy(RuntimeError):
    """A conversation changed under us on every attempt (a flood from one number)."""


SMS_CONVERSATION = "sms"  # a person's texts are all one conversation


def call_conversation(call_sid: str) -> str:
    """The name of one call's conversation."""
    return f"voice:{short_id(call_sid)}"


FORMAT = 2  # the record format this version writes; see Record.encode


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
        crisis_at, urgent_at, say_cancercare, first_name, treatment_soon], without the empty
        values at its end (flags: 1 opted out, 2 urgent); the
        state before keeps [topic, ...] as 1 when it is the same as the state's.
        """
        before = None if self.before_last is None else _pack(self.before_last, self.state)
        body = [FORMAT, _pack(self.state), list(self.ids), before, *self.window]
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str, opted_out: bool) -> Record:
        """The record behind `raw` ('' for a new conversation); the durable opt-out flag wins.

        A record of the first format ([state, ids, before, start, count], the answers a dict)
        is read as it was meant; one in an unknown format starts the conversation afresh.
        """
        if not raw:
            return cls(State(opted_out=opted_out))
        try:
            body = json.loads(raw)
            if body[0] == FORMAT:
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
            return cls(State(opted_out=opted_out))
        return replace(record, state=replace(state, opted_out=opted_out))

    def counting(self, now: int) -> tuple[int, int]:
        """The rate window with one more message at `now` (a new window once the last is over)."""
        start, count = self.window
        return (start, count + 1) if now - start < RATE_WINDOW else (now, 1)


def _pack(state: State, beside: State | None = None) -> list[object]:
    """A state as a short list (see Record.encode)."""
    flags = state.opted_out | state.urgent << 1
    form = state.form
    voicemail, say, soon = (
        _flag(v) for v in (form.voicemail, form.say_cancercare, form.treatment_soon)
    )
    tail: list[object] = [state.topic, form.window and form.window.value, voicemail, form.number]
    tail += [state.crisis_at, state.urgent_at, say, form.first_name, soon]
    while tail and tail[-1] in ("", None):
        tail.pop()
    if tail and beside is not None and _tail(state) == _tail(beside):
        tail = [1]
    head: list[object] = [state.lang, state.node, state.page, state.steps, state.misses, flags]
    return head + tail if tail or flags else head[:-1]


def _flag(answer: bool | None) -> int | None:
    return None if answer is None else int(answer)


def _tail(state: State) -> tuple[object, ...]:
    return (state.topic, state.form, state.crisis_at, state.urgent_at)


def _unpack(packed: list[Any], beside: State | None) -> State:
    lang, node, page, steps, misses, *rest = packed
    flags, *tail = rest or [0]
    state = State(str(lang), str(node), int(page), int(steps), int(misses), bool(flags & 1))
    state = replace(state, urgent=bool(flags & 2))
    if tail == [1] and beside is not None:
        kept = (beside.topic, beside.form, beside.crisis_at, beside.urgent_at)
        return replace(state, topic=kept[0], form=kept[1], crisis_at=kept[2], urgent_at=kept[3])
    defaults: list[Any] = ["", None, None, "", None, None, None, "", None]
    topic, window, voicemail, number, crisis_at, urgent_at, say, name, soon = [
        *tail,
        *defaults[len(tail) :],
    ]
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


@dataclass(frozen=True)
class Advanced:
    """The outcome of a step, and whether it was a replay (effects already handed off) of the
    latest event, or of an older one (`stale`: the outcome is the current state, with no replies).

    `over_limit` counts messages past the sender's rate limit in this window (0 when within it);
    such a message takes no step at all.
    """

    outcome: Outcome
    replayed: bool = False
    stale: bool = False
    over_limit: int = 0


class ConversationStore:
    """Load, step and save conversations in Redis."""

    def __init__(
        self,
        connection: redis.Redis | RedisCluster,
        secret: str,
        ttl: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = connection
        self.connection = connection
        self._secret = secret.encode()
        self._ttl = ttl
        self.clock = clock  # what `now` is, to rate windows and to the engine
        self._swap = connection.register_script(_SWAP)

    def tag(self, who: str) -> str:
        """A keyed hash of a phone number or call id: stable, short, and not reversible."""
        return hashlib.blake2b(who.encode(), key=self._secret[:64], digest_size=10).hexdigest()

    def opted_out(self, tag: str) -> bool:
        """Whether the person behind `tag` has opted out of texts."""
        return bool(self._redis.exists(keys.opt_out(tag)))

    def record_opt_out(self, tag: str) -> None:
        """Remember an opt-out Twilio told us about (error 21610), until the person opts back in."""
        self._redis.set(keys.opt_out(tag), "1")

    def conversation_keys(self, conversation: str, who: str) -> list[str]:
        """The key of one of `who`'s conversations, and their opt-out key."""
        tag = self.tag(who)
        return [keys.conversation(tag, conversation), keys.opt_out(tag)]

    def advance(
        self,
        conversation: str,
        who: str,
        event_id: str,
        step: Callable[[State], Outcome],
        hand_off: Callable[[Outcome], None] = lambda outcome: None,
        rate_limit: int = 0,
    ) -> Advanced:
        """Apply `step` to the saved state and save the result, atomically; replay a known event.

        `who` is the phone number; `conversation` names one of their conversations: "sms", or
        `call_conversation(CallSid)` for a call. `hand_off` queues an outcome's effects *before* its
        state is saved: if queueing fails, nothing is saved and the person can simply try again
        (effects carry deterministic ids, so a second hand-off of the same event is harmless).
        With a `rate_limit`, more than that many events a minute from `who` take no step (they
        are counted, so that the caller can answer the first of them only).
        """
        names = self.conversation_keys(conversation, who)
        raw, flag = self._redis.mget(names)
        opted_out, event = flag is not None, short_id(event_id)
        for _ in range(MAX_ATTEMPTS):
            record = Record.decode(_text(raw), opted_out)
            if event in record.ids:
                return _replay(record, event, step)
            ids = (*record.ids, event)[-REMEMBERED_IDS:]
            window = record.counting(int(self.clock())) if rate_limit else (0, 0)
            over = max(0, window[1] - rate_limit) if rate_limit else 0
            if over:
                # Counted, not remembered: the ids kept are those of texts that took a step.
                outcome = Outcome(record.state)
                saved = replace(record, window=window)
            else:
                outcome = step(record.state)
                if outcome.effects:
                    hand_off(outcome)
                saved = Record(outcome.state, ids, record.state, window)
            changed = outcome.state.opted_out != record.state.opted_out
            new_flag = str(int(outcome.state.opted_out)) if changed else ""
            done, raw, exists = self._swap(
                keys=names, args=[_text(raw), saved.encode(), self._ttl, new_flag]
            )
            opted_out = bool(exists)
            if done:
                return Advanced(outcome, over_limit=over)
        raise StoreBusy(f"conversation {names[0]} kept changing")

    def load(self, conversation: str, who: str) -> State:
        """The saved state of a conversation (a fresh one if there is none)."""
        raw, flag = self._redis.mget(self.conversation_keys(conversation, who))
        return Record.decode(_text(raw), flag is not None).state


def _replay(record: Record, event: str, step: Callable[[State], Outcome]) -> Advanced:
    """The same answer as the first time for the latest event; nothing for older ones."""
    if event == record.ids[-1] and record.before_last is not None:
        return Advanced(step(record.before_last), replayed=True)
    return Advanced(Outcome(record.state), replayed=True, stale=True)


def _text(raw: bytes | str | None) -> str:
    if raw is None:
        return ""
    return raw.decode() if isinstance(raw, bytes) else raw
