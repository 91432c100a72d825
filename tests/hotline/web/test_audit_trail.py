"""The audit trail: each action leaves exactly one entry, with who, when, request and address,
and never a phone number; the queue's views and refreshes leave none."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pyotp
import pytest

from hotline.display import tomorrow
from hotline.outbound import outbox
from hotline.stores.audit import AuditEntry
from hotline.wiring import Hotline
from tests.support import file_request

from .conftest import PASSWORD, PHONES, Staffer

PERSON = "+12025550101"
NUMBER = re.compile(r"\d{7,}")


def file(h: Hotline, number: str) -> str:
    """File a request from `number` now, for any time; its id."""
    return file_request(h.callbacks, number, time.time(), window="any")


def new_entries(h: Hotline, act: Callable[[], object]) -> list[AuditEntry]:
    before = {e.id for e in h.audit.read(limit=10_000)}
    act()
    return [e for e in h.audit.read(limit=10_000) if e.id not in before]


def test_every_action_leaves_exactly_one_entry_and_no_number(
    h: Hotline,
    person: Callable[..., Staffer],
    totps: dict[str, pyotp.TOTP],
    staff_app,
    clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outbox, "after_close", lambda h, request: None)
    request_id = file(h, PERSON)
    alice = Staffer(staff_app, clock, address="198.51.100.7")
    sam = person("sam", totp=totps["sam"])
    base = f"/dashboard/requests/{request_id}"
    steps: list[tuple[str, Callable[[], object], str]] = [
        (
            "sign_in_failed",
            lambda: Staffer(staff_app, clock).post(
                "/dashboard/login", username="alice", password="x"
            ),
            "",
        ),
        ("sign_in", lambda: alice.login("alice"), ""),
        ("claim", lambda: alice.post(f"{base}/claim"), request_id),
        ("view", lambda: alice.get(base), request_id),
        ("call", lambda: alice.post(f"{base}/call"), request_id),
        ("release", lambda: alice.post(f"{base}/release"), request_id),
        ("handover", lambda: sam.post(f"{base}/reassign", to="alice"), request_id),
        ("note", lambda: alice.post(f"{base}/notes", note="Rang twice."), request_id),
        ("outcome", lambda: alice.post(f"{base}/outcome", outcome="no_answer"), request_id),
        (
            "schedule",
            lambda: sam.post(
                f"{base}/schedule",
                due_day=tomorrow(clock(), h.settings.office_hours.zone),
                due_time="10:00",
            ),
            request_id,
        ),
        ("sign_out", lambda: alice.post("/dashboard/logout"), ""),
        (
            "staff_add",
            lambda: sam.post(
                "/dashboard/staff/add",
                username="carol",
                phone="+13125550119",
                role="social_worker",
                password=PASSWORD,
            ),
            "",
        ),
        (
            "staff_languages",
            lambda: sam.post("/dashboard/staff/carol/languages", languages="es"),
            "",
        ),
        ("staff_disable", lambda: sam.post("/dashboard/staff/carol/disable"), ""),
        ("staff_enable", lambda: sam.post("/dashboard/staff/carol/enable"), ""),
        (
            "staff_password",
            lambda: sam.post("/dashboard/staff/carol/password", password="another long one"),
            "",
        ),
        (
            "staff_role",
            lambda: person("ada", totp=totps["ada"]).post(
                "/dashboard/staff/carol/role", role="supervisor"
            ),
            "",
        ),
        ("staff_logout", lambda: sam.post("/dashboard/staff/bob/logout"), ""),
        ("staff_reset_2fa", lambda: sam.post("/dashboard/staff/bob/reset-2fa"), ""),
        ("staff_remove", lambda: sam.post("/dashboard/staff/bob/remove"), ""),
    ]
    for action, act, request in steps:
        found = new_entries(h, act)
        if action == "staff_role":  # ada's own sign-in comes first
            found = [e for e in found if e.action != "sign_in"]
        assert [e.action for e in found] == [action], action
        (entry,) = found
        assert entry.user and entry.request == request and entry.client, entry
        assert abs(entry.at - clock()) < 5 or entry.at <= time.time()
    alice.login("alice")
    alice.post(f"{base}/claim")
    found = new_entries(
        h, lambda: alice.post(f"{base}/outcome", outcome="reached", note="rang +1 202 555 0101")
    )
    assert sorted(e.action for e in found) == ["note", "outcome"]
    for entry in h.audit.read(limit=10_000):
        values = " ".join(str(v) for v in entry.as_dict().values())
        assert not NUMBER.search(values.replace(entry.id, "").replace(str(entry.at), "")), entry
        assert PERSON not in values and all(p not in values for p in PHONES.values())


def test_the_queue_and_its_refreshes_leave_no_entry(
    h: Hotline, person: Callable[..., Staffer]
) -> None:
    file(h, PERSON)
    alice = person("alice")
    assert new_entries(h, lambda: [alice.get("/dashboard/"), alice.get("/dashboard/?auto=1")]) == []


def test_supervisors_read_it_filtered_by_person_request_and_day(
    h: Hotline, person: Callable[..., Staffer], totps: dict[str, pyotp.TOTP]
) -> None:
    request_id = file(h, PERSON)
    alice = person("alice")
    alice.post(f"/dashboard/requests/{request_id}/claim")
    sam = person("sam", totp=totps["sam"])
    page = sam.get(f"/dashboard/audit?request={request_id}").get_data(as_text=True)
    assert page.count("<tr>") == 2 and "claim" in page and "alice" in page
    page = sam.get("/dashboard/audit?user=sam").get_data(as_text=True)
    assert "sign in" in page and "claim" not in page
    assert "YYYY-MM-DD" in sam.get("/dashboard/audit?day=soon").get_data(as_text=True)
