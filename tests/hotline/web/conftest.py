"""Staff on the dashboard: an app on a clock the test moves, accounts of each role, a client."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import pyotp
import pytest
import redis
from flask import Flask
from werkzeug.test import TestResponse

from hotline.settings import Settings
from hotline.stores.staff import Role, StaffDirectory
from hotline.stores.two_factor import TwoFactor
from hotline.web.app import create_app
from hotline.wiring import Hotline
from tests.support import Clock

PASSWORD = "correct horse battery"
PHONES = {
    "alice": "+13125550111",
    "bob": "+13125550112",
    "sam": "+13125550113",
    "ada": "+13125550114",
}


class Staffer:
    """One person's browser, through the test client."""

    def __init__(self, app: Flask, clock: Clock, address: str = "127.0.0.1") -> None:
        self.client = app.test_client()
        self.clock = clock
        self.environ = {"REMOTE_ADDR": address}
        self.last = ""

    def get(self, path: str, **kwargs: object) -> TestResponse:
        response = self.client.get(path, environ_base=self.environ, **kwargs)
        if response.mimetype == "text/html":
            self.last = response.get_data(as_text=True)
        return response

    def post(self, path: str, **form: str) -> TestResponse:
        if "csrf_token=" not in self.last:
            self.get("/dashboard/login", follow_redirects=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.last)
        data = {"csrf_token": token[1] if token else "", **form}
        response = self.client.post(path, data=data, environ_base=self.environ)
        if response.mimetype == "text/html" and response.status_code != 302:
            self.last = response.get_data(as_text=True)
        return response

    def login(self, username: str, totp: pyotp.TOTP | None = None) -> TestResponse:
        """Password, then (with `totp`) a fresh code; the response of the last step."""
        self.get("/dashboard/login")
        response = self.post("/dashboard/login", username=username, password=PASSWORD)
        if totp is not None and response.status_code == 302:
            self.get(response.headers["Location"])
            self.clock.advance(30)  # each code is good once: the next window's
            response = self.post("/dashboard/login/code", code=totp.at(self.clock()))
        if response.status_code == 302:
            self.get(response.headers["Location"])
        return response

    def status(self, path: str = "/dashboard/") -> int:
        return self.get(path).status_code


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def staff_app(settings: Settings, clock: Clock) -> Flask:
    """The app on `clock`, with alice and bob (social workers), sam (supervisor), ada (admin)."""
    # Tests log in faster than people: the per-process hash budget has its own test.
    app = create_app(dataclasses.replace(settings, login_hashes_per_second=1000), clock=clock)
    directory = StaffDirectory(redis.Redis.from_url(settings.redis_url))
    for username, role in (
        ("alice", Role.SOCIAL_WORKER),
        ("bob", Role.SOCIAL_WORKER),
        ("sam", Role.SUPERVISOR),
        ("ada", Role.ADMIN),
    ):
        directory.add(username, PASSWORD, PHONES[username], username.title(), role)
    return app


@pytest.fixture
def h(staff_app: Flask) -> Hotline:
    resources: Hotline = staff_app.extensions["hotline"]
    return resources


@pytest.fixture
def totps(h: Hotline, clock: Clock) -> dict[str, pyotp.TOTP]:
    """Authenticators for sam and ada (enrolled at the clock's time)."""
    found = {}
    for username in ("sam", "ada"):
        two_factor = TwoFactor(h.redis, clock)
        totp = pyotp.TOTP(two_factor.begin(username))
        assert two_factor.confirm(username, totp.at(clock()))
        found[username] = totp
    return found


@pytest.fixture
def person(staff_app: Flask, clock: Clock) -> Callable[..., Staffer]:
    """A factory of logged-in Staffers: person('sam') (with their code where they have one)."""

    def make(username: str, address: str = "127.0.0.1", totp: pyotp.TOTP | None = None) -> Staffer:
        staffer = Staffer(staff_app, clock, address)
        response = staffer.login(username, totp)
        assert response.status_code == 302, (response.status_code, staffer.last)
        return staffer

    return make
