"""Throughput: rounds of each app in turn, and ratios as medians over the rounds' pairs."""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field

from bench.driver import Plan, Tally, Target
from bench.lab import Lab
from bench.processes import CpuWatch

LOPSIDED = 0.7  # a round where one gunicorn worker used more than this share of their CPU
WARMUP = 0.5  # seconds of one uncounted round per app first


@dataclass(frozen=True)
class Spread:
    """Per-round values (ratios of one app's rps to another's in the same turn)."""

    values: list[float]

    def quantile(self, q: float) -> float:
        """Linear interpolation between the closest ranks (q in 0..1)."""
        if not self.values:
            return math.nan
        ordered = sorted(self.values)
        at = q * (len(ordered) - 1)
        low = math.floor(at)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (at - low)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else math.nan

    def __str__(self) -> str:
        q = self.quantile
        return (f"{self.median:.2f} (min-max {q(0):.2f}-{q(1):.2f}, p10-p90 {q(.1):.2f}-{q(.9):.2f}, "
                f"IQR {q(.25):.2f}-{q(.75):.2f}; {len(self.values)} pairs)")  # fmt: skip


@dataclass
class Throughput:
    """One kind of webhook: each app's tally over its rounds, and the rps of every round."""

    kind: str
    tallies: dict[str, Tally] = field(default_factory=dict)
    rounds: dict[str, list[float]] = field(default_factory=dict)
    others: float = 0.0  # CPUs busy with other processes meanwhile

    def ratio(self, app: str, to: str) -> Spread:
        """`app`'s rps over `to`'s, round by round."""
        pairs = zip(self.rounds[app], self.rounds[to], strict=False)
        return Spread([a / b for a, b in pairs if b])


def alternate(
    lab: Lab, kind: str, plans: list[tuple[Target, Plan]], notes: list[str]
) -> Throughput:
    """Rounds of every app in turn (the order rotating) until each had --seconds and --pairs."""
    args = lab.args
    for target, plan in plans:
        lab.driver.round(target, plan, WARMUP)
    result = Throughput(kind, {t.name: Tally() for t, _ in plans}, {t.name: [] for t, _ in plans})
    before = lab.watch.snapshot()
    deadline = time.monotonic() + 4 * max(args.seconds, args.pairs * args.round) * len(plans) + 60
    turn = 0
    while turn < args.pairs or min(t.seconds for t in result.tallies.values()) < args.seconds:
        lab.children.check_alive()
        order = plans[turn % len(plans) :] + plans[: turn % len(plans)]
        for target, plan in order:
            tally = measured_round(lab, target, plan)
            result.tallies[target.name].add(tally)
            result.rounds[target.name].append(tally.rps)
        turn += 1
        if any(t.exhausted for t in result.tallies.values()):
            notes.append(f"{kind}: an app ran out of pre-built conversations after {turn} "
                         "rounds; raise --numbers or lower --round")  # fmt: skip
            break
        if time.monotonic() > deadline:
            notes.append(f"{kind}: stopped at the time limit after {turn} rounds")
            break
    result.others = CpuWatch.others(before, lab.watch.snapshot())
    for name, t in result.tallies.items():
        if t.errors:
            notes.append(f"{kind}, {name}: {t.errors} errors; the first: {t.first_error!r}")
    print(f"  {kind}: " + ", ".join(f"{n} {t.rps:.0f}/s" for n, t in result.tallies.items()),
          flush=True)  # fmt: skip
    return result


def measured_round(lab: Lab, target: Target, plan: Plan) -> Tally:
    """One round, its CPU, and whether it was lopsided (one gunicorn worker did most)."""
    watch = lab.watch
    before, redis_before = watch.workers(target.master), watch.cpu(lab.redis_pid)
    tally = lab.driver.round(target, plan, lab.args.round)
    after, redis_after = watch.workers(target.master), watch.cpu(lab.redis_pid)
    used = [after[p] - before[p] for p in after if p in before]
    tally.app_cpu, tally.redis_cpu = sum(used), redis_after - redis_before
    tally.rounds = 1
    if len(used) > 1 and sum(used) > 0 and max(used) / sum(used) > LOPSIDED:
        tally.lopsided = 1
    return tally
