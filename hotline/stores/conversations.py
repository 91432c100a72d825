"""ConversationStore: each conversation's state in Redis, advanced atomically, replays recognised.

One step costs two round trips: an MGET of the conversation and the keys kept beside it (the
durable opt-out flag of the channel, the person's check-in, and for WhatsApp the 24-hour
session, for a call the part last heard), and a compare-and-set script that saves the new state
(and those keys) only if nobody else saved first. A conversation is keyed by a keyed hash of the
phone number (or call id), never the number, with a Redis Cluster hash tag so that its keys
share a slot. Everything a conversation needs, its rate limit included, is in its one record of
about a hundred bytes (`stores/record.py`).
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import redis
from redis.cluster import RedisCluster

from flows.checkin import OFFER_LASTS, PENDING_LASTS, Stage
from flows.model import Channel, Outcome, State
from hotline.stores import keys
from hotline.stores.record import Record

# A Twilio retry comes within seconds; remembering the last few message ids is enough.
REMEMBERED_IDS = 3
MAX_ATTEMPTS = 100
SHORT_ID = 8  # characters an event or call id is kept in: a hash when the id is longer

# KEYS: the record, the opt-out flag, the check-in, and maybe one more key kept beside (see
# Beside). ARGV: expected record ('' = none), new record, ttl seconds, opt-out ('1' set, '0'
# clear, '' keep), check-in ('' keep, '-' delete, else the value), its ttl ('0' keeps the ttl it
# has), the value kept beside ('' leaves it), its ttl.
_SWAP = """
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then
  return {0, current, redis.call('EXISTS', KEYS[2]), redis.call('GET', KEYS[3]) or ''}
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
if ARGV[4] == '1' then redis.call('SET', KEYS[2], '1')
elseif ARGV[4] == '0' then redis.call('DEL', KEYS[2]) end
if ARGV[5] == '-' then redis.call('DEL', KEYS[3])
elseif ARGV[5] ~= '' and ARGV[6] == '0' then redis.call('SET', KEYS[3], ARGV[5], 'KEEPTTL')
elseif ARGV[5] ~= '' then redis.call('SET', KEYS[3], ARGV[5], 'EX', ARGV[6]) end
if KEYS[4] and ARGV[7] ~= '' then redis.call('SET', KEYS[4], ARGV[7], 'EX', ARGV[8]) end
return {1, '', 0, ''}
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


# KEYS: a check-in. ARGV: the prefix of its value it must have, the stage to replace it with.
_ASK = """
local held = redis.call('GET', KEYS[1]) or ''
if string.sub(held, 1, string.len(ARGV[1])) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2] .. string.sub(held, string.len(ARGV[1])), 'KEEPTTL')
return 1
"""


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


@dataclass(frozen=True)
class Beside:
    """One more key of the person's, read and saved with their conversation: what a new
    conversation takes from it (`start`) and what it holds after a step (`keep`, '' to leave it)."""

    key: str
    ttl: int
    start: Callable[[str], State] = lambda kept: State()
    keep: Callable[[State], str] = lambda state: ""


