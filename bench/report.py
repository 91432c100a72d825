"""The printed report: the table, the Redis and memory figures, and the targets (PASS or MISS)."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.callback_latency import CallbackLatency
from bench.driver import Tally
from bench.memory import STORED_STEPS, Memory
from bench.processes import ROOT
from bench.redis_count import RedisCount
from bench.throughput import LOPSIDED, Throughput

TARGET_FLOOR, TARGET_PLAIN, TARGET_P99_MS = 0.45, 1.3, 20.0
TARGET_RTT, TARGET_BYTES, TARGET_CB_P99_MS = 2.0, 300, 200


@dataclass
class Results:
    throughput: dict[str, Throughput] = field(default_factory=dict)
    redis: dict[str, RedisCount] = field(default_factory=dict)
    memory: dict[str, Memory] = field(default_factory=dict)
    callbacks: CallbackLatency = field(default_factory=CallbackLatency)
    callbacks_others: float = 0.0  # CPUs busy with other processes while call-backs were timed
    notes: list[str] = field(default_factory=list)
    elapsed: float = 0.0


def report(r: Results, args: argparse.Namespace, web_argv: list[str], redis_version: str) -> str:
    lines: list[str] = []
    out = lines.append
    out(f"hotline benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}, {r.elapsed:.0f} s")
    out(f"code: {code_version()}")
    out(f"machine: {machine()}; Python {platform.python_version()}; redis-server {redis_version}")
    out(f"gunicorn {' '.join(web_argv[3:-1])} (Procfile web line), every app; "
        f"{args.concurrency} connections; at least {args.seconds:g} s and {args.pairs} rounds "
        f"of {args.round:g} s per app, in turn; {args.numbers} numbers per kind; {args.params} "
        "form fields")  # fmt: skip
    out("")
    out(f"{'':19} {'app':8} {'requests':>8} {'rps':>7} {'p50':>6} {'p90':>6} {'p99':>6} "
        f"{'max':>7} {'errors':>6} {'vs floor':>8} {'lopsided':>8}  CPU us/webhook: "
        "gunicorn, Redis, client")  # fmt: skip
    for kind, th in r.throughput.items():
        for n, (name, t) in enumerate(th.tallies.items()):
            vs = 1.0 if name == "floor" else th.ratio(name, "floor").median
            out(f"{kind if n == 0 else '':19} {name:8} {t.timed:8d} {t.rps:7.0f} "
                f"{t.pct(.5):6.2f} {t.pct(.9):6.2f} {t.pct(.99):6.2f} {t.pct(1):7.2f} "
                f"{t.errors:6d} {vs:8.2f} {f'{t.lopsided}/{t.rounds}':>8}  "
                f"{t.per_webhook(t.app_cpu):>8.0f} {t.per_webhook(t.redis_cpu):5.0f} "
                f"{t.per_webhook(t.cpu):6.0f}")  # fmt: skip
    out("(latencies in ms; vs floor: the median over rounds of the app's rps over the floor's in "
        "the same turn; callback requests: the last webhook of SECOND, 6, 1, 1, which files the "
        "request; their rps counts those, CPU is per webhook of all four)")  # fmt: skip
    out(f"lopsided: rounds in which one gunicorn worker did more than {LOPSIDED:.0%} of the work "
        "(keep-alive connections stay where they were accepted)")  # fmt: skip
    out("")
    out("Ratios, round by round (median, spread over the pairs):")
    for kind, th in r.throughput.items():
        out(f"  {kind:19} hotline/floor {th.ratio('hotline', 'floor')}")
        if "plain" in th.tallies:
            out(f"  {'':19} hotline/plain {th.ratio('hotline', 'plain')}")
    others = [(k, th.others) for k, th in r.throughput.items()]
    others.append(("call-back latency", r.callbacks_others))
    out("other processes on the machine kept "
        + ", ".join(f"{v:.2f} CPUs busy during {k}" for k, v in others) + " (0: quiet)")  # fmt: skip
    out("")
    out("Redis per webhook (hotline only, nothing else talking to Redis; commands include those"
        " run inside Lua scripts; round trips = read events Redis served):")  # fmt: skip
    for kind, c in r.redis.items():
        detail = ", ".join(f"{k} {v:.2f}" for k, v in c.by_command.items())
        out(f"  {kind:19} {c.round_trips:5.2f} round trips, {c.commands:5.2f} commands "
            f"over {c.webhooks} webhooks ({detail})")  # fmt: skip
    out("")
    out(f"Redis memory per stored conversation ({STORED_STEPS} steps in; growth of INFO memory "
        "used_memory / conversations):")  # fmt: skip
    for kind, m in r.memory.items():
        k, v, usage = m.record_sizes
        out(f"  {kind:19} {m.per_record:6.0f} bytes each ({m.count} stored; the record "
            f"'{m.record}': key {k} B, value {v} B, MEMORY USAGE {usage} B, the rest is its "
            "expiry entry and hash table slots)")  # fmt: skip
        if m.extras:
            kept = ", ".join(
                f"'{name}' (a {type_}, MEMORY USAGE {size} B, "
                + (f"for {pttl / 1000:.0f} s)" if pttl > 0 else "without expiry)")
                for name, pttl, type_, size in m.extras
            )
            out(f"  {'':19} {m.per_person - m.per_record:+6.0f} bytes while the app also keeps "
                f"{kept}")  # fmt: skip
    cb = r.callbacks
    q, w = Tally(latencies=cb.to_queue), Tally(latencies=cb.webhook)
    out("")
    out(f"Callback request, webhook sent -> in the queue ({len(cb.to_queue)} requests, one at "
        f"a time, one idle RQ worker): p50 {q.pct(.5):.0f} ms, p99 {q.pct(.99):.0f} ms, "
        f"max {q.pct(1):.0f} ms (the webhook itself: p50 {w.pct(.5):.1f} ms)"
        + (f"; {cb.misses} never seen" if cb.misses else ""))  # fmt: skip
    out("")
    out("Targets:")
    for kind in ("SMS steps", "voice steps"):
        th = r.throughput[kind]
        ratio, p99 = th.ratio("hotline", "floor").median, th.tallies["hotline"].pct(0.99)
        out(target(f"{kind} throughput >= {TARGET_FLOOR} of floor", ratio >= TARGET_FLOOR,
                   f"{ratio:.2f} (median)"))  # fmt: skip
        if kind == "SMS steps":
            plain = th.ratio("hotline", "plain").median
            out(target(f"SMS step >= {TARGET_PLAIN}x the plain implementation",
                       plain >= TARGET_PLAIN, f"{plain:.2f} (median)"))  # fmt: skip
        out(target(f"{kind} p99 < {TARGET_P99_MS:g} ms", p99 < TARGET_P99_MS, f"{p99:.2f} ms"))
    errors = sum(th.tallies["hotline"].errors for th in r.throughput.values())
    out(target("zero errors", errors == 0, f"{errors}"))
    for kind in ("SMS steps", "voice steps"):
        trips = r.redis[kind].round_trips
        out(target(f"{kind} <= {TARGET_RTT:g} Redis round trips", trips <= TARGET_RTT + 0.005,
                   f"{trips:.2f}"))  # fmt: skip
    for kind, m in r.memory.items():
        out(target(f"<= {TARGET_BYTES} bytes per {kind[:-1]} (its record)",
                   m.per_record <= TARGET_BYTES, f"{m.per_record:.0f}"))  # fmt: skip
    p99 = q.pct(0.99)
    out(target(f"callback in queue p99 < {TARGET_CB_P99_MS} ms", p99 < TARGET_CB_P99_MS,
               f"{p99:.0f} ms"))  # fmt: skip
    lines += [f"note: {note}" for note in r.notes]
    return "\n".join(lines)


def target(what: str, met: bool, value: str) -> str:
    """A target line (a figure not measured, NaN, compares false: a MISS)."""
    return f"  {'PASS' if met else 'MISS'}  {what}: {value}"


def code_version() -> str:
    """The commit measured, and whether files other than bench/ had uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, timeout=10).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "--", ".", ":!bench"], cwd=ROOT,
                               text=True, capture_output=True, timeout=10).stdout.split("\n")  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    changed = [line[3:] for line in dirty if line.strip()]
    return f"commit {head or '?'}" + (
        f" with uncommitted changes to {', '.join(changed)}" if changed else ""
    )


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0))
    return f"{usable} CPUs usable (nproc), {model}, {platform.system()} {platform.release()}"
