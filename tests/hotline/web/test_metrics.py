"""/metrics: refused without the token, parsed with prometheus-client's own parser with it, and
added up across gunicorn's processes in multiprocess mode; /healthz/workers."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from rq import Queue, Worker
from rq.serializers import JSONSerializer

from hotline.dev.phone import Texter, http_transport
from hotline.dev.procfile import web
from hotline.dev.twilio_standin import TwilioStandIn
from hotline.reports import tally
from hotline.settings import Settings
from hotline.web.app import create_app
from hotline.web.resources import EXTENSION, resources_of
from tests.support import Phone, fictional, free_port, run_jobs, wait_until, worker_env

TOKEN = "scrape-me-" + "x" * 20


@pytest.fixture
def watched(settings: Settings) -> Settings:
    return dataclasses.replace(settings, metrics_token=TOKEN)


def scrape(client, token: str = TOKEN) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.data
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def test_no_token_set_means_no_metrics(settings: Settings) -> None:
    assert create_app(settings).test_client().get("/metrics").status_code == 404


@pytest.mark.parametrize(
    "header", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN}x"]
)
def test_metrics_are_refused_without_the_token(watched: Settings, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = create_app(watched).test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert b"hotline_" not in response.data


def test_the_scrape_parses_and_counts_what_happened(
    watched: Settings, twilio: TwilioStandIn
) -> None:
    client = create_app(watched).test_client()
    before = scrape(client)
    sms = ("hotline_webhook_seconds_count", (("route", "/twilio/sms"),))
    ok = ("hotline_responses_total", (("route", "/twilio/sms"), ("status", "200")))
    phone = Phone(client, fictional(1, 415))
    for body in ("SECOND", "6", "1", "1", "1", "3"):
        phone.text(body)
    urgent = Phone(client, fictional(2, 415))
    urgent.text("I want to end my life")
    urgent.text("URGENT")
    twilio.fail_next(400, 21211)  # the first confirmation is refused
    run_jobs(watched)
    assert client.post("/twilio/sms", data={"From": fictional(3, 415)}).status_code == 403
    time.sleep(1.5)  # the oldest request's age in whole seconds

    after = scrape(client)
    assert after[sms] - before.get(sms, 0) == 9  # the forged one is timed too
    assert after[ok] - before.get(ok, 0) == 8
    forbidden = ("hotline_responses_total", (("route", "/twilio/sms"), ("status", "403")))
    assert after[forbidden] - before.get(forbidden, 0) == 1
    assert (
        after[("hotline_webhook_seconds_bucket", (("le", "+Inf"), ("route", "/twilio/sms")))] >= 5
    )
    assert after[("hotline_callbacks_open", (("kind", "urgent"),))] == 1
    assert after[("hotline_callbacks_open", (("kind", "ordinary"),))] == 1
    urgent = after[("hotline_oldest_open_callback_seconds", (("kind", "urgent"),))]
    oldest = after[("hotline_oldest_open_callback_seconds", (("kind", "any"),))]
    assert 1 <= urgent <= oldest < 60
    assert after[("hotline_twilio_errors_total", (("code", "21211"),))] == 1
    assert after[("hotline_texts_sent_total", ())] == 2  # a confirmation and the staff alert
    assert after[("hotline_jobs_failed", ())] == 0
    assert after[("hotline_jobs_queued", ())] == 0
    assert after[("hotline_workers", ())] == 0
    assert after[("hotline_redis_up", (("store", "queue"),))] == 1
    assert after[("hotline_office_open", ())] in (0, 1)


def test_texts_held_back_by_the_budget_are_counted(
    settings: Settings, twilio: TwilioStandIn
) -> None:
    tight = dataclasses.replace(settings, metrics_token=TOKEN, texts_per_hour=0)
    client = create_app(tight).test_client()
    phone = Phone(client, fictional(4, 415))
    for body in ("SECOND", "6", "1", "1", "1", "3"):
        phone.text(body)
    run_jobs(tight)
    held = scrape(client)
    assert held[("hotline_texts_held_back_total", (("reason", "hour"),))] >= 1


def test_redis_down_is_a_metric_not_an_error(watched: Settings, tmp_path: Path) -> None:
    gone = dataclasses.replace(watched, redis_url=f"unix://{tmp_path}/none.sock")
    app = create_app(watched)
    app.extensions[EXTENSION] = dataclasses.replace(
        resources_of(app), redis=redis.Redis.from_url(gone.redis_url)
    )
    samples = scrape(app.test_client())
    assert samples[("hotline_redis_up", (("store", "queue"),))] == 0
    assert ("hotline_workers", ()) not in samples


def test_healthz_workers_answers_503_until_a_worker_checks_in(settings: Settings) -> None:
    client = create_app(settings).test_client()
    assert client.get("/healthz/workers").status_code == 503
    connection = redis.Redis.from_url(settings.redis_url)
    queue = Queue("hotline", connection=connection, serializer=JSONSerializer)
    worker = Worker([queue], connection=connection, serializer=JSONSerializer)
    worker.register_birth()
    try:
        worker.heartbeat()
        assert client.get("/healthz/workers").status_code == 200
        stale = datetime.now(UTC) - timedelta(minutes=3)
        connection.hset(worker.key, "last_heartbeat", stale.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        assert client.get("/healthz/workers").status_code == 503
    finally:
        worker.register_death()


def test_gunicorns_processes_are_added_up(settings: Settings, tmp_path: Path) -> None:
    """Multiprocess mode: the Procfile's gunicorn, 3 workers, each scrape sees every webhook."""
    port = free_port()
    env = {
        **os.environ, **worker_env(settings), "METRICS_TOKEN": TOKEN, "PUBLIC_BASE_URL": "",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), "TWILIO_AUTH_TOKEN": "t0ken",
    }  # fmt: skip
    argv = [a if a != "5" else "3" for a in web(f"127.0.0.1:{port}")]  # 3 workers
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "counter_999.db").write_bytes(b"left from a run before")
    server = subprocess.Popen(argv, env=env, start_new_session=True, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: urllib.request.urlopen(f"{base}/healthz", timeout=2).status == 200, "gunicorn"
        )
        post = http_transport(base, "t0ken")
        for i in range(12):  # fresh connections: they land on different workers
            Texter(post, fictional(10 + i, 415)).text("SECOND")
        seen = set()
        for _ in range(6):
            request = urllib.request.Request(
                f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            text = urllib.request.urlopen(request, timeout=5).read().decode()
            samples = {
                (s.name, tuple(sorted(s.labels.items()))): s.value
                for f in text_string_to_metric_families(text)
                for s in f.samples
            }
            seen.add(samples[("hotline_webhook_seconds_count", (("route", "/twilio/sms"),))])
        assert seen == {12}
        assert len(list((tmp_path / "metrics").glob("*.db"))) >= 2
        assert not (tmp_path / "metrics" / "counter_999.db").exists()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)


