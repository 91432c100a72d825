"""The hotline's benchmark: a script that prints figures (not a timed test).

Run it from the repository root, with nothing else busy on the machine:

    .venv/bin/python bench/run.py                      # the defaults below, about 4 minutes
    .venv/bin/python bench/run.py --numbers 2000 --seconds 5 --conversations 20000 --callbacks 50

Options: --numbers 10000 (distinct phone numbers per kind; twice as many for call-back requests),
--concurrency 16 (connections),
--seconds 20 (measured seconds per app and kind), --round 1.0 (seconds per alternated round),
--conversations 100000 (stored for the memory figure), --callbacks 300 (call-back requests timed
to the queue), --batch 2000 (webhooks counted in Redis), --params twilio|minimal (the form fields
Twilio really sends, about 20 of them, or the 10 `hotline sms`/`hotline call` send).

What it does, all on loopback and stopping by itself (every child is killed on the way out; the
temporary folder with the servers' logs is removed after a complete run, kept otherwise):

- starts a private `redis-server` on a unix socket in a temporary folder (no persistence, as the
  tests run it), Twilio's API stand-in (`hotline.twilio_standin`) in this process, and two
  gunicorns from the Procfile's `web` line (same flags, bound to 127.0.0.1): the hotline
  (`hotline.web.app:create_app()`) and the floor (`bench/floor.py`, a bare Flask route returning
  constant TwiML, no signature check, no Redis);
- pre-builds correctly signed webhooks (Twilio's `RequestValidator.compute_signature` over
  PUBLIC_BASE_URL, path, query and every form field) for --numbers distinct numbers per kind:
  *SMS steps* (SECOND, 1, MORE, MORE, MENU, 2, MORE, MENU, 3, MORE), *voice steps* (POST
  /twilio/voice, then /twilio/voice/step?n=... with Digits 1 * 0 2 * 0 3 0 4, the `n` learned
  from a dry-run call), *callback requests* (SECOND, 6, 1, 1 by SMS: the last one files a call
  back request; only it is timed and counted);
- drives both apps from --concurrency threads, each with its own keep-alive connection
  (opened afresh every round) and pre-built raw HTTP/1.1 requests (latency from before the
  send to the last byte of the answer, `time.perf_counter`), alternating hotline and floor in
  --round rounds until each had --seconds, so that a noisy machine hits both alike. The
  threads take their next step from one line of conversations: SMS and voice keep every
  number's conversation in progress (each advances one step per pass, so a number's next step
  comes seconds later, well within the hotline's per-number rate limit), callback requests
  keep 64 in progress, a new number for each that finishes; a conversation never has two
  steps in flight. An error is anything but HTTP 200, a broken connection, an answer without
  its reply (`<Message>`, `<Gather>`), or the hotline's "not working right now" apology. No
  RQ worker runs during these rounds (jobs wait in Redis), so only the webhooks are measured.
  The floor answers the same requests;
- counts Redis work per webhook over a batch of about --batch webhooks of one kind (fresh
  conversations, hotline only, no worker, nothing else talking to Redis), from one
  `INFO stats commandstats` before and one after: *commands* is the growth of `cmdstat_*`
  calls, which counts commands run inside Lua scripts as well as the EVALSHA that ran them;
  *round trips* is the growth of `total_reads_processed`, the read events Redis served, i.e.
  requests a client sent and waited for (a pipeline counts once); the INFO itself is taken
  off both. For call-backs only the filing webhook (the fourth) is counted;
- stores --conversations voice calls, then as many SMS conversations, each three steps in
  (SMS: SECOND, 1, MORE, so three message ids remembered and the state before the last), and
  divides the growth of `INFO memory` `used_memory` by their number. The first 50 of each go
  through the real webhooks; for the others the benchmark writes, in pipelines, every key the
  app wrote under such a person's hash tag: the conversation record byte for byte with the
  app's TTL (SMS: the store's own `Record` encoding, checked against the 50; calls: the app's
  value, the same for every call at one point, since it holds step numbers, not ids), and any
  other key (a rate limiter, say) as a DUMP/RESTORE copy of the first person's. The figure
  judged is the record's; what other keys add while they live is printed below it, if any;
- times call-back requests from the moment their filing webhook is sent to the moment the
  request is in the social workers' queue (`CallbackQueue.count_waiting()`, polled every
  0.5 ms from a separate thread), one at a time, each sent only when the single RQ worker
  (the Procfile's `worker` line) is idle with nothing queued; 3 warm-up requests are not
  counted.

Reading the table: *vs floor* is the hotline's rps over the floor's in the same run;
*lopsided* counts rounds in which one gunicorn worker did more than 70% of the work
(a keep-alive connection stays with the worker that accepted it, so now and then one worker
gets most of the 16 and the round runs on about one core; it strikes both apps at random, and
the ratios without those rounds are printed too); *CPU us/webhook* is CPU time per webhook of
the app's gunicorn workers, of redis-server and of this client process (from /proc). The line
"other processes ... CPUs busy" says how much of the machine something else was using while a
kind ran (0.00: the machine was ours).

Targets (2-core machine, the benchmark and Redis sharing it): SMS and voice throughput at least
0.45 of the floor's in the same run; p99 under 20 ms at 16 connections; zero errors; at most 2
Redis round trips per SMS or voice step; at most 300 bytes of Redis memory per active
conversation; a call-back request in the queue within 200 ms (p99) of its webhook.
The script exits 0 whether or not they are met and prints PASS or MISS for each.

The last run (`.venv/bin/python bench/run.py`, the defaults), on a 2-vCPU AMD EPYC virtual
machine with nothing else running (see "other processes"), printed:

    hotline benchmark, 2026-11-25 03:10 UTC, 195 s
    code: commit 2c6f592
    machine: 2 CPUs usable (nproc), AMD EPYC, Linux 6.18.44-fc-v657; Python 3.11.7; redis-server 7.0.15
    gunicorn --bind 127.0.0.1:44973 --workers 5 --threads 1 --worker-class gthread (Procfile web line), both apps; 16 connections; 20 s per app in 1 s rounds, alternated; 10000 numbers per kind; twilio form fields

                        app      requests     rps    p50    p90    p99     max errors vs floor lopsided  CPU us/webhook: gunicorn, Redis, client
    SMS steps           hotline     52553    2606   5.23  11.50  18.21   70.60      0     0.40     2/20       606    61     53
                        floor      130120    6474   1.76   5.07   8.50  217.60      0     1.00     1/20       258     0     40
    voice steps         hotline     50898    2521   4.75  13.08  23.18   86.41      0     0.37     1/20       652    58     50
                        floor      136219    6788   1.81   4.65   8.93  133.65      0     1.00     1/20       248     0     37
    callback requests   hotline     10404     514   7.12  16.54  28.16   79.25      0     0.33     2/20       763    87     56
                        floor       31813    1581   2.10   4.93   8.70   93.66      0     1.00     1/20       261     0     41
    (latencies in ms; callback requests: the last webhook of SECOND, 6, 1, 1, which files the request; their rps counts those, CPU is per webhook of all four)
    lopsided: rounds in which one gunicorn worker did more than 70% of the work (keep-alive connections stay where they were accepted); without them the ratios are SMS steps 0.42, voice steps 0.37, callback requests 0.34
    other processes on the machine kept 0.01 CPUs busy during SMS steps, 0.01 CPUs busy during voice steps, 0.00 CPUs busy during call-back latency, 0.01 CPUs busy during callback requests (0: quiet)

    Redis per webhook (hotline only, nothing else talking to Redis; commands include those run inside Lua scripts; round trips = read events Redis served):
      SMS steps            2.00 round trips,  4.00 commands over 2000 webhooks (get 1.00, mget 1.00, set 1.00, evalsha 1.00)
      voice steps          2.00 round trips,  4.00 commands over 2000 webhooks (get 1.00, mget 1.00, set 1.00, evalsha 1.00)
      callback (filing)    5.00 round trips, 12.00 commands over 1000 webhooks (set 2.00, evalsha 2.00, get 1.00, mget 1.00, exec 1.00, multi 1.00, exists 1.00, hset 1.00, rpush 1.00, sadd 1.00)

    Redis memory per stored conversation (3 steps in; growth of INFO memory used_memory / conversations):
      voice calls            262 bytes each (100000 stored; the record 'voice:<CallSid>': key 45 B, value 91 B, MEMORY USAGE 200 B, the rest is its expiry entry and hash table slots)
      SMS conversations      277 bytes each (100000 stored; the record 'sms': key 34 B, value 118 B, MEMORY USAGE 216 B, the rest is its expiry entry and hash table slots)

    Callback request, webhook sent -> in the queue (300 requests, one at a time, one idle RQ worker): p50 67 ms, p99 112 ms, max 140 ms (the webhook itself: p50 2.3 ms)

    Targets:
      MISS  SMS steps throughput >= 0.45 of floor: 0.40
      PASS  SMS steps p99 < 20 ms: 18.21 ms
      MISS  voice steps throughput >= 0.45 of floor: 0.37
      MISS  voice steps p99 < 20 ms: 23.18 ms
      PASS  zero errors: 0
      PASS  SMS steps <= 2 Redis round trips: 2.00
      PASS  voice steps <= 2 Redis round trips: 2.00
      PASS  <= 300 bytes per voice call (its record): 262
      PASS  <= 300 bytes per SMS conversation (its record): 277
      PASS  callback in queue p99 < 200 ms: 112 ms

The run before it, at commit f9beaaf (before the last review fixes, none of them on a step's
usual path), printed SMS 0.42 of the floor, p99 20.95 ms; voice 0.38, p99 19.48 ms: the p99s
move by a few milliseconds from run to run.

What the profiles showed, and what was done (py-spy on the gunicorn workers during a run, with
--gil for CPU; cProfile on the app called in-process). The first full run, at commit 4756c76,
had SMS 0.30 of the floor (p99 25 ms), voice 0.24 (p99 23 ms), 373 and 310 bytes a
conversation, and a call-back in the queue at 195 ms (p99):

- Twilio's `RequestValidator.validate` computes the HMAC twice (with and without the port):
  `hotline.signature` now computes it once and calls `validate` only on a mismatch.
- Flask opened (and verified) a signed-cookie session on every webhook: not any more for
  /twilio/ (`SessionsButForWebhooks`).
- A log line for every step (about 45 us with the redacting formatter): now DEBUG.
- The rate limit was a Redis set per number (SADD, TTL, SCARD and 548 bytes for a minute):
  its count now lives in the conversation record, saved by the step's compare-and-set; the
  load is a plain MGET (4 commands a step instead of 9).
- The record kept three 34-character MessageSids and its answers twice: now 8-character
  hashes and answers once (212 -> 118 bytes; with the key and Redis's own overhead 373 -> 277).
- Safety phrases were split and every language's keyword lists merged on every step: cached.
- TwiML was built with ElementTree on every step (about 50 us for a voice answer): each
  answer is now built once and kept, but never one that repeats a number the person typed.
- gunicorn ran 2 processes of 4 threads; a thread back from Redis queued for the GIL: 5
  processes of one thread (docs/scaling.md has the comparison).

What is left, per SMS step, of about 570 us of gunicorn-worker CPU (floor: 250): gunicorn's
HTTP parsing and writing (as for the floor), Flask's request handling and werkzeug's form
parsing (about a fifth), the two redis-py calls (about an eighth, mostly its Python machinery),
the signature check, and the hotline's own engine and record (under a tenth). Reaching 0.45
would take leaving Flask or redis-py's client machinery for webhooks, which this project does
not want.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import itertools
import math
import os
import platform
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from flows.content import load_flows  # noqa: E402
from flows.engine import step as engine_step  # noqa: E402
from flows.model import Channel, Event  # noqa: E402
from hotline.dev.phone import Caller  # noqa: E402
from hotline.dev.twilio_standin import TwilioStandIn  # noqa: E402
from hotline.stores import keys  # noqa: E402
from hotline.stores.callbacks import CallbackQueue  # noqa: E402
from hotline.stores.conversations import REMEMBERED_IDS, ConversationStore, Record, short_id  # noqa: E402
from hotline.wiring import QUEUE  # noqa: E402

AUTH_TOKEN = "bench-auth-token-" + os.urandom(8).hex()
SECRET = "bench-secret-" + os.urandom(16).hex()
ACCOUNT_SID = "AC" + "0" * 32
HOTLINE_NUMBER = "+15005550006"
TTL = 86400  # the default CONVERSATION_TTL, which the app runs with here

SMS_SCRIPT = ["SECOND", "1", "MORE", "MORE", "MENU", "2", "MORE", "MENU", "3", "MORE"]
VOICE_KEYS = ["1", "*", "0", "2", "*", "0", "3", "0", "4"]
CALLBACK_SCRIPT = ["SECOND", "6", "1", "1"]
CALLBACK_WINDOW = 64  # callback conversations in progress at once (4 per connection)
STORED_STEPS = 3  # steps into a conversation for the memory figure
VERIFIED = 50  # stored conversations written by the app itself, and compared

# Phone number blocks (+1555 B xxxxxx), so that kinds never share a conversation.
BLOCKS = {"sms": 1, "voice": 2, "callback": 3, "latency": 4, "rtt": 5, "memsms": 6, "memvoice": 7,
          "dry": 8}  # fmt: skip

APOLOGIES = (b"not working right now", b"having a problem")  # the app's "unavailable" answers

LOPSIDED = 0.7  # a round where one gunicorn worker used more than this share of their CPU
TARGET_RATIO, TARGET_P99_MS, TARGET_RTT, TARGET_BYTES, TARGET_CB_P99_MS = 0.45, 20.0, 2.0, 300, 200


# ---------------------------------------------------------------------------------------------
# Processes


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    log: Path


class Children:
    """Every process this benchmark starts; all of them are stopped by `stop_all`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.children: list[Child] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        log = self.folder / f"{name}.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(
                argv, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        child = Child(name, process, log)
        self.children.append(child)
        return child

    def stop(self, child: Child) -> None:
        """SIGTERM the child's process group (its own session), then SIGKILL what is left."""
        if child not in self.children:
            return
        self.children.remove(child)
        pgid = child.process.pid
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            try:
                child.process.wait(timeout=wait)
                # the group may still hold forked helpers (an RQ work horse): make sure
                os.killpg(pgid, 0)
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
            time.sleep(0.2)

    def stop_all(self) -> None:
        for child in reversed(list(self.children)):
            self.stop(child)

    def check_alive(self) -> None:
        for child in self.children:
            if child.process.poll() is not None:
                tail = child.log.read_text(errors="replace")[-3000:]
                raise SystemExit(f"{child.name} exited ({child.process.returncode}):\n{tail}")


