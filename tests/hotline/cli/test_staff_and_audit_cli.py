"""`hotline staff …` changes and `hotline audit …`, through click's CliRunner on the private Redis."""

from __future__ import annotations

import gzip
import json
import os
import stat
import time
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner, Result

from hotline.cli.main import main
from hotline.settings import Settings
from hotline.stores.audit import Action, Actor, AuditTrail
from hotline.stores.callbacks import CallbackQueue, CallbackRequest
from hotline.stores.sessions import SessionStore
from hotline.stores.staff import Role, StaffDirectory

PASSWORD = "correct horse battery"


@pytest.fixture
def env(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    return {"REDIS_URL": settings.redis_url, "TWILIO_AUTH_TOKEN": "t", "HOTLINE_SECRET": "s"}


@pytest.fixture
def connection(redis_url: str) -> redis.Redis:
    connection = redis.Redis.from_url(redis_url)
    staff = StaffDirectory(connection)
    staff.add("alice", PASSWORD, "+13125550111", "Alice Ng")
    staff.add("sam", PASSWORD, "+13125550113", "Sam", Role.SUPERVISOR)
    staff.add("ada", PASSWORD, "+13125550114", "Ada", Role.ADMIN)
    return connection


def hotline(env: dict[str, str], *args: str, input: str | None = None) -> Result:
    return CliRunner(env=env).invoke(main, list(args), input=input)


def audit(connection: redis.Redis) -> AuditTrail:
    return AuditTrail(connection, keep_days=400)


@pytest.mark.parametrize(
    ("args", "action"),
    [
        (["disable", "alice"], "staff_disable"),
        (["remove", "alice"], "staff_remove"),
        (["passwd", "alice"], "staff_password"),
        (["role", "alice", "supervisor"], "staff_role"),
        (["logout", "alice"], "staff_logout"),
        (["reset-2fa", "alice"], "staff_reset_2fa"),
    ],
)
def test_each_change_ends_the_persons_sessions_and_is_audited_with_the_os_user(
    env: dict[str, str], connection: redis.Redis, args: list[str], action: str
) -> None:
    sessions = SessionStore(connection, 900, 3600)
    sessions.start("alice"), sessions.start("alice")
    result = hotline(env, "staff", *args, input=f"a new long password\n{'a new long password'}\n")
    assert result.exit_code == 0, result.output
    assert sessions.count("alice") == 0
    (entry,) = audit(connection).read()
    assert entry.action == action and entry.subject == "alice" and entry.os_user


def test_add_with_a_role_enable_and_list_as_json(
    env: dict[str, str], connection: redis.Redis
) -> None:
    typed = f"{PASSWORD}\n{PASSWORD}\n"
    assert (
        hotline(
            env, "staff", "add", "boss", "--phone", "+13125550115", "--role", "admin", input=typed
        ).exit_code
        == 0
    )
    hotline(env, "staff", "disable", "alice")
    hotline(env, "staff", "enable", "alice")
    rows = json.loads(hotline(env, "staff", "list", "--json").output)
    assert {r["username"]: r["role"] for r in rows}["boss"] == "admin"
    assert all(r["enabled"] for r in rows) and "password" not in json.dumps(rows)
    assert [e.action for e in audit(connection).read()] == [
        "staff_enable",
        "staff_disable",
        "staff_add",
    ]


def test_as_names_an_enabled_account_whose_role_may_do_it(
    env: dict[str, str], connection: redis.Redis
) -> None:
    refused = hotline(env, "staff", "disable", "sam", "--as", "alice")
    assert refused.exit_code == 1 and "may not" in refused.output
    refused = hotline(env, "staff", "disable", "ada", "--as", "sam")
    assert refused.exit_code == 1 and "may not manage" in refused.output
    assert hotline(env, "staff", "disable", "alice", "--as", "sam").exit_code == 0
    (entry,) = audit(connection).read()
    assert entry.user == "sam" and entry.os_user
    now = time.time()
    request = CallbackRequest(
        id="", person="p1", number="+12025550101", channel="sms", lang="en", topic="find",
        window="any", voicemail=False, urgent=False, requested_at=now, updated_at=now,
    )  # fmt: skip
    request_id = CallbackQueue(connection).file("f1", request).id
    disabled = hotline(env, "callbacks", "claim", request_id, "--as", "alice")
    assert disabled.exit_code == 1 and "disabled" in disabled.output
    claimed = hotline(env, "callbacks", "claim", request_id, "--as", "sam")
    assert (
        claimed.exit_code == 0 and "+12025550101" in claimed.output
    )  # the CLI keeps whole numbers
    entry = audit(connection).read()[0]
    assert (entry.action, entry.user, entry.request) == ("claim", "sam", request_id)


def test_audit_prints_filtered_and_exports_old_entries_owner_only(
    env: dict[str, str], connection: redis.Redis, tmp_path: Path
) -> None:
    trail = AuditTrail(connection, keep_days=400, clock=lambda: time.time() - 3 * 86400)
    trail.record(Action.SIGN_IN, Actor("alice", "10.0.0.1"))
    audit(connection).record(Action.CLAIM, Actor("sam", "10.0.0.2"), request="abc123")
    lines = hotline(env, "audit", "--json").output.splitlines()
    assert [json.loads(line)["action"] for line in lines] == ["claim", "sign_in"]
    assert "abc123" in hotline(env, "audit", "--request", "abc123").output
    assert "No entries" in hotline(env, "audit", "--user", "nobody").output
    recent = hotline(
        env, "audit", "--since", time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
    )
    assert "claim" in recent.output and "sign_in" not in recent.output
    before = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
    out = tmp_path / "archive.jsonl.gz"
    result = hotline(env, "audit", "export", "--before", before, "--out", str(out))
    assert result.exit_code == 0 and "wrote 1 entries" in result.output, result.output
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    with gzip.open(out, "rt") as lines_file:
        (exported,) = [json.loads(line) for line in lines_file]
    assert exported["action"] == "sign_in" and exported["client"] == "10.0.0.1"
    assert [e.action for e in audit(connection).read()] == ["export", "claim"]
    again = hotline(env, "audit", "export", "--before", before, "--out", str(out))
    assert again.exit_code == 1 and "exists" in again.output
