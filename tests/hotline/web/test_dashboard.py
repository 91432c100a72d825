"""The social workers' dashboard, through Flask's test client, on a real Redis and the Twilio stand-in."""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
import xml.etree.ElementTree as ET

import pyotp
import pytest
from flask import Flask
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer

from hotline.dev.twilio_standin import TwilioStandIn
from hotline.outbound import outbox
from hotline.settings import Settings
from hotline.stores.callbacks import CallbackQueue, CallbackRequest, Status
from hotline.stores.staff import Role, StaffDirectory
from hotline.stores.two_factor import TwoFactor
from hotline.web.app import create_app
from hotline.web.dashboard import init_dashboard
from hotline.web.resources import resources_of
from hotline.web.sessions import StaffSessions
from hotline.wiring import QUEUE
from tests.support import (
    ABROAD,
    ALICE_PHONE,
    CARIBBEAN,
    INVALID,
    PASSWORD,
    PREMIUM_900,
    fictional,
    file_request,
)

PERSON = "+12025550101"


def enrol(app: Flask, username: str) -> pyotp.TOTP:
    """Set up an authenticator for `username`, as the enrolment page does; the app's TOTP."""
    two_factor = TwoFactor(resources_of(app).redis)
    totp = pyotp.TOTP(two_factor.begin(username))
    assert two_factor.confirm(username, totp.now())
    return totp


@pytest.fixture
def app(settings: Settings, staff: StaffDirectory) -> Flask:
    """The app (the dashboard included), with staff accounts for alice and bob."""
    return create_app(settings)


