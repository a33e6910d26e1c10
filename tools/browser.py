"""One browser layer over Playwright (async): a single Chromium per session, a fresh context per page.

Launching Chromium costs far more than opening a context, so a `BrowserSession` is made once (per process,
per worker, per test module) and every reconnaissance or validation run borrows pages from it. Under a
policy that refuses inner addresses (service mode) a page's context goes through a `GuardingProxy`: every
request, redirects and sub-requests included, is admitted by the policy and sent to the checked address.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from playwright.async_api import Browser, Page, Playwright, ProxySettings, async_playwright
from playwright.async_api import Error as PlaywrightError

from tools.errors import InputError
from tools.target_policy import EMBEDDED_POLICY, GuardingProxy, TargetPolicy

DEFAULT_CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)

# Debian packages Chromium twice: the browser, and its headless shell (the same engine without the browser's
# windows). Headless, the shell opens a page in a third of the time (0.07 s against 0.22 s, a new window
# each), which is most of what a UI test costs, and it is what Playwright itself runs for headless pages.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"


def system_chromium(*, headless: bool = True) -> str:
    """Debian's headless shell when the run is headless and it is installed, else Debian's Chromium."""
    if headless and os.access(CHROMIUM_HEADLESS_SHELL, os.X_OK):
        return CHROMIUM_HEADLESS_SHELL
    return CHROMIUM


class BrowserUnavailableError(InputError):
    """Chromium is missing or would not start."""


class BrowserCrashedError(BrowserUnavailableError):
    """Chromium exited while a page was open; the session launches a new one on its next use."""


T = TypeVar("T")
_CRASHED = "Chromium exited while the page was open (killed, or out of memory); the next page gets a new one"


async def _unless_disconnected(browser: Browser, step: Awaitable[T]) -> T:
    """`step`, unless the browser goes first: Playwright leaves a new page waiting forever for a dead one."""
    gone = asyncio.Event()

    def on_disconnected(_: Browser) -> None:
        gone.set()

    browser.on("disconnected", on_disconnected)
    work, watch = asyncio.ensure_future(step), asyncio.ensure_future(gone.wait())
    try:
        if not browser.is_connected():
            gone.set()
        await asyncio.wait({work, watch}, return_when=asyncio.FIRST_COMPLETED)
        if work.done():
            return work.result()
        raise BrowserCrashedError(_CRASHED)
    finally:
        work.cancel()
        watch.cancel()
        browser.remove_listener("disconnected", on_disconnected)


@dataclass(frozen=True)
class BrowserConfig:
    """How Chromium is launched and how long pages may take by default."""

    executable_path: str | None = None  # None: system_chromium()
    headless: bool = True
    args: tuple[str, ...] = DEFAULT_CHROMIUM_ARGS
    navigation_timeout_ms: int = 15_000
    action_timeout_ms: int = 5_000
    viewport_width: int = 1280
    viewport_height: int = 800


class BrowserSession:
    """A lazily started Chromium shared by many pages; each page gets its own isolated context.

    `policy` judges every request its pages make (see the module's docstring).
    """

    def __init__(
        self, config: BrowserConfig | None = None, *, policy: TargetPolicy = EMBEDDED_POLICY
    ) -> None:
        self.config = config or BrowserConfig()
        self.policy = policy
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        # Several requests may ask for their first page at once; only one of them may launch Chromium.
        self._start_lock = asyncio.Lock()

    async def __aenter__(self) -> BrowserSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def browser(self) -> Browser | None:
        """The running browser, or None before the first page (or after close)."""
        return self._browser

    async def start(self) -> Browser:
        """Launch Chromium unless it is already running; relaunch it if it has died."""
        async with self._start_lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            path = self.config.executable_path or system_chromium(headless=self.config.headless)
            if not (Path(path).is_file() and os.access(path, os.X_OK)):
                raise BrowserUnavailableError(
                    f"Chromium not found at {path}: install it (apt-get install chromium) "
                    "or set TESTOPS_CHROMIUM_PATH"
                )
            if self._playwright is None:
                self._playwright = await async_playwright().start()
            try:
                self._browser = await self._playwright.chromium.launch(
                    executable_path=path, headless=self.config.headless, args=list(self.config.args)
                )
            except PlaywrightError as error:
                first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
                raise BrowserUnavailableError(f"Chromium at {path} would not start: {first_line}") from None
            return self._browser

    @asynccontextmanager
    async def new_page(self) -> AsyncIterator[Page]:
        """A page in a fresh context (no cookies or storage shared); the context is closed afterwards."""
        browser = await self.start()
        proxy = GuardingProxy(self.policy) if not self.policy.inner_addresses else None
        proxy_settings: ProxySettings | None = None
        if proxy is not None:
            # "<-loopback>": Chromium otherwise sends loopback requests past any proxy.
            proxy_settings = {"server": await proxy.start(), "bypass": "<-loopback>"}
        try:
            context = await _unless_disconnected(
                browser,
                browser.new_context(
                    viewport={"width": self.config.viewport_width, "height": self.config.viewport_height},
                    proxy=proxy_settings,
                ),
            )
            context.set_default_navigation_timeout(self.config.navigation_timeout_ms)
            context.set_default_timeout(self.config.action_timeout_ms)
            try:
                yield await _unless_disconnected(browser, context.new_page())
            finally:
                try:
                    await _unless_disconnected(browser, context.close())
                except (PlaywrightError, BrowserCrashedError):
                    pass  # the browser went away under us; there is nothing left to close
        except Exception as error:
            # Playwright reports the disconnection before the calls it cut short: whatever they raised
            # (a closed target, or an "unreachable" page made of it), the cause is the browser.
            if browser.is_connected():
                raise
            raise BrowserCrashedError(_CRASHED) from error
        finally:
            if proxy is not None:
                await proxy.close()

    async def close(self) -> None:
        """Close the browser and stop Playwright; safe to call twice."""
        async with self._start_lock:
            browser, self._browser = self._browser, None
            playwright, self._playwright = self._playwright, None
            if browser is not None:
                try:
                    await browser.close()
                except PlaywrightError:
                    pass  # already disconnected
            if playwright is not None:
                await playwright.stop()
