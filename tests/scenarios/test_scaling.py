"""Past one machine: conversations on a Redis Cluster; several web and worker processes at once."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis
from redis.cluster import RedisCluster

from hotline.dev.phone import Texter, http_transport
from hotline.stores.callbacks import CallbackQueue
from hotline.web.app import create_app
from hotline.web.resources import resources_of
from tests.support import (
    AUTH_TOKEN,
    Phone,
    fictional,
    free_port,
    send_at_once,
    wait_until,
    worker_env,
)


def _cluster_ports(count: int) -> list[int]:
    """Free ports whose cluster bus ports (port + 10000) are free and valid too."""
    rng, ports = random.Random(), []
    while len(ports) < count:
        port = rng.randrange(20000, 30000)
        if port in ports:
            continue
        try:
            for candidate in (port, port + 10000):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        ports.append(port)
    return ports


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A three-master Redis Cluster on loopback, started for these tests; yields a node's URL."""
    cli = shutil.which("redis-cli")
    assert cli, "redis-cli is not installed: run `bash .ci/setup`"
    ports = _cluster_ports(3)
    nodes = []
    for port in ports:
        folder = tmp_path_factory.mktemp(f"cluster{port}")
        nodes.append(subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
             "--cluster-config-file", str(folder / "nodes.conf"), "--dir", str(folder),
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        ))  # fmt: skip
    try:
        for port in ports:
            wait_until(lambda p=port: redis.Redis(port=p).ping(), f"cluster node {port}", 60)
        subprocess.run(
            [cli, "--cluster", "create", *[f"127.0.0.1:{p}" for p in ports],
             "--cluster-replicas", "0", "--cluster-yes"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(
            lambda: redis.Redis(port=ports[0]).cluster("info")["cluster_state"] == "ok",
            "the cluster",
            60,
        )
        yield f"redis://127.0.0.1:{ports[0]}"
    finally:
        for node in nodes:
            node.terminate()
            node.wait(timeout=10)


@pytest.fixture
def cluster_app(settings, cluster: str):
    connection = RedisCluster.from_url(cluster)
    connection.flushall()
    app = create_app(
        replace(settings, conversation_redis_url=cluster, conversation_redis_cluster=True)
    )
    yield app
    connection.close()


def test_conversations_live_on_the_cluster_spread_over_its_masters(
    cluster_app, cluster: str
) -> None:
    client = cluster_app.test_client()
    numbers = [fictional(i, 404) for i in range(30)]
    for number in numbers:
        phone = Phone(client, number)
        assert phone.text("SECOND")[0].startswith("CancerCare Second Opinion line.")
        assert "medical society" in phone.text("2")[0]
    masters = [node for node in RedisCluster.from_url(cluster).get_primaries()]
    held = [len(redis.Redis(host=n.host, port=n.port).keys("hotline:*:sms")) for n in masters]
    assert sum(held) == len(numbers) and all(held), held
    queue_side = redis.Redis.from_url(resources_of(cluster_app).settings.redis_url)
    assert not [k for k in queue_side.keys("hotline:{*") if k.endswith(b":sms")]


def test_replays_opt_outs_and_bursts_work_on_the_cluster(cluster_app) -> None:
    client = cluster_app.test_client()
    phone = Phone(client, "+12065550101")
    phone.text("SECOND")
    first = phone.text("1", sid="SM" + "c" * 32)
    assert phone.text("1", sid="SM" + "c" * 32) == first
    assert phone.text("STOP") == [] and phone.text("SECOND") == []
    phone.text("START")
    assert phone.text("SECOND")
    statuses = send_at_once(cluster_app, phone.number, "MENU", 20)
    assert statuses == [200] * 20
    assert resources_of(cluster_app).store.load("sms", phone.number).steps == 26


def test_two_web_and_two_worker_processes_lose_and_double_nothing(
    settings, twilio, tmp_path: Path
) -> None:
    """Requests spread over two gunicorn processes, jobs over two rq workers: each filed once."""
    env = {**os.environ, **worker_env(settings), "PUBLIC_BASE_URL": ""}
    ports = [free_port(), free_port()]
    webs = [
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--threads", "4", "hotline.web.app:create_app()"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        for port in ports
    ]  # fmt: skip
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "rq.cli", "worker", "--serializer", "json", "--url",
             settings.redis_url, "--quiet", "hotline"],
            env=env, start_new_session=True,
        )
        for _ in range(2)
    ]  # fmt: skip
    try:
        for port in ports:
            wait_until(
                lambda p=port: urllib.request.urlopen(f"http://127.0.0.1:{p}/healthz", timeout=1),
                f"gunicorn on port {port}",
                60,
            )
        numbers = [fictional(i, 415) for i in range(24)]
        texters = [
            Texter(http_transport(f"http://127.0.0.1:{ports[i % 2]}", AUTH_TOKEN), n)
            for i, n in enumerate(numbers)
        ]

        def ask(texter: Texter) -> None:
            for body in ("SECOND", "6", "2", "1", "2", "3"):
                texter.text(body)

        threads = [threading.Thread(target=ask, args=(t,)) for t in texters]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        queue = CallbackQueue(redis.Redis.from_url(settings.redis_url))
        wait_until(
            lambda: (
                queue.count_waiting() == len(numbers)
                and len(twilio.sent("message")) >= len(numbers) + 1
            ),
            "every request filed and confirmed",
            60,
        )
        time.sleep(1)  # anything doubled would show up by now
        assert sorted(r.number for r in queue.waiting(time.time())) == numbers
        confirmations = [m.get("To") for m in twilio.sent("message") if m.get("To") in numbers]
        assert sorted(confirmations) == numbers
    finally:
        for process in (*webs, *workers):
            os.killpg(process.pid, signal.SIGTERM)
        for process in (*webs, *workers):
            process.wait(timeout=30)
