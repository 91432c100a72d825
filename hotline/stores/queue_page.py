"""The queue as a social worker reads it: ordered, filtered, searched and paged in two round trips.

The first reads what ordering needs of every open request (one script); the second reads the
requests on the page and how each person's earlier requests went (one pipeline). No card
costs a round trip of its own, however long the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import redis

from hotline.stores import callback_scripts as scripts
from hotline.stores import keys
from hotline.stores.callback_request import CallbackOutcome, CallbackRequest, Tier, tier
from hotline.stores.decode import text

PAGE_SIZE = 50


@dataclass(frozen=True)
class Earlier:
    """A person's earlier requests at a glance: how many, how and when the last one ended."""

    count: int
    outcome: CallbackOutcome | None = None
    at: float = 0.0


@dataclass(frozen=True)
class Filters:
    """What a social worker asked to see."""

    langs: frozenset[str] = frozenset()  # these languages only (urgent requests always shown)
    search: str = ""  # a request id, or a number's last four digits
    later: bool = False  # the call backs scheduled for later, instead of the queue


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue, and the figures around it."""

    requests: list[CallbackRequest]
    earlier: dict[str, Earlier]  # by request id
    total: int  # requests that match (those scheduled for later left out, unless asked for)
    urgent: int  # of which urgent
    later: int  # scheduled for later, left out of the queue until due
    page: int
    pages: int


class _Row(NamedTuple):
    id: str
    urgent: bool
    soon: bool
    due_at: float
    not_before: float
    requested_at: float
    lang: str
    last_four: str


class QueueView:
    """Reads the queue, a page at a time."""

    def __init__(self, connection: redis.Redis) -> None:
        self._redis = connection
        self._rows = connection.register_script(scripts.ROWS)
        self._summary = connection.register_script(scripts.SUMMARY)

    def page(self, now: float, number: int = 1, filters: Filters = Filters()) -> QueuePage:
        """Page `number` (from 1) of the queue at `now`: urgent, treatment soon, scheduled ones
        now due, then oldest first; those to retry after no answer at the end."""
        found = text(self._rows(keys=[keys.CALLBACKS_OPEN], args=[keys.CALLBACK_PREFIX]))
        rows = [_row(line.split("\t")) for line in found.split("\n") if line]
        placed = [(tier(r.urgent, r.soon, r.due_at, r.not_before, now), r) for r in rows]
        later = sum(1 for t, _ in placed if t is Tier.LATER)
        shown = sorted(
            ((t, r) for t, r in placed if _matches(t, r, filters)),
            key=lambda tr: (
                tr[0],
                tr[1].due_at if tr[0] in (Tier.DUE, Tier.LATER) else tr[1].requested_at,
            ),
        )
        pages = max(1, -(-len(shown) // PAGE_SIZE))
        number = min(max(1, number), pages)
        ids = [r.id for _, r in shown[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]]
        requests, earlier = self._read(ids)
        urgent = sum(1 for _, r in shown if r.urgent)
        return QueuePage(requests, earlier, len(shown), urgent, later, number, pages)

    def earlier(self, ids: list[str]) -> dict[str, Earlier]:
        """How many requests each request's person made before it, and how the last one ended."""
        prefixes = [keys.CALLBACK_HISTORY_PREFIX, keys.CALLBACK_PREFIX]
        return _earlier(ids, self._summary(args=[*prefixes, *ids]) if ids else [])

    def _read(self, ids: list[str]) -> tuple[list[CallbackRequest], dict[str, Earlier]]:
        if not ids:
            return [], {}
        with self._redis.pipeline(transaction=False) as pipe:
            for request_id in ids:
                pipe.hgetall(keys.callback(request_id))
            prefixes = [keys.CALLBACK_HISTORY_PREFIX, keys.CALLBACK_PREFIX]
            self._summary(args=[*prefixes, *ids], client=pipe)
            *found, summaries = pipe.execute()
        requests = [CallbackRequest.from_hash(raw) for raw in found if raw]
        return requests, _earlier(ids, summaries)


def _earlier(ids: list[str], summaries: Any) -> dict[str, Earlier]:
    return {
        request_id: Earlier(int(count), _outcome(outcome), float(text(at) or 0))
        for request_id, (count, outcome, at) in zip(ids, summaries, strict=True)
    }


def _row(values: list[str]) -> _Row:
    return _Row(
        values[0], values[1] == "1", values[2] == "1", float(values[3] or 0),
        float(values[4] or 0), float(values[5] or 0), values[6], values[7],
    )  # fmt: skip


def _matches(found: Tier, r: _Row, filters: Filters) -> bool:
    """Whether a row is shown: a search finds any open request; else the tier and languages."""
    query = filters.search.strip().lower()
    if query:
        return r.last_four == query if query.isdigit() and len(query) == 4 else r.id == query
    if (found is Tier.LATER) != filters.later:
        return False
    return not filters.langs or r.lang in filters.langs or r.urgent


def _outcome(raw: Any) -> CallbackOutcome | None:
    value = text(raw)
    return CallbackOutcome(value) if value else None
