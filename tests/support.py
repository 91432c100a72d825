"""What the tests share besides fixtures: Twilio-signed requests, phones, staff, requests, jobs.

The fixtures in `tests/conftest.py` are built from these; a test imports what it calls by name
(`from tests.support import Phone, post_signed`).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import cache

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from flows.content import load_flows
from flows.model import Flows
from hotline.dev.phone import Texter, Transport
from hotline.settings import Settings
from hotline.stores.callbacks import CallbackQueue, CallbackRequest
from hotline.stores.staff import StaffDirectory
from hotline.wiring import QUEUE

AUTH_TOKEN = "test-auth-token"
PUBLIC_BASE_URL = "https://hotline.example.org"
ACCOUNT_SID = "AC" + "0" * 32
HOTLINE_NUMBER = "+15005550006"  # the hotline's own number (Twilio's magic test number)
PASSWORD = "correct horse battery"  # every test staff account's password

# People's numbers. libphonenumber (flows/phones.py) checks a North American number's area
# code and exchange, so the +1 555 … numbers of old are invalid (555 is no area code). NANPA
# keeps 555-0100 to 555-0199 for fiction in every area code, and libphonenumber takes them for
# ordinary US lines: the tests use those, from real area codes, one (or two) per purpose:
# 202 texters and callers, 312 staff, 212 "another number to call", others for fault suites.
TEXTER = "+12025550101"  # the `phone` fixture
CALLER = "+12025550102"  # the `caller` fixture
ALICE_PHONE = "+13125550111"
BOB_PHONE = "+13125550112"
STAFF_ALERT = "+13125550101"
# Numbers the hotline must not text or call, with why (`flows.phones.Verdict`).
PREMIUM_900 = "+19005550123"
PREMIUM_976 = "+12129760123"  # a 976 exchange: pay-per-call, a fixed line to libphonenumber
ABROAD = "+442079460123"  # London; Ofcom keeps 020 7946 0xxx for drama
CARIBBEAN = "+18765550123"  # Jamaica: +1, but billed as international
INVALID = "+15551230001"
WITHHELD = "+266696687"  # what Twilio puts in From for an anonymous caller
# Area codes whose 555-01xx `fictional` hands out, a hundred each, in this order.
AREAS = (202, 303, 305, 404, 415, 503, 512, 602, 612, 615, 617, 702, 801, 919)


def fictional(i: int, area: int = 202) -> str:
    """Number `i` of the fictional 555-0100 to 555-0199 of `area`; past 99, the next area's."""
    area = AREAS[AREAS.index(area) + i // 100]
    return f"+1{area}555{100 + i % 100:04d}"


# The content


@cache
def shipped_flows() -> Flows:
    """The shipped content, loaded once a session: the `flows` fixture, and what a module needs
    while it is collected (the Hypothesis strategies of the fuzz suite)."""
    return load_flows()


# Time


class Clock:
    """The time the app goes by (sessions, codes, throttling, audit, the queue); a test moves it."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# Waiting and ports


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


# Settings and workers


def base_settings(redis_url: str, twilio_url: str) -> Settings:
    """The settings every test starts from: the private Redis and the Twilio stand-in."""
    return Settings(
        redis_url=redis_url,
        twilio_auth_token=AUTH_TOKEN,
        secret_key="test-secret",
        twilio_account_sid=ACCOUNT_SID,
        twilio_phone_number=HOTLINE_NUMBER,
        twilio_api_base_url=twilio_url,
        public_base_url=PUBLIC_BASE_URL,
        staff_alert_numbers=(STAFF_ALERT,),
        whatsapp_sender=HOTLINE_NUMBER,
        sms_per_minute=1000,  # tests read the whole fact sheet in a second; test_abuse sets its own
    )


def as_deployed(settings: Settings) -> Settings:
    """`settings` with the per-number rate limit a deployment gets (the `settings` fixture raises it)."""
    return replace(settings, sms_per_minute=Settings.sms_per_minute)


def unlimited(settings: Settings) -> Settings:
    """`settings` with the per-number rate limit out of the way."""
    return replace(settings, sms_per_minute=1_000_000)


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
        "WHATSAPP_SENDER": settings.whatsapp_sender,
        "WHATSAPP_TEMPLATES": templates_json(settings),
    }  # fmt: skip


def templates_json(settings: Settings) -> str:
    """WHATSAPP_TEMPLATES as the environment would give `settings`' templates."""
    nested: dict[str, dict[str, dict[str, object]]] = {}
    for t in settings.whatsapp_templates:
        given: dict[str, object] = {"sid": t.content_sid}
        if t.variables:
            given["variables"] = json.loads(t.variables)
        nested.setdefault(t.text, {})[t.lang] = given
    return json.dumps(nested) if nested else ""


class BurstWorker(SimpleWorker):
    """RQ's in-process worker without its pub/sub listener for remote commands: a burst needs
    none, and stopping that listener can wait out its 60-second poll (redis-py joins it)."""

    def subscribe(self) -> None:
        """Listen for no commands."""


def run_jobs(settings: Settings) -> None:
    """Run every queued job in this process (RQ's SimpleWorker), as the worker would."""
    from hotline.outbound import jobs

    connection = redis.Redis.from_url(settings.redis_url)
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer)
    with pytest.MonkeyPatch.context() as mp:
        for name, value in worker_env(settings).items():
            mp.setenv(name, value)
        jobs.forget_resources()
        worker = BurstWorker([queue], connection=connection, serializer=JSONSerializer)
        worker.work(burst=True)
    jobs.forget_resources()