def _proc_stat(pid: str) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()  # state, ppid, pgrp, ..., utime [11], stime [12]


def _processes() -> Iterator[tuple[str, list[str]]]:
    """(pid, /proc/<pid>/stat fields after the name) of every process still there."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = _proc_stat(pid)
        except OSError:
            continue
        yield pid, fields


class CpuWatch:
    """CPU used by this benchmark's processes, and by everything else on the machine."""

    def __init__(self, children: Children) -> None:
        self.children = children
        self.tick = os.sysconf("SC_CLK_TCK")

    def ours(self) -> float:
        groups = {str(c.process.pid) for c in self.children.children}
        me = str(os.getpid())
        mine = [f for pid, f in _processes() if pid == me or f[2] in groups]
        # utime, stime, and those of reaped children (an RQ work horse)
        return sum(int(v) for f in mine for v in f[11:15]) / self.tick

    def workers(self, master: int) -> dict[str, float]:
        """CPU seconds of each process whose parent is `master` (a gunicorn's workers)."""
        return {
            pid: (int(fields[11]) + int(fields[12])) / self.tick
            for pid, fields in _processes()
            if fields[1] == str(master)
        }

    def cpu(self, pid: int) -> float:
        try:
            fields = _proc_stat(str(pid))
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / self.tick

    def busy(self) -> float:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:9]]
        return (sum(values) - values[3] - values[4]) / self.tick  # all but idle and iowait

    def snapshot(self) -> tuple[float, float, float]:
        return time.monotonic(), self.busy(), self.ours()

    @staticmethod
    def others(before: tuple[float, float, float], after: tuple[float, float, float]) -> float:
        """CPUs busy on average with processes that are not the benchmark's."""
        wall = after[0] - before[0]
        return max(0.0, (after[1] - before[1]) - (after[2] - before[2])) / wall if wall else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def procfile(kind: str) -> list[str]:
    """The Procfile's line for `kind`, split as a shell would (variables left as they are)."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == kind:
            return shlex.split(command.strip())
    raise SystemExit(f"no {kind!r} line in the Procfile")


def web_argv(port: int, app_spec: str | None = None) -> list[str]:
    """The Procfile's `web` command, bound to 127.0.0.1:`port`, optionally serving another app."""
    argv = procfile("web")
    if argv[0] != "gunicorn":
        raise SystemExit(f"the Procfile's web line does not start gunicorn: {argv}")
    out = [sys.executable, "-m", "gunicorn"]
    for arg in argv[1:]:
        if "${PORT" in arg or arg.startswith("0.0.0.0:"):
            arg = f"127.0.0.1:{port}"
        out.append(arg)
    if app_spec is not None:
        out[-1] = app_spec  # the last argument is the app
    return out


