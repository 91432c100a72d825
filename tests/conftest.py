"""Shared fixtures: a private redis-server, settings, the app, the content, staff, phones.

The helpers they are built from (signed requests, `Phone`, `run_jobs`, …) are in
`tests/support.py`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from flask import Flask

from flows.model import Flows
from hotline.dev.phone import Caller
from hotline.dev.redis_server import RedisNotInstalled, RedisServer
from hotline.dev.twilio_standin import TwilioStandIn
from hotline.reports import counters as report_counters
from hotline.settings import Settings
from hotline.stores.staff import StaffDirectory
from hotline.web.app import create_app
from tests.support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CALLER,
    Phone,
    add_staff,
    base_settings,
    shipped_flows,
    transport,
)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server on a unix socket for this test session; yields its URL."""
    # Bursts of hundreds of simultaneous first connections (the concurrency tests):
    # a longer queue of connections waiting to be accepted than the default 511.
    server = RedisServer(tmp_path_factory.mktemp("redis"), False, "--tcp-backlog", "4096")
    try:
        server.start()
    except RedisNotInstalled as error:
        pytest.fail(f"{error} (or `apt-get install redis-server`)", pytrace=False)
    yield server.url
    server.stop()


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The private Redis, emptied for this test (after the report counts that earlier tests' apps
    still buffer are written, so that none arrives in the middle of this one)."""
    report_counters.flush_all()
    redis.Redis.from_url(redis_server).flushall()
    return redis_server


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    """A local stand-in for Twilio's REST API, recording what the hotline sends."""
    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN) as standin:
        yield standin


@pytest.fixture
def settings(redis_url: str, twilio: TwilioStandIn) -> Settings:
    """The hotline's settings on the private Redis and the Twilio stand-in."""
    return base_settings(redis_url, twilio.url)


@pytest.fixture
def app(settings: Settings) -> Flask:
    return create_app(settings)


@pytest.fixture(scope="session")
def flows() -> Flows:
    """The shipped content, loaded once."""
    return shipped_flows()


@pytest.fixture
def staff(redis_url: str) -> StaffDirectory:
    """Staff accounts alice and bob (password `support.PASSWORD`) on the private Redis."""
    return add_staff(redis.Redis.from_url(redis_url))


@pytest.fixture
def phone(app: Flask) -> Phone:
    return Phone(app.test_client())


@pytest.fixture
def caller(app: Flask) -> Caller:
    return Caller(transport(app.test_client()), CALLER)
