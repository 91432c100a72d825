"""The dashboard in a real headless Chromium: a social worker's whole call back (the card with the
person's history, claim, call with a heads-up text, notes, no answer and a call back tomorrow at
10:00 that comes back first when the clock gets there); a supervisor's page refused; a disabled
account logged out at once."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pyotp
import pytest
import redis
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

from hotline.dev.twilio_standin import TwilioStandIn
from hotline.display import office_moment, tomorrow
from hotline.settings import Settings
from hotline.stores.callbacks import CallbackOutcome, CallbackQueue, Mention, Status
from hotline.stores.staff import Role, StaffDirectory
from hotline.stores.two_factor import TwoFactor
from hotline.web.dashboard import requests as dashboard_requests
from tests.scenarios.chromium import log_in, submit
from tests.support import ALICE_PHONE, PASSWORD, Clock, callback_request, run_jobs

PERSON = "+12025550101"


def test_a_social_worker_works_a_call_back_from_the_card_to_a_call_back_tomorrow(
    server: str,
    browser: WebDriver,
    settings: Settings,
    twilio: TwilioStandIn,
    staff: StaffDirectory,
    clock: Clock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The live list stays put here (its own test is below): no card is swapped while clicked.
    monkeypatch.setattr(dashboard_requests, "REFRESH_SECONDS", 3600)
    queue = CallbackQueue(redis.Redis.from_url(settings.redis_url))
    now = clock()
    earlier = queue.file("earlier", callback_request(PERSON, now - 12 * 86400, person="ana")).id
    queue.claim(earlier, "bob", now - 12 * 86400)
    queue.close(earlier, "bob", CallbackOutcome.REACHED, "Sent the NCI list.", now - 12 * 86400)
    asked = {"channel": "voice", "window": "afternoon", "voicemail": True, "text_to": PERSON}
    answers = {"mention": Mention.DISCREET, "first_name": "Ana", "person": "ana"}
    request_id = queue.file("now", callback_request(PERSON, now - 47 * 60, **asked, **answers)).id
    other = queue.file("other", callback_request("+12025550102", now - 5 * 3600)).id

    log_in(browser, server, "alice", PASSWORD)
    assert browser.title == "(2) Queue · Hotline"
    card = browser.find_element(By.ID, f"r-{request_id}")
    assert "…0101" in card.text and "47 min" in card.text and "Afternoon" in card.text
    assert "2nd request; last: reached" in card.text
    assert "Say only “a call you asked for”" in card.text and "Ana" in card.text
    assert (
        card.find_element(By.CSS_SELECTOR, ".contact dd").value_of_css_property("font-weight")
        == "700"
    )
    assert PERSON not in card.text  # the whole number once claimed
    submit(browser, card.find_element(By.XPATH, ".//button[text()='Claim']"))

    card = browser.find_element(By.ID, f"r-{request_id}")
    assert "Yours until" in card.text and "(202) 555-0101" in card.text
    assert card.find_element(By.CSS_SELECTOR, "a.number").get_attribute("href") == f"tel:{PERSON}"
    assert "“Hello, may I speak with Ana?”" in card.text
    screenshot(browser, "queue.png")
    submit(browser, card.find_element(By.XPATH, ".//button[starts-with(text(), 'Call')]"))
    (call,) = twilio.wait_for(1, "call")
    assert call.get("To") == ALICE_PHONE and PERSON in call.get("Twiml")
    run_jobs(settings)
    [heads_up] = [m for m in twilio.sent("message") if m.get("To") == PERSON]
    assert heads_up.get("Body") == "The call you asked for is coming now from 500-555-0006."

    card = browser.find_element(By.ID, f"r-{request_id}")
    browser.get(card.find_element(By.LINK_TEXT, f"Open request {request_id}").get_attribute("href"))
    assert "Sent the NCI list." in browser.find_element(By.ID, "main").text  # the earlier one
    for note in ("Rang at 14:05: busy.", "Rang at 14:20: <no answer>, voicemail full."):
        browser.find_element(By.ID, "note").send_keys(note)
        submit(browser, browser.find_element(By.XPATH, "//button[text()='Add note']"))
    notes = browser.find_elements(By.CSS_SELECTOR, "section[aria-labelledby=notes] .notes li")
    assert [n.text.split("\n")[-1] for n in notes] == [
        "Rang at 14:20: <no answer>, voicemail full.", "Rang at 14:05: busy.",
    ]  # fmt: skip
    screenshot(browser, "request-page.png")

    browser.get(f"{server}/dashboard/#r-{request_id}")
    card = browser.find_element(By.ID, f"r-{request_id}")
    card.find_element(By.CSS_SELECTOR, "input[value=no_answer]").click()
    day = tomorrow(clock(), settings.office_hours.zone)
    for field, value in (("due_day", day), ("due_time", "10:00")):
        element = card.find_element(By.NAME, field)
        browser.execute_script("arguments[0].value = arguments[1]", element, value)
    submit(browser, card.find_element(By.XPATH, ".//button[text()='Record outcome']"))
    assert "It comes back to the queue at" in browser.find_element(By.CLASS_NAME, "flash").text
    assert not browser.find_elements(By.ID, f"r-{request_id}")
    assert browser.title == "(1) Queue · Hotline"
    browser.save_screenshot(str(tmp_path / "scheduled.png"))

    clock.now = office_moment(day, "10:00", settings.office_hours.zone)
    log_in(browser, server, "alice", PASSWORD)  # the next morning: yesterday's session is over
    first = browser.find_elements(By.CSS_SELECTOR, "section.card")[0]
    assert first.get_attribute("id") == f"r-{request_id}" and "Due" in first.text
    assert browser.find_element(By.ID, f"r-{other}")
    held = queue.get(request_id)
    assert (held.status, held.attempts, held.outcome) == (Status.OPEN, 1, "no_answer")
    when = datetime.fromtimestamp(held.due_at, UTC).astimezone(settings.office_hours.zone)
    assert f"{when:%H:%M}" == "10:00"


def screenshot(browser: WebDriver, name: str) -> None:
    """With HOTLINE_SCREENSHOTS=<folder>, keep a screenshot there (docs/ has the README's)."""
    if folder := os.environ.get("HOTLINE_SCREENSHOTS"):
        browser.save_screenshot(str(Path(folder) / name))


def enrol(connection: redis.Redis, username: str) -> pyotp.TOTP:
    """An authenticator set up for `username` (as the enrolment page does)."""
    two_factor = TwoFactor(connection)
    totp = pyotp.TOTP(two_factor.begin(username))
    assert two_factor.confirm(username, totp.now())
    return totp


def next_code(totp: pyotp.TOTP) -> str:
    """The next window's code (the current one went on enrolment; each is good once)."""
    return totp.at(time.time() + 30)


def csrf(page: str) -> str:
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def supervisor_session(server: str, username: str, totp: pyotp.TOTP) -> requests.Session:
    """Another person's session, through plain HTTP: logged in with password and code."""
    http = requests.Session()
    form = {"username": username, "password": PASSWORD}
    page = http.get(f"{server}/dashboard/login").text
    page = http.post(f"{server}/dashboard/login", data={**form, "csrf_token": csrf(page)}).text
    code = {"code": next_code(totp), "csrf_token": csrf(page)}
    assert http.post(f"{server}/dashboard/login/code", data=code).url.endswith("/dashboard/")
    return http


def test_two_factors_a_refused_page_and_a_disabled_account_logged_out_at_once(
    server: str, browser: WebDriver, settings: Settings
) -> None:
    connection = redis.Redis.from_url(settings.redis_url)
    staff = StaffDirectory(connection)
    staff.add("alice", PASSWORD, "+13125550111", name="Alice Ng")
    staff.add("sam", PASSWORD, "+13125550112", name="Sam Ortiz", role=Role.SUPERVISOR)
    alice, sam = enrol(connection, "alice"), enrol(connection, "sam")

    log_in(browser, server, "alice", PASSWORD, next_code(alice))
    assert browser.current_url.endswith("/dashboard/")
    assert "Alice Ng" in browser.find_element(By.TAG_NAME, "header").text

    browser.get(f"{server}/dashboard/staff")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Not allowed"
    assert "Your role (social worker) may not" in browser.find_element(By.TAG_NAME, "main").text
    assert "Traceback" not in browser.page_source

    supervisor = supervisor_session(server, "sam", sam)
    page = supervisor.get(f"{server}/dashboard/staff").text
    supervisor.post(f"{server}/dashboard/staff/alice/disable", data={"csrf_token": csrf(page)})
    assert staff.get("alice").enabled is False

    browser.get(f"{server}/dashboard/")
    assert "/dashboard/login" in browser.current_url
    assert "You were logged out" in browser.find_element(By.TAG_NAME, "main").text


def test_the_queue_updates_itself_but_never_under_the_pointer(
    server: str,
    desktop: WebDriver,
    settings: Settings,
    staff: StaffDirectory,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dashboard_requests, "REFRESH_SECONDS", 1)
    queue = CallbackQueue(redis.Redis.from_url(settings.redis_url))
    first = queue.file("a", callback_request("+12025550101", clock() - 600)).id
    log_in(desktop, server, "alice", PASSWORD)
    assert desktop.title == "(1) Queue · Hotline"
    ActionChains(desktop).move_to_element(desktop.find_element(By.ID, f"r-{first}")).perform()
    urgent = queue.file("b", callback_request("+12025550102", clock(), urgent=True)).id
    status = desktop.find_element(By.ID, "queue-status")
    WebDriverWait(desktop, 10).until(lambda b: "waiting until the pointer leaves" in status.text)
    assert not desktop.find_elements(By.ID, f"r-{urgent}")  # nothing moved under the pointer
    ActionChains(desktop).move_to_element(desktop.find_element(By.TAG_NAME, "h1")).perform()
    WebDriverWait(desktop, 10).until(lambda b: b.title == "(2) Queue · Hotline")
    cards = desktop.find_elements(By.CSS_SELECTOR, "section.card")
    assert [c.get_attribute("id") for c in cards] == [f"r-{urgent}", f"r-{first}"]
    assert desktop.find_element(By.ID, "queue-heading").text == "Call backs waiting: 2"
