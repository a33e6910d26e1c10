"""Reconnaissance of the sample pages in real Chromium: elements, checked locators, exploration, errors."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Locator

from samples.pages import serve_pages
from tools.browser import BrowserSession
from tools.errors import InputError, TargetUnreachableError
from tools.page_recon import plausible_value, reconnoitre_page, validate_page_url
from vocabulary.page_model import InputField, LocatorCandidate, PageModel

module_loop = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def session() -> AsyncIterator[BrowserSession]:
    async with BrowserSession() as browser_session:
        yield browser_session


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_pages() as url:
        yield url


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def login(session: BrowserSession, base_url: str) -> PageModel:
    return await reconnoitre_page(session, f"{base_url}/login")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def todo(session: BrowserSession, base_url: str) -> PageModel:
    return await reconnoitre_page(session, f"{base_url}/todo")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def search(session: BrowserSession, base_url: str) -> PageModel:
    return await reconnoitre_page(session, f"{base_url}/search")


def _best(element: object) -> str:
    best = getattr(element, "best_locator", None)
    assert best is not None, f"no unique locator for {element}"
    return best.to_python()


# --- what recon finds ---------------------------------------------------------------------------------------


@module_loop
async def test_login_page_inputs_button_and_form(login: PageModel) -> None:
    assert (login.status, login.title) == (200, "Sign in — Demo Shop")
    username, password = login.inputs
    assert (username.label, username.name, username.type) == ("Username", "username", "text")
    assert username.required
    assert password.type == "password"
    assert _best(username) == 'page.get_by_role("textbox", name="Username")'
    assert _best(password) == 'page.get_by_role("textbox", name="Password")'
    [button] = login.buttons
    assert (button.text, button.disabled, button.test_id) == ("Log in", True, "login-submit")
    assert _best(button) == 'page.get_by_role("button", name="Log in")'
    assert [c.strategy for c in button.locators] == ["role", "test_id", "text", "css"]
    [form] = login.forms
    assert (form.name, form.submit_key) == ("Sign in", button.key)
    assert form.input_keys == [username.key, password.key]
    assert [h.text for h in login.headings] == ["Sign in"]
    assert {lm.role for lm in login.landmarks} >= {"banner", "main", "form"}
    assert 'button "Log in" [disabled]' in login.aria_snapshot
    assert login.test_ids == ["login-submit"]
    assert login.console_errors == [] and login.failed_requests == []


@module_loop
async def test_login_exploration_records_enabling_and_the_error(login: PageModel) -> None:
    fill, submit = login.interactions
    assert fill.action == "fill" and set(fill.values.values()) == {"testuser", "Secret123!"}
    assert fill.state_changes == ['button "Log in" became enabled']
    assert submit.action == "submit" and submit.url_after == submit.url_before
    assert submit.appeared_texts == ["Invalid username or password"]
    assert submit.locator is not None and submit.locator.matches == 1


@module_loop
async def test_todo_page_and_what_adding_and_deleting_do(todo: PageModel) -> None:
    [item] = todo.inputs
    assert (item.label, item.placeholder) == ("New item", "What needs doing?")
    assert [c.strategy for c in item.locators] == ["role", "label", "placeholder", "css"]
    assert [b.text for b in todo.buttons] == ["Add"]
    assert "0 items" in todo.visible_texts and todo.test_ids == ["counter"]
    fill, submit, delete = todo.interactions
    assert fill.values == {'textbox "New item"': "Test item"}
    assert {"Test item", "1 item"} <= set(submit.appeared_texts) and "0 items" in submit.disappeared_texts
    assert {(c.what, c.before, c.after) for c in submit.count_changes} >= {("li", 0, 1)}
    assert delete.action == "click" and "Delete" in delete.target
    assert "Test item" in delete.disappeared_texts and "0 items" in delete.appeared_texts


@module_loop
async def test_search_page_locators_filters_and_site_map(search: PageModel, base_url: str) -> None:
    [box] = search.inputs
    assert (box.type, box.label) == ("search", "Search")
    assert _best(box) == 'page.get_by_role("searchbox", name="Search")'
    [category] = search.selects
    assert category.label == "Category"
    assert [o.label for o in category.options] == ["All", "Home", "Kitchen", "Books", "Electronics"]
    details = [link for link in search.links if link.text == "Details"]
    assert len(details) == 8 and all(link.same_origin for link in details)
    # "Details" is on every row: the unique locator is scoped to the row holding the link
    assert _best(details[5]) == (
        'page.get_by_role("listitem").filter(has_text="Clean Code").get_by_role("link", name="Details")'
    )
    assert "No results" not in search.visible_texts
    typed, chosen = search.interactions
    assert typed.values == {'searchbox "Search"': "desk"}
    assert {(c.what, c.before, c.after) for c in typed.count_changes} >= {("li", 8, 1)}
    assert chosen.action == "select" and "Coffee Mug" in chosen.disappeared_texts
    products = [(f"{base_url}/products/{i}", 200) for i in range(1, 9)]
    assert [(e.url, e.status) for e in search.site_map] == products
    assert search.site_map[5].title == "Clean Code — Demo Shop"


@module_loop
async def test_rendered_locators_find_what_recon_counted(session: BrowserSession, search: PageModel) -> None:
    async with session.new_page() as page:
        await page.goto(search.final_url)
        for element in (*search.inputs, *search.selects, *search.links[:3]):
            for candidate in element.locators:
                locator: Locator = eval(candidate.to_python(), {"page": page})
                assert await locator.count() == candidate.matches, candidate.to_python()


@module_loop
async def test_http_error_status_is_recorded_with_a_screenshot(
    session: BrowserSession, base_url: str, tmp_path: Path
) -> None:
    model = await reconnoitre_page(
        session, f"{base_url}/products/999", depth=0, explore=False, screenshot_dir=tmp_path / "shots"
    )
    assert (model.status, model.title) == (404, "Not found")
    assert model.interactions == [] and model.site_map == []
    assert model.screenshot_path is not None
    assert Path(model.screenshot_path).read_bytes()[:4] == b"\x89PNG"


@module_loop
async def test_console_errors_and_failed_requests_are_captured(
    session: BrowserSession, base_url: str
) -> None:
    model = await reconnoitre_page(session, f"{base_url}/noisy", depth=0)
    assert "Widget failed to initialise" in model.console_errors
    assert [(r.url, r.status) for r in model.failed_requests] == [(f"{base_url}/missing.js", 404)]


@module_loop
async def test_a_page_whose_network_never_idles_is_read_with_a_note(
    session: BrowserSession, base_url: str
) -> None:
    url = f"{base_url}/long-poll"
    model = await reconnoitre_page(session, url, depth=0, explore=False, settle_timeout_ms=1500)
    assert model.status == 200 and model.headings[0].text == "Live updates"
    assert len(model.notes) == 1 and "never went idle" in model.notes[0]


# --- errors -------------------------------------------------------------------------------------------------


@module_loop
async def test_unsupported_scheme_is_refused_before_any_browsing(session: BrowserSession) -> None:
    with pytest.raises(InputError) as caught:
        await reconnoitre_page(session, "ftp://example.com/file")
    assert str(caught.value) == "unsupported URL scheme 'ftp': use http or https"


@module_loop
async def test_refused_connection_is_a_one_line_error(session: BrowserSession) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TargetUnreachableError) as caught:
        await reconnoitre_page(session, f"http://127.0.0.1:{port}/")
    assert str(caught.value) == (
        f"cannot reach http://127.0.0.1:{port}/: connection refused (net::ERR_CONNECTION_REFUSED)"
    )


@module_loop
async def test_a_page_that_never_loads_is_a_one_line_error(session: BrowserSession, base_url: str) -> None:
    with pytest.raises(TargetUnreachableError) as caught:
        await reconnoitre_page(session, f"{base_url}/never-settles", settle_timeout_ms=2000)
    message = str(caught.value)
    assert message.startswith("page did not settle within 2s: ") and "\n" not in message


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("example.com/login", "has no scheme"),
        ("http:///login", "has no host"),
        ("javascript:alert(1)", "unsupported URL scheme 'javascript'"),
    ],
)
def test_urls_are_validated(url: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        validate_page_url(url)
    assert validate_page_url(" https://example.com/a ") == "https://example.com/a"


# --- pure helpers -------------------------------------------------------------------------------------------


def test_locator_candidates_render_as_playwright_python() -> None:
    def render(**fields: object) -> str:
        return LocatorCandidate.model_validate(fields).to_python()

    assert render(strategy="role", role="button", name="Log in", value="button") == (
        'page.get_by_role("button", name="Log in")'
    )
    assert render(strategy="role", role="textbox", value="textbox") == 'page.get_by_role("textbox")'
    assert render(strategy="label", value="Name", exact=True) == 'page.get_by_label("Name", exact=True)'
    assert render(strategy="placeholder", value="Find") == 'page.get_by_placeholder("Find")'
    assert render(strategy="test_id", value="counter") == 'page.get_by_test_id("counter")'
    assert render(strategy="text", value='Say "hi"') == 'page.get_by_text("Say \\"hi\\"")'
    assert render(strategy="css", value="#a > b") == 'page.locator("#a > b")'
    scoped = render(
        strategy="role",
        role="button",
        name="Delete",
        value="button",
        container_role="listitem",
        container_text="Buy milk",
    )
    row = 'page.get_by_role("listitem").filter(has_text="Buy milk")'
    assert scoped == row + '.get_by_role("button", name="Delete")'
    assert LocatorCandidate(strategy="test_id", value="x").to_python("p") == 'p.get_by_test_id("x")'


def test_plausible_values_follow_type_hints_and_limits() -> None:
    def field(**values: object) -> InputField:
        return InputField.model_validate({"key": "input-0", "tag": "input", **values})

    assert plausible_value(field(type="email")) == "qa.tester@example.com"
    assert plausible_value(field(type="text", label="Username")) == "testuser"
    assert plausible_value(field(type="search"), "lamp") == "lamp"
    assert plausible_value(field(type="number", min="5")) == "5"
    assert plausible_value(field(type="text", maxlength=4)) == "Test"
    assert plausible_value(field(type="checkbox")) is None
