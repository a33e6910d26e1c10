"""Fixtures of the generated UI suite: one Chromium per session, a fresh context and page per test.

A Chromium that died (killed, out of memory) is launched again for the next test; the test it cut short
gets the junit property `testops.browser_lost`, so a validator can run it again instead of blaming it.

Settings come from environment variables:
  TESTOPS_BASE_URL               where the pages are served (default: testops_base_url in pytest.ini)
  TESTOPS_EXPECT_TIMEOUT_MS      how long expect() waits for a condition (default 5000)
  TESTOPS_ACTION_TIMEOUT_MS      how long clicks and fills wait for their element (default 5000)
  TESTOPS_NAVIGATION_TIMEOUT_MS  how long a page may take to load (default 15000)
  TESTOPS_CHROMIUM               the Chromium binary (default: /usr/bin/chromium-headless-shell when
                                 installed and headless, else /usr/bin/chromium)
  TESTOPS_HEADED                 set to 1 to watch the browser

The fixtures are named like pytest-playwright's, so with that plugin installed these override its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import allure
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

# characters of the page's accessibility snapshot a failed test records (junit property testops.page_snapshot)
SNAPSHOT_LIMIT = 20_000
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def _system_chromium(headed: bool) -> str:
    """Debian's headless shell opens a page in a third of the browser's time; it cannot show a window."""
    if not headed and os.access(HEADLESS_SHELL, os.X_OK):
        return HEADLESS_SHELL
    return "/usr/bin/chromium"


def _milliseconds(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("testops_base_url", "where the page was served when the suite was generated")


def pytest_configure(config: pytest.Config) -> None:
    expect.set_options(timeout=_milliseconds("TESTOPS_EXPECT_TIMEOUT_MS", 5_000))


@pytest.fixture(scope="session")
def base_url(pytestconfig: pytest.Config) -> str:
    """The site under test, without a trailing slash; tests open paths below it."""
    configured = os.environ.get("TESTOPS_BASE_URL") or pytestconfig.getini("testops_base_url")
    if not configured:
        raise pytest.UsageError("set TESTOPS_BASE_URL, or testops_base_url in pytest.ini")
    return str(configured).rstrip("/")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


class Chromium:
    """The session's browser, launched on first use and again whenever it has died."""

    def __init__(self, playwright: Playwright) -> None:
        self._playwright = playwright
        self._browser: Browser | None = None
        self._launch_failed = False

    @property
    def died(self) -> bool:
        """The browser is gone, or the last launch failed (a browser killed while it started)."""
        return self._launch_failed or (self._browser is not None and not self._browser.is_connected())

    def running(self) -> Browser:
        if self._browser is None or not self._browser.is_connected():
            headed = os.environ.get("TESTOPS_HEADED") == "1"
            self._launch_failed = True
            self._browser = self._playwright.chromium.launch(
                executable_path=os.environ.get("TESTOPS_CHROMIUM") or _system_chromium(headed),
                headless=not headed,
                args=CHROMIUM_ARGS,
            )
            self._launch_failed = False
        return self._browser

    def close(self) -> None:
        if self._browser is not None and self._browser.is_connected():
            self._browser.close()


@pytest.fixture(scope="session")
def chromium(playwright: Playwright) -> Iterator[Chromium]:
    launcher = Chromium(playwright)
    yield launcher
    launcher.close()


@pytest.fixture
def browser(chromium: Chromium) -> Browser:
    """The session's browser, alive: one that died since the last test has been replaced."""
    return chromium.running()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A context per test: no cookies, storage or open pages leak from one test into the next."""
    fresh = browser.new_context(viewport={"width": 1280, "height": 800})
    fresh.set_default_timeout(_milliseconds("TESTOPS_ACTION_TIMEOUT_MS", 5_000))
    fresh.set_default_navigation_timeout(_milliseconds("TESTOPS_NAVIGATION_TIMEOUT_MS", 15_000))
    yield fresh
    fresh.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Errors the page logs and exceptions it leaves uncaught, collected from the start of the test."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # browsers ask for /favicon.ico on their own; a site without one has no page error
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"uncaught {error.name}: {error.message}"))
    return errors


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """A failed test gets a screenshot of its page in the Allure report and its accessibility snapshot in
    its junit properties, taken before the page closes; one whose browser died under it is marked as such."""
    report: pytest.TestReport = yield
    funcargs = getattr(item, "funcargs", None) or {}
    launcher = funcargs.get("chromium")
    if report.failed and isinstance(launcher, Chromium) and launcher.died:
        item.user_properties.append(("testops.browser_lost", "1"))  # the teardown report carries it
        return report
    page = funcargs.get("page")
    if report.when == "call" and report.failed and isinstance(page, Page) and not page.is_closed():
        try:
            # what a repair is shown of the page: roles and names, as the test's locators see them
            snapshot = page.locator("body").aria_snapshot(timeout=2_000)
            item.user_properties.append(("testops.page_snapshot", snapshot[:SNAPSHOT_LIMIT]))
            screenshot = page.screenshot(full_page=True, timeout=5_000)
        except PlaywrightError:
            return report  # a page that cannot be read or photographed must not hide the real failure
        allure.attach(screenshot, name="page at failure", attachment_type=allure.attachment_type.PNG)
    return report
