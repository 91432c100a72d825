"""The dashboard in a real headless Chromium: the app served on loopback on a clock the test
moves, and a browser at a phone's size."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from werkzeug.serving import make_server

from hotline.settings import Settings
from hotline.web.app import create_app
from tests.support import Clock

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PHONE_SIZE = (412, 1500)  # a common phone's width; tall, so one screenshot shows the whole card
DESKTOP_SIZE = (1280, 1000)


class RunningClock(Clock):
    """A clock that runs with real time (second factors, sessions) from where a test sets it."""

    def __init__(self) -> None:
        self.offset = 0.0

    @property  # type: ignore[override]
    def now(self) -> float:
        return time.time() + self.offset

    @now.setter
    def now(self, moment: float) -> None:
        self.offset = moment - time.time()


@pytest.fixture
def clock() -> Clock:
    return RunningClock()


@pytest.fixture
def served(settings: Settings, clock: Clock) -> Iterator[tuple[str, Flask]]:
    """The real app on a free loopback port, in a thread, on `clock`; its base URL and the app."""
    # Plain HTTP on loopback: a Secure session cookie would not come back.
    app = create_app(dataclasses.replace(settings, public_base_url=""), clock=clock)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, name="dashboard", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}", app
    http.shutdown()
    thread.join()


@pytest.fixture
def server(served: tuple[str, Flask]) -> str:
    """The served app's base URL."""
    return served[0]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    """Headless Chromium at a phone's size, with a fresh profile."""
    driver = chromium(tmp_path, phone=True)
    yield driver
    driver.quit()


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[WebDriver]:
    """Headless Chromium in a desktop window, with a mouse pointer."""
    driver = chromium(tmp_path, phone=False)
    yield driver
    driver.quit()


def chromium(tmp_path: Path, phone: bool) -> WebDriver:
    """Headless Chromium with a fresh profile, at a phone's size (touch) or a desktop's."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found: run `bash .ci/setup --test` "
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
    if phone:
        width, height = PHONE_SIZE
        metrics = {"width": width, "height": height, "pixelRatio": 1}
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": metrics})
    else:
        options.add_argument("--window-size={},{}".format(*DESKTOP_SIZE))
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(5)
    return driver
