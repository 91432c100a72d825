"""The call-back queue and RQ on a Redis with a replica behind Redis Sentinel, across a failover.

A master redis-server, a replica of it and one Sentinel run on loopback ports of their own. A
texter asks for a call back and a real `rq worker`, finding the master through Sentinel, files
it. Sentinel then fails over to the replica, and a second texter asks through the same app,
which must find the new master by itself. Until a replica can acknowledge a filing again (with
one replica: when the deposed master rejoins as one) it refuses to file (an apology), and steps
saved on the deposed master are gone (the conversation starts over), but nobody is told a
request is in that is not. In the end both requests wait on the new master, once each; a
person who had to ask twice may be confirmed twice.

The test prints how long the failover took (run with -s or -rA to see it).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import redis
from rq import Queue
from rq.serializers import JSONSerializer

from hotline.dev.phone import Caller
from hotline.dev.twilio_standin import TwilioStandIn
from hotline.settings import Settings
from hotline.stores.callbacks import CallbackQueue
from hotline.web.app import create_app
from hotline.web.resources import resources_of
from tests.support import Phone, free_port, transport, wait_until, worker_env

MASTER = "hotline"  # the name Sentinel monitors the queue's Redis under
ROOT = Path(__file__).resolve().parents[2]  # the repository
FAILOVER_LIMIT = 30.0  # seconds for Sentinel to name the replica master
INSTALL = "run `bash .ci/setup` (or `apt-get install redis-server`)"


def _client(port: int) -> redis.Redis:
    return redis.Redis(port=port, socket_timeout=2, socket_connect_timeout=2)


@dataclass(frozen=True)
class SentinelRedis:
    """A master, its replica and one Sentinel watching them, all on 127.0.0.1."""

    master: int
    replica: int
    sentinel: int
    folder: Path

    def master_named(self) -> int:
        """The port Sentinel names as the master now."""
        with _client(self.sentinel) as sentinel:
            _, port = sentinel.sentinel_get_master_addr_by_name(MASTER)
        return int(port)


@pytest.fixture
def sentinel_redis(tmp_path: Path) -> Iterator[SentinelRedis]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(f"redis-server is not installed: {INSTALL}", pytrace=False)
    ports = SentinelRedis(free_port(), free_port(), free_port(), tmp_path)
    processes: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> None:
        folder = tmp_path / name
        folder.mkdir()
        with open(folder / "log", "wb") as log:
            processes.append(subprocess.Popen([binary, *args], stdout=log, stderr=log))

    # No persistence; a replica syncs at once (the default waits 5 s for others to join).
    common = ("--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
              "--repl-diskless-sync-delay", "0")  # fmt: skip
    try:
        start("master", "--port", str(ports.master), "--dir", str(tmp_path / "master"), *common)
        wait_until(_client(ports.master).ping, "the master")
        start("replica", "--port", str(ports.replica), "--dir", str(tmp_path / "replica"),
              *common, "--replicaof", "127.0.0.1", str(ports.master))  # fmt: skip
        wait_until(lambda: _in_sync(ports.replica), "the replica's first sync")
        # In sync is not yet acknowledging: the hotline files a request only once a replica has it.
        wait_until(lambda: _acknowledged(ports.master), "the replica's first acknowledgement")
        # Sentinel rewrites its config file (what it learns, its own id): it must be writable.
        config = tmp_path / "sentinel.conf"
        config.write_text(
            f"port {ports.sentinel}\nbind 127.0.0.1\ndir {tmp_path}\n"
            f"sentinel monitor {MASTER} 127.0.0.1 {ports.master} 1\n"
            f"sentinel down-after-milliseconds {MASTER} 1000\n"
            f"sentinel failover-timeout {MASTER} 5000\n"
        )
        start("sentinel", str(config), "--sentinel")
        wait_until(lambda: _sees_replica(ports), "Sentinel finding the replica")
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _acknowledged(master: int) -> bool:
    """Whether a replica acknowledges a write (WAIT counts this connection's writes only)."""
    with _client(master).pipeline(transaction=False) as pipe:
        pipe.set("test:replicated", "1")
        pipe.wait(1, 200)
        return pipe.execute()[-1] >= 1


def _in_sync(port: int) -> bool:
    with _client(port) as replica:
        info = replica.info("replication")
    return info["master_link_status"] == "up" and not info["master_sync_in_progress"]


def _sees_replica(ports: SentinelRedis) -> bool:
    with _client(ports.sentinel) as sentinel:
        replicas = sentinel.sentinel_slaves(MASTER)
    return any(
        r["port"] == ports.replica and r["flags"] == "slave" and r["master-link-status"] == "ok"
        for r in replicas
    )


@pytest.fixture
def sentinel_settings(settings: Settings, sentinel_redis: SentinelRedis) -> Settings:
    return replace(
        settings,
        redis_url="",
        redis_sentinels=(("127.0.0.1", sentinel_redis.sentinel),),
        redis_sentinel_master=MASTER,
    )


def run_worker(settings: Settings) -> None:
    """A real `rq worker` in burst mode that finds the queue's Redis through Sentinel."""
    env = {**os.environ, **worker_env(settings)}
    env.pop("REDIS_URL")
    env["REDIS_SENTINELS"] = ",".join(f"{host}:{port}" for host, port in settings.redis_sentinels)
    env["REDIS_SENTINEL_MASTER"] = settings.redis_sentinel_master
    command = [sys.executable, "-m", "rq.cli", "worker", "--burst", "--serializer", "json",
               "--config", "workers.rq_settings", "--quiet", "hotline"]  # fmt: skip
    worker = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    try:
        assert worker.wait(timeout=60) == 0, f"the rq worker exited with {worker.returncode}"
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def jobs_queued(port: int) -> int:
    with _client(port) as connection:
        return Queue("hotline", connection=connection, serializer=JSONSerializer).count


def describe(servers: SentinelRedis) -> str:
    """Each server's role and the jobs queued there, for a failure message."""
    found = []
    for name, port in (("former master", servers.master), ("new master", servers.replica)):
        with _client(port) as connection:
            role = connection.info("replication")["role"]
        found.append(f"{name} :{port} is a {role} with {jobs_queued(port)} job(s) queued")
    return "; ".join(found)


def ask_for_a_call_back(phone: Phone, apology: str, patience: float = 0.0) -> int:
    """Text SECOND, 6, 1, 1, 2, 3 (a call back in the morning, a voice message is fine, discreetly).

    With `patience`, a person who gets the apology, or finds the conversation started over
    (its steps went to a master that a failover then deposed), starts again from SECOND, for up
    to that many seconds. Returns how many times they had to start again.
    """
    deadline, again = time.monotonic() + patience, 0
    while True:
        replies = [phone.text(body) for body in ("SECOND", "6", "1", "1", "2", "3")]
        if "Your call back request is in" in replies[-1][-1]:
            return again
        assert time.monotonic() < deadline, f"no request filed within {patience:.0f}s: {replies}"
        assert any(r == [apology] for r in replies) or patience, replies
        again += 1
        time.sleep(0.2)


def test_the_queue_and_rq_survive_a_sentinel_failover(
    sentinel_settings: Settings, sentinel_redis: SentinelRedis, twilio: TwilioStandIn
) -> None:
    servers = sentinel_redis
    app = create_app(sentinel_settings)
    apology = resources_of(app).flows["en"].text("unavailable")
    client = app.test_client()
    first, second = "+15125550101", "+15125550102"

    assert ask_for_a_call_back(Phone(client, first), apology) == 0
    run_worker(sentinel_settings)
    with _client(servers.master) as master:
        assert [r.number for r in CallbackQueue(master).waiting(time.time())] == [first]
        assert master.wait(1, 2000) >= 1, "the replica did not acknowledge the writes"
    with _client(servers.replica) as replica:
        assert CallbackQueue(replica).count_waiting() == 1
    assert [m.get("To") for m in twilio.sent("message")].count(first) == 1

    started = time.monotonic()
    with _client(servers.sentinel) as sentinel:
        wait_until(lambda: sentinel.sentinel_failover(MASTER), "Sentinel accepting the failover")
    wait_until(
        lambda: servers.master_named() == servers.replica,
        "Sentinel naming the replica master",
        FAILOVER_LIMIT,
    )
    switched = time.monotonic() - started
    again = ask_for_a_call_back(Phone(client, second), apology, patience=FAILOVER_LIMIT)
    filed_again = time.monotonic() - started
    assert jobs_queued(servers.replica) >= 1, (
        "the second request's job is not on the new master: "
        f"{describe(servers)}, {filed_again:.1f}s after the failover began"
    )
    run_worker(sentinel_settings)

    with _client(servers.replica) as new_master:
        assert new_master.info("replication")["role"] == "master"
        waiting = CallbackQueue(new_master).waiting(time.time())
    assert sorted(r.number for r in waiting) == [first, second]
    # A filing whose conversation step was then lost (it had been saved on the deposed master)
    # still counts: the person who starts over and asks again has one request, confirmed once
    # for each time they were told it was in.
    sent_to = [m.get("To") for m in twilio.sent("message")]
    assert sent_to.count(first) == 1 and 1 <= sent_to.count(second) <= 1 + again, sent_to
    print(
        f"\nsentinel failover: the replica named master after {switched:.1f}s; the app filed "
        f"again {filed_again:.1f}s after the failover began (after starting again {again} "
        f"time(s)); "
        f"{len(waiting)}/2 requests on the new master, each once; confirmations "
        f"{sent_to.count(first)} and {sent_to.count(second)}"
    )


def test_with_no_sentinel_answering_every_webhook_still_answers_at_once(settings: Settings) -> None:
    """Every Sentinel away (nothing listens on their ports): no master can be found, and yet a
    texter gets the apology with the social workers' number and a caller is put through to
    them, each within a second (no retries, no waiting on Sentinels for the way out)."""
    away = (("127.0.0.1", free_port()), ("127.0.0.1", free_port()))
    app = create_app(replace(settings, redis_url="", redis_sentinels=away))
    flow = resources_of(app).flows["en"]
    client = app.test_client()
    started = time.monotonic()
    assert Phone(client, "+15125550104").text("SECOND") == [flow.text("unavailable")]
    texted = time.monotonic() - started
    caller = Caller(transport(client), "+15125550104")
    assert "having a problem" in caller.dial_in().text
    assert caller.press("1").dialed == settings.social_worker_line
    called = time.monotonic() - started - texted
    print(f"\nno Sentinel answering: the apology by text in {texted:.2f}s; the caller put "
          f"through in {called:.2f}s")  # fmt: skip
    assert texted < 1.0 and called < 1.0
