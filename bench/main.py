"""The benchmark from start to end: options, the servers, each measurement in turn, the report."""

from __future__ import annotations

import argparse
import math
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench import callback_latency, redis_count
from bench.driver import Conversations, Repeat
from bench.lab import Lab
from bench.memory import MemoryProbe
from bench.report import Results, report
from bench.throughput import alternate
from bench.webhooks import CALLBACK_SCRIPT, SMS_SCRIPT, Step

CALLBACK_WINDOW = 64  # callback conversations in progress at once (4 per connection)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="The hotline's "
                                     "benchmark (bench/README.md): prints figures and targets.")  # fmt: skip
    add = parser.add_argument
    add("--numbers", type=int, default=10000, help="distinct phone numbers per kind")
    add("--concurrency", type=int, default=16, help="client connections")
    add("--seconds", type=float, default=20.0, help="least measured seconds per app and kind")
    add("--round", type=float, default=1.0, help="seconds per round")
    add("--pairs", type=int, default=20, help="least rounds per app and kind (ratio pairs)")
    add("--conversations", type=int, default=100000, help="stored for the memory figure")
    add("--callbacks", type=int, default=300, help="call-back requests timed to the queue")
    add("--batch", type=int, default=2000, help="webhooks counted in Redis per kind")
    add("--params", choices=("twilio", "minimal"), default="twilio", help="form fields sent")
    args = parser.parse_args(argv)
    if not 0 < args.numbers <= 999999 or not 0 < args.conversations <= 999999:
        parser.error("--numbers and --conversations must be between 1 and 999999")
    if args.numbers < args.concurrency:
        parser.error("--numbers must be at least --concurrency")
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    return args


def run(lab: Lab) -> Results:
    a, signer, r = lab.args, lab.signer, Results()
    started = time.monotonic()
    voice_path = lab.dry_run()
    print(f"bench: storing {a.conversations} SMS conversations and {a.conversations} calls",
          flush=True)  # fmt: skip
    r.memory = MemoryProbe(lab, r.notes).measure(a.conversations, voice_path)

    print("bench: SMS steps (hotline, plain, floor)", flush=True)
    sms = signer.sms_conversations("sms", a.numbers, SMS_SCRIPT)
    r.throughput["SMS steps"] = alternate(lab, "SMS steps", [
        (lab.real, Conversations(sms)), (lab.plain, Conversations(sms)), (lab.floor, floor(sms)),
    ], r.notes)  # fmt: skip
    del sms
    n = max(a.concurrency, math.ceil(a.batch / len(SMS_SCRIPT)))
    batch = signer.sms_conversations("rtt", n, SMS_SCRIPT)
    r.redis["SMS steps"] = redis_count.count(lab, "SMS steps", batch, r.notes)

    print("bench: voice steps", flush=True)
    voice = signer.voice_conversations("voice", a.numbers, voice_path)
    r.throughput["voice steps"] = alternate(lab, "voice steps", [
        (lab.real, Conversations(voice)), (lab.floor, floor(voice)),
    ], r.notes)  # fmt: skip
    del voice
    n = max(a.concurrency, math.ceil(a.batch / len(voice_path)))
    batch = signer.voice_conversations("rtt", n, voice_path, offset=300000)
    r.redis["voice steps"] = redis_count.count(lab, "voice steps", batch, r.notes)

    print(f"bench: {a.callbacks} call-back requests to the queue, one idle RQ worker", flush=True)
    before = lab.watch.snapshot()
    r.callbacks = callback_latency.measure(lab, a.callbacks)
    r.callbacks_others = lab.watch.others(before, lab.watch.snapshot())

    print("bench: callback requests", flush=True)
    # Each number files one request and is done: twice as many, so as not to run out.
    count = min(2 * a.numbers, 999999)
    filings = signer.sms_conversations("callback", count, CALLBACK_SCRIPT, last_timed_only=True)
    r.throughput["callback requests"] = alternate(lab, "callback requests", [
        (lab.real, Conversations(filings, CALLBACK_WINDOW)), (lab.floor, floor(filings)),
    ], r.notes)  # fmt: skip
    del filings
    m = max(16, min(a.batch, 1000))  # the filing webhook only, after the three before it
    convs = signer.sms_conversations("rtt", m, CALLBACK_SCRIPT, offset=600000)
    lab.driver.round(lab.real, Conversations([c[:-1] for c in convs]), None)
    r.redis["callback (filing)"] = redis_count.count(
        lab, "callback (filing)", [c[-1:] for c in convs], r.notes
    )
    r.elapsed = time.monotonic() - started
    return r


def floor(conversations: list[list[Step]]) -> Repeat:
    """The floor keeps no state: every step of every conversation, over and over."""
    return Repeat([step for conv in conversations for step in conv])


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    folder = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    lab = Lab(folder, args)
    done = False
    try:
        print(f"bench: temp folder {folder}", flush=True)
        lab.start()
        print(f"bench: hotline on {lab.public}, plain on {lab.plain.port}, floor on "
              f"{lab.floor.port}, Redis {lab.hotline.settings.redis_url}", flush=True)  # fmt: skip
        results = run(lab)
        version = lab.hotline.redis.info("server")["redis_version"]
        print()
        print(report(results, args, lab.web_argv, version), flush=True)
        done = True
    finally:
        lab.stop()
        if done:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"bench: logs kept in {folder}", file=sys.stderr)
    return 0