def worker_argv() -> list[str]:
    """The Procfile's `worker` command (it finds Redis from REDIS_URL in its environment)."""
    argv = procfile("worker")
    if argv[0] != "rq":
        raise SystemExit(f"the Procfile's worker line does not start rq: {argv}")
    return [sys.executable, "-m", "rq.cli", *argv[1:]]


def start_redis(children: Children, folder: Path) -> str:
    sock = folder / "redis.sock"
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise SystemExit("redis-server is not installed: run `bash .ci/setup`")
    argv = [binary, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
            "--dir", str(folder), "--save", "", "--appendonly", "no"]  # fmt: skip
    children.start("redis-server", argv, dict(os.environ))
    url = f"unix://{sock}"
    deadline = time.monotonic() + 15
    while True:
        try:
            redis.Redis.from_url(url).ping()
            return url
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                children.check_alive()
                raise
            time.sleep(0.02)


def wait_http(port: int, children: Children) -> None:
    """Until a gunicorn answers (any HTTP status) on `port`, for at most a minute."""
    deadline = time.monotonic() + 60
    while True:
        children.check_alive()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if s.recv(100).startswith(b"HTTP/1."):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"nothing answered on 127.0.0.1:{port}")
        time.sleep(0.1)


# ---------------------------------------------------------------------------------------------
# Requests


@dataclass(frozen=True)
class Step:
    """One pre-built webhook: the request line, then (after the Host line) headers and body."""

    line: bytes
    rest: bytes
    timed: bool = True
    expect: bytes = b""  # what the hotline's answer must contain (a reply, a <Gather>)


