"""`hotline callbacks show|note|schedule|release|assign` and `list --json`'s new fields, through
click's CliRunner on the private Redis: checked by role, audited."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis
from click.testing import CliRunner, Result

from hotline.cli.main import main
from hotline.stores.audit import AuditTrail
from hotline.stores.callbacks import CallbackOutcome, CallbackQueue, Mention
from hotline.stores.staff import Role, StaffDirectory
from tests.support import AUTH_TOKEN, PASSWORD, callback_request

OFFICE = ZoneInfo("America/New_York")  # the default OFFICE_TIMEZONE


@pytest.fixture
def env(redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str | None]:
    monkeypatch.chdir(tmp_path)
    return {"REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "HOTLINE_SECRET": "s3cret"}


@pytest.fixture
def connection(redis_url: str, staff: StaffDirectory) -> redis.Redis:
    staff.add("sam", PASSWORD, "+13125550113", "Sam Ortiz", Role.SUPERVISOR)
    return redis.Redis.from_url(redis_url)


@pytest.fixture
def queue(connection: redis.Redis) -> CallbackQueue:
    return CallbackQueue(connection)


def hotline(env: dict[str, str | None], *args: str) -> Result:
    return CliRunner(env=env).invoke(main, list(args))


def actions(connection: redis.Redis, request_id: str) -> list[str]:
    return [e.action for e in AuditTrail(connection, 400).read(request=request_id)][::-1]


def test_note_schedule_and_show_a_request_with_its_history(
    env: dict[str, str | None], queue: CallbackQueue, connection: redis.Redis
) -> None:
    now = time.time()
    earlier = queue.file("e", callback_request("+12025550101", now - 86400, person="ana")).id
    queue.claim(earlier, "bob", now - 86400)
    queue.close(earlier, "bob", CallbackOutcome.WRONG_NUMBER, "Not her number.", now - 86000)
    answers = {"person": "ana", "mention": Mention.CANCERCARE, "first_name": "Ana"}
    request_id = queue.file("n", callback_request("+12025550101", now - 60, **answers)).id

    refused = hotline(env, "callbacks", "note", request_id, "--as", "alice", "--text", "Hi")
    assert refused.exit_code == 1 and "does not hold" in refused.output
    queue.claim(request_id, "alice", time.time())
    for text in ("Busy at 14:05.", "Busy again."):
        result = hotline(env, "callbacks", "note", request_id, "--as", "alice", "--text", text)
        assert result.exit_code == 0, result.output
    at = (datetime.now(OFFICE) + timedelta(days=1)).strftime("%Y-%m-%dT10:00")
    result = hotline(env, "callbacks", "schedule", request_id, "--as", "alice", "--at", at)
    assert result.exit_code == 0 and f"due {at}" in result.output, result.output
    assert (
        hotline(env, "callbacks", "schedule", request_id, "--as", "alice", "--at", "soon").exit_code
        == 1
    )

    shown = json.loads(hotline(env, "callbacks", "show", request_id, "--json").output)
    assert [n["text"] for n in shown["notes"]] == ["Busy again.", "Busy at 14:05."]
    assert shown["first_name"] == "Ana" and shown["mention"] == "cancercare"
    assert shown["due_at"] > now and shown["claimed_by"] == ""
    [before] = shown["history"]
    assert before["id"] == earlier and before["outcome"] == "wrong_number"
    assert before["notes"][0]["text"] == "Not her number." and before["attempts"][0]["by"] == "bob"
    text = hotline(env, "callbacks", "show", request_id).output
    assert "You may say you are calling from CancerCare" in text and "earlier " + earlier in text
    assert actions(connection, request_id) == ["note", "note", "schedule", "view", "view"]


def test_list_json_has_the_contact_answers_treatment_soon_due_and_earlier_requests(
    env: dict[str, str | None], queue: CallbackQueue
) -> None:
    now = time.time()
    first = queue.file("a", callback_request("+12025550101", now - 9000, person="ana")).id
    queue.claim(first, "bob", now - 9000)
    queue.close(first, "bob", CallbackOutcome.REACHED, "", now - 8000)
    asked = {"person": "ana", "treatment_soon": True, "mention": Mention.DISCREET}
    again = queue.file("b", callback_request("+12025550101", now - 60, **asked)).id
    later = queue.file("c", callback_request("+12025550102", now - 30)).id
    queue.schedule(later, "sam", now + 86400, now, override=True)
    rows = {r["id"]: r for r in json.loads(hotline(env, "callbacks", "list", "--json").output)}
    assert list(rows) == [again, later]  # the one scheduled for later at the end
    assert rows[again]["treatment_soon"] is True and rows[again]["mention"] == "discreet"
    assert rows[again]["earlier_requests"] == 1 and rows[again]["due"] is None
    assert rows[later]["due"].startswith(
        datetime.fromtimestamp(now + 86400, OFFICE).strftime("%Y-%m-%dT")
    )
    assert "TREATMENT-SOON" in hotline(env, "callbacks", "list").output


def test_release_and_assign_are_checked_by_role_and_audited(
    env: dict[str, str | None], queue: CallbackQueue, connection: redis.Redis
) -> None:
    request_id = queue.file("a", callback_request("+12025550101", time.time() - 60)).id
    queue.claim(request_id, "alice", time.time())
    assert hotline(env, "callbacks", "release", request_id, "--as", "bob").exit_code == 1
    result = hotline(env, "callbacks", "release", request_id, "--as", "alice")
    assert result.exit_code == 0 and "back in the queue" in result.output
    refused = hotline(env, "callbacks", "assign", request_id, "--to", "bob", "--as", "alice")
    assert refused.exit_code == 1 and "may not hand a claimed request" in refused.output
    result = hotline(env, "callbacks", "assign", request_id, "--to", "bob", "--as", "sam")
    assert result.exit_code == 0 and "bob holds it now (from nobody)" in result.output
    assert queue.get(request_id).held_by(time.time()) == "bob"
    assert (
        hotline(env, "callbacks", "assign", request_id, "--to", "nobody", "--as", "sam").exit_code
        == 1
    )
    assert actions(connection, request_id) == ["release", "handover"]


def test_staff_languages(env: dict[str, str | None], connection: redis.Redis) -> None:
    result = hotline(env, "staff", "languages", "alice", "es,en")
    assert result.exit_code == 0 and "speaks en, es" in result.output
    assert StaffDirectory(connection).get("alice").languages == ("en", "es")
    assert hotline(env, "staff", "languages", "alice", "spanish!").exit_code == 1
    assert json.loads(hotline(env, "staff", "list", "--json").output)[0]["languages"] == [
        "en",
        "es",
    ]
