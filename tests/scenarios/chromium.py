"""What a browser test does in headless Chromium: submit a form and wait, log in."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver, WebElement
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.wait import WebDriverWait


def submit(browser: WebDriver, button: WebElement) -> None:
    """Click a form's button and wait until the page it leads to has replaced this one."""
    page = browser.find_element(By.TAG_NAME, "html")
    button.click()
    WebDriverWait(browser, 10).until(staleness_of(page))


def log_in(browser: WebDriver, server: str, username: str, password: str, code: str = "") -> None:
    """Log in through the form (and the second step, with `code`)."""
    browser.get(f"{server}/dashboard/login")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(password)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    if code:
        WebDriverWait(browser, 10).until(lambda b: b.current_url.endswith("/login/code"))
        browser.find_element(By.NAME, "code").send_keys(code)
        submit(browser, browser.find_element(By.CSS_SELECTOR, "button[type=submit]"))
