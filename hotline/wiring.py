"""The composition root: Settings in, every connection, store and client out, wired once.

The web app, the RQ jobs, the CLI and the benchmark all get their resources here; nothing else
opens a connection. It imports no web framework.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.retry import Retry
from redis.sentinel import Sentinel
from rq import Queue
from rq.serializers import JSONSerializer
from twilio.request_validator import RequestValidator

from flows.content import load_flows
from flows.model import Flows
from hotline.outbound.twilio_rest import TwilioRest
from hotline.reports.counters import ReportCounters
from hotline.settings import Settings
from hotline.stores.audit import AuditTrail
from hotline.stores.callbacks import CallbackQueue
from hotline.stores.conversations import ConversationStore
from hotline.stores.failover import MasterWatch
from hotline.stores.history import CaseFiles
from hotline.stores.queue_page import QueueView
from hotline.stores.reach_counts import ReachCounts
from hotline.stores.sessions import SessionStore
from hotline.stores.staff import StaffDirectory
from hotline.stores.throttle import HashBudget, LoginThrottle
from hotline.stores.two_factor import TwoFactor

QUEUE = "hotline"  # the RQ queue's name
# Redis answers in well under a millisecond; a webhook must not hang waiting for a dead one.
REDIS_TIMEOUT = 1.0
TIMEOUTS = {"socket_timeout": REDIS_TIMEOUT, "socket_connect_timeout": REDIS_TIMEOUT}


@dataclass(frozen=True)
class Hotline:
    """The resources every view, job and command shares."""

    settings: Settings
    redis: redis.Redis
    flows: Flows
    store: ConversationStore
    callbacks: CallbackQueue
    queue_view: QueueView
    cases: CaseFiles
    staff: StaffDirectory
    two_factor: TwoFactor
    sessions: SessionStore
    audit: AuditTrail
    throttle: LoginThrottle
    hash_budget: HashBudget  # this process's password hashes a second
    queue: Queue
    master: MasterWatch
    validator: RequestValidator
    twilio: TwilioRest
    counts: ReachCounts  # check-ins and WhatsApp, for the reports
    reports: ReportCounters
    clock: Callable[[], float] = time.time  # the time the queue is read and changed at


def build_hotline(settings: Settings, clock: Callable[[], float] = time.time) -> Hotline:
    """Connect to Redis, load the content, and build the stores and clients on top.

    Conversations may live on their own Redis, a Cluster even (their keys carry hash tags);
    the queue, RQ and staff accounts stay on one Redis (their scripts need one node), which
    may have replicas and Sentinels to fail over to one of them. `clock` is what staff
    sessions, second factors, throttling, the audit trail and the queue (scheduled call backs
    fall due by it) take the time from (tests move it).
    """
    connection = connect_queue(settings)
    conversations: redis.Redis | RedisCluster = connection
    if settings.conversation_redis_cluster:
        conversations = RedisCluster.from_url(settings.conversation_redis_url, **TIMEOUTS)
    elif settings.conversation_redis_url:
        conversations = redis.Redis.from_url(settings.conversation_redis_url, **TIMEOUTS)
    # Report counts live beside the queue, never on the conversation store (maybe a Cluster).
    reports = ReportCounters(connection, settings.office_hours.zone, settings.report_days)
    return Hotline(
        settings=settings,
        redis=connection,
        flows=load_flows(),
        store=ConversationStore(conversations, settings.secret_key, settings.conversation_ttl),
        callbacks=CallbackQueue(connection, keep_closed=settings.closed_callback_days * 86400),
        queue_view=QueueView(connection),
        cases=CaseFiles(connection),
        staff=StaffDirectory(connection),
        two_factor=TwoFactor(connection, clock),
        sessions=SessionStore(
            connection,
            idle_seconds=settings.staff_idle_minutes * 60,
            absolute_seconds=settings.staff_session_hours * 3600,
            clock=clock,
        ),
        audit=AuditTrail(connection, settings.audit_days, clock),
        throttle=LoginThrottle(connection, clock),
        hash_budget=HashBudget(settings.login_hashes_per_second),
        queue=Queue(QUEUE, connection=connection, serializer=JSONSerializer),
        master=MasterWatch(connection),
        validator=RequestValidator(settings.twilio_auth_token),
        twilio=TwilioRest(settings, reports),
        counts=ReachCounts(connection),
        reports=reports,
        clock=clock,
    )


class EvictingRedis(RuntimeError):
    """A Redis that may evict keys under memory pressure: it could drop a request or an opt-out."""


def refuse_evicting_redis(h: Hotline) -> None:
    """Raise EvictingRedis unless each Redis the hotline writes to has maxmemory-policy noeviction.

    A Redis that cannot be reached, or that refuses CONFIG (some managed ones), is not judged:
    the first is answered gracefully per request, the second is its operators' to configure.
    """
    for role, connection in (("queue", h.redis), ("conversations", h.store.connection)):
        try:
            found = connection.config_get("maxmemory-policy")
        except redis.RedisError:
            continue
        policy = found.get("maxmemory-policy") if isinstance(found, dict) else None
        if policy not in (None, "noeviction"):
            raise EvictingRedis(
                f"the {role} Redis has maxmemory-policy {policy}: it could silently drop a "
                "call-back request or an opt-out. Set `maxmemory-policy noeviction` and start again."
            )


def from_environment() -> Hotline:
    """The hotline as the environment configures it (the worker's and the app's default)."""
    return build_hotline(Settings.from_env(os.environ))


def connect_queue(settings: Settings) -> redis.Redis:
    """The queue's Redis: REDIS_URL, or the master the Sentinels name (found again on failover)."""
    if settings.redis_sentinels:
        # No retries: a Sentinel or master that does not answer must fail fast, not for seconds.
        once: dict[str, Any] = {**TIMEOUTS, "retry": Retry(NoBackoff(), 0)}
        sentinel = Sentinel(settings.redis_sentinels, sentinel_kwargs=once, **once)
        master: redis.Redis = sentinel.master_for(
            settings.redis_sentinel_master, health_check_interval=30
        )
        return master
    # A burst beyond the pool waits briefly for a connection instead of failing at once.
    pool = redis.BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=64,
        timeout=REDIS_TIMEOUT,
        health_check_interval=30,
        **TIMEOUTS,
    )
    return redis.Redis(connection_pool=pool)
