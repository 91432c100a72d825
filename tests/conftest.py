"""Shared fixtures: a private redis-server, settings, the app, and Twilio-signed requests."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import redis
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer
from twilio.request_validator import RequestValidator

from flows.content import load_flows
from flows.model import Flows
from hotline.dev.phone import Caller, Texter, Transport
from hotline.dev.twilio_standin import TwilioStandIn
from hotline.settings import Settings
from hotline.web.app import create_app

AUTH_TOKEN = "test-auth-token"
PUBLIC_BASE_URL = "https://hotline.example.org"
ACCOUNT_SID = "AC" + "0" * 32


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server on a unix socket for this test session; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server is not installed: run `bash .ci/setup` (or `apt-get install redis-server`)",
            pytrace=False,
        )
    folder = tmp_path_factory.mktemp("redis")
    socket = folder / "redis.sock"
    process = subprocess.Popen(
        [
            binary,
            "--port",
            "0",
            "--unixsocket",
            str(socket),
            "--dir",
            str(folder),
            "--save",
            "",
            "--appendonly",
            "no",
            # Bursts of hundreds of simultaneous first connections (the concurrency tests):
            # a longer queue of connections waiting to be accepted than the default 511.
            "--tcp-backlog",
            "4096",
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"unix://{socket}"
    wait_until(redis.Redis.from_url(url).ping, "the tests' redis-server", 10.0)
    yield url
    process.terminate()
    process.wait(timeout=10)


def wait_until(ready: Callable[[], object], what: str, seconds: float = 20.0) -> None:
    """Poll `ready()` until it is true (Redis and socket errors count as not yet), or time out."""
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(redis.RedisError, OSError):
            if ready():
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not ready within {seconds:.0f}s")
        time.sleep(0.02)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The private Redis, emptied for this test."""
    redis.Redis.from_url(redis_server).flushall()
    return redis_server


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    """A local stand-in for Twilio's REST API, recording what the hotline sends."""
    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN) as standin:
        yield standin


@pytest.fixture
def settings(redis_url: str, twilio: TwilioStandIn) -> Settings:
    return Settings(
        redis_url=redis_url,
        twilio_auth_token=AUTH_TOKEN,
        secret_key="test-secret",
        twilio_account_sid=ACCOUNT_SID,
        twilio_phone_number="+15005550006",
        twilio_api_base_url=twilio.url,
        public_base_url=PUBLIC_BASE_URL,
        staff_alert_numbers=("+15557770001",),
        sms_per_minute=1000,  # tests read the whole fact sheet in a second; test_abuse sets its own
    )


def worker_env(settings: Settings) -> dict[str, str]:
    """The environment an RQ worker process needs to serve `settings`' hotline."""
    return {
        "REDIS_URL": settings.redis_url, "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
        "HOTLINE_SECRET": settings.secret_key, "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "TWILIO_PHONE_NUMBER": settings.twilio_phone_number,
        "TWILIO_API_BASE_URL": settings.twilio_api_base_url,
        "STAFF_ALERT_NUMBERS": ",".join(settings.staff_alert_numbers),
        "TEXTS_PER_HOUR": str(settings.texts_per_hour),
        "OFFICE_HOURS": "mon-fri 09:00-17:00", "OFFICE_TIMEZONE": "America/New_York",
    }  # fmt: skip


def run_jobs(settings: Settings) -> None:
    """Run every queued job in this process (RQ's SimpleWorker), as the worker would."""
    from hotline.outbound import jobs

    connection = redis.Redis.from_url(settings.redis_url)
    queue = Queue("hotline", connection=connection, serializer=JSONSerializer)
    with pytest.MonkeyPatch.context() as mp:
        for name, value in worker_env(settings).items():
            mp.setenv(name, value)
        jobs.hotline.cache_clear()
        worker = SimpleWorker([queue], connection=connection, serializer=JSONSerializer)
        worker.work(burst=True)
    jobs.hotline.cache_clear()


@pytest.fixture
def app(settings: Settings):
    return create_app(settings)


@pytest.fixture(scope="session")
def flows() -> Flows:
    return load_flows()


def sign(url: str, params: dict[str, str] | list[tuple[str, str]], token: str = AUTH_TOKEN) -> str:
    """The X-Twilio-Signature Twilio would send for a POST of `params` to `url`."""
    from werkzeug.datastructures import MultiDict

    return RequestValidator(token).compute_signature(url, MultiDict(params))


def transport(client) -> Transport:
    """Signed posts through Flask's test client, as Twilio would send them to PUBLIC_BASE_URL."""

    def post(path: str, params: dict[str, str]) -> bytes:
        response = post_signed(client, path, params)
        assert response.status_code == 200, (response.status_code, response.data)
        return response.data

    return post


class Phone:
    """A phone texting the hotline through the test client; `text` returns the reply bodies."""

    def __init__(self, client, number: str = "+15551230001") -> None:
        self.texter = Texter(transport(client), number)
        self.number = number

    def text(self, body: str, sid: str = "") -> list[str]:
        return [t.body for t in self.texter.text(body, sid)]


def sms_params(number: str, body: str, sid: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": number,
        "To": "+15005550006",
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }


def post_signed(client, path: str, params: dict[str, str], token: str = AUTH_TOKEN):
    return client.post(
        path,
        data=params,
        headers={"X-Twilio-Signature": sign(PUBLIC_BASE_URL + path, params, token)},
    )


def message_bodies(xml: bytes) -> list[str]:
    """The texts of each <Message> in a TwiML messaging response."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml)
    assert root.tag == "Response"
    return [m.text or "" for m in root.findall("Message")]


@pytest.fixture
def phone(app) -> Phone:
    return Phone(app.test_client())


@pytest.fixture
def caller(app) -> Caller:
    return Caller(transport(app.test_client()), "+15551230002")


def run_all(tasks, timeout: float = 120) -> None:
    """Run callables at once, in threads; re-raise the first failure here."""
    errors: list[BaseException] = []

    def guarded(task) -> None:
        try:
            task()
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in tasks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    if errors:
        raise errors[0]


def send_at_once(app, number: str, body: str, count: int) -> list[int]:
    """`count` different texts of `body` from `number`, all posted at the same moment; statuses."""
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def send(i: int) -> None:
        params = sms_params(number, body, f"SM{i:032d}")
        barrier.wait()
        statuses.append(post_signed(app.test_client(), "/twilio/sms", params).status_code)

    run_all([lambda i=i: send(i) for i in range(count)])
    return statuses