class Signer:
    def __init__(self, public_base_url: str, realistic: bool) -> None:
        self.base = public_base_url
        self.validator = RequestValidator(AUTH_TOKEN)
        self.realistic = realistic

    def build(
        self, path: str, params: dict[str, str], timed: bool = True, expect: bytes = b""
    ) -> Step:
        body = urlencode(params).encode()
        extra = "User-Agent: TwilioProxy/1.1\r\nAccept: */*\r\n" if self.realistic else ""
        signature = self.validator.compute_signature(self.base + path, params)
        head = (
            f"{extra}Content-Type: application/x-www-form-urlencoded\r\n"
            f"X-Twilio-Signature: {signature}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return Step(f"POST {path} HTTP/1.1\r\n".encode(), head.encode() + body, timed, expect)

    def sms_params(self, number: str, body: str, sid: str) -> dict[str, str]:
        if not self.realistic:  # what hotline.phone.Texter sends
            return {
                "MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID, "From": number,
                "To": HOTLINE_NUMBER, "Body": body, "NumMedia": "0", "NumSegments": "1",
                "SmsStatus": "received", "ApiVersion": "2010-04-01",
            }  # fmt: skip
        return {  # the fields of a real incoming-message webhook (no messaging service)
            "ToCountry": "US", "ToState": "NY", "SmsMessageSid": sid, "NumMedia": "0",
            "ToCity": "NEW YORK", "FromZip": "10001", "SmsSid": sid, "FromState": "NY",
            "SmsStatus": "received", "FromCity": "NEW YORK", "Body": body, "FromCountry": "US",
            "To": HOTLINE_NUMBER, "ToZip": "10001", "NumSegments": "1", "MessageSid": sid,
            "AccountSid": ACCOUNT_SID, "From": number, "ApiVersion": "2010-04-01",
        }  # fmt: skip

    def voice_params(self, number: str, call_sid: str, extra: dict[str, str]) -> dict[str, str]:
        base = {
            "CallSid": call_sid, "AccountSid": ACCOUNT_SID, "From": number, "To": HOTLINE_NUMBER,
            "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01",
        }  # fmt: skip
        if self.realistic:  # the fields of a real incoming-call webhook
            base |= {
                "Called": HOTLINE_NUMBER, "CalledCity": "NEW YORK", "CalledCountry": "US",
                "CalledState": "NY", "CalledZip": "10001", "Caller": number,
                "CallerCity": "NEW YORK", "CallerCountry": "US", "CallerState": "NY",
                "CallerZip": "10001", "FromCity": "NEW YORK", "FromCountry": "US",
                "FromState": "NY", "FromZip": "10001", "ToCity": "NEW YORK", "ToCountry": "US",
                "ToState": "NY", "ToZip": "10001",
            }  # fmt: skip
            if "Digits" in extra:
                base |= {"FinishedOnKey": "", "msg": "Gather End"}
        return base | extra


def _but_window_start(raw: bytes) -> tuple[Record, int]:
    """A conversation record, its rate window's start (the second it began) left out."""
    record = Record.decode(raw.decode(), False)
    return replace(record, window=(0, record.window[1])), len(raw)


def number(block: str, i: int) -> str:
    assert 0 <= i <= 999999
    return f"+1555{BLOCKS[block]}{i:06d}"


def new_sid(prefix: str) -> str:
    """A fresh Twilio id: "SM" for a message, "CA" for a call."""
    return prefix + os.urandom(16).hex()


def sms_conversations(signer: Signer, block: str, count: int, script: list[str],
                      timed_last_only: bool = False, offset: int = 0) -> list[list[Step]]:  # fmt: skip
    out = []
    for i in range(count):
        who = number(block, offset + i)
        out.append([signer.build("/twilio/sms", signer.sms_params(who, body, new_sid("SM")),
                                 k == len(script) - 1 or not timed_last_only, b"<Message")
                    for k, body in enumerate(script)])  # fmt: skip
    return out


def voice_conversations(signer: Signer, block: str, count: int,
                        path: list[tuple[str, dict[str, str]]], offset: int = 0) -> list[list[Step]]:  # fmt: skip
    out = []
    for i in range(count):
        who, sid = number(block, offset + i), new_sid("CA")
        out.append([signer.build(p, signer.voice_params(who, sid, extra), True, b"<Gather")
                    for p, extra in path])  # fmt: skip
    return out


# ---------------------------------------------------------------------------------------------
# The client


class Target:
    """One gunicorn: its port, its master's pid, and whether answers are checked for replies."""

    def __init__(self, port: int, check_apology: bool, master: int) -> None:
        self.master = master
        self.port = port
        self.host = f"Host: 127.0.0.1:{port}\r\n".encode()
        self.check_apology = check_apology

    def connect(self) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def request(self, step: Step) -> bytes:
        return step.line + self.host + step.rest


def exchange(sock: socket.socket, data: bytes) -> tuple[int, bytes, bool]:
    """Send one request, read one response: (status, body, server closes)."""
    sock.sendall(data)
    buf = sock.recv(65536)
    while b"\r\n\r\n" not in buf:
        more = sock.recv(65536)
        if not more:
            raise ConnectionError("closed before the headers")
        buf += more
    head, _, body = buf.partition(b"\r\n\r\n")
    lower = head.lower()
    at = lower.find(b"\r\ncontent-length:")
    if at < 0:
        raise ValueError("no Content-Length")
    end = lower.find(b"\r\n", at + 17)
    length = int(lower[at + 17 : end if end >= 0 else len(lower)])
    while len(body) < length:
        more = sock.recv(65536)
        if not more:
            raise ConnectionError("closed in the body")
        body += more
    return int(head[9:12]), body, b"\r\nconnection: close" in lower


@dataclass
class Tally:
    """What one app answered in one or more rounds."""

    latencies: list[float] = field(default_factory=list)  # seconds, timed requests only
    timed: int = 0
    webhooks: int = 0
    errors: int = 0
    seconds: float = 0.0
    exhausted: bool = False
    cpu: float = 0.0  # this process's CPU seconds while the rounds ran
    rounds: int = 0
    lopsided: int = 0  # rounds in which one gunicorn worker did most of the work
    even_timed: int = 0  # requests and seconds of the other rounds
    even_seconds: float = 0.0
    first_error: bytes = b""
    app_cpu: float = 0.0  # CPU seconds of the app's gunicorn workers, and of redis-server
    redis_cpu: float = 0.0

    def add(self, other: Tally) -> None:
        """Sums, but the first error and whether any thread ran out."""
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            setattr(self, f.name, a or b if isinstance(a, bytes | bool) else a + b)

    @property
    def rps(self) -> float:
        return self.timed / self.seconds if self.seconds else 0.0

    def per_webhook(self, seconds: float) -> float:
        return 1e6 * seconds / self.webhooks if self.webhooks else math.nan

    @property
    def even_rps(self) -> float:
        return self.even_timed / self.even_seconds if self.even_seconds else math.nan

    def pct(self, q: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000


class Driver:
    """--concurrency threads, each with its own keep-alive connection, driven a round at a time."""

    def __init__(self, concurrency: int) -> None:
        self.concurrency = concurrency
        self.pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="client")

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def round(self, target: Target, plan: Plan, seconds: float | None) -> Tally:
        """Every thread sends steps from `plan` for `seconds` (None: until it runs out)."""
        # Hundreds of thousands of pre-built requests live in this process: a full collection
        # would stall every client thread for a while, so none runs during a round.
        gc.collect()
        gc.freeze()
        gc.disable()
        try:
            barrier = threading.Barrier(self.concurrency + 1)
            stop = threading.Event()
            futures = [
                self.pool.submit(self._drive, target, plan, barrier, stop)
                for _ in range(self.concurrency)
            ]
            barrier.wait(timeout=30)
            cpu0 = time.process_time()
            start = time.perf_counter()
            if seconds is not None:
                time.sleep(seconds)
                stop.set()
            parts = [f.result(timeout=120) for f in futures]
            total = Tally(cpu=time.process_time() - cpu0)
            for part, _ in parts:
                total.add(part)
            total.seconds = max(end for _, end in parts) - start
            return total
        finally:
            gc.enable()

    @staticmethod
    def _drive(target: Target, plan: Plan, barrier: threading.Barrier,
               stop: threading.Event) -> tuple[Tally, float]:  # fmt: skip
        tally = Tally()
        perf = time.perf_counter
        host = target.host
        check = target.check_apology
        sock = target.connect()
        barrier.wait(timeout=30)
        try:
            while not stop.is_set():
                taken = plan.take()
                if taken is None:
                    tally.exhausted = True
                    break
                step, token = taken
                data = step.line + host + step.rest
                t0 = perf()
                try:
                    status, body, closing = exchange(sock, data)
                    ok = status == 200 and not (
                        check and (step.expect not in body or any(a in body for a in APOLOGIES))
                    )
                except (OSError, ValueError) as error:
                    ok, closing, status, body = False, True, 0, repr(error).encode()
                t1 = perf()
                plan.release(token)
                tally.webhooks += 1
                if step.timed:
                    tally.timed += 1
                    tally.latencies.append(t1 - t0)
                if not ok:
                    tally.errors += 1
                    tally.first_error = tally.first_error or b"%d %s" % (status, body[:200])
                if closing:
                    sock.close()
                    sock = target.connect()
            return tally, perf()
        finally:
            sock.close()


class Conversations:
    """Conversations that every client thread takes its next step from, one step at a time.

    `window` of them are in progress at once; a finished one makes room for the next. A
    conversation is out of the line while one of its steps is in flight, so its steps never
    overlap and keep their order, yet a thread that is served faster simply sends more.
    """

    def __init__(self, conversations: list[list[Step]], window: int) -> None:
        self.waiting = deque(conversations[window:])
        self.active = deque(iter(c) for c in conversations[:window])

    def take(self) -> tuple[Step, Iterator[Step]] | None:
        while True:
            try:
                current = self.active.popleft()  # deque operations are atomic in CPython
            except IndexError:
                return None
            step = next(current, None)
            if step is not None:
                return step, current
            with contextlib.suppress(IndexError):  # none left to start
                self.active.append(iter(self.waiting.popleft()))

    def release(self, token: Iterator[Step] | None) -> None:
        """The step taken with `token` was answered: its conversation goes back in line."""
        self.active.append(token)


class Repeat:
    """The same steps over and over, for the floor (which keeps no state)."""

    def __init__(self, steps: list[Step]) -> None:
        self.steps = itertools.cycle(steps)
        self.lock = threading.Lock()

    def take(self) -> tuple[Step, None]:
        with self.lock:
            return next(self.steps), None

    def release(self, token: None) -> None:
        pass


Plan = Conversations | Repeat


# ---------------------------------------------------------------------------------------------
# Redis accounting


def redis_delta(before: dict, after: dict, webhooks: int) -> tuple[float, float, dict[str, float]]:
    """(commands, round trips, commands by name, most first) per webhook between two INFOs."""
    calls = {
        k[8:]: after[k]["calls"] - before.get(k, {}).get("calls", 0)
        for k in after
        if k.startswith("cmdstat_")
    }
    calls["info"] = calls.get("info", 0) - 1  # one INFO: one command, one read
    reads = after["total_reads_processed"] - before["total_reads_processed"] - 1
    webhooks = max(webhooks, 1)
    per = {k: v / webhooks for k, v in sorted(calls.items(), key=lambda kv: -kv[1]) if v}
    return sum(calls.values()) / webhooks, reads / webhooks, per


class Batches:
    """Commands sent a thousand to a pipeline."""

    def __init__(self, conn: redis.Redis) -> None:
        self.pipe = conn.pipeline(transaction=False)

    def add(self, *command: object) -> None:
        self.pipe.execute_command(*command)
        if len(self.pipe) >= 1000:
            self.pipe.execute()

    def flush(self) -> None:
        self.pipe.execute()


@dataclass(frozen=True)
class Memory:
    """Redis memory for stored conversations."""

    per_record: float  # used_memory growth per conversation, records only
    per_person: float  # with every other key the app keeps for the person
    count: int
    record: str  # the record's key name after the person's tag
    record_sizes: tuple[int, int, int]  # key bytes, value bytes, MEMORY USAGE
    extras: list[tuple[str, int, str, int]]  # other keys: name, ttl ms, type, MEMORY USAGE


# ---------------------------------------------------------------------------------------------
# The benchmark


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.folder = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
        self.children = Children(self.folder)
        self.results: dict[str, tuple[Tally, Tally]] = {}
        self.redis_counts: dict[str, tuple[float, float, dict[str, float], int]] = {}
        self.memory: dict[str, Memory] = {}
        self.cb_latency: tuple[list[float], list[float], int] = ([], [], 0)
        self.notes: list[str] = []
        self.others: dict[str, float] = {}

    # -- setup ------------------------------------------------------------------------------

    def start(self) -> None:
        self.redis_url = start_redis(self.children, self.folder)
        self.redis_pid = self.children.children[-1].process.pid
        self.conn = redis.Redis.from_url(self.redis_url)
        self.standin = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN)
        standin_url = self.standin.start()
        real_port, floor_port = free_port(), free_port()
        self.public = f"http://127.0.0.1:{real_port}"
        unset = ("PORT", "PYTHONPATH", "CONVERSATION_TTL", "TRUST_PROXY", "STAFF_ALERT_NUMBERS")
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in unset},
            "REDIS_URL": self.redis_url, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "HOTLINE_SECRET": SECRET, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_PHONE_NUMBER": HOTLINE_NUMBER, "TWILIO_API_BASE_URL": standin_url,
            "PUBLIC_BASE_URL": self.public,
        }  # fmt: skip
        self.web_argv = web_argv(real_port)
        real_child = self.children.start("gunicorn-hotline", self.web_argv, self.env)
        floor_child = self.children.start(
            "gunicorn-floor", web_argv(floor_port, "floor:app"),
            {**self.env, "PYTHONPATH": str(BENCH)},
        )  # fmt: skip
        wait_http(real_port, self.children)
        wait_http(floor_port, self.children)
        self.real = Target(real_port, True, real_child.process.pid)
        self.floor = Target(floor_port, False, floor_child.process.pid)
        self.signer = Signer(self.public, self.args.params == "twilio")
        self.store = ConversationStore(self.conn, SECRET, TTL)
        self.driver = Driver(self.args.concurrency)
        self.watch = CpuWatch(self.children)

    def stop(self) -> None:
        if hasattr(self, "driver"):
            self.driver.close()
        self.children.stop_all()
        if hasattr(self, "standin"):
            self.standin.stop()

    def post(self, path: str, params: dict[str, str]) -> bytes:
        """One signed webhook to the hotline (setup and checks, not measured)."""
        with self.real.connect() as s:
            status, body, _ = exchange(s, self.real.request(self.signer.build(path, params)))
        if status != 200:
            raise SystemExit(f"the hotline answered HTTP {status} to {path}: {body[:300]!r}")
        return body

    def dry_run(self) -> None:
        """One conversation of each kind through the hotline: the voice path, and sanity checks."""

        def texts(i: int, script: list[str]) -> list[bytes]:
            who = number("dry", i)
            return [self.post("/twilio/sms", self.signer.sms_params(who, b, new_sid("SM")))
                    for b in script]  # fmt: skip

        replies = texts(0, SMS_SCRIPT)
        if any(b"Sorry, I didn" in r or b"<Message>" not in r for r in replies):
            raise SystemExit(f"the SMS script went off track: {replies}")
        replies = texts(1, CALLBACK_SCRIPT)
        if b"call back request is in" not in replies[-1]:
            raise SystemExit(f"the callback script did not file a request: {replies[-1]!r}")
        path: list[tuple[str, dict[str, str]]] = []

        def transport(p: str, params: dict[str, str]) -> bytes:
            extra = {k: v for k, v in params.items()
                     if k not in ("CallSid", "AccountSid", "From", "To", "Direction", "ApiVersion")}  # fmt: skip
            path.append((p, extra))
            return self.post(p, params)

        caller = Caller(transport, number("dry", 2))
        heard = caller.dial_in()
        for key in VOICE_KEYS:
            if not heard.waiting:
                raise SystemExit(f"the voice script went off track before {key!r}: {heard}")
            heard = caller.press(key)
        if len(path) != len(VOICE_KEYS) + 1:
            raise SystemExit(f"the voice script followed redirects: {path}")
        self.voice_path = path

    # -- memory -----------------------------------------------------------------------------

    def measure_memory(self) -> None:
        """--conversations calls, then as many SMS conversations, each three steps in.

        Each kind grows Redis's key tables itself (calls first: they keep no short-lived key).
        """
        n = self.args.conversations
        script = SMS_SCRIPT[:STORED_STEPS]
        sids = [[new_sid("SM") for _ in script] for _ in range(n)]
        texters = [number("memsms", i) for i in range(n)]
        # The store's own algorithm (ConversationStore.advance) without Redis: the new state, the
        # last message ids (short), the state before and the rate window (started now, three
        # messages in); checked against what the app wrote for the first ones.
        flows, raw = load_flows(), ""
        for body in script:
            record = Record.decode(raw, False)
            outcome = engine_step(flows, record.state, Event(Channel.SMS, text=body))
            state, before_last = outcome.state, record.state
            raw = Record(state, (), before_last).encode()

        started = int(time.time())

        def sms_record(i: int) -> str:
            ids = tuple(short_id(sid) for sid in sids[i][-REMEMBERED_IDS:])
            return Record(state, ids, before_last, (started, len(script))).encode()

        steps = self.voice_path[:STORED_STEPS]
        callers = [number("memvoice", i) for i in range(n)]
        calls = [new_sid("CA") for _ in range(n)]
        # A call's record holds its state and step numbers, no ids: the same for every call at
        # the same point of the same script, so the app's own value is copied.
        self.store_people(
            "voice calls", n, callers,
            lambda i: [(path, self.signer.voice_params(callers[i], calls[i], extra))
                       for path, extra in steps],
            lambda i: {"<CallSid>": short_id(calls[i])}, "voice:<CallSid>", None,
        )  # fmt: skip
        self.store_people(
            "SMS conversations", n, texters,
            lambda i: [("/twilio/sms", self.signer.sms_params(texters[i], body, sid))
                       for body, sid in zip(script, sids[i], strict=True)],
            lambda i: {}, "sms", sms_record,
        )  # fmt: skip

    def store_people(
        self,
        kind: str,
        n: int,
        who: list[str],
        requests: Callable[[int], list[tuple[str, dict[str, str]]]],
        names: Callable[[int], dict[str, str]],
        conversation: str,
        computed: Callable[[int], str] | None,
    ) -> None:
        """Store the conversations of `n` people (`who`), and Redis memory before and after.

        The first VERIFIED go through the app's webhooks; the others get every key the app wrote
        under such a person's hash tag: the record (`conversation`) as `computed(i)`, checked
        against the app's, or (None) as the app's own value, which must then be the same for
        everyone; any other key as a DUMP/RESTORE copy of the first person's, remaining TTL
        included. `names(i)` maps placeholders in key names to person i's values (a CallSid).
        Memory is read after the records and again after the other keys, which are then deleted
        (short-lived ones would otherwise expire under the next measurement).
        """
        verified = min(VERIFIED, n)
        before, keys_before = self.used_memory(), self.conn.dbsize()
        for i in range(verified):
            for path, params in requests(i):
                self.post(path, params)
        templates: dict[str, tuple[bytes, int]] = {}
        for i in range(verified):
            found = self.person_keys(who[i], names(i), conversation)
            templates = templates or found
            if set(found) != set(templates):
                raise SystemExit(f"{kind}: the app wrote keys {sorted(found)} for one person "
                                 f"and {sorted(templates)} for another")  # fmt: skip
            value, pttl = found.get(conversation, (b"", 0))
            if computed is not None:
                if _but_window_start(value) != _but_window_start(computed(i).encode()) or not (
                    (TTL - 60) * 1000 < pttl <= TTL * 1000
                ):
                    raise SystemExit(f"{kind}: the app wrote {value!r} (ttl {pttl} ms), the "
                                     f"benchmark would write {computed(i)!r}")  # fmt: skip
            elif value != templates[conversation][0]:
                raise SystemExit(f"{kind}: records differ between people: {value!r} vs "
                                 f"{templates[conversation][0]!r}")  # fmt: skip
        if conversation not in templates:
            raise SystemExit(f"{kind}: the app wrote no {conversation!r} key: {sorted(templates)}")
        grown = self.conn.dbsize() - keys_before
        if grown != verified * len(templates):
            self.notes.append(f"{kind}: the app wrote {grown} keys for {verified} people, not "
                              f"{len(templates)} each under their hash tag")  # fmt: skip

        def key(i: int, suffix: str) -> str:
            for placeholder, value in names(i).items():
                suffix = suffix.replace(placeholder, value)
            return keys.of_person(self.store.tag(who[i]), suffix)

        shared_value = templates[conversation][0]
        pipe = Batches(self.conn)
        for i in range(verified, n):
            pipe.add("SET", key(i, conversation), computed(i) if computed else shared_value,
                     "PX", TTL * 1000)  # fmt: skip
        pipe.flush()
        middle = self.used_memory()
        others = {s: v for s, v in templates.items() if s != conversation}
        for i in range(verified, n):
            for suffix, (dump, pttl) in others.items():
                pipe.add("RESTORE", key(i, suffix), max(pttl, 0), dump)
        pipe.flush()
        after = self.used_memory()

        def usage(suffix: str) -> int:
            return self.conn.memory_usage(key(0, suffix), samples=0) or 0

        extras = [(s, pttl, self.conn.type(key(0, s)).decode(), usage(s))
                  for s, (_, pttl) in sorted(others.items())]  # fmt: skip
        record = key(0, conversation)
        self.memory[kind] = Memory((middle - before) / n, (after - before) / n, n, conversation,
                                   (len(record), self.conn.strlen(record), usage(conversation)),
                                   extras)  # fmt: skip
        for suffix in others:
            for i in range(n):
                pipe.add("DEL", key(i, suffix))
        pipe.flush()

    def person_keys(
        self, who: str, names: dict[str, str], conversation: str
    ) -> dict[str, tuple[bytes, int]]:
        """{key name after the person's tag, placeholders put back: (value, PTTL)}.

        The value is the string itself for the conversation record, a DUMP for any other key.
        """
        prefix = keys.of_person(self.store.tag(who), "")
        found = {}
        for raw in self.conn.scan_iter(match=prefix + "*", count=10000):
            full = raw.decode()
            suffix = full[len(prefix) :]
            for placeholder, value in names.items():
                suffix = suffix.replace(value, placeholder)
            if suffix == conversation:
                if self.conn.type(full) != b"string":
                    raise SystemExit(f"the app keeps {full} as a {self.conn.type(full)!r}")
                found[suffix] = (self.conn.get(full), self.conn.pttl(full))
            else:
                found[suffix] = (self.conn.dump(full), self.conn.pttl(full))
        return found

    def used_memory(self) -> int:
        time.sleep(1.0)  # let Redis finish rehashing a grown key table (a cron job) first
        return self.conn.info("memory")["used_memory"]

    # -- throughput -------------------------------------------------------------------------

    def throughput(self, kind: str, conversations: list[list[Step]], window: int | None) -> None:
        """Alternated rounds of the hotline and the floor until each had --seconds.

        `window` conversations in progress at once (None: all of them).
        """
        real_plans = Conversations(conversations, window or len(conversations))
        floor_plans = Repeat([step for conv in conversations for step in conv])
        # warm-up: one short round each, not counted
        self.driver.round(self.real, real_plans, 0.5)
        self.driver.round(self.floor, floor_plans, 0.5)
        real, floor = Tally(), Tally()
        before = self.watch.snapshot()
        deadline = time.monotonic() + 4 * self.args.seconds + 60
        while real.seconds < self.args.seconds or floor.seconds < self.args.seconds:
            self.children.check_alive()
            if real.seconds < self.args.seconds:
                real.add(self.measured_round(self.real, real_plans))
            if floor.seconds < self.args.seconds:
                floor.add(self.measured_round(self.floor, floor_plans))
            if real.exhausted:  # a thread ran out of conversations: stop both here
                self.notes.append(f"{kind}: the hotline ran out of pre-built conversations after "
                                  f"{real.seconds:.1f} s; raise --numbers")  # fmt: skip
                break
            if time.monotonic() > deadline:
                self.notes.append(f"{kind}: stopped at the time limit")
                break
        self.others[kind] = CpuWatch.others(before, self.watch.snapshot())
        self.results[kind] = (real, floor)
        for name, t in (("hotline", real), ("floor", floor)):
            if t.errors:
                self.notes.append(
                    f"{kind}, {name}: {t.errors} errors; the first: {t.first_error!r}"
                )
        print(f"  {kind}: hotline {real.rps:.0f}/s, floor {floor.rps:.0f}/s", flush=True)

    def measured_round(self, target: Target, plans: Plan) -> Tally:
        """One round, its CPU, and whether it was lopsided (one gunicorn worker did most)."""
        before, redis_before = self.watch.workers(target.master), self.watch.cpu(self.redis_pid)
        tally = self.driver.round(target, plans, self.args.round)
        after, redis_after = self.watch.workers(target.master), self.watch.cpu(self.redis_pid)
        used = [after[p] - before[p] for p in after if p in before]
        tally.app_cpu, tally.redis_cpu = sum(used), redis_after - redis_before
        tally.rounds = 1
        if len(used) > 1 and sum(used) > 0 and max(used) / sum(used) > LOPSIDED:
            tally.lopsided = 1
        else:
            tally.even_timed, tally.even_seconds = tally.timed, tally.seconds
        return tally

    def count_redis(self, kind: str, conversations: list[list[Step]]) -> None:
        """Redis commands and round trips over every webhook of `conversations`."""
        before = self.conn.info("stats", "commandstats")
        tally = self.driver.round(self.real, Conversations(conversations, len(conversations)), None)
        after = self.conn.info("stats", "commandstats")
        commands, trips, per = redis_delta(before, after, tally.webhooks)
        self.redis_counts[kind] = (commands, trips, per, tally.webhooks)
        if tally.errors:
            self.notes.append(f"{kind}: {tally.errors} errors in the Redis counting batch; the "
                              f"first: {tally.first_error!r}")  # fmt: skip

    # -- callback latency -------------------------------------------------------------------

    def callback_latency(self) -> None:
        from rq import Queue, Worker
        from rq.registry import StartedJobRegistry
        from rq.serializers import JSONSerializer

        worker = self.children.start("rq-worker", worker_argv(), self.env)
        queue = Queue(QUEUE, connection=self.conn, serializer=JSONSerializer)
        started = StartedJobRegistry(queue=queue)

        def idle(seconds: float) -> bool:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                self.children.check_alive()
                workers = Worker.all(connection=self.conn)
                if (workers and all(w.get_state() == "idle" for w in workers)
                        and queue.count == 0 and started.count == 0):  # fmt: skip
                    return True
                time.sleep(0.005)
            return False

        if not idle(60):
            raise SystemExit("the RQ worker did not become idle")
        waiting = CallbackQueue(redis.Redis.from_url(self.redis_url))
        seen: list[tuple[int, float]] = []  # (count, first time seen)
        changed = threading.Condition()
        done = threading.Event()

        def poll() -> None:
            last = None
            while not done.is_set():
                count = waiting.count_waiting()
                if count != last:
                    now = time.perf_counter()
                    with changed:
                        seen.append((count, now))
                        changed.notify_all()
                    last = count
                time.sleep(0.0005)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        watched = self.watch.snapshot()
        warmup = 3
        total = self.args.callbacks + warmup
        convs = sms_conversations(self.signer, "latency", total, CALLBACK_SCRIPT)
        to_queue: list[float] = []
        webhook: list[float] = []
        misses = 0
        try:
            with changed:
                changed.wait_for(lambda: seen, timeout=5)
            for i, conv in enumerate(convs):
                with self.real.connect() as s:
                    for step in conv[:-1]:
                        exchange(s, self.real.request(step))
                if not idle(10):
                    raise SystemExit("the RQ worker stayed busy")
                with changed:
                    base = seen[-1][0]
                with self.real.connect() as s:
                    t0 = time.perf_counter()
                    status, body, _ = exchange(s, self.real.request(conv[-1]))
                    t1 = time.perf_counter()
                if status != 200 or b"call back request is in" not in body:
                    raise SystemExit(f"callback webhook failed: {status} {body[:200]!r}")
                with changed:
                    ok = changed.wait_for(lambda b=base: seen[-1][0] > b, timeout=5)
                    visible = next((t for c, t in seen if c > base), math.nan)
                if not ok:
                    misses += 1
                    if misses >= 3:
                        raise SystemExit("call-back requests do not reach the queue")
                    continue
                if i >= warmup:
                    to_queue.append(visible - t0)
                    webhook.append(t1 - t0)
            self.cb_latency = (to_queue, webhook, misses)
        finally:
            done.set()
            poller.join(timeout=5)
            self.others["call-back latency"] = CpuWatch.others(watched, self.watch.snapshot())
            self.children.stop(worker)

    # -- all of it --------------------------------------------------------------------------

    def run(self) -> None:
        a = self.args
        t_start = time.monotonic()
        print(f"bench: temp folder {self.folder}", flush=True)
        self.start()
        print(f"bench: hotline on {self.public}, floor on 127.0.0.1:{self.floor.port}, "
              f"Redis {self.redis_url}", flush=True)  # fmt: skip
        self.dry_run()
        print(f"bench: storing {a.conversations} SMS conversations and {a.conversations} calls",
              flush=True)  # fmt: skip
        self.measure_memory()

        print("bench: SMS steps", flush=True)
        sms = sms_conversations(self.signer, "sms", a.numbers, SMS_SCRIPT)
        self.throughput("SMS steps", sms, None)
        del sms
        n = max(a.concurrency, math.ceil(a.batch / len(SMS_SCRIPT)))
        self.count_redis("SMS steps", sms_conversations(self.signer, "rtt", n, SMS_SCRIPT))

        print("bench: voice steps", flush=True)
        voice = voice_conversations(self.signer, "voice", a.numbers, self.voice_path)
        self.throughput("voice steps", voice, None)
        del voice
        n = max(a.concurrency, math.ceil(a.batch / len(self.voice_path)))
        self.count_redis(
            "voice steps", voice_conversations(self.signer, "rtt", n, self.voice_path, 300000)
        )

        print(f"bench: {a.callbacks} call-back requests to the queue, one idle RQ worker",
              flush=True)  # fmt: skip
        self.callback_latency()

        print("bench: callback requests", flush=True)
        # Each number files one request and is done: twice as many, so as not to run out.
        count = min(2 * a.numbers, 999999)
        callbacks = sms_conversations(self.signer, "callback", count, CALLBACK_SCRIPT, True)
        self.throughput("callback requests", callbacks, CALLBACK_WINDOW)
        del callbacks
        m = max(16, min(a.batch, 1000))  # the filing webhook only, after the three before it
        convs = sms_conversations(self.signer, "rtt", m, CALLBACK_SCRIPT, offset=600000)
        self.driver.round(self.real, Conversations([c[:-1] for c in convs], m), None)
        self.count_redis("callback (filing)", [c[-1:] for c in convs])
        self.elapsed = time.monotonic() - t_start

    # -- report -----------------------------------------------------------------------------

    def report(self) -> str:
        a = self.args
        lines: list[str] = []
        out = lines.append
        info = self.conn.info("server")
        out(f"hotline benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}, {self.elapsed:.0f} s")
        out(f"code: {code_version()}")
        out(f"machine: {machine()}; Python {platform.python_version()}; "
            f"redis-server {info['redis_version']}")  # fmt: skip
        web = " ".join(self.web_argv[3:-1])
        out(f"gunicorn {web} (Procfile web line), both apps; {a.concurrency} connections; "
            f"{a.seconds:g} s per app in {a.round:g} s rounds, alternated; {a.numbers} numbers "
            f"per kind; {a.params} form fields")  # fmt: skip
        out("")
        out(f"{'':19} {'app':8} {'requests':>8} {'rps':>7} {'p50':>6} {'p90':>6} {'p99':>6} "
            f"{'max':>7} {'errors':>6} {'vs floor':>8} {'lopsided':>8}  CPU us/webhook: "
            "gunicorn, Redis, client")  # fmt: skip
        for kind, (real, floor) in self.results.items():
            for label, name, t, vs in (
                (kind, "hotline", real, ratio(real.rps, floor.rps)),
                ("", "floor", floor, 1),
            ):
                out(f"{label:19} {name:8} {t.timed:8d} {t.rps:7.0f} {t.pct(.5):6.2f} "
                    f"{t.pct(.9):6.2f} {t.pct(.99):6.2f} {t.pct(1):7.2f} {t.errors:6d} {vs:8.2f} "
                    f"{f'{t.lopsided}/{t.rounds}':>8}  {t.per_webhook(t.app_cpu):>8.0f} "
                    f"{t.per_webhook(t.redis_cpu):5.0f} {t.per_webhook(t.cpu):6.0f}")  # fmt: skip
        out("(latencies in ms; callback requests: the last webhook of SECOND, 6, 1, 1, which files "
            "the request; their rps counts those, CPU is per webhook of all four)")  # fmt: skip
        out(f"lopsided: rounds in which one gunicorn worker did more than {LOPSIDED:.0%} of "
            "the work (keep-alive connections stay where they were accepted); without them the "
            "ratios are " + ", ".join(f"{k} {fraction(r.even_rps, f.even_rps)}"
                                      for k, (r, f) in self.results.items()))  # fmt: skip
        out("other processes on the machine kept " + ", ".join(
            f"{v:.2f} CPUs busy during {k}" for k, v in self.others.items()) + " (0: quiet)")  # fmt: skip
        out("")
        out("Redis per webhook (hotline only, nothing else talking to Redis; commands include those"
            " run inside Lua scripts; round trips = read events Redis served):")  # fmt: skip
        for kind, (commands, trips, per, n) in self.redis_counts.items():
            detail = ", ".join(f"{k} {v:.2f}" for k, v in per.items())
            out(f"  {kind:19} {trips:5.2f} round trips, {commands:5.2f} commands "
                f"over {n} webhooks ({detail})")  # fmt: skip
        out("")
        out(f"Redis memory per stored conversation ({STORED_STEPS} steps in; growth of INFO memory "
            "used_memory / conversations):")  # fmt: skip
        for kind, m in self.memory.items():
            k, v, usage = m.record_sizes
            out(f"  {kind:19} {m.per_record:6.0f} bytes each ({m.count} stored; the record "
                f"'{m.record}': key {k} B, value {v} B, MEMORY USAGE {usage} B, the rest is its "
                "expiry entry and hash table slots)")  # fmt: skip
            if m.extras:
                kept = ", ".join(
                    f"'{name}' (a {type_}, MEMORY USAGE {usage} B, "
                    + (f"for {pttl / 1000:.0f} s)" if pttl > 0 else "without expiry)")
                    for name, pttl, type_, usage in m.extras
                )
                out(f"  {'':19} {m.per_person - m.per_record:+6.0f} bytes while the app also keeps "
                    f"{kept}")  # fmt: skip
        to_queue, webhook, misses = self.cb_latency
        q, w = Tally(latencies=to_queue), Tally(latencies=webhook)
        out("")
        out(f"Callback request, webhook sent -> in the queue ({len(to_queue)} requests, one at "
            f"a time, one idle RQ worker): p50 {q.pct(.5):.0f} ms, p99 {q.pct(.99):.0f} ms, "
            f"max {q.pct(1):.0f} ms (the webhook itself: p50 {w.pct(.5):.1f} ms)"
            + (f"; {misses} never seen" if misses else ""))  # fmt: skip
        out("")
        out("Targets:")
        for kind in ("SMS steps", "voice steps"):
            real, floor = self.results[kind]
            r, p99 = ratio(real.rps, floor.rps), real.pct(0.99)
            out(target(f"{kind} throughput >= {TARGET_RATIO} of floor", r >= TARGET_RATIO,
                       f"{r:.2f}"))  # fmt: skip
            out(target(f"{kind} p99 < {TARGET_P99_MS:g} ms", p99 < TARGET_P99_MS, f"{p99:.2f} ms"))
        errors = sum(r.errors for r, _ in self.results.values())
        out(target("zero errors", errors == 0, f"{errors}"))
        for kind in ("SMS steps", "voice steps"):
            trips = self.redis_counts[kind][1]
            out(target(f"{kind} <= {TARGET_RTT:g} Redis round trips", trips <= TARGET_RTT + 0.005,
                       f"{trips:.2f}"))  # fmt: skip
        for kind, m in self.memory.items():
            out(target(f"<= {TARGET_BYTES} bytes per {kind[:-1]} (its record)",
                       m.per_record <= TARGET_BYTES, f"{m.per_record:.0f}"))  # fmt: skip
        out(target(f"callback in queue p99 < {TARGET_CB_P99_MS} ms", q.pct(0.99) < TARGET_CB_P99_MS,
                   f"{q.pct(0.99):.0f} ms"))  # fmt: skip
        for note in self.notes:
            out(f"note: {note}")
        return "\n".join(lines)


def ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def fraction(a: float, b: float) -> str:
    return "n/a" if math.isnan(ratio(a, b)) else f"{a / b:.2f}"


def target(what: str, met: bool, value: str) -> str:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--numbers", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--round", type=float, default=1.0)
    parser.add_argument("--conversations", type=int, default=100000)
    parser.add_argument("--callbacks", type=int, default=300)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--params", choices=("twilio", "minimal"), default="twilio")
    args = parser.parse_args(argv)
    if not 0 < args.numbers <= 999999 or not 0 < args.conversations <= 999999:
        parser.error("--numbers and --conversations must be between 1 and 999999")
    if args.numbers < args.concurrency:
        parser.error("--numbers must be at least --concurrency")
    bench = Bench(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    done = False
    try:
        bench.run()
        print()
        print(bench.report(), flush=True)
        done = True
    finally:
        bench.stop()
        if done:
            shutil.rmtree(bench.folder, ignore_errors=True)
        else:
            print(f"bench: logs kept in {bench.folder}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