# Twilio's requests


def sign(url: str, params: dict[str, str] | list[tuple[str, str]], token: str = AUTH_TOKEN) -> str:
    """The X-Twilio-Signature Twilio would send for a POST of `params` to `url`."""
    return RequestValidator(token).compute_signature(url, MultiDict(params))


def sms_params(number: str, body: str, sid: str) -> dict[str, str]:
    """The form Twilio posts for a text from `number`."""
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": number,
        "To": HOTLINE_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }


def voice_params(number: str, call_sid: str, **extra: str) -> dict[str, str]:
    """The form Twilio posts for one request of a call from `number` (`extra`: Digits, …)."""
    return {
        "CallSid": call_sid,
        "AccountSid": ACCOUNT_SID,
        "From": number,
        "To": HOTLINE_NUMBER,
        **extra,
    }


def post_signed(
    client: FlaskClient, path: str, params: dict[str, str], token: str = AUTH_TOKEN
) -> TestResponse:
    """POST `params` to `path`, signed as Twilio signs a request to PUBLIC_BASE_URL."""
    return client.post(
        path,
        data=params,
        headers={"X-Twilio-Signature": sign(PUBLIC_BASE_URL + path, params, token)},
    )


def transport(client: FlaskClient) -> Transport:
    """Signed posts through Flask's test client, as Twilio would send them to PUBLIC_BASE_URL."""

    def post(path: str, params: dict[str, str]) -> bytes:
        response = post_signed(client, path, params)
        assert response.status_code == 200, (response.status_code, response.data)
        return response.data

    return post


def message_bodies(xml: bytes | str) -> list[str]:
    """The texts of each <Message> in a TwiML messaging response."""
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    return [m.text or "" for m in root.findall("Message")]


class Phone:
    """A phone texting the hotline through the test client; `text` returns the reply bodies."""

    def __init__(self, client: FlaskClient, number: str = TEXTER, whatsapp: bool = False) -> None:
        self.texter = Texter(transport(client), number, whatsapp)
        self.number = number

    def text(self, body: str, sid: str = "", opt_out_type: str = "") -> list[str]:
        return [t.body for t in self.texter.text(body, sid, opt_out_type)]


# Many at once


def run_all(tasks: Iterable[Callable[[], object]], timeout: float = 120) -> None:
    """Run callables at once, in threads; re-raise the first failure here."""
    errors: list[BaseException] = []

    def guarded(task: Callable[[], object]) -> None:
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


def send_at_once(app: Flask, number: str, body: str, count: int) -> list[int]:
    """`count` different texts of `body` from `number`, all posted at the same moment; statuses."""
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def send(i: int) -> None:
        params = sms_params(number, body, f"SM{i:032d}")
        barrier.wait()
        statuses.append(post_signed(app.test_client(), "/twilio/sms", params).status_code)

    run_all([lambda i=i: send(i) for i in range(count)])
    return statuses


# Staff and call-back requests


def add_staff(connection: redis.Redis) -> StaffDirectory:
    """The staff directory on `connection`, with alice (named) and bob (unnamed), both PASSWORD."""
    staff = StaffDirectory(connection)
    staff.add("alice", PASSWORD, ALICE_PHONE, name="Alice Ng")
    staff.add("bob", PASSWORD, BOB_PHONE)
    return staff


def callback_request(
    number: str, at: float, urgent: bool = False, **fields: object
) -> CallbackRequest:
    """A call-back request from `number` made at `at` (an SMS asking for a morning call, unless
    `fields` say otherwise)."""
    values: dict[str, object] = {
        "id": "", "person": f"p{number}", "number": number, "channel": "sms", "lang": "en",
        "topic": "find", "window": "morning", "voicemail": False, "urgent": urgent,
        "requested_at": at, "updated_at": at,
    }  # fmt: skip
    return CallbackRequest(**{**values, **fields})  # type: ignore[arg-type]


def file_request(
    queue: CallbackQueue, number: str, at: float, urgent: bool = False, **fields: object
) -> str:
    """File `callback_request(number, at, urgent, **fields)` in `queue`; its id."""
    return queue.file(f"file-{number}", callback_request(number, at, urgent, **fields)).id