@pytest.fixture
def closed(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[CallbackRequest]:
    """Every request the dashboard hands to the outbox after recording an outcome."""
    handed: list[CallbackRequest] = []
    monkeypatch.setattr(outbox, "after_close", lambda h, request: handed.append(request))
    return handed


@pytest.fixture
def queue(app: Flask) -> CallbackQueue:
    return resources_of(app).callbacks


class Worker:
    """One social worker's browser session, through the test client."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()

    def login(self, username: str, password: str = PASSWORD, totp: pyotp.TOTP | None = None):
        """Log in as a browser would: load the form, post it, and load the page it leads to.

        With `totp`, the second step too, with the next window's code (the current one may have
        been used at enrolment, and a code is good once).
        """
        self.client.get("/dashboard/login")
        response = self.post("/dashboard/login", username=username, password=password)
        if totp and response.status_code == 302:
            self.client.get(response.headers["Location"])
            code = totp.at(time.time() + 30)
            response = self.post("/dashboard/login/code", code=code)
        if response.status_code == 302:
            self.client.get(response.headers["Location"])
        return response

    def token(self) -> str:
        """The CSRF token the forms of the current page carry."""
        page = self.client.get("/dashboard/login", follow_redirects=True).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]

    def post(self, path: str, **form: str):
        return self.client.post(path, data={"csrf_token": self.token(), **form})

    def page(self, path: str = "/dashboard/") -> str:
        response = self.client.get(path)
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)


@pytest.fixture
def alice(app: Flask) -> Worker:
    worker = Worker(app)
    assert worker.login("alice").status_code == 302
    return worker


def test_pages_need_a_login(app: Flask) -> None:
    client = app.test_client()
    for path in ("/dashboard/", "/dashboard/failed"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/dashboard/login")
    assert "Log in" in client.get("/dashboard/login").get_data(as_text=True)


def test_a_wrong_password_is_refused(app: Flask) -> None:
    worker = Worker(app)
    response = worker.login("alice", "not the password")
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)
    assert worker.client.get("/dashboard/").status_code == 302
    assert Worker(app).login("mallory").status_code == 401


def test_logging_in_sets_a_secure_session_cookie_and_logging_out_ends_it(app: Flask) -> None:
    worker = Worker(app)
    response = worker.login("alice")
    assert response.headers["Location"].endswith("/dashboard/")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Alice Ng" in worker.page()
    worker.post("/dashboard/logout")
    assert worker.client.get("/dashboard/").status_code == 302


@pytest.mark.parametrize(
    ("base", "scheme", "secure"),
    [("https://h.example.org", "http", True), ("", "https", True), ("", "http", False)],
)
def test_cookies_are_secure_over_https_and_always_http_only_and_same_site(
    settings: Settings, staff: StaffDirectory, base: str, scheme: str, secure: bool
) -> None:
    app = create_app(dataclasses.replace(settings, public_base_url=base))
    init_dashboard(app, settings)  # create_app calls it too: registering twice is harmless
    assert "dashboard" in app.blueprints and isinstance(app.session_interface, StaffSessions)
    worker = Worker(app)
    worker.client.get("/dashboard/login", base_url=f"{scheme}://localhost")
    response = worker.client.post(
        "/dashboard/login",
        data={"csrf_token": worker.token(), "username": "alice", "password": PASSWORD},
        base_url=f"{scheme}://localhost",
    )
    cookie = response.headers["Set-Cookie"]
    assert (
        cookie.startswith("hotline_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    )
    assert ("Secure" in cookie) is secure
    assert ("Strict-Transport-Security" in response.headers) is (scheme == "https")


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_a_post_without_the_sessions_csrf_token_is_refused(
    app: Flask, queue: CallbackQueue, alice: Worker, token: str | None
) -> None:
    request_id = file_request(queue, PERSON, time.time())
    form = {} if token is None else {"csrf_token": token}
    response = alice.client.post(f"/dashboard/requests/{request_id}/claim", data=form)
    assert response.status_code == 400
    assert queue.get(request_id).status is Status.OPEN
    login = Worker(app).client.post(
        "/dashboard/login", data={**form, "username": "alice", "password": PASSWORD}
    )
    assert login.status_code == 400


def test_every_dashboard_response_says_no_store(app: Flask, alice: Worker) -> None:
    anonymous = app.test_client()
    responses = [
        anonymous.get("/dashboard/login"),
        anonymous.get("/dashboard/"),
        anonymous.post("/dashboard/login", data={}),
        alice.client.get("/dashboard/"),
        alice.client.get("/dashboard/failed"),
        alice.post("/dashboard/requests/nope/outcome", outcome="maybe"),
    ]
    assert [r.status_code for r in responses] == [200, 302, 400, 200, 403, 400]
    for response in responses:
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_the_queue_lists_urgent_first_then_oldest_with_what_a_social_worker_needs(
    queue: CallbackQueue, alice: Worker
) -> None:
    now = time.time()
    file_request(queue, "+12025550103", now - 600, window="evening", voicemail=True, lang="es")
    file_request(queue, "+12025550102", now - 3 * 3600 - 300, channel="voice", topic="when")
    file_request(queue, "+12025550104", now - 60, urgent=True, window="any")
    page = alice.page()
    cards = re.findall(r'<section class="card[^"]*" id="r-\w+">(.*?)</section>', page, re.S)
    numbers = [re.search(r'class="number"[^>]*>([^<]+)<', card)[1] for card in cards]
    assert numbers == ["…0104", "…0102", "…0103"]  # the whole number once claimed
    urgent, oldest, newest = cards
    assert "Urgent" in urgent and "Any time" in urgent and "1 min" in urgent
    assert "3 h 5 min" in oldest and "phone call" in oldest and "When it matters" in oldest
    assert "0 of 3" in oldest and "Do not leave a message" in oldest and "English" in oldest
    assert "Evening" in newest and "OK to leave a message" in newest and "Spanish" in newest
    assert "Urgent" not in newest and all(">Claim</button>" in card for card in cards)
    assert "Call backs waiting: 3" in page


def race_to_claim(workers: dict[str, Worker], request_id: str) -> dict[str, str]:
    """Every worker clicks Claim at the same moment (a barrier in threads); the page each sees next."""
    barrier = threading.Barrier(len(workers))
    pages: dict[str, str] = {}

    def click(name: str) -> None:
        worker = workers[name]
        form = {"csrf_token": worker.token()}
        barrier.wait()
        worker.client.post(f"/dashboard/requests/{request_id}/claim", data=form)
        pages[name] = worker.page()

    threads = [threading.Thread(target=click, args=(name,)) for name in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return pages


def test_two_colleagues_claiming_at_once_exactly_one_wins(app: Flask, queue: CallbackQueue) -> None:
    workers = {name: Worker(app) for name in ("alice", "bob")}
    for name, worker in workers.items():
        worker.login(name)
    for n in range(20):
        request_id = file_request(queue, fictional(n), time.time() - n)
        pages = race_to_claim(workers, request_id)
        holder = queue.get(request_id).claimed_by
        loser = "bob" if holder == "alice" else "alice"
        assert holder in workers
        assert "It is yours" in pages[holder] and "It is yours" not in pages[loser]
        assert "A colleague has just claimed that request" in pages[loser]


def test_a_claim_shows_who_holds_it_and_an_expired_lease_returns_it(
    app: Flask, queue: CallbackQueue, alice: Worker
) -> None:
    held = file_request(queue, "+12025550102", time.time() - 100)
    stale = file_request(queue, "+12025550103", time.time() - 50)
    alice.post(f"/dashboard/requests/{held}/claim")
    queue.claim(stale, "alice", time.time() - 2 * queue.lease_seconds)
    bob = Worker(app)
    bob.login("bob")
    cards = dict(re.findall(r'id="r-(\w+)">(.*?)</section>', bob.page(), re.S))
    assert "Claimed by alice" in cards[held] and ">Claim</button>" not in cards[held]
    assert "Claimed by" not in cards[stale] and ">Claim</button>" in cards[stale]
    assert "Yours until" in alice.page()
    response = bob.post(f"/dashboard/requests/{held}/claim")
    assert "A colleague has just claimed" in bob.page()
    assert response.status_code == 302 and queue.get(held).claimed_by == "alice"


def test_releasing_puts_it_back(queue: CallbackQueue, alice: Worker) -> None:
    request_id = file_request(queue, PERSON, time.time())
    alice.post(f"/dashboard/requests/{request_id}/claim")
    alice.post(f"/dashboard/requests/{request_id}/release")
    assert queue.get(request_id).status is Status.OPEN
    assert "back in the queue" in alice.page()


def test_calling_rings_the_social_worker_then_dials_the_person_from_the_hotlines_number(
    queue: CallbackQueue, alice: Worker, twilio: TwilioStandIn, settings: Settings
) -> None:
    request_id = file_request(queue, PERSON, time.time())
    alice.post(f"/dashboard/requests/{request_id}/claim")
    response = alice.post(f"/dashboard/requests/{request_id}/call")
    assert response.status_code == 302
    (call,) = twilio.wait_for(1, "call")
    assert call.get("To") == ALICE_PHONE
    assert call.get("From") == settings.twilio_phone_number
    twiml = ET.fromstring(call.get("Twiml"))
    assert [child.tag for child in twiml] == ["Say", "Dial"]
    dial = twiml.find("Dial")
    assert dial.get("callerId") == settings.twilio_phone_number
    assert dial.text == PERSON or dial.findtext("Number") == PERSON
    assert "Calling your phone (ending 11)" in alice.page()


def test_calling_needs_the_claim(app: Flask, queue: CallbackQueue, twilio: TwilioStandIn) -> None:
    request_id = file_request(queue, PERSON, time.time())
    queue.claim(request_id, "bob", time.time())
    alice = Worker(app)
    alice.login("alice")
    alice.post(f"/dashboard/requests/{request_id}/call")
    assert "A colleague holds that request" in alice.page()
    assert twilio.sent() == []


@pytest.mark.parametrize(
    ("number", "why"),
    [
        (PREMIUM_900, "it is a premium-rate or other special number"),
        (ABROAD, "it is outside the US and Canada, or billed as international"),
        (CARIBBEAN, "it is outside the US and Canada, or billed as international"),
        (INVALID, "it is not a valid phone number"),
    ],
)
def test_calling_a_number_the_hotline_may_not_call_is_refused_plainly(
    queue: CallbackQueue, alice: Worker, twilio: TwilioStandIn, number: str, why: str
) -> None:
    request_id = file_request(queue, number, time.time())
    alice.post(f"/dashboard/requests/{request_id}/claim")
    alice.post(f"/dashboard/requests/{request_id}/call")
    assert f"The hotline does not call this number: {why}." in alice.page()
    assert twilio.sent() == []


def test_a_call_twilio_refuses_is_reported(
    queue: CallbackQueue, alice: Worker, twilio: TwilioStandIn
) -> None:
    request_id = file_request(queue, PERSON, time.time())
    alice.post(f"/dashboard/requests/{request_id}/claim")
    twilio.fail_next(503)
    alice.post(f"/dashboard/requests/{request_id}/call")
    assert "The call could not be placed (Twilio error 20503 (HTTP 503))" in alice.page()


def test_no_answer_counts_attempts_and_the_third_closes_it(
    queue: CallbackQueue, alice: Worker, closed: list[CallbackRequest]
) -> None:
    request_id = file_request(queue, PERSON, time.time())
    for attempt in (1, 2, 3):
        alice.post(f"/dashboard/requests/{request_id}/claim")
        alice.post(
            f"/dashboard/requests/{request_id}/outcome", outcome="no_answer", note="rang out"
        )
        after = queue.get(request_id)
        assert after.attempts == attempt and closed[-1] == after
        page = alice.page()
        assert f"no answer, attempt {attempt} of 3" in page
        if attempt < 3:
            assert after.status is Status.OPEN and after.not_before > time.time()
            assert "try again after" in page and "rang out" in page
    assert queue.get(request_id).status is Status.CLOSED
    assert "The request is closed" in page and PERSON not in page


def test_the_last_no_answer_queues_the_final_text_and_reached_the_offer_of_a_check_in(
    app: Flask, queue: CallbackQueue, alice: Worker
) -> None:
    jobs = Queue(QUEUE, connection=resources_of(app).redis, serializer=JSONSerializer)
    reached = file_request(queue, "+12025550102", time.time())
    alice.post(f"/dashboard/requests/{reached}/claim")
    alice.post(f"/dashboard/requests/{reached}/outcome", outcome="reached")
    request_id = file_request(queue, PERSON, time.time())
    for _ in range(3):
        assert jobs.fetch_job(f"final-{request_id}") is None
        alice.post(f"/dashboard/requests/{request_id}/claim")
        alice.post(f"/dashboard/requests/{request_id}/outcome", outcome="no_answer")
    assert jobs.job_ids == [f"offer-checkin-{reached}", f"final-{request_id}"]


@pytest.mark.parametrize(
    ("outcome", "label"),
    [("reached", "Reached"), ("wrong_number", "Wrong number"), ("closed", "Closed")],
)
def test_other_outcomes_close_the_request_with_the_note(
    queue: CallbackQueue, alice: Worker, closed: list[CallbackRequest], outcome: str, label: str
) -> None:
    request_id = file_request(queue, PERSON, time.time())
    alice.post(f"/dashboard/requests/{request_id}/claim")
    alice.post(f"/dashboard/requests/{request_id}/outcome", outcome=outcome, note="  talked  ")
    after = queue.get(request_id)
    assert (after.status, after.outcome, after.note, after.attempts) == (
        Status.CLOSED,
        outcome,
        "talked",
        0,
    )
    assert closed == [after]
    assert f"Recorded: {label}" in alice.page()


def test_only_the_holder_records_an_outcome(
    app: Flask, queue: CallbackQueue, closed: list[CallbackRequest]
) -> None:
    request_id = file_request(queue, PERSON, time.time())
    queue.claim(request_id, "bob", time.time())
    alice = Worker(app)
    alice.login("alice")
    alice.post(f"/dashboard/requests/{request_id}/outcome", outcome="reached")
    assert "A colleague holds that request now" in alice.page()
    assert queue.get(request_id).status is Status.CLAIMED and closed == []
    assert alice.post(f"/dashboard/requests/{request_id}/outcome").status_code == 400


def test_failed_jobs_show_id_function_time_and_last_line_never_args(
    app: Flask, staff: StaffDirectory
) -> None:
    staff.add("sam", PASSWORD, "+13125550113", name="Sam Supervisor", role=Role.SUPERVISOR)
    sam = Worker(app)
    sam.login("sam", totp=enrol(app, "sam"))
    connection = resources_of(app).redis
    jobs = Queue(QUEUE, connection=connection, serializer=JSONSerializer)
    jobs.enqueue_call("json.loads", args=("{secret: +12025550101}",), job_id="doomed-json")
    jobs.enqueue_call("builtins.int", args=("+1 202 555 0102",), job_id="doomed-int")
    SimpleWorker([jobs], connection=connection, serializer=JSONSerializer).work(burst=True)
    assert re.search(r"Background jobs that failed: <a [^>]+>2</a>", sam.page())
    page = sam.page("/dashboard/failed")
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)[1:]
    assert len(rows) == 2 and "Failed jobs: 2" in page
    json_row = next(row for row in rows if "doomed-json" in row)
    assert "json.loads" in json_row and "JSONDecodeError: Expecting property name" in json_row
    assert re.search(r'data-label="When">\w{3} \d\d:\d\d<', json_row)
    # An exception that quotes a number has it redacted, as in the logs.
    assert "invalid literal for int() with base 10: &#39;[number …02]&#39;" in page
    assert (
        "secret" not in page
        and "2025550101" not in page
        and "123 0002" not in page
        and "Traceback" not in page
    )


def test_nothing_the_dashboard_logs_holds_a_number(
    queue: CallbackQueue,
    alice: Worker,
    twilio: TwilioStandIn,
    closed: list[CallbackRequest],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    request_id = file_request(queue, PERSON, time.time())
    assert PERSON not in alice.page()
    alice.post(f"/dashboard/requests/{request_id}/claim")
    assert f'href="tel:{PERSON}">(202) 555-0101<' in alice.page()  # as people write it
    alice.post(f"/dashboard/requests/{request_id}/call")
    twilio.fail_next(500)
    alice.post(f"/dashboard/requests/{request_id}/call")
    alice.post(f"/dashboard/requests/{request_id}/outcome", outcome="reached", note="ok")
    lines = [record.getMessage() for record in caplog.records]
    assert any("alice is calling back" in line for line in lines)
    assert all("2025550101" not in line and "3125550111" not in line for line in lines)
