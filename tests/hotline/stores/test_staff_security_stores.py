"""Sessions, second factors, the audit trail and log-in throttling, each against the private Redis."""

from __future__ import annotations

import time

import pyotp
import pytest
import redis

from hotline.stores.audit import Action, Actor, AuditTrail
from hotline.stores.sessions import SessionStore, Stage
from hotline.stores.staff import StaffDirectory
from hotline.stores.throttle import ADDRESS, PAIR, HashBudget, LoginThrottle
from hotline.stores.two_factor import TwoFactor


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def connection(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_sessions_idle_absolute_inactive_loads_and_no_resurrection(
    connection: redis.Redis, clock: Clock
) -> None:
    store = SessionStore(connection, idle_seconds=900, absolute_seconds=3600, clock=clock)
    session = store.start("alice", Stage.SIGNED_IN)
    clock.now += 800
    assert store.load(session.id) is not None  # used: idle restarts
    clock.now += 800
    assert store.load(session.id, active=False) is not None  # an auto refresh...
    clock.now += 200
    assert store.load(session.id) is None  # ...did not count
    busy = store.start("alice")
    for _ in range(6):
        clock.now += 599
        assert store.load(busy.id) is not None
    clock.now += 10
    assert store.load(busy.id) is None  # an hour since log-in, however busy
    ended = store.start("alice")
    store.end_all("alice")
    store.save(ended, {"csrf_token": "x"})
    assert store.load(ended.id) is None and store.count("alice") == 0
    ttl = connection.pttl(f"hotline:staff:session:{store.start('bob').id}")
    assert 0 < ttl <= 900_000  # Redis forgets it by itself


def test_totp_codes_are_good_once_within_the_drift(connection: redis.Redis, clock: Clock) -> None:
    StaffDirectory(connection).add("sam", "correct horse battery", "+13125550113")
    two_factor = TwoFactor(connection, clock)
    totp = pyotp.TOTP(two_factor.begin("sam"))
    assert two_factor.confirm("sam", "123") is None
    codes = two_factor.confirm("sam", totp.at(clock()))
    assert codes and len(set(codes)) == 10 and two_factor.pending("sam") == ""
    assert not two_factor.check("sam", totp.at(clock()))  # used to confirm
    clock.now += 30
    assert two_factor.check("sam", totp.at(clock())) and not two_factor.check(
        "sam", totp.at(clock())
    )
    assert not two_factor.check("sam", totp.at(clock() - 30))  # an older step after a newer one
    assert not two_factor.check("sam", totp.at(clock() + 120))  # beyond the drift
    assert two_factor.use_recovery_code("sam", codes[0].upper())
    assert not two_factor.use_recovery_code("sam", codes[0])
    two_factor.reset("sam")
    assert (
        not two_factor.check("sam", totp.at(clock() + 30))
        and two_factor.recovery_codes_left("sam") == 0
    )


def test_audit_filters_retention_and_export_range(connection: redis.Redis, clock: Clock) -> None:
    trail = AuditTrail(connection, keep_days=10, clock=clock)
    start = clock.now
    trail.record(Action.SIGN_IN, Actor("alice", "10.0.0.1"))
    clock.now += 86400
    trail.record(
        Action.CLAIM, Actor("alice", "10.0.0.1"), request="abc123", detail="called +12025550101"
    )
    trail.record(Action.STAFF_DISABLE, Actor("", os_user="ops"), subject="bob")
    assert [e.action for e in trail.read()] == ["staff_disable", "claim", "sign_in"]
    assert [e.action for e in trail.read(user="bob")] == ["staff_disable"]
    assert [e.action for e in trail.read(request="abc123")] == ["claim"]
    assert [e.action for e in trail.read(since=start + 3600)] == ["staff_disable", "claim"]
    assert "2025550101" not in trail.read(request="abc123")[0].detail
    assert [e.action for e in trail.older_than(start + 3600)] == ["sign_in"]
    clock.now += 10 * 86400 - 3600  # the first entry is now past retention
    trail.record(Action.SIGN_OUT, Actor("alice"))
    assert [e.action for e in trail.read()] == ["sign_out", "staff_disable", "claim"]
    assert trail.trim_before(clock.now - 1) == 2 and len(trail.read()) == 1


def test_throttle_backs_off_the_pair_and_the_address_capped(
    connection: redis.Redis, clock: Clock
) -> None:
    throttle = LoginThrottle(connection, clock)
    for _ in range(PAIR.free):
        throttle.failed("alice", "10.0.0.1")
    assert throttle.wait("alice", "10.0.0.1") == 0
    throttle.failed("alice", "10.0.0.1")
    throttle.failed("alice", "10.0.0.1")
    assert throttle.wait("alice", "10.0.0.1") == 2 and throttle.wait("alice", "10.0.0.2") == 0
    assert throttle.wait("bob", "10.0.0.1") == 0  # the address has more allowance
    for n in range(ADDRESS.free + 1):
        throttle.failed(f"user{n}", "10.0.0.9")
    assert throttle.wait("carol", "10.0.0.9") == 1  # one address trying many names
    throttle.succeeded("alice", "10.0.0.1")
    assert throttle.wait("alice", "10.0.0.1") == 0


def test_the_hash_budget_refills_at_its_rate() -> None:
    now = [0.0]
    budget = HashBudget(2, clock=lambda: now[0])
    assert [budget.take() for _ in range(3)] == [True, True, False]
    now[0] += 0.5
    assert [budget.take(), budget.take()] == [True, False]
