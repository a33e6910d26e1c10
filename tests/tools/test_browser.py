"""BrowserSession against the real Debian Chromium: one browser reused, a fresh context per page."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from samples.pages import serve_pages
from tools.browser import (
    CHROMIUM,
    CHROMIUM_HEADLESS_SHELL,
    DEFAULT_CHROMIUM_ARGS,
    BrowserConfig,
    BrowserSession,
    BrowserUnavailableError,
    system_chromium,
)
from tools.errors import InputError

module_loop = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def session() -> AsyncIterator[BrowserSession]:
    async with BrowserSession() as browser_session:
        yield browser_session


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_pages() as url:
        yield url


def test_config_defaults_match_the_stack_notes() -> None:
    config = BrowserConfig()
    assert config.executable_path is None  # system_chromium() at launch
    assert config.headless is True
    assert config.args == DEFAULT_CHROMIUM_ARGS
    assert "--no-sandbox" in config.args
    assert (config.navigation_timeout_ms, config.action_timeout_ms) == (15_000, 5_000)
    assert (config.viewport_width, config.viewport_height) == (1280, 800)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.headless = False  # type: ignore[misc]


def test_headless_pages_open_in_debians_headless_shell_and_headed_ones_in_chromium() -> None:
    # .ci/services installs both packages
    assert system_chromium() == CHROMIUM_HEADLESS_SHELL
    assert system_chromium(headless=False) == CHROMIUM == "/usr/bin/chromium"


@module_loop
async def test_nothing_starts_before_the_first_page() -> None:
    assert BrowserSession().browser is None


@module_loop
async def test_one_browser_serves_pages_in_separate_contexts(session: BrowserSession, base_url: str) -> None:
    async with session.new_page() as first:
        await first.goto(f"{base_url}/login")
        await first.context.add_cookies([{"name": "who", "value": "first", "url": base_url}])
        browser = session.browser
        assert browser is not None and browser.is_connected()
        async with session.new_page() as second:
            response = await second.goto(f"{base_url}/todo")
            assert response is not None and response.status == 200
            assert second.context is not first.context
            assert await second.context.cookies() == []
            assert session.browser is browser
        assert second.is_closed()
        assert [c["name"] for c in await first.context.cookies()] == ["who"]
    assert first.is_closed()
    assert browser.is_connected() and len(browser.contexts) == 0


@module_loop
async def test_page_defaults_come_from_the_config(session: BrowserSession) -> None:
    async with session.new_page() as page:
        assert page.viewport_size == {"width": 1280, "height": 800}


@module_loop
async def test_close_is_clean_and_idempotent(base_url: str) -> None:
    browser_session = BrowserSession()
    async with browser_session.new_page() as page:
        await page.goto(f"{base_url}/search")
    browser = browser_session.browser
    assert browser is not None
    await browser_session.close()
    assert not browser.is_connected()
    assert browser_session.browser is None
    await browser_session.close()


@module_loop
async def test_missing_chromium_is_a_one_line_input_error() -> None:
    missing = BrowserSession(BrowserConfig(executable_path="/nonexistent/chromium"))
    with pytest.raises(BrowserUnavailableError) as caught:
        async with missing.new_page():
            pass
    assert isinstance(caught.value, InputError)
    message = str(caught.value)
    assert "/nonexistent/chromium" in message and "\n" not in message
    await missing.close()
