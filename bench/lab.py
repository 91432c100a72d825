"""The servers under test, all on loopback: Redis, Twilio's stand-in and three gunicorns."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bench.driver import Driver, Target, exchange
from bench.processes import Children, CpuWatch, free_port, wait_http
from bench.webhooks import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CALLBACK_SCRIPT,
    HOTLINE_NUMBER,
    SMS_SCRIPT,
    VOICE_KEYS,
    Signer,
    VoicePath,
    new_sid,
    number,
)
from hotline.dev import procfile
from hotline.dev.phone import Caller
from hotline.dev.redis_server import RedisServer
from hotline.dev.twilio_standin import TwilioStandIn
from hotline.settings import Settings
from hotline.wiring import build_hotline

BENCH = Path(__file__).resolve().parent
SECRET = "bench-secret-" + os.urandom(16).hex()
UNSET = ("PORT", "PYTHONPATH", "CONVERSATION_TTL", "TRUST_PROXY", "STAFF_ALERT_NUMBERS")


class Lab:
    """Starts and stops everything; `hotline` holds the resources (`hotline.wiring`) the app has."""

    def __init__(self, folder: Path, args: argparse.Namespace) -> None:
        self.folder = folder
        self.args = args
        self.children = Children(folder)
        self.watch = CpuWatch(self.children)
        self.redis_server = RedisServer(folder, log=folder / "redis-server.log")
        self.standin = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN)
        self.driver = Driver(args.concurrency)

    def start(self) -> None:
        redis_url = self.redis_server.start()
        assert self.redis_server.process is not None
        self.redis_pid = self.redis_server.process.pid
        self.children.watch("redis-server", self.redis_server.process, self.folder / "redis-server.log")  # fmt: skip
        ports = {name: free_port() for name in ("hotline", "plain", "floor")}
        self.public = f"http://127.0.0.1:{ports['hotline']}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in UNSET},
            "REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "HOTLINE_SECRET": SECRET,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_PHONE_NUMBER": HOTLINE_NUMBER,
            "TWILIO_API_BASE_URL": self.standin.start(), "PUBLIC_BASE_URL": self.public,
        }  # fmt: skip
        self.hotline = build_hotline(Settings.from_env(self.env))
        self.web_argv = procfile.web(f"127.0.0.1:{ports['hotline']}")
        apps = {"hotline": None, "plain": "plain:app", "floor": "floor:app"}
        bench_path = {**self.env, "PYTHONPATH": str(BENCH)}
        masters = {
            name: self.children.start(
                f"gunicorn-{name}",
                procfile.web(f"127.0.0.1:{ports[name]}", spec),
                self.env if spec is None else bench_path,
            ).process.pid
            for name, spec in apps.items()
        }
        for port in ports.values():
            wait_http(port, self.children)
        self.real = Target("hotline", ports["hotline"], masters["hotline"], True)
        self.plain = Target("plain", ports["plain"], masters["plain"], True)
        self.floor = Target("floor", ports["floor"], masters["floor"], False)
        self.signer = Signer(self.public, self.args.params == "twilio")

    def stop(self) -> None:
        self.driver.close()
        self.children.stop_all()
        self.redis_server.stop()
        self.standin.stop()

    def post(self, path: str, params: dict[str, str]) -> bytes:
        """One signed webhook to the hotline (setup and checks, not measured)."""
        with self.real.connect() as s:
            status, body, _ = exchange(s, self.real.request(self.signer.build(path, params)))
        if status != 200:
            raise SystemExit(f"the hotline answered HTTP {status} to {path}: {body[:300]!r}")
        return body

    def dry_run(self) -> VoicePath:
        """One conversation of each kind through the hotline (sanity checks); the voice path."""

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
        path: VoicePath = []
        own = ("CallSid", "AccountSid", "From", "To", "Direction", "ApiVersion")

        def transport(p: str, params: dict[str, str]) -> bytes:
            path.append((p, {k: v for k, v in params.items() if k not in own}))
            return self.post(p, params)

        caller = Caller(transport, number("dry", 2))
        heard = caller.dial_in()
        for key in VOICE_KEYS:
            if not heard.waiting:
                raise SystemExit(f"the voice script went off track before {key!r}: {heard}")
            heard = caller.press(key)
        if len(path) != len(VOICE_KEYS) + 1:
            raise SystemExit(f"the voice script followed redirects: {path}")
        return path
