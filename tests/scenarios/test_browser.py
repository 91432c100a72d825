"""The dashboard in a real headless Chromium: log in (with a second factor), see the request, claim
it, call, record the outcome; a supervisor's page refused; a disabled account logged out at once."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
import redis
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver, WebElement
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.wait import WebDriverWait
from werkzeug.serving import make_server

from hotline.dev.twilio_standin import TwilioStandIn
from hotline.settings import Settings
from hotline.stores.callbacks import CallbackQueue, Status
from hotline.stores.staff import Role, StaffDirectory
from hotline.stores.two_factor import TwoFactor
from hotline.web.app import create_app
from hotline.web.dashboard import init_dashboard
from tests.support import ALICE_PHONE, PASSWORD, file_request

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PHONE_SIZE = (412, 1500)  # a common phone's width; tall, so one screenshot shows the whole card
PERSON = "+12025550101"


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    """The real app on a free loopback port, in a thread; yields its base URL."""
    # Plain HTTP on loopback: a Secure session cookie would not come back.
    app = create_app(dataclasses.replace(settings, public_base_url=""))
    if "dashboard" not in app.blueprints:
        init_dashboard(app, settings)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, name="dashboard", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    """Headless Chromium at a phone's size, with a fresh profile."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found: run `bash .ci/setup` "
            "(it installs Debian's chromium and chromium-driver packages)",
            pytrace=False,
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
    ):  # fmt: skip
        options.add_argument(flag)
    width, height = PHONE_SIZE
    options.add_experimental_option(
        "mobileEmulation", {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 1}}
    )
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def submit(browser: WebDriver, button: WebElement) -> None:
    """Click a form's button and wait until the page it leads to has replaced this one."""
    page = browser.find_element(By.TAG_NAME, "html")
    button.click()
    WebDriverWait(browser, 10).until(staleness_of(page))


def test_a_social_worker_logs_in_claims_calls_and_records_the_outcome(
    server: str,
    browser: WebDriver,
    settings: Settings,
    twilio: TwilioStandIn,
    staff: StaffDirectory,
    tmp_path: Path,
) -> None:
    queue = CallbackQueue(redis.Redis.from_url(settings.redis_url))
    asked = {"channel": "voice", "window": "afternoon", "voicemail": True}
    request_id = file_request(queue, PERSON, time.time() - 47 * 60, **asked)
    file_request(queue, "+12025550102", time.time() - 5 * 60, urgent=True, **asked)

    browser.get(f"{server}/dashboard/")
    browser.find_element(By.NAME, "username")
    assert browser.current_url.endswith("/dashboard/login")
    browser.find_element(By.NAME, "username").send_keys("alice")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "button[type=submit]"))

    card = browser.find_element(By.ID, f"r-{request_id}")
    assert "…0101" in card.text and "47 min" in card.text and "Afternoon" in card.text
    assert PERSON not in card.text and "202-555-0101" not in card.text  # whole once claimed
    assert "Find a doctor" in card.text
    assert "Call backs waiting: 2" in browser.find_element(By.TAG_NAME, "h1").text
    submit(browser, card.find_element(By.XPATH, ".//button[text()='Claim']"))

    card = browser.find_element(By.ID, f"r-{request_id}")
    assert "Yours until" in card.text and "202-555-0101" in card.text  # as people write it
    assert "It is yours" in browser.find_element(By.CLASS_NAME, "flash").text
    browser.save_screenshot(str(tmp_path / "claimed.png"))

    submit(browser, card.find_element(By.XPATH, ".//button[starts-with(text(), 'Call')]"))
    (call,) = twilio.wait_for(1, "call")
    assert call.get("To") == ALICE_PHONE and PERSON in call.get("Twiml")
    assert "Calling your phone" in browser.find_element(By.CLASS_NAME, "flash").text

    card = browser.find_element(By.ID, f"r-{request_id}")
    card.find_element(By.CSS_SELECTOR, "input[value=reached]").click()
    card.find_element(By.NAME, "note").send_keys("Talked it through; will ask for records.")
    submit(browser, card.find_element(By.XPATH, ".//button[text()='Record outcome']"))

    assert "Recorded: Reached" in browser.find_element(By.CLASS_NAME, "flash").text
    assert not browser.find_elements(By.ID, f"r-{request_id}")
    browser.save_screenshot(str(tmp_path / "recorded.png"))
    closed = queue.get(request_id)
    assert closed.status is Status.CLOSED and closed.outcome == "reached"
    assert closed.note == "Talked it through; will ask for records."


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

    browser.get(f"{server}/dashboard/login")
    browser.find_element(By.NAME, "username").send_keys("alice")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert browser.current_url.endswith("/dashboard/login/code")
    browser.find_element(By.NAME, "code").send_keys(next_code(alice))
    submit(browser, browser.find_element(By.CSS_SELECTOR, "button[type=submit]"))
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
