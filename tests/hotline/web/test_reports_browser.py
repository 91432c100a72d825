"""The Reports page in a real headless Chromium: a supervisor (password and code) sees it and
axe-core finds nothing to fix; a social worker gets 403. The screenshot is docs/reports-page.png."""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pyotp
import pytest
import redis
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from werkzeug.serving import make_server

from hotline.reports.counters import ReportCounters
from hotline.reports.tally import Tally
from hotline.settings import Settings
from hotline.stores.staff import Role, StaffDirectory
from hotline.stores.two_factor import TwoFactor
from hotline.web.app import create_app
from hotline.web.resources import resources_of
from tests.scenarios.chromium import submit
from tests.support import PASSWORD

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "reports-page.png"
NOON = datetime.min.time().replace(hour=12)
PARTS = {"doctor": 3, "find": 2, "helps": 2, "when": 3, "social": 2, "about": 1}


@pytest.fixture
def sue(settings: Settings) -> pyotp.TOTP:
    """A supervisor, sue, and her authenticator; a social worker, walt."""
    connection = redis.Redis.from_url(settings.redis_url)
    staff = StaffDirectory(connection)
    staff.add("sue", PASSWORD, "+13125550121", name="Sue Park", role=Role.SUPERVISOR)
    staff.add("walt", PASSWORD, "+13125550122", name="Walt Diaz")
    two_factor = TwoFactor(connection)
    totp = pyotp.TOTP(two_factor.begin("sue"))
    assert two_factor.confirm("sue", totp.now())
    return totp


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    """The app on loopback in a thread, with a month of counts."""
    app = create_app(dataclasses.replace(settings, public_base_url=""))
    a_month(resources_of(app).reports)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    """Headless Chromium at a laptop's width, with a fresh profile."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("chromium or chromedriver missing: run `bash .ci/setup --test`", pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--window-size=1100,1900", f"--user-data-dir={tmp_path / 'p'}"):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # to see CSP refusals
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def a_month(counters: ReportCounters) -> None:
    """Thirty days of plausible counts (the same every run)."""
    rng = random.Random(15)
    today = datetime.now(counters.zone).date()
    for back in range(30):
        day = today - timedelta(days=back)
        at = datetime.combine(day, NOON, counters.zone).timestamp()
        counts: Counter[str] = Counter()
        for channel, lang, scale in (
            ("sms", "en", 14),
            ("voice", "en", 8),
            ("sms", "es", 4),
            ("voice", "es", 2),
        ):
            n = rng.randint(scale // 2, scale) if day.weekday() < 5 else rng.randint(0, scale // 3)
            counts[f"conversations:{channel}:{lang}"] += n
            counts[f"safety:{channel}:{lang}"] += rng.randint(0, 1)
            counts[
                f"reply_segments:{channel}:{lang}"
                if channel == "sms"
                else f"voice_seconds:{channel}:{lang}"
            ] += n * 90
            for person in range(n):
                counters.record(Tally(person=(channel, lang, f"{channel}-{back}-{person}")), at=at)
            counts[f"entry:{channel}:{lang}:{'call' if channel == 'voice' else 'SECOND'}"] += n
            for part, pages in PARTS.items():
                opened = rng.randint(0, n)
                counts[f"opened:{channel}:{lang}:{part}"] += opened
                counts[f"finished:{channel}:{lang}:{part}"] += rng.randint(0, opened)
                for page in range(1, pages + 1):
                    counts[f"page:{channel}:{lang}:{part}:{page}"] += max(0, opened - page + 1)
        counts["callbacks_requested:sms:en:ordinary"] = rng.randint(1, 4)
        counts["callback_closed:reached"] = rng.randint(0, 3)
        counts["reached_within_business_day"] = rng.randint(0, counts["callback_closed:reached"])
        for figure in ("wait_first_attempt", "wait_reached"):
            counts[f"{figure}:{rng.choice(['1800', '3600', '14400', '28800', '86400'])}"] += 2
        counts["texts_sent"], counts["twilio_error:30003"] = rng.randint(5, 20), rng.randint(0, 1)
        counters.record(Tally(+counts), at=at)


def log_in(browser: WebDriver, server: str, username: str, totp: pyotp.TOTP | None = None) -> None:
    """Password, then (with `totp`) the next window's code (the current one went on enrolment)."""
    browser.get(f"{server}/dashboard/login")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    if totp is not None:
        browser.find_element(By.NAME, "code").send_keys(totp.at(time.time() + 30))
        submit(browser, browser.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    browser.find_element(By.LINK_TEXT, "Queue")


def test_a_supervisor_sees_the_reports_page_and_axe_finds_nothing(
    sue: pyotp.TOTP, server: str, browser: WebDriver
) -> None:
    log_in(browser, server, "sue", sue)
    submit(browser, browser.find_element(By.LINK_TEXT, "Reports"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Reports"
    charts = browser.find_elements(By.CSS_SELECTOR, "figure svg[role=img]")
    assert [c.get_attribute("aria-label") for c in charts] == [
        "Conversations a day, by text, by phone and on WhatsApp",
        "Parts of the fact sheet opened and read to the end",
        "How long people waited for a call back",
    ]
    assert all(c.size["width"] > 600 for c in charts)
    # Every chart has its table; the browser ran no script and loaded nothing from elsewhere.
    assert len(browser.find_elements(By.CSS_SELECTOR, "section.card table")) >= 4
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert [
        e for e in browser.get_log("browser") if "Content Security Policy" in e["message"]
    ] == []

    browser.save_screenshot(str(SCREENSHOT))  # the top of the page: overview and first chart

    axe = Axe(browser)
    axe.inject()
    found = axe.run()
    assert found["violations"] == [], axe.report(found["violations"])
    assert len(found["passes"]) > 10

    browser.get(f"{server}/dashboard/reports?since=2026-02-30")  # a typed date that is none
    summary = browser.find_element(By.CSS_SELECTOR, ".error-summary")
    assert "Enter the first day as a date" in summary.text
    axe.inject()
    found = axe.run()
    assert found["violations"] == [], axe.report(found["violations"])


def test_a_social_worker_is_refused_the_reports_page(
    sue: pyotp.TOTP, server: str, browser: WebDriver
) -> None:
    log_in(browser, server, "walt")
    assert not browser.find_elements(By.LINK_TEXT, "Reports")
    browser.get(f"{server}/dashboard/reports")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Not allowed"
    assert "may not see the reports" in browser.find_element(By.TAG_NAME, "main").text
    axe = Axe(browser)
    axe.inject()
    found = axe.run()
    assert found["violations"] == [], axe.report(found["violations"])
