"""Server-side sessions: ended by every change to a person's access, by idleness and by age."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hotline import accounts
from hotline.stores.audit import Actor
from hotline.stores.staff import Role
from hotline.web.sessions import COOKIE
from hotline.wiring import Hotline

from .conftest import Clock, Staffer

OPERATOR = Actor("", os_user="ops")
REVOCATIONS = {
    "disable": lambda h: accounts.disable(h, OPERATOR, None, "alice"),
    "remove": lambda h: accounts.remove(h, OPERATOR, None, "alice"),
    "passwd": lambda h: accounts.set_password(h, OPERATOR, None, "alice", "a new long password"),
    "role": lambda h: accounts.set_role(h, OPERATOR, None, "alice", Role.SUPERVISOR),
    "logout": lambda h: accounts.log_out(h, OPERATOR, None, "alice"),
}


@pytest.mark.parametrize("change", sorted(REVOCATIONS))
def test_each_change_of_access_ends_every_session_on_the_next_request(
    h: Hotline, person: Callable[..., Staffer], change: str
) -> None:
    phone, desk = person("alice"), person("alice", address="10.0.0.7")
    bob = person("bob")
    assert phone.status() == desk.status() == 200 and h.sessions.count("alice") == 2
    REVOCATIONS[change](h)
    for browser in (phone, desk):
        response = browser.get("/dashboard/")
        assert response.status_code == 302 and "/dashboard/login" in response.headers["Location"]
        assert f"{COOKIE}=;" in response.headers.get("Set-Cookie", "")  # the cookie is dropped
    assert h.sessions.count("alice") == 0 and bob.status() == 200


def test_the_cookie_holds_only_a_random_id_and_logging_out_makes_it_worthless(
    staff_app, person: Callable[..., Staffer]
) -> None:
    alice = person("alice")
    session_id = alice.client.get_cookie(COOKIE).value
    assert len(session_id) >= 40 and "alice" not in session_id
    alice.post("/dashboard/logout")
    thief = staff_app.test_client()
    thief.set_cookie(COOKIE, session_id)
    assert thief.get("/dashboard/").status_code == 302


def test_idle_time_out_and_what_counts_as_activity(
    h: Hotline, clock: Clock, person: Callable[..., Staffer]
) -> None:
    alice = person("alice")
    idle = h.settings.staff_idle_minutes * 60
    for _ in range(3):  # activity keeps the session
        clock.advance(idle - 60)
        assert alice.status() == 200
    clock.advance(idle - 60)
    assert alice.status("/dashboard/?auto=1") == 200  # an automatic refresh is served...
    clock.advance(90)  # ...but does not count: idle since the last real request
    response = alice.get("/dashboard/?auto=1")
    assert response.status_code == 302 and "ended=1" in response.headers["Location"]
    assert "You were logged out" in alice.get(response.headers["Location"]).get_data(as_text=True)


def test_absolute_limit_however_busy(
    h: Hotline, clock: Clock, person: Callable[..., Staffer]
) -> None:
    alice = person("alice")
    limit = h.settings.staff_session_hours * 3600
    while clock.now + 600 < alice_started(h) + limit:
        clock.advance(600)
        assert alice.status() == 200
    clock.advance(600)
    assert alice.status() == 302


def alice_started(h: Hotline) -> float:
    (session_id,) = h.redis.smembers("hotline:staff:sessions:alice")
    return float(h.redis.hget(f"hotline:staff:session:{session_id.decode()}", "started"))


def test_a_visitor_gets_no_stored_session(h: Hotline, staff_app) -> None:
    client = staff_app.test_client()
    for _ in range(5):
        client.get("/dashboard/login")
    client.post("/dashboard/login", data={})
    assert h.redis.keys("hotline:staff:session:*") == []
