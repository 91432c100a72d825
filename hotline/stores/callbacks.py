"""CallbackQueue: call-back requests in Redis, filed once, claimed by one social worker at a time.

Each request is a hash (`keys.callback`); open ones are indexed in a sorted set by request
time, closed ones by closing time (for the purge); `keys.open_callback_of` points at a
person's open request so that asking again updates it. Every change is one Lua script, so two
colleagues clicking at once, or a job that runs twice, cannot leave it half-done.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

import redis

from flows.model import Channel
from hotline.stores import callback_scripts as scripts
from hotline.stores import keys
from hotline.stores.decode import text


class Status(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    CLOSED = "closed"


class CallbackOutcome(StrEnum):
    """How a social worker's call back went."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"
    CLOSED = "closed"


class AlreadyClaimed(Exception):
    """A colleague holds this request."""


class NotYours(Exception):
    """A colleague holds a live claim on this request (or, to release it, nobody does)."""


class UnknownRequest(KeyError):
    """No such request (or it was purged)."""


@dataclass(frozen=True)
class Filed:
    """What filing did: the request now holding it, whether it is new, and the number it was to
    call before this filing changed it ('' if it did not)."""

    id: str
    created: bool
    changed_from: str = ""


@dataclass(frozen=True)
class CallbackRequest:
    """One person's request to be called back: only what a social worker needs."""

    id: str
    person: str  # keyed hash of the person's own number: finds their open request
    number: str  # the number to call
    channel: Channel
    lang: str
    topic: str
    window: str
    voicemail: bool
    urgent: bool
    requested_at: float
    updated_at: float
    text_to: str = ""  # the asker's own number, for texts about the request ('' if withheld)
    first_number: str = ""  # the number first asked for, when a later request changed it
    attempts: int = 0
    status: Status = Status.OPEN
    claimed_by: str = ""
    lease_until: float = 0.0
    outcome: CallbackOutcome | None = None
    note: str = ""
    closed_at: float = 0.0
    not_before: float = 0.0

    def age(self, now: float) -> float:
        """Seconds since the request was made."""
        return now - self.requested_at

    def held_by(self, now: float) -> str:
        """Who holds a live claim on it ('' if nobody: an expired lease returns it to the queue)."""
        return self.claimed_by if self.status is Status.CLAIMED and self.lease_until > now else ""

    @classmethod
    def from_hash(cls, raw: Mapping[Any, Any]) -> CallbackRequest:
        values = {text(k): text(v) for k, v in raw.items()}
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            value = values.get(f.name, "")
            if f.type == "bool":
                kwargs[f.name] = value == "1"
            elif f.type == "float":
                kwargs[f.name] = float(value or 0)
            elif f.type == "int":
                kwargs[f.name] = int(value or 0)
            elif f.type == "Status":
                kwargs[f.name] = Status(value or "open")
            elif f.type == "Channel":
                kwargs[f.name] = Channel(value or "sms")
            elif f.type == "CallbackOutcome | None":
                kwargs[f.name] = CallbackOutcome(value) if value else None
            else:
                kwargs[f.name] = value
        return cls(**kwargs)  # type: ignore[arg-type]


# Urgent requests sort before every ordinary one (scores are request times, about 1.8e9).
URGENT_HEAD_START = 1e10


