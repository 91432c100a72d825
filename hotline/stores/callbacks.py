"""CallbackQueue: call-back requests in Redis, filed once, claimed by one social worker at a time.

Each request is a hash (`keys.callback`); open ones are indexed in a sorted set by request
time, closed ones by closing time (for the purge); `keys.open_callback_of` points at a
person's open request so that asking again updates it, and `keys.callback_history` lists all
of a person's requests (by the keyed hash: no number is stored twice). Notes and recorded
outcomes are lists beside the request, only ever added to. Every change is one Lua script, so
two colleagues clicking at once, or a job that runs twice, cannot leave it half-done.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import redis

from hotline.stores import callback_scripts as scripts
from hotline.stores import keys
from hotline.stores.callback_request import (
    CallbackOutcome,
    CallbackRequest,
    Mention,
    Status,
    Tier,
    place,
    tier,
)
from hotline.stores.decode import text

__all__ = [  # the request's own types are imported from here too
    "AlreadyClaimed",
    "CallbackOutcome",
    "CallbackQueue",
    "CallbackRequest",
    "Filed",
    "Mention",
    "NotYours",
    "Status",
    "Tier",
    "UnknownRequest",
    "place",
    "tier",
]


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


# Urgent requests sort before every ordinary one (scores are request times, about 1.8e9).
URGENT_HEAD_START = 1e10
NOTE_MAX = 1000  # characters of one note


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
        self._schedule = connection.register_script(scripts.SCHEDULE)
        self._note = connection.register_script(scripts.NOTE)
        self._hand_over = connection.register_script(scripts.HAND_OVER)

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
            keys.callback_history(request.person),
        ]
        found, created, changed_from = self._file(keys=names, args=args)
        return Filed(text(found), bool(created), text(changed_from))

    def get(self, request_id: str) -> CallbackRequest | None:
        """One request, or None."""
        raw = self._redis.hgetall(keys.callback(request_id))
        return CallbackRequest.from_hash(raw) if raw else None

    def waiting(self, now: float) -> list[CallbackRequest]:
        """Every request not yet closed, in the queue's order (see `place`); those scheduled for
        later, then those to retry later, at the end."""
        ids = [text(i) for i in self._redis.zrange(keys.CALLBACKS_OPEN, 0, -1)]
        with self._redis.pipeline(transaction=False) as pipe:
            for request_id in ids:
                pipe.hgetall(keys.callback(request_id))
            found = [CallbackRequest.from_hash(raw) for raw in pipe.execute() if raw]
        return sorted(found, key=lambda r: place(r, now))

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
        self,
        request_id: str,
        user: str,
        outcome: CallbackOutcome,
        note: str,
        now: float,
        due: float = 0.0,
    ) -> CallbackRequest:
        """Record how the call went (and its note, as a note). No answer counts an attempt and
        reopens it, until the last: due at `due` if given, else retried after `retry_after`."""
        return self._change(request_id, user, now, outcome, note[:NOTE_MAX], due=due)

    def schedule(
        self, request_id: str, user: str, due: float, now: float, override: bool = False
    ) -> CallbackRequest:
        """Call back at `due`: the holder's claim ends and the queue leaves it out until then.

        Only its holder may, unless `override` (a supervisor)."""
        answer = self._schedule(
            keys=[keys.callback(request_id)], args=[user, now, int(override), due]
        )
        return self._after(request_id, answer)

    def add_note(
        self, request_id: str, user: str, note: str, now: float, override: bool = False
    ) -> CallbackRequest:
        """Add a note (never edited: a correction is a new note); its holder, or with `override`."""
        names = [keys.callback(request_id), keys.callback_notes(request_id)]
        answer = self._note(keys=names, args=[user, now, int(override), note[:NOTE_MAX]])
        return self._after(request_id, answer)

    def hand_over(self, request_id: str, to: str, now: float) -> tuple[CallbackRequest, str]:
        """Give `to` the claim on a request (a supervisor's hand-over); it and the holder before."""
        answer, holder = self._hand_over(
            keys=[keys.callback(request_id)], args=[to, now, now + self.lease_seconds]
        )
        return self._after(request_id, answer), text(holder)

    def purge(self, now: float) -> int:
        """Delete requests closed longer ago than `keep_closed`, with their notes and outcomes,
        and from their person's history; how many went."""
        cutoff = now - self.keep_closed
        old = [text(i) for i in self._redis.zrangebyscore(keys.CALLBACKS_CLOSED, "-inf", cutoff)]
        if not old:
            return 0
        with self._redis.pipeline(transaction=False) as pipe:
            for request_id in old:
                pipe.hget(keys.callback(request_id), "person")
            owners = [text(p) for p in pipe.execute()]
        with self._redis.pipeline() as pipe:
            for request_id, person in zip(old, owners, strict=True):
                pipe.delete(
                    keys.callback(request_id),
                    keys.callback_notes(request_id),
                    keys.callback_attempts(request_id),
                )
                if person:
                    pipe.zrem(keys.callback_history(person), request_id)
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
        due: float = 0.0,
    ) -> CallbackRequest:
        current = self.get(request_id)
        person = current.person if current else ""
        names = [
            keys.callback(request_id),
            keys.CALLBACKS_OPEN,
            keys.CALLBACKS_CLOSED,
            keys.open_callback_of(person),
            keys.callback_notes(request_id),
            keys.callback_attempts(request_id),
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
            due,
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
