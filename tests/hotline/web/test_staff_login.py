"""Logging in: second factors (enrolment, replay, recovery codes) and throttling that spares colleagues."""

from __future__ import annotations

import dataclasses
import re

import pyotp
import pytest
from flask import Flask

from hotline.settings import Settings
from hotline.stores.throttle import PAIR
from hotline.web.app import create_app
from hotline.web.dashboard.blueprint import SECURITY_HEADERS
from hotline.wiring import Hotline

from .conftest import PASSWORD, Clock, Staffer


def test_a_supervisor_enrols_with_a_qr_code_and_a_first_code_then_sees_recovery_codes_once(
    h: Hotline, staff_app: Flask, clock: Clock
) -> None:
    sam = Staffer(staff_app, clock)
    sam.get("/dashboard/login")
    response = sam.post("/dashboard/login", username="sam", password=PASSWORD)
    assert response.headers["Location"].endswith("/dashboard/enrol")
    assert sam.status() == 302  # no queue before the second factor
    page = sam.get("/dashboard/enrol")
    html = page.get_data(as_text=True)
    assert "<svg" in html and "<img" not in html  # drawn inline: the CSP needs no img-src
    assert page.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]
    secret = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', html)[1].replace(" ", "")
    totp = pyotp.TOTP(secret)
    assert sam.post("/dashboard/enrol", code="000000").status_code == 400
    assert not h.staff.get("sam").two_factor
    done = sam.post("/dashboard/enrol", code=totp.at(clock()))
    codes = re.findall(r"<li><code>([0-9a-f-]+)</code></li>", done.get_data(as_text=True))
    assert done.status_code == 200 and len(codes) == 10 and h.staff.get("sam").two_factor
    assert sam.status() == 200
    stored = {m.decode() for m in h.redis.smembers("hotline:staff:recovery:sam")}
    assert len(stored) == 10 and not any(code.replace("-", "") in stored for code in codes)
    assert codes[0] not in sam.get("/dashboard/").get_data(as_text=True)


def test_a_used_code_is_refused_within_its_window(
    staff_app: Flask, clock: Clock, totps: dict[str, pyotp.TOTP]
) -> None:
    first = Staffer(staff_app, clock)
    assert first.login("sam", totps["sam"]).status_code == 302
    replay = Staffer(staff_app, clock)
    replay.get("/dashboard/login")
    replay.post("/dashboard/login", username="sam", password=PASSWORD)
    again = replay.post("/dashboard/login/code", code=totps["sam"].at(clock()))
    assert again.status_code == 401 and "used already" in again.get_data(as_text=True)
    assert replay.status() == 302


def test_a_recovery_code_works_once(
    h: Hotline, staff_app: Flask, clock: Clock, totps: dict[str, pyotp.TOTP]
) -> None:
    codes = h.two_factor.confirm("sam", "") or []
    assert codes == []  # nothing pending: confirm refuses
    h.two_factor.begin("sam")
    clock.advance(30)
    codes = h.two_factor.confirm("sam", pyotp.TOTP(h.two_factor.pending("sam")).at(clock()))
    for attempt, expected in ((1, 302), (2, 401)):
        sam = Staffer(staff_app, clock)
        sam.get("/dashboard/login")
        sam.post("/dashboard/login", username="sam", password=PASSWORD)
        assert sam.post("/dashboard/login/code", code=codes[0]).status_code == expected, attempt
    assert h.two_factor.recovery_codes_left("sam") == 9


def test_social_workers_need_a_second_factor_when_the_setting_says_so(
    settings: Settings, clock: Clock
) -> None:
    app = create_app(dataclasses.replace(settings, staff_require_2fa=True), clock=clock)
    app.extensions["hotline"].staff.add("alice", PASSWORD, "+13125550111")
    alice = Staffer(app, clock)
    alice.get("/dashboard/login")
    response = alice.post("/dashboard/login", username="alice", password=PASSWORD)
    assert response.headers["Location"].endswith("/dashboard/enrol")


def test_failures_slow_the_pair_with_429_and_retry_after_never_locking_the_account(
    h: Hotline, staff_app: Flask, clock: Clock
) -> None:
    attacker = Staffer(staff_app, clock, address="203.0.113.9")
    attacker.get("/dashboard/login")
    statuses, waits = [], []
    for _ in range(PAIR.free + 8):
        response = attacker.post("/dashboard/login", username="alice", password="guess")
        statuses.append(response.status_code)
        if response.status_code == 429:
            waits.append(int(response.headers["Retry-After"]))
            clock.advance(waits[-1])  # a patient attacker waits out each back-off
    assert statuses[: PAIR.free + 1] == [401] * (PAIR.free + 1)
    assert waits == [1, 2, 4, 8]  # exponential
    # Meanwhile alice, from her own address, logs in at once.
    alice = Staffer(staff_app, clock, address="198.51.100.20")
    assert alice.login("alice").status_code == 302 and alice.status() == 200
    # The attacker's address is told to wait even with the right password: nothing is tried.
    attacker.post("/dashboard/login", username="alice", password="guess")
    response = attacker.post("/dashboard/login", username="alice", password=PASSWORD)
    assert response.status_code == 429


def test_the_wait_is_capped(h: Hotline, clock: Clock) -> None:
    for _ in range(60):
        h.throttle.failed("alice", "203.0.113.9")
    assert h.throttle.wait("alice", "203.0.113.9") == PAIR.cap
    assert h.throttle.wait("alice", "198.51.100.20") == 0


def test_the_hash_budget_answers_429_without_hashing(
    h: Hotline, staff_app: Flask, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(h.hash_budget, "take", lambda: False)
    hashed: list[str] = []
    monkeypatch.setattr(h.staff, "verify", lambda *args: hashed.append("x"))
    visitor = Staffer(staff_app, clock)
    visitor.get("/dashboard/login")
    response = visitor.post("/dashboard/login", username="alice", password=PASSWORD)
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert hashed == []


def test_behind_trust_proxy_the_address_is_the_one_the_proxy_reports(
    settings: Settings, clock: Clock
) -> None:
    app = create_app(dataclasses.replace(settings, trust_proxy=True), clock=clock)
    h: Hotline = app.extensions["hotline"]
    h.staff.add("alice", PASSWORD, "+13125550111")
    client = app.test_client()
    page = client.get("/dashboard/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    client.post(
        "/dashboard/login",
        data={"csrf_token": token, "username": "alice", "password": "nope"},
        headers={"X-Forwarded-For": "192.0.2.44"},
    )
    (entry,) = h.audit.read()
    assert entry.action == "sign_in_failed" and entry.client == "192.0.2.44"