def texting(channel: Channel) -> Channel:
    """The channel a person is texted on: a caller by SMS."""
    return Channel.WHATSAPP if channel is Channel.WHATSAPP else Channel.SMS


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
        self._ask = connection.register_script(_ASK)

    def tag(self, who: str) -> str:
        """A keyed hash of a phone number or call id: stable, short, and not reversible."""
        return hashlib.blake2b(who.encode(), key=self._secret[:64], digest_size=10).hexdigest()

    def opted_out(self, tag: str, channel: Channel = Channel.SMS) -> bool:
        """Whether the person behind `tag` has opted out of texts on `channel` (a call's: SMS)."""
        return bool(self._redis.exists(keys.opt_out(tag, texting(channel).value)))

    def record_opt_out(self, tag: str, channel: Channel = Channel.SMS) -> None:
        """Remember an opt-out Twilio told us about (error 21610), until the person opts back in."""
        self._redis.set(keys.opt_out(tag, texting(channel).value), "1")

    def in_session(self, tag: str) -> bool:
        """Whether the person wrote on WhatsApp within 24 hours (free-form messages allowed)."""
        return bool(self._redis.exists(keys.whatsapp_session(tag)))

    def checkin(self, tag: str) -> tuple[Stage, str, Channel] | None:
        """The person's check-in: its stage, language and channel (None if there is none)."""
        return _checkin(_text(self._redis.get(keys.checkin(tag))))

    def offer_checkin(self, tag: str, lang: str, channel: Channel) -> bool:
        """Record a check-in offered by text (after a call back): False if one is open already."""
        offered = f"{Stage.OFFERED} {lang} {texting(channel).value}"
        return bool(self._redis.set(keys.checkin(tag), offered, nx=True, ex=OFFER_LASTS))

    def ask_checkin(self, tag: str) -> bool:
        """Move a pending check-in to asked, once: False if it is not pending (cancelled, sent)."""
        return bool(self._ask(keys=[keys.checkin(tag)], args=[f"{Stage.PENDING} ", Stage.ASKED]))

    def drop_checkin(self, tag: str) -> None:
        """Forget the person's check-in (it could not be sent, or its offer could not)."""
        self._redis.delete(keys.checkin(tag))

    def conversation_keys(
        self, conversation: str, who: str, channel: Channel = Channel.SMS
    ) -> list[str]:
        """The key of one of `who`'s conversations, their opt-out key on `channel`'s texts, and
        their check-in's key."""
        tag = self.tag(who)
        opt_out = keys.opt_out(tag, texting(channel).value)
        return [keys.conversation(tag, conversation), opt_out, keys.checkin(tag)]

    def advance(
        self,
        conversation: str,
        who: str,
        event_id: str,
        step: Callable[[State], Outcome],
        hand_off: Callable[[Outcome], None] = lambda outcome: None,
        rate_limit: int = 0,
        channel: Channel = Channel.SMS,
        beside: Beside | None = None,
    ) -> Advanced:
        """Apply `step` to the saved state and save the result, atomically; replay a known event.

        `who` is the phone number; `conversation` names one of their conversations: "sms" (SMS
        and WhatsApp alike), or `call_conversation(CallSid)` for a call; `channel` the channel
        of the event (its opt-outs are its own). `hand_off` queues an outcome's effects *before*
        its state is saved: if queueing fails, nothing is saved and the person can simply try
        again (effects carry deterministic ids, so a second hand-off of the same event is
        harmless). With a `rate_limit`, more than that many events a minute from `who` take no
        step (they are counted, so that the caller can answer the first of them only).
        """
        names = self.conversation_keys(conversation, who, channel)
        names += [beside.key] if beside else []
        raw, flag, checkin, *kept = self._redis.mget(names)
        opted_out, event = flag is not None, short_id(event_id)
        for _ in range(MAX_ATTEMPTS):
            held = _checkin(_text(checkin))
            stage = held[0].value if held else ""
            record = Record.decode(_text(raw), opted_out, stage)
            if not raw:  # a new conversation: from what is kept beside, in the check-in's language
                start = beside.start(_text(kept[0])) if beside else record.state
                lang = held[1] if held else start.lang
                start = replace(start, opted_out=opted_out, checkin=stage, lang=lang)
                record = replace(record, state=start)
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
            args: list[str | int] = [_text(raw), saved.encode(), self._ttl, new_flag]
            args += _checkin_change(record.state, outcome.state, channel)
            args += [beside.keep(outcome.state), beside.ttl] if beside else ["", 0]
            done, raw, exists, checkin = self._swap(keys=names, args=args)
            opted_out = bool(exists)
            if done:
                return Advanced(outcome, over_limit=over)
        raise StoreBusy(f"conversation {names[0]} kept changing")

    def load(self, conversation: str, who: str, channel: Channel = Channel.SMS) -> State:
        """The saved state of a conversation (a fresh one if there is none)."""
        names = self.conversation_keys(conversation, who, channel)
        raw, flag, checkin = self._redis.mget(names)
        return Record.decode(_text(raw), flag is not None, _stage(_text(checkin))).state


def _checkin(value: str) -> tuple[Stage, str, Channel] | None:
    """A check-in as its key holds it ("<stage> <lang> <channel>"); None if none or unreadable."""
    stage, lang, channel = [*value.split(" "), "", "", ""][:3]
    if stage not in {s.value for s in Stage if s} or channel not in {c.value for c in Channel}:
        return None
    return Stage(stage), lang, Channel(channel)


def _stage(value: str) -> str:
    found = _checkin(value)
    return found[0].value if found else ""


def _checkin_change(before: State, after: State, channel: Channel) -> list[str | int]:
    """The swap script's check-in arguments for a step from `before` to `after`."""
    if after.checkin == before.checkin:
        return ["", 0]
    if not after.checkin:
        return ["-", 0]
    ttl = {Stage.OFFERED: OFFER_LASTS, Stage.PENDING: PENDING_LASTS}.get(Stage(after.checkin), 0)
    return [f"{after.checkin} {after.lang} {texting(channel).value}", ttl]


def _replay(record: Record, event: str, step: Callable[[State], Outcome]) -> Advanced:
    """The same answer as the first time for the latest event; nothing for older ones."""
    if event == record.ids[-1] and record.before_last is not None:
        return Advanced(step(record.before_last), replayed=True)
    return Advanced(Outcome(record.state), replayed=True, stale=True)


def _text(raw: bytes | str | None) -> str:
    if raw is None:
        return ""
    return raw.decode() if isinstance(raw, bytes) else raw
