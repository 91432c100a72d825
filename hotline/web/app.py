"""The app factory, and the WSGI entry point (`hotline.web.app:create_app()`)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import redis
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from hotline import logs
from hotline.reports import live
from hotline.settings import Settings
from hotline.web import resources, webhooks
from hotline.web.dashboard import init_dashboard
from hotline.web.metrics import init_metrics
from hotline.wiring import build_hotline, refuse_evicting_redis

# Twilio's webhooks are a few kilobytes; anything larger is refused (413) before it is parsed.
MAX_BODY = 64 * 1024


def create_app(settings: Settings | None = None, clock: Callable[[], float] = time.time) -> Flask:
    """Build the hotline's WSGI app (settings from the environment unless given).

    `clock` is the time staff sessions, codes, throttling and the audit trail go by.
    """
    settings = settings or Settings.from_env(os.environ)
    logs.install()
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    if settings.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)  # type: ignore[method-assign]
    hotline = build_hotline(settings, clock)
    refuse_evicting_redis(hotline)
    resources.attach(app, hotline)
    app.register_blueprint(webhooks.bp)
    init_dashboard(app, settings)
    init_metrics(app)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/healthz/workers", "healthz_workers", healthz_workers)
    return app


def healthz() -> tuple[str, int]:
    """For a load balancer: 200 while this process can reach its Redis, else 503."""
    try:
        resources.hotline().redis.ping()
    except redis.RedisError:
        return "redis unreachable\n", 503
    return "ok\n", 200


def healthz_workers() -> tuple[str, int]:
    """The workers' heartbeat: 200 while an RQ worker checked in within two minutes, else 503."""
    try:
        alive = live.workers_alive(resources.hotline())
    except redis.RedisError:
        return "redis unreachable\n", 503
    return (f"{alive} worker(s)\n", 200) if alive else ("no worker has checked in\n", 503)