def test_the_worker_and_cli_do_not_load_prometheus() -> None:
    program = "import hotline.outbound.jobs, hotline.cli.main, sys; print('prometheus_client' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"  # fmt: skip


DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_the_alert_rules_and_dashboard_use_only_metrics_we_export(watched: Settings) -> None:
    exported = set()
    app = create_app(watched)
    client = app.test_client()
    Phone(client, fictional(9, 415)).text("SECOND")
    resources_of(app).reports.record(tally.failed("30003"))
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(
        as_text=True
    )
    for family in text_string_to_metric_families(text):
        exported |= {family.name} | {sample.name for sample in family.samples}
    rules = (DOCS / "operations.md").read_text()
    alerts = re.findall(r"- alert: (\w+)\n\s+expr: (.+)", rules)
    assert [name for name, _ in alerts] == [
        "HotlineUrgentCallbackWaiting", "HotlineNoWorker", "HotlineJobsFailed",
        "HotlineWebhookSlow", "HotlineRedisUnreachable",
    ]  # fmt: skip
    dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text())
    exprs = [expr for _, expr in alerts]
    exprs += [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {name for expr in exprs for name in re.findall(r"\bhotline_\w+", expr)}
    assert used - exported == set()
    assert {"hotline_webhook_seconds_bucket", "hotline_workers", "hotline_redis_up"} <= used
