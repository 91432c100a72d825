"""The app factory: settings, Redis, content and the blueprints, wired once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass

import redis
from flask import Flask, current_app
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.retry import Retry
from redis.sentinel import Sentinel
from rq import Queue
from rq.serializers import JSONSerializer
from twilio.request_validator import RequestValidator
from werkzeug.middleware.proxy_fix import ProxyFix

from flows.content import load_flows
from flows.model import Flows
from hotline import logs
from hotline.callbacks import CallbackQueue
from hotline.failover import MasterWatch
from hotline.outbox import QUEUE, Outbox
from hotline.settings import Settings
from hotline.store import ConversationStore

# Redis answers in well under a millisecond; a webhook must not hang waiting for a dead one.
REDIS_TIMEOUT = 1.0
TIMEOUTS = {"socket_timeout": REDIS_TIMEOUT, "socket_connect_timeout": REDIS_TIMEOUT}


@dataclass(frozen=True)
class Hotline:
    """The resources every view and job shares."""

    settings: Settings
    redis: redis.Redis
    flows: Flows
    store: ConversationStore
    callbacks: CallbackQueue
    outbox: Outbox
    master: MasterWatch
    validator: RequestValidator


def build_hotline(settings: Settings) -> Hotline:
    """Connect to Redis, load the content, and build the stores on top.

    Conversations may live on their own Redis, a Cluster even (their keys carry hash tags);
    the queue, RQ and staff accounts stay on one Redis (their scripts need one node), which
    may have replicas and Sentinels to fail over to one of them.
    """
    connection = connect_queue(settings)
    conversations: redis.Redis | RedisCluster = connection
    if settings.conversation_redis_cluster:
        conversations = RedisCluster.from_url(settings.conversation_redis_url, **TIMEOUTS)
    elif settings.conversation_redis_url:
        conversations = redis.Redis.from_url(settings.conversation_redis_url, **TIMEOUTS)
    store = ConversationStore(conversations, settings.secret_key, settings.conversation_ttl)
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer)
    master = MasterWatch(connection)
    return Hotline(
        settings=settings,
        redis=connection,
        flows=load_flows(),
        store=store,
        callbacks=CallbackQueue(connection, keep_closed=settings.closed_callback_days * 86400),
        outbox=Outbox(connection, queue, store, master),
        master=master,
        validator=RequestValidator(settings.twilio_auth_token),
    )


def connect_queue(settings: Settings) -> redis.Redis:
    """The queue's Redis: REDIS_URL, or the master the Sentinels name (found again on failover)."""
    if settings.redis_sentinels:
        # No retries: a Sentinel or master that does not answer must fail fast, not for seconds.
        once = {**TIMEOUTS, "retry": Retry(NoBackoff(), 0)}
        sentinel = Sentinel(settings.redis_sentinels, sentinel_kwargs=once, **once)
        return sentinel.master_for(settings.redis_sentinel_master, health_check_interval=30)
    # A burst beyond the pool waits briefly for a connection instead of failing at once.
    pool = redis.BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=64,
        timeout=REDIS_TIMEOUT,
        health_check_interval=30,
        **TIMEOUTS,
    )
    return redis.Redis(connection_pool=pool)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the hotline's WSGI app (settings from the environment unless given)."""
    settings = settings or Settings.from_env(os.environ)
    logs.install()
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key
    if settings.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1, x_host=1, x_port=1)  # type: ignore[method-assign]
    app.extensions["hotline"] = build_hotline(settings)
    from hotline import webhooks
    from hotline.dashboard import init_dashboard

    app.register_blueprint(webhooks.bp)
    app.session_interface = webhooks.SessionsButForWebhooks()
    init_dashboard(app, settings)
    app.add_url_rule("/healthz", "healthz", healthz)
    return app


def healthz() -> tuple[str, int]:
    """For a load balancer: 200 while this process can reach its Redis, else 503."""
    try:
        hotline().redis.ping()
    except redis.RedisError:
        return "redis unreachable\n", 503
    return "ok\n", 200


def hotline() -> Hotline:
    """The current app's shared resources."""
    return current_app.extensions["hotline"]
