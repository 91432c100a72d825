"""The log-in flood: signed SMS webhooks' p99, idle and while 20 clients hammer the log-in form.

    .venv/bin/python -m bench.login_flood [--seconds 20] [--flooders 20]

One gunicorn from the Procfile's `web` line (TRUST_PROXY=1), a private Redis and Twilio's
stand-in, all on loopback. One client sends signed SMS steps one after another and times each
(idle, then during the flood). The flood runs in its own process (so its threads do not take
the timing client's interpreter lock): each of `--flooders` threads posts the log-in form with
a wrong password, as fast as answers come, each time from a new forwarded address and for a
new username, the worst case: no (username, address) back-off ever applies, only the
per-process cap on password hashes does. Prints both p99s, the ratio and PASS (under 2) or MISS.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import shutil
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench import webhooks
from bench.processes import Children, free_port, wait_http
from bench.webhooks import ACCOUNT_SID, AUTH_TOKEN, HOTLINE_NUMBER, SMS_SCRIPT, Signer, new_sid
from hotline.dev import procfile
from hotline.dev.redis_server import RedisServer
from hotline.dev.twilio_standin import TwilioStandIn

TARGET = 2.0  # webhooks' p99 under the flood, at most this times their idle p99


def webhook_latencies(port: int, signer: Signer, seconds: float, tag: str) -> list[float]:
    """Signed SMS steps, one at a time over a keep-alive connection, for `seconds`; each timed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        number = webhooks.number("flood", hash(tag) % 100 * 10000 + n // len(SMS_SCRIPT) % 10000)
        body = SMS_SCRIPT[n % len(SMS_SCRIPT)]
        step = signer.build("/twilio/sms", signer.sms_params(number, body, new_sid("SM")))
        head, _, form = step.rest.partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n") if line)
        t0 = time.perf_counter()
        connection.request("POST", "/twilio/sms", body=form, headers=headers)
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - t0)
        if response.status != 200:
            raise SystemExit(f"webhook answered {response.status}")
        n += 1
    connection.close()
    return latencies


def flood(port: int, flooders: int, seconds: float, counts: multiprocessing.Queue) -> None:
    """`flooders` threads posting wrong passwords from ever new addresses for `seconds`.

    The attackers' CPU is not the hotline's: on one small machine, this process yields to it.
    """
    os.nice(19)
    stop = time.monotonic() + seconds
    tally: Counter[int] = Counter()
    lock = threading.Lock()

    def one(worker: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/dashboard/login")
        response = connection.getresponse()
        page = response.read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        cookie = (response.getheader("Set-Cookie") or "").split(";", 1)[0]
        n = 0
        while time.monotonic() < stop:
            n += 1
            form = f"csrf_token={token[1] if token else ''}&username=u{worker}x{n}&password=wrong-guess"
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie,
                "X-Forwarded-For": f"10.{worker}.{n // 250 % 250}.{n % 250 + 1}",
            }
            connection.request("POST", "/dashboard/login", body=form, headers=headers)
            answer = connection.getresponse()
            answer.read()
            with lock:
                tally[answer.status] += 1
        connection.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(flooders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts.put(dict(tally))


def p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98] * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.login_flood")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per phase")
    parser.add_argument("--flooders", type=int, default=20, help="concurrent log-in clients")
    parser.add_argument(
        "--together",
        dest="dashboard_apart",
        action="store_false",
        help="flood the `web` process itself instead of the Procfile's `dashboard` process",
    )
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="hotline-login-flood-"))
    redis_server = RedisServer(folder, log=folder / "redis-server.log")
    standin = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN)
    children = Children(folder)
    try:
        port = free_port()
        public = f"http://127.0.0.1:{port}"
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("PORT", "PYTHONPATH")},
            "REDIS_URL": redis_server.start(), "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "HOTLINE_SECRET": "flood-" + os.urandom(8).hex(), "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_PHONE_NUMBER": HOTLINE_NUMBER, "TWILIO_API_BASE_URL": standin.start(),
            "PUBLIC_BASE_URL": public, "TRUST_PROXY": "1",
        }  # fmt: skip
        web = procfile.web(f"127.0.0.1:{port}")
        children.start("gunicorn", web, env)
        wait_http(port, children)
        login_port = port
        if args.dashboard_apart:
            login_port = free_port()
            # As the Procfile's `dashboard` line: the same app, at a lower CPU priority.
            dashboard = ["nice", "-n", "10", *procfile.web(f"127.0.0.1:{login_port}")]
            children.start("gunicorn-dashboard", dashboard, env)
            wait_http(login_port, children)
        signer = Signer(public, realistic=True)
        webhook_latencies(port, signer, 2.0, "warm")
        idle = webhook_latencies(port, signer, args.seconds, "idle")
        counts: multiprocessing.Queue = multiprocessing.Queue()
        flooder = multiprocessing.Process(
            target=flood, args=(login_port, args.flooders, args.seconds + 4, counts)
        )
        flooder.start()
        time.sleep(2.0)  # the flood is under way before timing starts
        loaded = webhook_latencies(port, signer, args.seconds, "flood")
        tally = counts.get(timeout=120)
        flooder.join()
        ratio = p99(loaded) / p99(idle)
        attempts = sum(tally.values())
        print(f"web: {' '.join(web)}")
        print(f"signed SMS webhooks, idle:       p50 {statistics.median(idle) * 1000:.1f} ms  "
              f"p99 {p99(idle):.1f} ms  ({len(idle)} webhooks)")  # fmt: skip
        print(f"signed SMS webhooks, log-in flood: p50 {statistics.median(loaded) * 1000:.1f} ms  "
              f"p99 {p99(loaded):.1f} ms  ({len(loaded)} webhooks)")  # fmt: skip
        print(f"log-in attempts: {attempts} in {args.seconds + 4:.0f} s from {args.flooders} "
              f"clients; answers {dict(sorted(tally.items()))}")  # fmt: skip
        print(f"p99 under flood / idle: {ratio:.2f} (target < {TARGET:.0f}): "
              f"{'PASS' if ratio < TARGET else 'MISS'}")  # fmt: skip
    finally:
        children.stop_all()
        redis_server.stop()
        standin.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
