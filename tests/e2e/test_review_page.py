"""The review page in Debian's Chromium against the whole service: a reviewer enters a key and starts a
request by keyboard, watches its nodes live, reads the highlighted suite, drops a test in the chat,
approves, and downloads the suite. Screenshots land in tests/artifacts/review_page/ (ignored by git)."""

from __future__ import annotations

import contextlib
import io
import re
import socket
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from samples.loopback import serving_folder
from samples.tasks_api import app as sample
from tests.e2e.stack import API_KEY, REPO, Server, Workers

ARTIFACTS = REPO / "tests" / "artifacts" / "review_page"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
REQUIREMENTS = ["A new task starts with status 'open'.", "Deleting a task that does not exist returns 404."]
# A run of the sample with two requirements reaches review in well under this on two busy cores.
RUN_TIMEOUT_MS = 180_000
WIDE, NARROW = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tab(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport=WIDE, accept_downloads=True)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def spec_url() -> Iterator[str]:
    """The sample's OpenAPI document, served as a file, for the page's URL field."""
    with serving_folder(sample.SPEC_PATH.parent) as url:
        yield f"{url}/{sample.SPEC_PATH.name}"


class CuttableLink:
    """A TCP forwarder to the server whose open connections can be cut, as a dropped network would; it keeps
    what the browser sent, to read the headers of its requests."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.sent: list[bytes] = []
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                browser_side, _ = self.listener.accept()
            except OSError:
                return  # closed
            server_side = socket.create_connection(self.upstream)
            self.open += [browser_side, server_side]
            threading.Thread(target=self._pipe, args=(browser_side, server_side, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server_side, browser_side, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, from_browser: bool) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if from_browser:
                    self.sent.append(data)
                sink.sendall(data)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        for connection in self.open:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.open = []

    def close(self) -> None:
        self.listener.close()
        self.cut()

    def stream_requests(self) -> list[str]:
        """The head of each request the browser made for an event stream."""
        heads = [chunk.decode(errors="replace") for chunk in self.sent]
        return [head for head in heads if re.match(r"GET \S+/events\?", head)]


@pytest.fixture
def link(server: Server) -> Iterator[CuttableLink]:
    link = CuttableLink(server.url)
    yield link
    link.close()


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def settled(status: Locator, expected: str = "waiting for review") -> None:
    """Wait until the run reaches `expected` or ends; a failed run fails the test at once, saying why."""
    expect(status).to_have_text(re.compile(rf"{expected}|completed|failed"), timeout=RUN_TIMEOUT_MS)
    if status.inner_text() != expected:
        timeline = status.page.locator("#timeline li").all_inner_texts()
        raise AssertionError(f"the run is {status.inner_text()}, not {expected}: {timeline[-6:]}")


def tab_to(page: Page, element_id: str, *, most: int = 30) -> None:
    """Press Tab until the element has the focus, which shows an outline; fails if it never comes."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            outline = page.evaluate("[getComputedStyle(document.activeElement).outlineStyle,"
                                    " parseFloat(getComputedStyle(document.activeElement).outlineWidth)]")
            assert outline[0] != "none" and outline[1] >= 2, f"#{element_id} shows no focus: {outline}"
            return
    raise AssertionError(f"#{element_id} was not reached by Tab")


