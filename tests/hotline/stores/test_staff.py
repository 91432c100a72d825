"""StaffDirectory: accounts in Redis with roles and hashed passwords, and no lock-out by username."""

from __future__ import annotations

import pytest
import redis

from hotline.stores.staff import Role, StaffDirectory, StaffError, StaffMember
from tests.support import PASSWORD


@pytest.fixture
def directory(redis_url: str) -> StaffDirectory:
    return StaffDirectory(redis.Redis.from_url(redis_url))


def test_add_then_get_and_list(directory: StaffDirectory) -> None:
    added = directory.add("alice", PASSWORD, "+16175550101", name="Alice Ng")
    directory.add("bob", PASSWORD, "+16175550102")
    assert added == StaffMember("alice", "Alice Ng", "+16175550101")
    assert directory.get("alice") == added
    assert directory.get("nobody") is None
    assert [m.username for m in directory.list()] == ["alice", "bob"]
    assert directory.get("bob").name == "bob"


def test_passwords_are_stored_hashed(directory: StaffDirectory, redis_url: str) -> None:
    directory.add("alice", PASSWORD, "+16175550101")
    connection = redis.Redis.from_url(redis_url)
    keys = [k.decode() for k in connection.keys("*")]
    assert keys and all(k.startswith("hotline:staff:") for k in keys)
    stored = connection.hget("hotline:staff:user:alice", "password").decode()
    assert PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def test_verify(directory: StaffDirectory) -> None:
    directory.add("alice", PASSWORD, "+16175550101")
    assert directory.verify("alice", PASSWORD) == directory.get("alice")
    assert directory.verify("alice", PASSWORD + "x") is None
    assert directory.verify("nobody", PASSWORD) is None
    assert directory.verify("Not A Name!", PASSWORD) is None


@pytest.mark.parametrize(
    ("username", "password", "phone", "problem"),
    [
        ("Alice Ng", PASSWORD, "+16175550101", "username"),
        ("alice", PASSWORD, "617-555-0101", "E.164"),
        ("alice", PASSWORD, "+19005550123", "premium-rate"),
        ("alice", PASSWORD, "+442079460123", "outside the US and Canada"),
        ("alice", PASSWORD, "+15551230001", "not a valid phone number"),
        ("alice", "short", "+16175550101", "at least"),
    ],
)
def test_add_refuses_bad_values(
    directory: StaffDirectory, username: str, password: str, phone: str, problem: str
) -> None:
    with pytest.raises(StaffError, match=problem):
        directory.add(username, password, phone)
    assert directory.list() == []


def test_add_refuses_a_taken_username(directory: StaffDirectory) -> None:
    directory.add("alice", PASSWORD, "+16175550101")
    with pytest.raises(StaffError, match="already"):
        directory.add("alice", "another password", "+16175550109")
    assert directory.get("alice").phone == "+16175550101"


def test_many_wrong_passwords_lock_nobody_out(directory: StaffDirectory) -> None:
    """Throttling is by client address (stores/throttle.py): a username alone is never locked."""
    directory.add("alice", PASSWORD, "+16175550101")
    for _ in range(30):
        assert directory.verify("alice", "wrong") is None
    assert directory.verify("alice", PASSWORD) == directory.get("alice")


def test_roles_enabling_passwords_and_removal(directory: StaffDirectory) -> None:
    directory.add("alice", PASSWORD, "+16175550101")
    directory.add("sam", PASSWORD, "+16175550102", role=Role.SUPERVISOR)
    assert directory.get("alice").role is Role.SOCIAL_WORKER
    assert directory.get("sam").role is Role.SUPERVISOR
    assert directory.set_role("alice", Role.ADMIN).role is Role.ADMIN
    assert directory.set_enabled("alice", False).enabled is False
    assert directory.verify("alice", PASSWORD).enabled is False  # the view refuses it
    assert directory.set_enabled("alice", True).enabled
    directory.set_password("alice", "another long password")
    assert directory.verify("alice", PASSWORD) is None
    assert directory.verify("alice", "another long password") is not None
    directory.remove("alice")
    assert directory.get("alice") is None and [m.username for m in directory.list()] == ["sam"]
    with pytest.raises(StaffError, match="no staff account"):
        directory.set_role("alice", Role.SUPERVISOR)
