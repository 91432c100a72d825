"""The HTTP driver: raw keep-alive HTTP/1.1 from client threads, a round at a time, and tallies."""

from __future__ import annotations

import contextlib
import gc
import itertools
import math
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields

from bench.webhooks import Step

APOLOGIES = (b"not working right now", b"having a problem")  # the hotline's "unavailable" answers


class Target:
    """One gunicorn: its name, port, master's pid, and whether answers are checked for replies."""

    def __init__(self, name: str, port: int, master: int, checked: bool) -> None:
        self.name = name
        self.port = port
        self.master = master
        self.host = f"Host: 127.0.0.1:{port}\r\n".encode()
        self.checked = checked

    def connect(self) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def request(self, step: Step) -> bytes:
        return step.line + self.host + step.rest


def exchange(sock: socket.socket, data: bytes) -> tuple[int, bytes, bool]:
    """Send one request, read one response: (status, body, whether the server closes)."""
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
        """Microseconds of `seconds` per webhook."""
        return 1e6 * seconds / self.webhooks if self.webhooks else math.nan

    def pct(self, q: float) -> float:
        """The q-quantile of latencies, in ms."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000


class Conversations:
    """Conversations that every client thread takes its next step from, one step at a time.

    `window` of them are in progress at once; a finished one makes room for the next. A
    conversation is out of the line while one of its steps is in flight, so its steps never
    overlap and keep their order, yet a thread that is served faster simply sends more.
    """

    def __init__(self, conversations: list[list[Step]], window: int | None = None) -> None:
        window = window or len(conversations)
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


class Driver:
    """Client threads, each with its own keep-alive connection, driven a round at a time."""

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
    def _drive(
        target: Target, plan: Plan, barrier: threading.Barrier, stop: threading.Event
    ) -> tuple[Tally, float]:
        tally = Tally()
        perf = time.perf_counter
        host, checked = target.host, target.checked
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
                        checked and (step.expect not in body or any(a in body for a in APOLOGIES))
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