# What makes the page wider than the viewport: elements past its right edge, or whose content (a long word)
# spills out of them, leaving out whatever sits in a box that scrolls by itself.
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const scrolls = (node) => getComputedStyle(node).overflowX !== "visible";
  const clipped = (node) => {
    for (let up = node.parentElement; up && up !== document.body; up = up.parentElement) {
      if (scrolls(up)) return true;
    }
    return false;
  };
  const spills = (node) => !scrolls(node) && node.scrollWidth > node.clientWidth + 1 && node.clientWidth > 0;
  const culprits = [...document.body.querySelectorAll("*")]
    .filter((node) => !clipped(node) && (node.getBoundingClientRect().right > width + 1 || spills(node)))
    .map((node) => `${node.tagName.toLowerCase()}#${node.id}.${node.className}`);
  // Ancestors spill too: the innermost, last in document order, are the ones to look at.
  return culprits.length ? culprits.slice(-10) : [`${document.documentElement.scrollWidth} px wide`];
}"""


def sticking_out(page: Page) -> list[str]:
    return list(page.evaluate(STICKING_OUT))


def test_a_reviewer_starts_watches_chats_approves_and_downloads(
    tab: Page, link: CuttableLink, workers: Workers, target: str, spec_url: str, tmp_path: Path
) -> None:
    requested: list[str] = []
    tab.on("request", lambda request: requested.append(request.url))
    tab.goto(f"{link.url}/review")
    expect(tab.get_by_role("heading", name="Start a request")).to_be_visible()
    expect(tab.get_by_role("button", name="Start")).to_be_disabled()

    # By keyboard: the key first, then the form, in reading order.
    tab_to(tab, "api-key")
    tab.keyboard.type(API_KEY)
    tab.keyboard.press("Enter")
    expect(tab.locator("#key-state")).to_have_text("API key set for this tab")
    assert tab.evaluate("sessionStorage.getItem('testops.apiKey')") == API_KEY
    tab_to(tab, "openapi-url")
    tab.keyboard.type(spec_url)
    tab_to(tab, "base-url")
    tab.keyboard.type(target)
    tab_to(tab, "requirements")
    tab.keyboard.type("\n".join(REQUIREMENTS))
    tab_to(tab, "start")
    tab.keyboard.press("Enter")

    # Watching: node transitions arrive over the stream until the run stops for review.
    status = tab.locator("#current-status")
    settled(status)
    expect(tab.locator("#stream-state")).to_have_text("live")
    finished = [line.split()[0] for line in tab.locator("#timeline li").all_inner_texts()
                if re.match(r"\w+ finished", line)]
    # Generation and validation come again when a broken test is rewritten.
    assert list(dict.fromkeys(finished)) == ["reconnaissance", "generation", "validation", "optimization"]
    request_id = tab.locator("#current-request").inner_text()
    assert re.fullmatch(r"[0-9a-f-]{36}", request_id)

    # Reading: the tests with their code highlighted by the server, the coverage table, the findings.
    tests = tab.locator("#tests > li")
    expect(tests.first.locator(".highlight pre code span.k").first).to_be_attached()
    tests.first.locator("summary").focus()
    tab.keyboard.press("Enter")  # unfolds its code
    expect(tests.first.locator(".highlight pre code span.k").first).to_be_visible()
    count = tests.count()
    assert count >= 3
    coverage = tab.locator("#coverage tbody tr")
    expect(coverage).to_have_count(len(REQUIREMENTS))
    expect(coverage.first.locator("td").nth(1)).to_have_text("yes")
    expect(tab.locator("#findings-empty")).to_be_visible()
    # Numbers stay with their tests for the whole conversation (duplicates leave gaps): drop the second shown.
    number, dropped_name = tests.nth(1).locator("h4").inner_text().split(". ", 1)
    shoot(tab, "1-review-1280")
    tab.set_viewport_size(NARROW)
    assert sticking_out(tab) == []
    shoot(tab, "2-review-390")
    tab.set_viewport_size(WIDE)

    # The network drops: the browser reconnects by itself, saying the last event it had, and nothing is told
    # twice.
    lines = tab.locator("#timeline li").all_inner_texts()
    link.cut()
    expect(tab.locator("#stream-state")).to_have_text("reconnecting")
    expect(tab.locator("#stream-state")).to_have_text("live", timeout=30_000)
    [*_, reconnection] = link.stream_requests()
    assert re.search(r"(?im)^last-event-id: \d+-\d+\r$", reconnection), reconnection
    assert tab.locator("#timeline li").all_inner_texts() == lines

    # Chatting: drop that test; the review comes back without it.
    tab.get_by_label("Message").fill(f"drop {number}")
    tab.get_by_label("Message").press("Enter")
    expect(tab.locator("#messages li.reviewer")).to_have_text([re.compile(f"drop {number}$")])
    expect(tab.locator("#messages li.assistant")).to_have_count(1)
    expect(tests.locator("h4", has_text=f"{number}. {dropped_name}")).to_have_count(0, timeout=RUN_TIMEOUT_MS)
    expect(tests).to_have_count(count - 1)
    expect(tab.locator("#dropped li")).to_contain_text(
        [re.compile(rf"^{number}\. \S*{re.escape(dropped_name)}: dropped by the reviewer")])
    expect(tab.get_by_role("button", name="Approve")).to_be_enabled(timeout=RUN_TIMEOUT_MS)
    shoot(tab, "3-after-drop")

    # Approving: the run stores the suite and the download is offered.
    tab.get_by_role("button", name="Approve").focus()
    tab.keyboard.press("Enter")
    settled(status, "completed")
    expect(tab.locator("#stream-state")).to_have_text("closed: the run ended")
    download_button = tab.get_by_role("button", name="Download suite (.zip)")
    expect(download_button).to_be_enabled()
    expect(tests).to_have_count(count - 1)
    with tab.expect_download() as downloading:
        download_button.click()
    archive = tmp_path / "suite.zip"
    downloading.value.save_as(archive)
    assert downloading.value.suggested_filename == f"testops-{request_id}.zip"
    with zipfile.ZipFile(io.BytesIO(archive.read_bytes())) as suite:
        sources = {name: suite.read(name).decode() for name in suite.namelist()}
    assert "conftest.py" in sources and any(name.startswith("test_") for name in sources)
    assert not any(f"def {dropped_name}(" in text for text in sources.values())
    shoot(tab, "4-completed-1280")
    tab.set_viewport_size(NARROW)
    assert sticking_out(tab) == []
    shoot(tab, "5-completed-390")
    # Nothing came from anywhere but the service (the zip is saved from memory, a blob: of the tab).
    assert all(url.startswith((f"{link.url}/", f"blob:{link.url}/")) for url in requested), requested
