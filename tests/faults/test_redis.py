"""Fault suite 6: Redis down or slow. A small TCP proxy sits between the app and a redis-server of
its own on 127.0.0.1; it can cut every connection (and refuse new ones), delay every byte by two
seconds, or pass bytes through. Whatever it does, every webhook (SMS, call, call step) answers
within 3 seconds with HTTP 200 and valid TwiML, never a stack trace; and once Redis is back the
hotline is back by itself within seconds (the recovery time is measured and printed).

Each test prints its figures (run with -s or -rA to see them).
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import socket
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace

import pytest
import redis

from hotline.web.app import create_app
from hotline.web.resources import resources_of
from tests.support import (
    HOTLINE_NUMBER,
    free_port,
    post_signed,
    sms_params,
    voice_params,
)

BUDGET = 3.0  # seconds a webhook may take, whatever Redis does
RECOVERY = 5.0  # seconds within which the hotline must be back once Redis is
DELAY = 2.0  # seconds every byte is held in "slow" mode
VOICE_VERBS = {"Say", "Gather", "Redirect", "Dial", "Hangup", "Pause"}


class ChaosProxy:
    """A TCP proxy on 127.0.0.1 with three modes: "pass", "cut" (close every connection and
    every new one at once) and "slow" (every byte forwarded DELAY seconds late, in order).

    Bounded: at most MAX_LINKS connections (more are closed at once), four threads each, all
    joined on close().
    """

    MAX_LINKS = 64

    def __init__(self, upstream_port: int, delay: float = DELAY) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.delay = delay
        self.mode = "pass"
        self.accepted = 0
        self._lock = threading.Lock()
        self._links: set[_Link] = set()
        self._threads: list[threading.Thread] = []
        self._closed = threading.Event()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._spawn(self._accept_loop)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def set_mode(self, mode: str) -> None:
        assert mode in ("pass", "cut", "slow")
        self.mode = mode
        if mode == "cut":
            with self._lock:
                links = list(self._links)
            for link in links:
                link.close()

    def close(self) -> None:
        self._closed.set()
        self.set_mode("cut")
        for thread in list(self._threads):
            thread.join(timeout=DELAY + 5)
        self._listener.close()

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            with self._lock:
                full = len(self._links) >= self.MAX_LINKS
            if self.mode == "cut" or full:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=1)
            except OSError:
                _close(client)
                continue
            link = _Link(self, client, upstream)
            with self._lock:
                self._links.add(link)
            for src, dst in ((client, upstream), (upstream, client)):
                pipe: queue.Queue = queue.Queue()
                self._spawn(link.read, src, pipe)
                self._spawn(link.write, dst, pipe)

    def forget(self, link: _Link) -> None:
        """Stop tracking a link that has closed."""
        with self._lock:
            self._links.discard(link)


class _Link:
    """One proxied connection: a client socket and its upstream socket."""

    def __init__(self, proxy: ChaosProxy, client: socket.socket, upstream: socket.socket) -> None:
        self.proxy = proxy
        self.sockets = (client, upstream)
        self.closed = threading.Event()
        for s in self.sockets:
            s.settimeout(0.05)

    def read(self, src: socket.socket, pipe: queue.Queue) -> None:
        try:
            while not self.closed.is_set():
                try:
                    data = src.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not data or self.proxy.mode == "cut":
                    break
                held = self.proxy.delay if self.proxy.mode == "slow" else 0.0
                pipe.put((time.monotonic() + held, data))
        finally:
            pipe.put(None)
            self.close()

    def write(self, dst: socket.socket, pipe: queue.Queue) -> None:
        while (item := pipe.get()) is not None:
            due, data = item
            if self.closed.wait(max(0.0, due - time.monotonic())):
                break
            try:
                dst.sendall(data)
            except OSError:
                break
        self.close()

    def close(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        for s in self.sockets:
            _close(s)
        self.proxy.forget(self)


def _close(s: socket.socket) -> None:
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    s.close()


class TcpRedis:
    """A redis-server of this test's own, on TCP 127.0.0.1 (not the session's unix socket)."""

    def __init__(self, folder) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed: run `bash .ci/setup`"
        self.binary, self.folder = binary, folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(self.folder), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_timeout=1).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def tcp_redis(tmp_path) -> Iterator[TcpRedis]:
    server = TcpRedis(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def proxy(tcp_redis: TcpRedis) -> Iterator[ChaosProxy]:
    chaos = ChaosProxy(tcp_redis.port)
    yield chaos
    chaos.close()


def check_twiml(path: str, body: bytes) -> ET.Element:
    """Valid TwiML for the route, and no stack trace."""
    assert b"Traceback" not in body and b'File "' not in body, body
    root = ET.fromstring(body)
    assert root.tag == "Response"
    if path == "/twilio/sms":
        assert {child.tag for child in root} <= {"Message"}
        return root
    verbs = list(root)
    assert verbs and {v.tag for v in verbs} <= VOICE_VERBS, body
    for i, verb in enumerate(verbs):
        if verb.tag == "Gather":
            assert verb.get("action") and i + 1 < len(verbs) and verbs[i + 1].tag == "Redirect"
        if verb.tag == "Say":
            assert (verb.text or "").strip() and verb.get("voice") and verb.get("language")
    return root


class Webhooks:
    """Signed calls of the three stateful webhooks, each timed and checked."""

    def __init__(self, app) -> None:
        self.client = app.test_client()
        self.flow = resources_of(app).flows["en"]
        self.count = 0

    def requests(self) -> list[tuple[str, dict[str, str]]]:
        self.count += 1
        call = voice_params("+12155550101", f"CA{self.count:032d}", To=HOTLINE_NUMBER,
                            CallStatus="in-progress")  # fmt: skip
        return [
            ("/twilio/sms", sms_params("+12155550101", "SECOND", f"SM{self.count:032d}")),
            ("/twilio/voice", {**call, "CallStatus": "ringing"}),
            ("/twilio/voice/step?n=1", {**call, "Digits": "2"}),
        ]

    def post(self, path: str, params: dict[str, str]) -> tuple[float, bool]:
        """(seconds taken, whether the hotline answered normally rather than with its apology)."""
        started = time.perf_counter()
        response = post_signed(self.client, path, params)
        took = time.perf_counter() - started
        assert response.status_code == 200, (path, response.status_code, response.data[:300])
        root = check_twiml(path.split("?")[0], response.data)
        if path == "/twilio/sms":
            normal = [m.text for m in root] != [self.flow.text("unavailable")]
        else:
            gather = root.find("Gather")
            normal = gather is None or gather.get("action") != "/twilio/voice/connect"
        return took, normal

    def round(self) -> list[tuple[str, float, bool]]:
        return [(path, *self.post(path, params)) for path, params in self.requests()]

    def until_normal(self, limit: float) -> float:
        """Seconds until every webhook answers normally again (polling), or AssertionError."""
        started = time.perf_counter()
        while time.perf_counter() - started < limit:
            if all(normal for *_, normal in self.round()):
                return time.perf_counter() - started
            time.sleep(0.05)
        raise AssertionError(f"the hotline was not back {limit}s after Redis")


def faulted(webhooks: Webhooks, label: str, rounds: int = 1) -> list[str]:
    """Every webhook during a fault: answers in time, with the apology; a line of figures."""
    slowest, answered = 0.0, []
    for _ in range(rounds):
        for path, took, normal in webhooks.round():
            slowest = max(slowest, took)
            answered.append((path.split("?")[0], took, normal))
    for path, expected in (("/twilio/voice/connect", 200), ("/twilio/status", 204)):
        # The routes that need no Redis: as quick as ever, the way out to a person intact.
        started = time.perf_counter()
        params = voice_params("+12155550101", "CA" + "9" * 32)
        response = post_signed(webhooks.client, path, params)
        took = time.perf_counter() - started
        assert response.status_code == expected and took <= BUDGET, (path, response.status_code)
        if expected == 200:
            assert check_twiml(path, response.data).find("Dial") is not None
        answered.append((path, took, True))
    worst = {p: max(t for q, t, _ in answered if q == p) for p, *_ in answered}
    line = (f"{label}: {len(answered)} webhooks, all answered (200 + valid TwiML; 204 for status); slowest "
            + ", ".join(f"{p} {t:.2f}s" for p, t in worst.items())
            + f"; apologies (with the way to a person) {sum(not n for *_, n in answered)}, "
            + f"other answers {sum(n for *_, n in answered)}")  # fmt: skip
    assert slowest <= BUDGET, line
    return [line]


def test_redis_cut_slow_and_back(settings, proxy: ChaosProxy) -> None:
    app = create_app(replace(settings, redis_url=proxy.url))
    webhooks = Webhooks(app)
    figures = []
    assert all(normal for *_, normal in webhooks.round()), "not working before any fault"
    for mode, label in (("cut", "cut (every connection closed)"),
                        ("slow", f"slow (every byte {DELAY:.0f}s late)")):  # fmt: skip
        proxy.set_mode(mode)
        try:
            figures += faulted(webhooks, label)
        finally:
            proxy.set_mode("pass")
        recovered = webhooks.until_normal(RECOVERY)
        figures.append(f"back to normal {recovered:.2f}s after Redis passed through again")
    print("\n[redis] " + "\n[redis] ".join(figures))


@pytest.mark.slow
def test_redis_faults_again_and_again(settings, proxy: ChaosProxy, tcp_redis: TcpRedis) -> None:
    """Cycles of every fault, with webhooks during each; also a killed-and-restarted Redis (its
    scripts forgotten) and a frozen one (SIGSTOP)."""
    app = create_app(replace(settings, redis_url=proxy.url))
    webhooks = Webhooks(app)
    figures, recoveries = [], []
    for cycle in range(5):
        for mode in ("cut", "slow"):
            proxy.set_mode(mode)
            try:
                figures += faulted(webhooks, f"cycle {cycle} {mode}", rounds=3)
            finally:
                proxy.set_mode("pass")
            recoveries.append(webhooks.until_normal(RECOVERY))
    tcp_redis.kill()
    figures += faulted(webhooks, "redis-server killed", rounds=3)
    tcp_redis.start()
    recoveries.append(webhooks.until_normal(RECOVERY))
    figures.append(f"back {recoveries[-1]:.2f}s after a restarted redis-server (scripts reloaded)")
    assert tcp_redis.process is not None
    os.kill(tcp_redis.process.pid, signal.SIGSTOP)
    try:
        figures += faulted(webhooks, "redis-server frozen (SIGSTOP)", rounds=2)
    finally:
        os.kill(tcp_redis.process.pid, signal.SIGCONT)
    recoveries.append(webhooks.until_normal(RECOVERY))
    figures.append(f"back {recoveries[-1]:.2f}s after SIGCONT")
    figures.append(f"recovery times: min {min(recoveries):.2f}s, max {max(recoveries):.2f}s "
                   f"over {len(recoveries)} recoveries")  # fmt: skip
    print("\n[redis] " + "\n[redis] ".join(figures))
