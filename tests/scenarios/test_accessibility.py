"""WCAG 2.1 AA on every dashboard page, checked by a current axe-core (npm's, installed by
`.ci/setup --test`) injected into headless Chromium, over a realistic queue: urgent,
treatment-soon, scheduled, Spanish, with notes and history. No serious or critical violation."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
import redis
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from hotline.settings import Settings
from hotline.stores.callbacks import CallbackOutcome, CallbackQueue, Mention
from hotline.stores.staff import Role, StaffDirectory
from hotline.stores.two_factor import TwoFactor
from tests.scenarios.chromium import log_in, submit
from tests.support import PASSWORD, Clock, callback_request

AXE = Path(__file__).parent.parent.parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: arguments[0]}}).then(
  (found) => done({version: axe.version, violations: found.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}))}),
  (error) => done({version: "", violations: [{id: "error", impact: "critical", help: String(error), nodes: []}]}));
"""


def violations(browser: WebDriver) -> list[dict[str, object]]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page shown."""
    browser.execute_script(AXE.read_text())
    browser.set_script_timeout(30)
    found = browser.execute_async_script(RUN_AXE, WCAG_21_AA)
    assert found["version"].startswith("4."), found
    return [v for v in found["violations"] if v["impact"] in ("serious", "critical")]


def realistic_queue(settings: Settings, clock: Clock) -> str:
    """Urgent, treatment-soon, scheduled (due), Spanish, with history and notes; alice holds one."""
    queue = CallbackQueue(redis.Redis.from_url(settings.redis_url))
    now = clock()
    earlier = queue.file("e", callback_request("+12025550101", now - 9 * 86400, person="ana")).id
    queue.claim(earlier, "bob", now - 9 * 86400)
    queue.close(earlier, "bob", CallbackOutcome.REACHED, "Sent the NCI list.", now - 9 * 86400)
    answers = {"mention": Mention.DISCREET, "first_name": "Ana", "person": "ana", "lang": "es"}
    held = queue.file("a", callback_request("+12025550101", now - 3000, **answers)).id
    queue.file("b", callback_request("+12025550102", now - 60, urgent=True))
    queue.file("c", callback_request("+12025550103", now - 900, treatment_soon=True, voicemail=True,
                                     mention=Mention.CANCERCARE))  # fmt: skip
    due = queue.file("d", callback_request("+12025550104", now - 7200, channel="voice")).id
    queue.schedule(due, "sam", now - 300, now - 3600, override=True)
    queue.claim(held, "alice", now)
    queue.add_note(held, "alice", "Rang at 14:05: busy.", now)
    return held


def test_every_dashboard_page_meets_wcag_21_aa(
    server: str, browser: WebDriver, settings: Settings, staff: StaffDirectory, clock: Clock
) -> None:
    if not AXE.exists():
        pytest.fail(f"{AXE} not found: run `bash .ci/setup --test` (it installs npm's axe-core)",
                    pytrace=False)  # fmt: skip
    held = realistic_queue(settings, clock)
    connection = redis.Redis.from_url(settings.redis_url)
    StaffDirectory(connection).add("sam", PASSWORD, "+13125550113", "Sam Ortiz", Role.SUPERVISOR)
    two_factor = TwoFactor(connection)
    sam = pyotp.TOTP(two_factor.begin("sam"))
    assert two_factor.confirm("sam", sam.now())

    found: dict[str, list[dict[str, object]]] = {}
    browser.get(f"{server}/dashboard/login")
    found["log-in"] = violations(browser)
    log_in(browser, server, "alice", PASSWORD)
    assert browser.find_elements(By.ID, f"r-{held}")
    found["queue"] = violations(browser)
    browser.get(f"{server}/dashboard/requests/{held}")
    found["request"] = violations(browser)
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Log out']"))

    log_in(browser, server, "sam", PASSWORD, sam.at(clock() + 30))
    pages = (
        ("failed jobs", "failed"),
        ("staff", "staff"),
        ("audit", "audit"),
        ("reports", "reports"),
    )
    for name, path in pages:
        browser.get(f"{server}/dashboard/{path}")
        found[name] = violations(browser)
    assert found == {name: [] for name in found}


def test_the_check_finds_what_it_should(
    server: str, browser: WebDriver, settings: Settings, staff: StaffDirectory
) -> None:
    """A missing text alternative and low contrast, added to the log-in page, are reported."""
    browser.get(f"{server}/dashboard/login")
    broken = "<img src='x'><p style='color:#ccc'>faint</p>"
    browser.execute_script("document.body.insertAdjacentHTML('beforeend', arguments[0])", broken)
    assert {v["id"] for v in violations(browser)} == {"image-alt", "color-contrast"}
