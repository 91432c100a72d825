"""Redis work per webhook: commands and round trips, from INFO before and after a batch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.driver import Conversations
from bench.lab import Lab
from bench.webhooks import Step


@dataclass(frozen=True)
class RedisCount:
    commands: float  # per webhook, those inside Lua scripts included
    round_trips: float  # per webhook: read events Redis served
    by_command: dict[str, float]  # per webhook, most first
    webhooks: int


def delta(before: dict[str, Any], after: dict[str, Any], webhooks: int) -> RedisCount:
    """The work between two `INFO stats commandstats`, the second INFO itself left out."""
    calls = {
        k[8:]: after[k]["calls"] - before.get(k, {}).get("calls", 0)
        for k in after
        if k.startswith("cmdstat_")
    }
    calls["info"] = calls.get("info", 0) - 1  # one INFO: one command, one read
    reads = after["total_reads_processed"] - before["total_reads_processed"] - 1
    per = max(webhooks, 1)
    by = {k: v / per for k, v in sorted(calls.items(), key=lambda kv: -kv[1]) if v}
    return RedisCount(sum(calls.values()) / per, reads / per, by, webhooks)


def count(lab: Lab, kind: str, conversations: list[list[Step]], notes: list[str]) -> RedisCount:
    """Every webhook of `conversations` to the hotline, nothing else talking to Redis."""
    conn = lab.hotline.redis
    before = conn.info("stats", "commandstats")
    tally = lab.driver.round(lab.real, Conversations(conversations), None)
    after = conn.info("stats", "commandstats")
    if tally.errors:
        notes.append(f"{kind}: {tally.errors} errors in the Redis counting batch; the first: "
                     f"{tally.first_error!r}")  # fmt: skip
    return delta(before, after, tally.webhooks)
