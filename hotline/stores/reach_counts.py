"""Counters for the reports of issue 16 (reaching people, check-ins): numbers, never people.

One Redis hash on the queue's Redis (`keys.REACH_COUNTS`), a field per "<what>:<lang>:<channel>"
(e.g. "checkin_answer_yes:es:whatsapp"), so that the reports' counters can fold them in. Nothing
here can point at a person: no tag, no number, no time finer than the whole.
"""

from __future__ import annotations

from collections.abc import Mapping

import redis

from flows.model import Channel
from hotline.stores import keys
from hotline.stores.decode import text


class ReachCounts:
    """Count what the hotline did to reach people, by language and channel."""

    def __init__(self, connection: redis.Redis) -> None:
        self._redis = connection

    def add(self, what: str, lang: str, channel: Channel) -> None:
        """Count one `what` (checkin_offered, checkin_sent, whatsapp_no_template_checkin, …)."""
        self._redis.hincrby(keys.REACH_COUNTS, f"{what}:{lang}:{channel.value}", 1)

    def figures(self) -> Mapping[str, int]:
        """Every count so far, by "<what>:<lang>:<channel>"."""
        return {text(k): int(v) for k, v in self._redis.hgetall(keys.REACH_COUNTS).items()}
