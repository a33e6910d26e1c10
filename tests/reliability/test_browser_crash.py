"""Chromium killed mid-run, with the real browser: the session launches a new one on its next use, a run
cut short in reconnaissance ends with one readable error, and one cut short in validation completes; no
test is lost or stored twice."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.harness import PipelineRun, run_pipeline
from bench.memory import process_stats, tree_pids
from graph.settings import Settings
from samples.pages import REQUIREMENTS
from storage.engine import session_scope
from storage.models import Request, RequestStatus
from tests.generators import ui_suite_helpers
from tools.browser import CHROMIUM, CHROMIUM_HEADLESS_SHELL, BrowserCrashedError, BrowserSession

module_loop = pytest.mark.asyncio(loop_scope="module")
PAGE = "login"
# Seconds a whole run may take on a loaded machine before it counts as hung.
RUN_LIMIT_S = 240.0
# The browser binaries' names: Debian's Chromium and its headless shell (tools.browser.system_chromium).
BROWSER_NAMES = {Path(CHROMIUM).name, Path(CHROMIUM_HEADLESS_SHELL).name}


def _argv(pid: int) -> list[bytes]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return []  # exited while we looked


def chromium_browsers(*, in_validation: bool = False) -> set[int]:
    """Browser processes (not renderers or helpers) among this test process's descendants only; with
    `in_validation`, only those a validation's pytest process started."""
    stats = process_stats()
    browsers = set()
    for pid in tree_pids(os.getpid(), stats):
        argv = _argv(pid)
        if (
            not argv
            or Path(os.fsdecode(argv[0])).name not in BROWSER_NAMES
            or any(a.startswith(b"--type=") for a in argv)
        ):
            continue
        ancestors = []
        parent = int(stats[pid][1]) if pid in stats else os.getpid()
        while parent not in (os.getpid(), 0, 1) and parent in stats:
            ancestors.append(parent)
            parent = int(stats[parent][1])
        if not in_validation or any(b"pytest" in b" ".join(_argv(ancestor)) for ancestor in ancestors):
            browsers.add(pid)
    return browsers


def kill(pids: set[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # gone already


async def kill_first_browsers(
    *, in_validation: bool = False, ready: Callable[[], object] = lambda: True, settle_s: float = 0.0
) -> set[int]:
    """Waits until a browser runs (in validation) and `ready()` holds, `settle_s` more, then kills it."""
    async with asyncio.timeout(RUN_LIMIT_S):  # a browser this cannot see fails the test, never hangs it
        while not ((fresh := chromium_browsers(in_validation=in_validation)) and ready()):
            await asyncio.sleep(0.02)
    await asyncio.sleep(settle_s)
    kill(fresh)
    return fresh


base_url = ui_suite_helpers.pages_url
session = ui_suite_helpers.browser_session


async def run(session: BrowserSession, base_url: str, root: Path) -> PipelineRun:
    return await asyncio.wait_for(
        run_pipeline(
            kind="ui",
            target=f"{base_url}/{PAGE}",
            requirements=REQUIREMENTS[PAGE],
            data_dir=root / "data",
            out_dir=root / "suite",
            browser=session,
        ),
        RUN_LIMIT_S,
    )


def assert_complete_and_stored_once(outcome: PipelineRun) -> None:
    assert outcome.status == "completed"
    summary = outcome.summary
    assert summary is not None and summary.tests_generated > 0
    assert summary.tests_saved == summary.tests_generated
    defined = [
        line.split("(")[0]
        for module in Path(outcome.out_dir).glob("test_*.py")
        for line in module.read_text(encoding="utf-8").splitlines()
        if line.startswith("def test_")
    ]
    assert len(defined) == len(set(defined)) == summary.tests_saved


@module_loop
async def test_a_killed_browser_is_relaunched_on_next_use(session: BrowserSession, base_url: str) -> None:
    first = await session.start()
    kill(chromium_browsers())
    while first.is_connected():
        await asyncio.sleep(0.02)
    async with session.new_page() as page:
        response = await page.goto(f"{base_url}/{PAGE}")
        assert response is not None and response.status == 200
    assert session.browser is not None and session.browser is not first and session.browser.is_connected()


@module_loop
async def test_a_browser_killed_during_reconnaissance_ends_the_run_with_one_line_and_the_next_run_completes(
    session: BrowserSession, base_url: str, tmp_path: Path
) -> None:
    await session.start()
    # Reconnaissance is the only user of the session's browser: an open context means it is under way.
    in_use = lambda: session.browser is not None and session.browser.contexts  # noqa: E731
    killer = asyncio.create_task(kill_first_browsers(ready=in_use))
    with pytest.raises(BrowserCrashedError) as caught:
        await run(session, base_url, tmp_path / "killed")
    assert await killer
    assert "Chromium exited" in str(caught.value) and "\n" not in str(caught.value)
    settings = Settings(data_dir=tmp_path / "killed" / "data", database_url="")
    with session_scope(settings.sqlalchemy_url) as db:
        [request] = db.scalars(select(Request)).all()
        assert request.status is RequestStatus.FAILED
        assert "Chromium exited" in (request.error_message or "")
    assert_complete_and_stored_once(await run(session, base_url, tmp_path / "next"))


@module_loop
async def test_a_browser_killed_during_validation_is_replaced_and_the_run_completes(
    session: BrowserSession, base_url: str, tmp_path: Path
) -> None:
    await session.start()
    # Killed while the first validation process starts its browser or runs its first test.
    killer = asyncio.create_task(kill_first_browsers(in_validation=True, settle_s=0.2))
    outcome = await run(session, base_url, tmp_path)
    assert killer.done() and await killer
    # The tests the kill cut short ran again inside the same validation, not blamed and regenerated.
    assert outcome.passes("validation") == 1
    assert_complete_and_stored_once(outcome)