class CallbackQueue:
    """The social workers' queue of call-back requests."""

    def __init__(
        self,
        connection: redis.Redis,
        lease_seconds: int = 900,
        retry_after: int = 3600,
        max_attempts: int = 3,
        keep_closed: int = 30 * 86400,
    ) -> None:
        self._redis = connection
        self.lease_seconds = lease_seconds
        self.retry_after = retry_after
        self.max_attempts = max_attempts
        self.keep_closed = keep_closed
        self._file = connection.register_script(scripts.FILE)
        self._claim = connection.register_script(scripts.CLAIM)
        self._close = connection.register_script(scripts.CLOSE)

    def file(self, filing_key: str, request: CallbackRequest, may_change: bool = True) -> Filed:
        """File `request` once per `filing_key`; a person's open request is updated, not doubled.

        An asker who may not change an open request (a caller ID that failed verification)
        leaves it as it is.
        """
        request_id = hashlib.sha256(filing_key.encode()).hexdigest()[:12]
        values = {**request.__dict__, "id": request_id, "status": Status.OPEN.value}
        args: list[str | float] = [request_id, _score(request), URGENT_HEAD_START]
        args += [keys.CALLBACK_PREFIX, "1" if may_change else "0"]
        for name, value in values.items():
            args += [name, _field(value)]
        names = [
            keys.callback(request_id),
            keys.open_callback_of(request.person),
            keys.CALLBACKS_OPEN,
        ]
        found, created, changed_from = self._file(keys=names, args=args)
        return Filed(text(found), bool(created), text(changed_from))

    def get(self, request_id: str) -> CallbackRequest | None:
        """One request, or None."""
        raw = self._redis.hgetall(keys.callback(request_id))
        return CallbackRequest.from_hash(raw) if raw else None

    def waiting(self, now: float) -> list[CallbackRequest]:
        """Open and claimed requests: urgent first, then oldest first; ones to retry later last."""
        ids = [text(i) for i in self._redis.zrange(keys.CALLBACKS_OPEN, 0, -1)]
        with self._redis.pipeline(transaction=False) as pipe:
            for request_id in ids:
                pipe.hgetall(keys.callback(request_id))
            found = [CallbackRequest.from_hash(raw) for raw in pipe.execute() if raw]
        return sorted(found, key=lambda r: (r.not_before > now, not r.urgent, r.requested_at))

    def count_waiting(self) -> int:
        """How many requests are not yet closed."""
        return int(self._redis.zcard(keys.CALLBACKS_OPEN))

    def claim(self, request_id: str, user: str, now: float) -> CallbackRequest:
        """Take a request for `now + lease`; exactly one of two colleagues clicking at once wins."""
        answer = self._claim(
            keys=[keys.callback(request_id)], args=[user, now, now + self.lease_seconds]
        )
        return self._after(request_id, answer)

    def release(self, request_id: str, user: str, now: float) -> CallbackRequest:
        """Put a claimed request back in the queue untouched."""
        return self._change(request_id, user, now, CallbackOutcome.CLOSED, "", release=True)

    def close(
        self, request_id: str, user: str, outcome: CallbackOutcome, note: str, now: float
    ) -> CallbackRequest:
        """Record how the call went. No answer counts an attempt and reopens it, until the last."""
        return self._change(request_id, user, now, outcome, note[:500])

    def purge(self, now: float) -> int:
        """Delete requests closed longer ago than `keep_closed`; how many went."""
        old = self._redis.zrangebyscore(keys.CALLBACKS_CLOSED, "-inf", now - self.keep_closed)
        if old:
            with self._redis.pipeline() as pipe:
                pipe.delete(*[keys.callback(text(i)) for i in old])
                pipe.zrem(keys.CALLBACKS_CLOSED, *old)
                pipe.execute()
        return len(old)

    def _change(
        self,
        request_id: str,
        user: str,
        now: float,
        outcome: CallbackOutcome,
        note: str,
        release: bool = False,
    ) -> CallbackRequest:
        current = self.get(request_id)
        person = current.person if current else ""
        names = [
            keys.callback(request_id),
            keys.CALLBACKS_OPEN,
            keys.CALLBACKS_CLOSED,
            keys.open_callback_of(person),
        ]
        args: list[str | float] = [
            user,
            now,
            outcome.value,
            note,
            self.retry_after,
            self.max_attempts,
            request_id,
            int(release),
        ]
        return self._after(request_id, self._close(keys=names, args=args))

    def _after(self, request_id: str, answer: Any) -> CallbackRequest:
        result = text(answer)
        if result == "taken":
            raise AlreadyClaimed(request_id)
        if result == "notyours":
            raise NotYours(request_id)
        found = self.get(request_id)
        if result == "gone" or found is None:
            raise UnknownRequest(request_id)
        return found


def _score(request: CallbackRequest) -> float:
    return request.requested_at - (URGENT_HEAD_START if request.urgent else 0)


def _field(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value.value if isinstance(value, StrEnum) else value)
