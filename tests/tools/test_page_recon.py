"""Reconnaissance of the sample pages in real Chromium: elements, checked locators, exploration, errors."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Locator

from samples.loopback import serving_folder
from samples.pages import serve_pages
from tools.browser import BrowserSession
from tools.errors import InputError, TargetUnreachableError
from tools.page_recon import plausible_value, reconnoitre_page, validate_page_url
from vocabulary.page_model import Entry, InputField, Interaction, LocatorCandidate, PageModel

module_loop = pytest.mark.asyncio(loop_scope="module")
PAGES = Path(__file__).parent / "pages"
# generous, so that a loaded machine still explores everything; test_exploration_stops_at_its_budget bounds it
FULL_BUDGET_S = 60.0


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def session() -> AsyncIterator[BrowserSession]:
    async with BrowserSession() as browser_session:
        yield browser_session


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_pages() as url:
        yield url


@pytest.fixture(scope="module")
def pages_url() -> Iterator[str]:
    """tests/tools/pages/ served on a loopback port."""
    with serving_folder(PAGES) as url:
        yield url


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def chores(session: BrowserSession, pages_url: str) -> PageModel:
    return await reconnoitre_page(
        session, f"{pages_url}/chores.html", depth=0, explore_budget_s=FULL_BUDGET_S
    )


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
    fill, submit, enter = login.interactions
    assert fill.action == "fill" and set(fill.values.values()) == {"testuser", "Secret123!"}
    assert fill.state_changes == ['button "Log in" became enabled']
    assert fill.locator is None  # two fields at once: no one of them alone made the change
    assert submit.action == "submit" and submit.url_after == submit.url_before
    assert submit.appeared_texts == ["Invalid username or password"]
    assert submit.locator is not None and submit.locator.matches == 1
    # both ways of submitting, each after its own fill: the path says how its start state was reached
    filled = [(s.action, s.target, s.value) for s in submit.path]
    assert filled == [
        ("fill", 'textbox "Username"', "testuser"),
        ("fill", 'textbox "Password"', "Secret123!"),
    ]
    assert enter.path == submit.path and (enter.action, enter.pressed) == ("press", "Enter")
    assert enter.appeared_texts == ["Invalid username or password"]
    assert login.entries == [] and all(i.level == 1 for i in login.interactions)


@module_loop
async def test_todo_page_and_what_adding_and_deleting_do(todo: PageModel) -> None:
    [item] = todo.inputs
    assert (item.label, item.placeholder) == ("New item", "What needs doing?")
    assert [c.strategy for c in item.locators] == ["role", "label", "placeholder", "css"]
    assert [b.text for b in todo.buttons] == ["Add"]
    assert "0 items" in todo.visible_texts and todo.test_ids == ["counter"]
    fill, submit, enter, delete, edit = todo.interactions
    assert fill.values == {'textbox "New item"': "Test item"}
    for added in (submit, enter):
        assert {"Test item", "1 item"} <= set(added.appeared_texts) and "0 items" in added.disappeared_texts
        assert {(c.what, c.before, c.after) for c in added.count_changes} >= {("li", 0, 1)}
    assert enter.pressed == "Enter"
    assert delete.action == "click" and "Delete" in delete.target
    assert "Test item" in delete.disappeared_texts and "0 items" in delete.appeared_texts
    # Add and Enter reach the same state; it is explored from the later one, which the page is still in
    assert delete.level == 2 and [s.action for s in delete.path] == ["fill", "press"]
    assert edit.action == "dblclick" and not edit.changed
    assert todo.entries == [
        Entry(
            input_key=item.key,
            form_key=todo.forms[0].key,
            button_key=todo.buttons[0].key,
            adds_on_enter=True,
            adds_on_button=True,
        )
    ]


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
    typed, entered, chosen = search.interactions
    assert typed.values == {'searchbox "Search"': "desk"}
    assert entered.pressed == "Enter" and not entered.changed and search.entries == []
    assert {(c.what, c.before, c.after) for c in typed.count_changes} >= {("li", 8, 1)}
    assert chosen.action == "select" and "Coffee Mug" in chosen.disappeared_texts
    products = [(f"{base_url}/products/{i}", 200) for i in range(1, 9)]
    assert [(e.url, e.status) for e in search.site_map] == products
    assert search.site_map[5].title == "Clean Code — Demo Shop"


# --- stateful pages: what appears only after an action ---------------------------------------------------


def _one(model: PageModel, action: str, target: str, level: int, **fields: object) -> Interaction:
    """The single interaction of that kind, on that target, at that level (with these field values)."""
    found = [
        i
        for i in model.interactions
        if (i.action, i.target, i.level) == (action, target, level)
        and all(getattr(i, name) == value for name, value in fields.items())
    ]
    assert len(found) == 1, [(i.action, i.target, i.level) for i in model.interactions]
    return found[0]


def _names(elements: list, kind: str = "control") -> set[tuple[str | None, str]]:
    return {(e.role, e.name) for e in elements if e.kind == kind}


ENTRY = 'textbox "What must be done?"'


@module_loop
async def test_an_input_without_form_or_button_adds_on_enter(chores: PageModel) -> None:
    [entry] = chores.inputs
    assert chores.forms == [] and chores.buttons == [] and entry.button_key is None
    assert "items left" not in " ".join(chores.visible_texts)
    assert chores.entries == [Entry(input_key=entry.key, adds_on_enter=True)]
    added = _one(chores, "press", ENTRY, 1, pressed="Enter")
    assert [(s.action, s.value) for s in added.path] == [("fill", "Test item")]
    assert {"Test item", "1 item left", "All", "Active", "Completed"} <= set(added.appeared_texts)
    assert _names(added.appeared_elements) >= {
        ("checkbox", "Mark everything done"),
        ("checkbox", ""),
        ("link", "All"),
        ("link", "Active"),
        ("link", "Completed"),
    }
    assert ("listitem", "Test item") in _names(added.appeared_elements, "item")
    tick = next(e for e in added.appeared_elements if (e.role, e.name) == ("checkbox", ""))
    assert tick.locator is not None and tick.locator.matches == 1
    assert tick.locator.to_python() == (
        'page.get_by_role("listitem").filter(has_text="Test item").get_by_role("checkbox")'
    )
    [stored] = added.storage_changes
    assert (stored.area, stored.key, stored.before) == ("local", "chores-v1", None)
    assert stored.after is not None and '"title":"Test item"' in stored.after


@module_loop
async def test_a_delete_button_shown_on_hover_is_found_and_clicked(chores: PageModel) -> None:
    delete = _one(chores, "click", 'button ""', 2)
    *added, hover = delete.path
    assert [s.action for s in added] == ["fill", "press"]
    assert (hover.action, hover.target) == ("hover", 'listitem "Test item"')
    # while hovered it is the page's only button, so the plain role locator is unique
    assert delete.locator is not None and (delete.locator.role, delete.locator.matches) == ("button", 1)
    assert "Test item" in delete.disappeared_texts and ("listitem", "Test item") in _names(
        delete.disappeared_elements, "item"
    )
    assert [(c.key, c.after) for c in delete.storage_changes] == [("chores-v1", "[]")]


@module_loop
async def test_completing_shows_clear_completed_which_clears(chores: PageModel) -> None:
    done = _one(chores, "check", 'checkbox ""', 2)
    assert "0 items left" in done.appeared_texts and "1 item left" in done.disappeared_texts
    assert ("button", "Clear completed") in _names(done.appeared_elements)
    assert done.storage_changes[0].after is not None and '"done":true' in done.storage_changes[0].after
    every = _one(chores, "check", 'checkbox "Mark everything done"', 2)
    assert ("button", "Clear completed") in _names(every.appeared_elements)
    # one path through "Mark everything done", one through the item's own checkbox
    for clear in (i for i in chores.interactions if i.target == 'button "Clear completed"'):
        assert clear.level == 3 and clear.path[-1].action == "check"
        assert ("li", 4, 0) in {(c.what, c.before, c.after) for c in clear.count_changes}
        assert "Test item" in clear.disappeared_texts


@module_loop
async def test_double_click_edits_in_place_enter_commits_escape_cancels(chores: PageModel) -> None:
    edit = _one(chores, "dblclick", 'text "Test item" of listitem "Test item"', 2)
    assert ("textbox", "") in _names(edit.appeared_elements)
    commit = _one(chores, "press", 'textbox ""', 3, pressed="Enter")
    cancel = _one(chores, "press", 'textbox ""', 3, pressed="Escape")
    assert [s.action for s in commit.path] == ["fill", "press", "dblclick", "fill"]
    assert commit.path[-1].value == "Test item 3" and cancel.path == commit.path
    assert "Test item 3" in commit.appeared_texts
    assert commit.storage_changes[0].after is not None and "Test item 3" in commit.storage_changes[0].after
    assert ("textbox", "") in _names(cancel.disappeared_elements) and cancel.storage_changes == []
    assert "Test item 3" not in cancel.appeared_texts


@module_loop
async def test_filter_links_that_appeared_are_followed(chores: PageModel) -> None:
    completed = _one(chores, "click", 'link "Completed"', 2)
    assert completed.url_after == f"{chores.final_url}#/done" and "Test item" in completed.disappeared_texts
    active = _one(chores, "click", 'link "Active"', 2)
    assert active.url_after == f"{chores.final_url}#/open" and active.disappeared_texts == []
    # each action started from the reloaded page with its storage put back: one item, never two
    assert all(i.counts_after.get("li", 0) <= 4 for i in chores.interactions)


@module_loop
async def test_a_button_beside_an_input_and_enter_are_both_tried(
    session: BrowserSession, pages_url: str
) -> None:
    model = await reconnoitre_page(
        session, f"{pages_url}/reading.html", depth=0, explore_budget_s=FULL_BUDGET_S
    )
    [title] = model.inputs
    [add] = model.buttons
    assert title.button_key == add.key
    assert model.entries == [Entry(input_key=title.key, button_key=add.key, adds_on_button=True)]
    enter = _one(model, "press", 'textbox "Book title"', 1, pressed="Enter")
    assert not enter.changed
    added = _one(model, "submit", 'button "Add book" beside textbox "Book title"', 1)
    assert added.appeared_texts == ["Test item"]
    assert [(c.area, c.key, c.after) for c in added.storage_changes] == [
        ("session", "books", '["Test item"]')
    ]
    deeper = [i for i in model.interactions if i.level == 2]
    assert deeper and all(i.counts_after["li"] == 1 for i in deeper)


@module_loop
async def test_exploration_stops_at_its_budget(session: BrowserSession, pages_url: str) -> None:
    url = f"{pages_url}/chores.html"
    started = time.perf_counter()
    await reconnoitre_page(session, url, depth=0, explore=False)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    model = await reconnoitre_page(session, url, depth=0, explore_budget_s=1.0)
    explore_s = time.perf_counter() - started - read_s
    assert any("exploration stopped at its budget (1s" in note for note in model.notes)
    assert 0 < len(model.interactions) < 10
    # the budget only stops new actions: the one under way may still use its own timeouts
    assert explore_s < 1.0 + 5.0


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
