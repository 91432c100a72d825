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
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import redis
from redis.cluster import RedisCluster

from flows.model import Outcome, State
from hotline.stores import keys
from hotline.stores.record import Record

log = logging.getLogger(__name__)

# A Twilio retry comes within seconds; remembering the last few message ids is enough.
REMEMBERED_IDS = 3
MAX_ATTEMPTS = 100
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
