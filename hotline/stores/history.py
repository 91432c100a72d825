"""A request's notes and recorded outcomes, and the person's earlier requests with theirs.

Earlier requests are found by the person's keyed hash (`keys.callback_history`), never by a
number; what the purge deletes is gone from here too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import redis

from hotline.stores import keys
from hotline.stores.callback_request import CallbackOutcome, CallbackRequest
from hotline.stores.decode import text


@dataclass(frozen=True)
class Note:
    """A note, as written: never edited (a correction is a new note)."""

    at: float
    by: str
    text: str


@dataclass(frozen=True)
class Attempt:
    """A recorded outcome of a call back."""

    at: float
    by: str
    outcome: CallbackOutcome


@dataclass(frozen=True)
class Case:
    """A request with its notes and outcomes, newest first."""

    request: CallbackRequest
    notes: list[Note]
    attempts: list[Attempt]

    def as_dict(self) -> dict[str, object]:
        """For `--json`: the request's fields with its notes and attempts."""
        return {
            **self.request.__dict__,
            "notes": [n.__dict__ for n in self.notes],
            "attempts": [a.__dict__ for a in self.attempts],
        }


class CaseFiles:
    """Reads requests with their notes and outcomes, and a person's history."""

    def __init__(self, connection: redis.Redis) -> None:
        self._redis = connection

    def case(self, request_id: str) -> Case | None:
        """One request with its notes and outcomes, or None."""
        found = self._cases([request_id])
        return found[0] if found else None

    def history(self, request: CallbackRequest) -> list[Case]:
        """The person's other requests, newest first (earlier ones, and any later one)."""
        ids = [text(i) for i in self._redis.zrevrange(keys.callback_history(request.person), 0, -1)]
        return self._cases([i for i in ids if i != request.id])

    def _cases(self, ids: list[str]) -> list[Case]:
        with self._redis.pipeline(transaction=False) as pipe:
            for request_id in ids:
                pipe.hgetall(keys.callback(request_id))
                pipe.lrange(keys.callback_notes(request_id), 0, -1)
                pipe.lrange(keys.callback_attempts(request_id), 0, -1)
            found = pipe.execute()
        cases = []
        for raw, notes, attempts in zip(found[::3], found[1::3], found[2::3], strict=True):
            if raw:
                cases.append(
                    Case(
                        CallbackRequest.from_hash(raw),
                        [Note(**_entry(n)) for n in notes],
                        [
                            Attempt(
                                **{**_entry(a), "outcome": CallbackOutcome(_entry(a)["outcome"])}
                            )
                            for a in attempts
                        ],
                    )
                )
        return cases


def _attempt(entry: dict[str, Any]) -> Attempt:
    return Attempt(entry["at"], entry["by"], CallbackOutcome(entry["outcome"]))


def _entry(raw: Any) -> dict[str, Any]:
    entry: dict[str, Any] = json.loads(text(raw))
    return entry
