"""`hotline callbacks …` and `hotline staff …` through click's CliRunner, on the private Redis."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner, Result
from rq import Queue
from rq.serializers import JSONSerializer

from hotline.cli.main import main
from hotline.stores.callbacks import CallbackQueue, Status
from hotline.stores.staff import StaffDirectory
from hotline.wiring import QUEUE
from tests.support import AUTH_TOKEN, PASSWORD, file_request


@pytest.fixture
def env(redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str | None]:
    """The environment the commands run in, from a scratch folder (`.hotline/dev.env` goes there)."""
    monkeypatch.chdir(tmp_path)
    return {"REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "HOTLINE_SECRET": "s3cret"}


@pytest.fixture
def connection(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


@pytest.fixture
def queue(connection: redis.Redis) -> CallbackQueue:
    return CallbackQueue(connection)


def hotline(env: dict[str, str | None], *args: str, input: str | None = None) -> Result:
    return CliRunner(env=env).invoke(main, list(args), input=input)


def file(queue: CallbackQueue, number: str, at: float, urgent: bool = False) -> str:
    """File a request from `number` for an evening call, voicemail allowed; its id."""
    return file_request(queue, number, at, urgent, window="evening", voicemail=True)


def test_staff_add_asks_for_the_password_twice_without_showing_it(
    env: dict[str, str | None], connection: redis.Redis
) -> None:
    typed = f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n"
    result = hotline(
        env, "staff", "add", "carol", "--phone", "+13125550113", "--name", "Carol", input=typed
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output and PASSWORD not in result.output
    assert "added carol (Carol)" in result.output
    assert StaffDirectory(connection).verify("carol", PASSWORD).phone == "+13125550113"
    assert (Path(".hotline") / "dev.env").exists()


def test_staff_add_refuses_a_bad_phone_and_a_taken_name(
    env: dict[str, str | None], staff: StaffDirectory
) -> None:
    typed = f"{PASSWORD}\n{PASSWORD}\n"
    bad = hotline(env, "staff", "add", "carol", "--phone", "555-0100", input=typed)
    assert bad.exit_code == 1 and "E.164" in bad.output
    taken = hotline(env, "staff", "add", "alice", "--phone", "+13125550119", input=typed)
    assert taken.exit_code == 1 and "already" in taken.output


def test_staff_list(env: dict[str, str | None], staff: StaffDirectory) -> None:
    result = hotline(env, "staff", "list")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "alice                 +13125550111      social_worker  enabled   no-2fa  Alice Ng",
        "bob                   +13125550112      social_worker  enabled   no-2fa  bob",
    ]
    assert "scrypt" not in result.output and "pbkdf2" not in result.output


def test_callbacks_list_in_queue_order_and_as_json(
    env: dict[str, str | None], queue: CallbackQueue
) -> None:
    assert "Nobody is waiting" in hotline(env, "callbacks", "list").output
    now = time.time()
    old = file(queue, "+12025550102", now - 2 * 3600 - 600)
    urgent = file(queue, "+12025550103", now - 60, urgent=True)
    queue.claim(old, "alice", now)
    table = hotline(env, "callbacks", "list").output.splitlines()
    assert table[0].split() == [
        "ID",
        "NUMBER",
        "WAITING",
        "TRIES",
        "WINDOW",
        "VOICEMAIL",
        "LANG",
        "STATUS",
    ]
    assert table[1].split() == [
        urgent,
        "+12025550103",
        "1",
        "min",
        "0/3",
        "evening",
        "yes",
        "en",
        "URGENT",
        "open",
    ]
    assert table[2].split()[:4] == [old, "+12025550102", "2", "h"]
    assert table[2].endswith("claimed by alice")
    rows = json.loads(hotline(env, "callbacks", "list", "--json").output)
    assert [r["id"] for r in rows] == [urgent, old]
    assert rows[1]["held_by"] == "alice" and rows[1]["status"] == "claimed"
    assert (
        rows[0]["voicemail"] is True
        and rows[0]["window"] == "evening"
        and 59 <= rows[0]["age"] <= 70
    )


def test_callbacks_claim_as_one_colleague_at_a_time(
    env: dict[str, str | None], queue: CallbackQueue, staff: StaffDirectory
) -> None:
    request_id = file(queue, "+12025550102", time.time())
    claimed = hotline(env, "callbacks", "claim", request_id, "--as", "alice")
    assert claimed.exit_code == 0 and f"alice holds {request_id}" in claimed.output
    assert "call +12025550102" in claimed.output
    taken = hotline(env, "callbacks", "claim", request_id, "--as", "bob")
    assert taken.exit_code == 1 and "a colleague holds" in taken.output
    nobody = hotline(env, "callbacks", "claim", request_id, "--as", "mallory")
    assert nobody.exit_code == 1 and "no staff account 'mallory'" in nobody.output
    unknown = hotline(env, "callbacks", "claim", "nope", "--as", "bob")
    assert unknown.exit_code == 1 and "not in the queue" in unknown.output
    assert queue.get(request_id).claimed_by == "alice"


def test_callbacks_close_counts_no_answers_and_the_last_queues_the_final_text(
    env: dict[str, str | None], queue: CallbackQueue, staff: StaffDirectory, connection: redis.Redis
) -> None:
    request_id = file(queue, "+12025550102", time.time())
    jobs = Queue(QUEUE, connection=connection, serializer=JSONSerializer)
    for attempt in (1, 2, 3):
        hotline(env, "callbacks", "claim", request_id, "--as", "alice")
        result = hotline(
            env,
            "callbacks",
            "close",
            request_id,
            "--as",
            "alice",
            "--outcome",
            "no_answer",
            "--note",
            "rang out",
        )
        assert result.exit_code == 0, result.output
        assert f"no_answer (attempt {attempt} of 3)" in result.output
        assert queue.get(request_id).attempts == attempt
    assert "closed" in result.output and queue.get(request_id).status is Status.CLOSED
    assert queue.get(request_id).note == "rang out"
    assert jobs.job_ids == [f"final-{request_id}"]


def test_callbacks_close_by_another_colleague_or_with_a_bad_outcome_is_refused(
    env: dict[str, str | None], queue: CallbackQueue, staff: StaffDirectory
) -> None:
    request_id = file(queue, "+12025550102", time.time())
    hotline(env, "callbacks", "claim", request_id, "--as", "alice")
    mine = hotline(env, "callbacks", "close", request_id, "--as", "bob", "--outcome", "reached")
    assert mine.exit_code == 1 and "a colleague holds" in mine.output
    bad = hotline(env, "callbacks", "close", request_id, "--as", "alice", "--outcome", "maybe")
    assert bad.exit_code == 2 and "reached" in bad.output
    done = hotline(env, "callbacks", "close", request_id, "--as", "alice", "--outcome", "reached")
    assert done.exit_code == 0 and f"{request_id}: reached; closed" in done.output


def test_without_redis_url_the_private_redis_of_hotline_run_is_used(
    env: dict[str, str | None], redis_url: str, queue: CallbackQueue
) -> None:
    env["REDIS_URL"] = None  # unset, whatever the test run's own environment holds
    missing = hotline(env, "callbacks", "list")
    assert missing.exit_code == 1 and "REDIS_URL (or REDIS_SENTINELS) is not set" in missing.output
    folder = Path(".hotline") / "redis"
    folder.mkdir(parents=True)
    (folder / "redis.sock").symlink_to(redis_url.removeprefix("unix://"))
    file(queue, "+12025550102", time.time())
    assert "+12025550102" in hotline(env, "callbacks", "list").output
