"""The sample pages: registry shape, HTTP serving, the CLI, and that every variant behaves as labelled.

The behaviour check is a small hand-written suite per page, one check per requirement: it must pass on the
correct and harmless variants and fail, on each buggy variant, exactly where that variant says it breaks.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio
from playwright.async_api import Page

from samples.pages import (
    BUGGY_VARIANTS,
    CORRECT,
    HARMLESS_VARIANTS,
    REQUIREMENTS,
    VARIANTS,
    serve_pages,
    variant_info,
)
from samples.pages.requirements import LOGIN, SEARCH, TODO
from samples.pages.server import PAGE_RENDERERS
from tools.browser import BrowserSession

module_loop = pytest.mark.asyncio(loop_scope="module")


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


# --- registry -----------------------------------------------------------------------------------------------


def test_every_page_has_requirements_buggy_and_harmless_variants() -> None:
    assert set(REQUIREMENTS) == set(VARIANTS) == set(BUGGY_VARIANTS) == set(HARMLESS_VARIANTS)
    for page, variants in VARIANTS.items():
        assert len(REQUIREMENTS[page]) >= 4
        assert len(BUGGY_VARIANTS[page]) >= 5 and len(HARMLESS_VARIANTS[page]) >= 1
        names = [v.name for v in variants]
        assert len(names) == len(set(names)) and CORRECT in names
        for name in BUGGY_VARIANTS[page]:
            breaks = variant_info(page, name).breaks
            assert breaks and set(breaks) <= set(REQUIREMENTS[page])
        for name in (*HARMLESS_VARIANTS[page], CORRECT):
            assert variant_info(page, name).breaks == ()


def test_every_variant_serves_different_html_from_the_correct_page() -> None:
    for page, render in PAGE_RENDERERS.items():
        correct = render(CORRECT)
        for variant in (*BUGGY_VARIANTS[page], *HARMLESS_VARIANTS[page]):
            assert render(variant) != correct, f"{page}/{variant}"


# --- serving ------------------------------------------------------------------------------------------------


def test_pages_are_served_with_the_chosen_variant() -> None:
    with serve_pages({"login": "password_visible"}) as base:
        for path in ("/", "/login", "/todo", "/search", "/products/1", "/noisy", "/long-poll"):
            assert _get(base + path)[0] == 200, path
        assert _get(base + "/products/999")[0] == 404
        assert _get(base + "/nope")[0] == 404
        assert 'type="text"' in _get(base + "/login")[1].split('id="password"')[1][:60]
        assert "<title>Products — Demo Shop</title>" in _get(base + "/search")[1]


@pytest.mark.parametrize(
    ("choice", "message"),
    [({"login": "nope"}, "unknown variant 'nope'"), ({"cart": CORRECT}, "unknown sample page 'cart'")],
)
def test_unknown_pages_and_variants_are_refused(choice: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message), serve_pages(choice):
        pass


def test_command_line_serves_the_pages() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "samples.pages", "--port", str(port), "--variant", "todo=count_not_updated"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert f"http://127.0.0.1:{port}/" in server.stdout.readline()
        assert _get(f"http://127.0.0.1:{port}/todo")[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=5)


# --- behaviour of every variant, checked in Chromium --------------------------------------------------------


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def browser_page() -> AsyncIterator[Page]:
    async with BrowserSession() as session, session.new_page() as page:
        # the pages answer at once; a check that has to wait is already a failing check
        page.set_default_timeout(1_500)
        yield page


async def _login_checks(page: Page, base: str) -> dict[str, bool]:
    username, password = page.get_by_label("Username"), page.get_by_label("Password")
    log_in = page.get_by_role("button", name="Log in")
    await page.goto(f"{base}/login")
    disabled = [await log_in.is_disabled()]
    await username.fill("demo")
    disabled.append(await log_in.is_disabled())
    await password.fill("secret")
    disabled.append(await log_in.is_disabled())
    masked = await password.get_attribute("type") == "password"
    await log_in.click()
    welcome = await page.get_by_role("status").inner_text()
    await page.goto(f"{base}/login")
    await username.fill("demo")
    await password.fill("wrong")
    await log_in.click()
    alert = await page.get_by_role("alert").inner_text()
    status = await page.get_by_role("status").inner_text()
    return {
        LOGIN[0]: welcome == "Welcome, demo",
        LOGIN[1]: disabled == [True, True, False],
        LOGIN[2]: alert == "Invalid username or password" and status == "",
        LOGIN[3]: masked,
    }


async def _todo_checks(page: Page, base: str) -> dict[str, bool]:
    new_item, add = page.get_by_label("New item"), page.get_by_role("button", name="Add")
    names, counter = page.locator("#items li span"), page.get_by_test_id("counter")

    async def add_items(*texts: str) -> None:
        await page.goto(f"{base}/todo")
        for text in texts:
            await new_item.fill(text)
            await add.click()

    await add_items("Buy milk")
    shows_milk = "Buy milk" in await names.all_inner_texts()
    await add_items("Eggs", "Bread", "Jam")
    three = await counter.inner_text() == "3 items"
    bread_delete = page.get_by_role("listitem").filter(has_text="Bread").get_by_role("button", name="Delete")
    if await bread_delete.count() == 1:
        await bread_delete.click()
    deleted = await names.all_inner_texts() == ["Eggs", "Jam"]
    await add_items("", "   ")
    empty_refused = await names.count() == 0 and await counter.inner_text() == "0 items"
    return {TODO[0]: shows_milk, TODO[1]: three, TODO[2]: deleted, TODO[3]: empty_refused}


async def _search_checks(page: Page, base: str) -> dict[str, bool]:
    box, category = page.get_by_label("Search"), page.get_by_label("Category")

    async def shown() -> list[str]:
        rows = "els => els.filter((e) => !e.hidden).map((e) => e.querySelector('.name').textContent)"
        return await page.eval_on_selector_all("#products li", rows)

    await page.goto(f"{base}/search")
    await box.fill("lamp")
    lamps = await shown() == ["Desk Lamp", "Floor Lamp"]
    await box.fill("zzz")
    none = await shown() == [] and await page.get_by_text("No results").is_visible()
    await box.fill("")
    await category.select_option("Books")
    books = sorted(await shown()) == ["Clean Code", "The Pragmatic Programmer"]
    await category.select_option("")
    clean_code = page.get_by_role("listitem").filter(has_text="Clean Code")
    await clean_code.get_by_role("link", name="Details").click()
    await page.wait_for_load_state()
    opened = await page.get_by_role("heading", level=1).inner_text() == "Clean Code"
    return {SEARCH[0]: lamps, SEARCH[1]: none, SEARCH[2]: books, SEARCH[3]: opened}


_CHECKS: dict[str, Callable[[Page, str], Awaitable[dict[str, bool]]]] = {
    "login": _login_checks,
    "todo": _todo_checks,
    "search": _search_checks,
}
# the shop's checks, a few flows each, live in test_shop.py
_ALL_VARIANTS = [(page, variant.name) for page in _CHECKS for variant in VARIANTS[page]]


@module_loop
@pytest.mark.parametrize(("page_name", "variant"), _ALL_VARIANTS, ids=[f"{p}-{v}" for p, v in _ALL_VARIANTS])
async def test_variant_breaks_exactly_what_it_claims(
    browser_page: Page, page_name: str, variant: str
) -> None:
    with serve_pages({page_name: variant}) as base:
        results = await _CHECKS[page_name](browser_page, base)
    assert list(results) == REQUIREMENTS[page_name]
    failed = {requirement for requirement, ok in results.items() if not ok}
    assert failed == set(variant_info(page_name, variant).breaks)
