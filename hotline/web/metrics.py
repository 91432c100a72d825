"""/metrics for Prometheus, with the official client, readable only with METRICS_TOKEN.

Each process times its own webhooks and counts its responses; under gunicorn, with
PROMETHEUS_MULTIPROC_DIR set, they write to files there that any worker adds up when scraped
(multiprocess mode). What is shared (the call-back queue, the workers, failed jobs, texts and
Twilio errors the jobs counted) is read from Redis at scrape time.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache

import redis
from flask import Blueprint, Flask, Response, abort, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from redis.cluster import RedisCluster

from hotline.reports import live
from hotline.web.resources import hotline
from hotline.wiring import Hotline

bp = Blueprint("metrics", __name__)
PROCESS = CollectorRegistry()  # this process's own metrics (in multiprocess mode, also its files)
WEBHOOK_SECONDS = Histogram(
    "hotline_webhook_seconds",
    "Time to answer one of Twilio's webhooks, by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=PROCESS,
)
RESPONSES = Counter(
    "hotline_responses",
    "HTTP responses, by route and status.",
    ["route", "status"],
    registry=PROCESS,
)


def init_metrics(app: Flask) -> None:
    """Time and count every request, and serve /metrics."""
    app.before_request(_start_clock)
    app.after_request(_observe)
    app.register_blueprint(bp)


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus's text format; 404 without METRICS_TOKEN, 401 without it as a bearer token."""
    h = hotline()
    token = h.settings.metrics_token
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "").encode()
    if not hmac.compare_digest(given, f"Bearer {token}".encode()):
        return Response("unauthorized\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'})
    registry = CollectorRegistry()
    if h.settings.metrics_dir:
        MultiProcessCollector(registry, path=h.settings.metrics_dir)
    else:
        registry.register(PROCESS)
    registry.register(ReadAtScrape(h))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


class ReadAtScrape:
    """The hotline's shared state, read from Redis when Prometheus asks."""

    def __init__(self, h: Hotline) -> None:
        self._h = h

    def collect(self) -> Iterator[Metric]:
        h, now = self._h, time.time()
        up = GaugeMetricFamily("hotline_redis_up", "1 if this Redis answers.", labels=["store"])
        queue_up = _answers(h.redis)
        up.add_metric(["queue"], queue_up)
        up.add_metric(["conversations"], _answers(h.store.connection))
        yield up
        office = GaugeMetricFamily("hotline_office_open", "1 while social workers are at the line.")
        office.add_metric([], float(h.settings.office_hours.is_open(datetime.now(UTC))))
        yield office
        if queue_up:
            try:
                yield from self._from_the_queue(now)
            except redis.RedisError:
                return  # hotline_redis_up tells the rest

    def _from_the_queue(self, now: float) -> Iterator[Metric]:
        h = self._h
        backlog = live.backlog(h, now)
        waiting = GaugeMetricFamily(
            "hotline_callbacks_open", "Open call-back requests.", labels=["kind"]
        )
        waiting.add_metric(["urgent"], backlog.urgent)
        waiting.add_metric(["ordinary"], backlog.ordinary)
        oldest = GaugeMetricFamily(
            "hotline_oldest_open_callback_seconds",
            "Age of the oldest open call-back request (0 if none): urgent, or any.",
            labels=["kind"],
        )
        oldest.add_metric(["urgent"], backlog.oldest_urgent)
        oldest.add_metric(["any"], backlog.oldest_any)
        failed = GaugeMetricFamily(
            "hotline_jobs_failed", "Jobs that failed for good (kept a week)."
        )
        failed.add_metric([], live.jobs_failed(h))
        queued = GaugeMetricFamily("hotline_jobs_queued", "Jobs waiting for a worker.")
        queued.add_metric([], h.queue.count)
        workers = GaugeMetricFamily(
            "hotline_workers", "RQ workers heard from in the last 2 minutes."
        )
        workers.add_metric([], live.workers_alive(h))
        yield from (waiting, oldest, failed, queued, workers)
        yield from _totals(h)


def _totals(h: Hotline) -> Iterator[Metric]:
    """What the jobs counted: texts sent, Twilio's errors by code, texts held back by reason."""
    totals = h.reports.totals()
    sent = CounterMetricFamily("hotline_texts_sent", "Texts the hotline started (not replies).")
    sent.add_metric([], totals["texts_sent"])
    errors = CounterMetricFamily(
        "hotline_twilio_errors",
        "Twilio REST requests refused or failed, by error code.",
        labels=["code"],
    )
    held = CounterMetricFamily(
        "hotline_texts_held_back",
        "Texts the outbound budget held back, by reason.",
        labels=["reason"],
    )
    for name, n in sorted(totals.items()):
        kind, _, detail = name.partition(":")
        if kind == "twilio_error":
            errors.add_metric([detail], n)
    for reason in ("hour", "recipient"):  # both always, so that a rate() has a series to start
        held.add_metric([reason], totals[f"held_back:{reason}"])
    yield from (sent, errors, held)


def _answers(connection: redis.Redis | RedisCluster) -> int:
    try:
        connection.ping()
    except redis.RedisError:
        return 0
    return 1


def _start_clock() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    route = request.url_rule.rule if request.url_rule else "unmatched"
    if route.startswith("/twilio/") and "metrics_started" in g:
        _timer(route).observe(time.perf_counter() - g.metrics_started)
    _responses(route, response.status_code).inc()
    return response


# Routes and statuses are few: each labelled series is looked up once, not on every request.
@cache
def _timer(route: str) -> Histogram:
    return WEBHOOK_SECONDS.labels(route)


@cache
def _responses(route: str, status: int) -> Counter:
    return RESPONSES.labels(route, str(status))
