"""Roles on the dashboard: each page checks it; a refusal is a 403 with a plain sentence."""

from __future__ import annotations

import time
from collections.abc import Callable

import pyotp
import pytest

from hotline.stores.staff import Role
from hotline.wiring import Hotline
from tests.support import file_request

from .conftest import Staffer

PERSON = "+12025550101"
SUPERVISOR_PAGES = ["/dashboard/staff", "/dashboard/audit", "/dashboard/failed"]


def file(h: Hotline, number: str = PERSON) -> str:
    """File a request from `number` now, for any time; its id."""
    return file_request(h.callbacks, number, time.time(), window="any")


@pytest.mark.parametrize("path", SUPERVISOR_PAGES)
def test_a_social_worker_is_refused_supervisor_pages_in_a_plain_sentence(
    person: Callable[..., Staffer], path: str
) -> None:
    alice = person("alice")
    response = alice.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Your role (social worker) may not" in page and "Traceback" not in page
    assert response.headers["Cache-Control"] == "no-store"
    assert alice.post("/dashboard/staff/bob/disable").status_code == 403


def test_supervisors_reach_their_pages(
    person: Callable[..., Staffer], totps: dict[str, pyotp.TOTP]
) -> None:
    sam = person("sam", totp=totps["sam"])
    assert [sam.status(path) for path in SUPERVISOR_PAGES] == [200, 200, 200]


def test_a_request_page_shows_the_whole_number_to_its_holder_and_supervisors_only(
    h: Hotline, person: Callable[..., Staffer], totps: dict[str, pyotp.TOTP]
) -> None:
    request_id = file(h)
    alice, bob = person("alice"), person("bob")
    assert alice.status(f"/dashboard/requests/{request_id}") == 403
    alice.post(f"/dashboard/requests/{request_id}/claim")
    page = alice.get(f"/dashboard/requests/{request_id}").get_data(as_text=True)
    assert f'href="tel:{PERSON}"' in page
    assert bob.status(f"/dashboard/requests/{request_id}") == 403
    assert PERSON not in bob.get("/dashboard/").get_data(as_text=True)
    sam = person("sam", totp=totps["sam"])
    assert PERSON in sam.get(f"/dashboard/requests/{request_id}").get_data(as_text=True)


def test_a_supervisor_hands_a_request_to_a_colleague(
    h: Hotline, person: Callable[..., Staffer], totps: dict[str, pyotp.TOTP]
) -> None:
    request_id = file(h)
    person("alice").post(f"/dashboard/requests/{request_id}/claim")
    sam = person("sam", totp=totps["sam"])
    sam.post(f"/dashboard/requests/{request_id}/reassign", to="bob")
    assert h.callbacks.get(request_id).claimed_by == "bob"
    assert (
        person("alice").post(f"/dashboard/requests/{request_id}/reassign", to="alice").status_code
        == 403
    )


def test_supervisors_manage_social_workers_and_admins_manage_supervisors(
    h: Hotline, person: Callable[..., Staffer], totps: dict[str, pyotp.TOTP]
) -> None:
    sam = person("sam", totp=totps["sam"])
    sam.post("/dashboard/staff/alice/disable")
    assert h.staff.get("alice").enabled is False
    sam.post("/dashboard/staff/ada/disable")
    assert h.staff.get("ada").enabled and "may not manage" in sam.get("/dashboard/staff").get_data(
        as_text=True
    )
    sam.post("/dashboard/staff/bob/role", role="admin")
    assert h.staff.get("bob").role is Role.SOCIAL_WORKER
    sam.post(
        "/dashboard/staff/add", username="carol", name="Carol", phone="+13125550119",
        role="social_worker", password="a first long password",
    )  # fmt: skip
    assert h.staff.get("carol").role is Role.SOCIAL_WORKER
    ada = person("ada", totp=totps["ada"])
    ada.post("/dashboard/staff/sam/role", role="social_worker")
    assert h.staff.get("sam").role is Role.SOCIAL_WORKER
    assert sam.status() == 302  # the role change ended sam's session
