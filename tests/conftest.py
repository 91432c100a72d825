"""Shared fixtures: a private redis-server, settings, the app, and Twilio-signed requests."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from twilio.request_validator import RequestValidator

from flows.content import load_flows
from flows.model import Flows
from hotline.app import create_app
from hotline.phone import Caller, Texter, Transport
from hotline.settings import Settings

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
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"unix://{socket}"
    _wait_for(url)
    yield url
    process.terminate()
    process.wait(timeout=10)


def _wait_for(url: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            redis.Redis.from_url(url).ping()
            return
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The private Redis, emptied for this test."""
    redis.Redis.from_url(redis_server).flushall()
    return redis_server


@pytest.fixture
def settings(redis_url: str) -> Settings:
    return Settings(
        redis_url=redis_url,
        twilio_auth_token=AUTH_TOKEN,
        secret_key="test-secret",
        twilio_account_sid=ACCOUNT_SID,
        twilio_phone_number="+15005550006",
        public_base_url=PUBLIC_BASE_URL,
    )


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
