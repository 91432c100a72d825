"""The app factory: settings, Redis, content and the blueprints, wired once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass

import redis
from flask import Flask, current_app
from twilio.request_validator import RequestValidator
from werkzeug.middleware.proxy_fix import ProxyFix

from flows.content import load_flows
from flows.model import Flows
from hotline import logs
from hotline.settings import Settings
from hotline.store import ConversationStore

# Redis answers in well under a millisecond; a webhook must not hang waiting for a dead one.
REDIS_TIMEOUT = 1.0


@dataclass(frozen=True)
class Hotline:
    """The resources every view shares."""

    settings: Settings
    redis: redis.Redis
    flows: Flows
    store: ConversationStore
    validator: RequestValidator


def create_app(settings: Settings | None = None) -> Flask:
    """Build the hotline's WSGI app (settings from the environment unless given)."""
    settings = settings or Settings.from_env(os.environ)
    logs.install()
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key
    if settings.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1, x_host=1, x_port=1)  # type: ignore[method-assign]
    connection = redis.Redis.from_url(
        settings.redis_url,
        socket_timeout=REDIS_TIMEOUT,
        socket_connect_timeout=REDIS_TIMEOUT,
        health_check_interval=30,
    )
    app.extensions["hotline"] = Hotline(
        settings=settings,
        redis=connection,
        flows=load_flows(),
        store=ConversationStore(connection, settings.secret_key, settings.conversation_ttl),
        validator=RequestValidator(settings.twilio_auth_token),
    )
    from hotline import webhooks

    app.register_blueprint(webhooks.bp)
    return app


def hotline() -> Hotline:
    """The current app's shared resources."""
    return current_app.extensions["hotline"]
