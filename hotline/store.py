"""ConversationStore: each conversation's state in Redis, advanced atomically, replays recognised.

One step costs two round trips: a script that loads the state (and the durable opt-out flag),
and a compare-and-set script that saves the new state only if nobody else saved first. A
conversation is keyed by a keyed hash of the phone number (or call id), never the number, with
a Redis Cluster hash tag so that its keys share a slot.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace

import redis
from redis.cluster import RedisCluster

from flows.model import Outcome, State

# A Twilio retry comes within seconds; remembering the last few message ids is enough.
REMEMBERED_IDS = 3
MAX_ATTEMPTS = 100
RATE_WINDOW = 60  # seconds over which a sender's messages are counted

# KEYS: conversation, opt-out, and (for texts) the set of this window's message ids.
# ARGV: the window in seconds, the event's id. Counting distinct ids means Twilio's repeats of
# a message, however they interleave, count once.
_LOAD = """
local sent = 0
if KEYS[3] then
  redis.call('SADD', KEYS[3], ARGV[2])
  if redis.call('TTL', KEYS[3]) < 0 then redis.call('EXPIRE', KEYS[3], ARGV[1]) end
  sent = redis.call('SCARD', KEYS[3])
end
return {redis.call('GET', KEYS[1]) or '', redis.call('EXISTS', KEYS[2]), sent}
"""

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


class StoreBusy(RuntimeError):
    """A conversation changed under us on every attempt (a flood from one number)."""


@dataclass(frozen=True)
class Record:
    """What is saved for a conversation: its state, recent message ids, the state before the last."""

    state: State
    ids: tuple[str, ...] = ()
    before_last: State | None = None

    def encode(self) -> str:
        """Compact JSON: a few dozen bytes a conversation."""
        body = {"s": _pack(self.state), "i": list(self.ids)}
        if self.before_last is not None:
            body["b"] = _pack(self.before_last)
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str, opted_out: bool) -> Record:
        """The record behind `raw` ('' for a new conversation); the durable opt-out flag wins."""
        if not raw:
            return cls(State(opted_out=opted_out))
        body = json.loads(raw)
        before = _unpack(body["b"]) if "b" in body else None
        return cls(replace(_unpack(body["s"]), opted_out=opted_out), tuple(body["i"]), before)


def _pack(state: State) -> list[object]:
    packed = [state.lang, state.node, state.page, state.steps, state.misses, int(state.opted_out)]
    return [*packed, dict(state.answers)] if state.answers else packed


def _unpack(packed: list) -> State:
    lang, node, page, steps, misses, opted_out, *answers = packed
    return State(
        lang,
        node,
        page,
        steps,
        misses,
        bool(opted_out),
        tuple(sorted((answers or [{}])[0].items())),
    )


@dataclass(frozen=True)
class Advanced:
    """The outcome of a step, and whether it was a replay (effects already handed off).

    `over_limit` counts messages past the sender's rate limit in this window (0 when within it);
    such a message takes no step at all.
    """

    outcome: Outcome
    replayed: bool = False
    over_limit: int = 0


class ConversationStore:
    """Load, step and save conversations in Redis."""

    def __init__(
        self, connection: redis.Redis | RedisCluster, secret: str, ttl: int, prefix: str = "hotline"
    ) -> None:
        self._redis = connection
        self._secret = secret.encode()
        self._ttl = ttl
        self._prefix = prefix
        self._load = connection.register_script(_LOAD)
        self._swap = connection.register_script(_SWAP)

    def tag(self, who: str) -> str:
        """A keyed hash of a phone number or call id: stable, short, and not reversible."""
        return hashlib.blake2b(who.encode(), key=self._secret[:64], digest_size=10).hexdigest()

    def key(self, tag: str, name: str) -> str:
        """A key of the person behind `tag`; all of one person's keys share a cluster slot."""
        return f"{self._prefix}:{{{tag}}}:{name}"

    def opted_out(self, tag: str) -> bool:
        """Whether the person behind `tag` has opted out of texts."""
        return bool(self._redis.exists(self.key(tag, "optout")))

    def record_opt_out(self, tag: str) -> None:
        """Remember an opt-out Twilio told us about (error 21610), until the person opts back in."""
        self._redis.set(self.key(tag, "optout"), "1")

    def keys(self, conversation: str, who: str) -> list[str]:
        """The key of one of `who`'s conversations, and their opt-out key."""
        tag = self.tag(who)
        return [self.key(tag, conversation), self.key(tag, "optout")]

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
        "voice:<CallSid>" for a call. `hand_off` queues an outcome's effects *before* its state
        is saved: if queueing fails, nothing is saved and the person can simply try again
        (effects carry deterministic ids, so a second hand-off of the same event is harmless).
        With a `rate_limit`, more than that many events a minute from `who` are refused.
        """
        keys = self.keys(conversation, who)
        counter = [self.key(self.tag(who), "rate")] if rate_limit else []
        raw, opted_out, seen = self._load(keys=keys + counter, args=[RATE_WINDOW, event_id])
        if rate_limit and seen > rate_limit:
            state = Record.decode(_text(raw), bool(opted_out)).state
            return Advanced(Outcome(state), over_limit=seen - rate_limit)
        for _ in range(MAX_ATTEMPTS):
            record = Record.decode(_text(raw), bool(opted_out))
            if event_id in record.ids:
                return _replay(record, event_id, step)
            outcome = step(record.state)
            if outcome.effects:
                hand_off(outcome)
            saved = Record(outcome.state, (*record.ids, event_id)[-REMEMBERED_IDS:], record.state)
            changed = outcome.state.opted_out != record.state.opted_out
            flag = str(int(outcome.state.opted_out)) if changed else ""
            done, raw, opted_out = self._swap(
                keys=keys, args=[_text(raw), saved.encode(), self._ttl, flag]
            )
            if done:
                return Advanced(outcome)
        raise StoreBusy(f"conversation {keys[0]} kept changing")

    def load(self, conversation: str, who: str) -> State:
        """The saved state of a conversation (a fresh one if there is none)."""
        raw, opted_out, _ = self._load(keys=self.keys(conversation, who), args=[RATE_WINDOW, ""])
        return Record.decode(_text(raw), bool(opted_out)).state


def _replay(record: Record, event_id: str, step: Callable[[State], Outcome]) -> Advanced:
    """The same answer as the first time for the latest event; nothing for older ones."""
    if event_id == record.ids[-1] and record.before_last is not None:
        return Advanced(step(record.before_last), replayed=True)
    return Advanced(Outcome(record.state), replayed=True)


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw
