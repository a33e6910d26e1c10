"""Runs written UI suites against sample-page variants, each variant on its own server, a few at a time;
and the module-scoped fixtures of tests that reconnoitre the sample pages: assign them to a test module's
names (`session = ui_suite_helpers.browser_session`), which pytest registers them under."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio

from samples.pages import serve_pages
from tools.browser import BrowserSession
from tools.runner import TestRun, run_suite

# Local pages answer in milliseconds, so a failing expectation need not wait the default 5 s; actions keep
# their default, since on a loaded machine a short one turns a slow click into a BROKEN verdict.
FAST_TIMEOUTS = {"TESTOPS_EXPECT_TIMEOUT_MS": "2500"}
# Against a buggy variant the broken expectations wait out the whole expect timeout. There a slow pass
# turned into a failure is still a FINDING (never BROKEN), which the buggy-variant tests accept, so a
# short timeout checks the same things in less time.
FINDING_TIMEOUTS = {"TESTOPS_EXPECT_TIMEOUT_MS": "1000"}


@dataclass(frozen=True)
class Target:
    """One pytest run: a suite directory against the pages served with these variants."""

    name: str
    directory: Path
    variants: Mapping[str, str] = field(default_factory=dict)
    test_ids: Sequence[str] | None = None  # None: every test in the directory
    timeouts: Mapping[str, str] = field(default_factory=lambda: FAST_TIMEOUTS)


async def run_targets(targets: Sequence[Target], *, concurrency: int = 2) -> dict[str, dict[str, TestRun]]:
    """Each target's runs by test id; every target is served on its own port, `concurrency` run at once."""
    gate = asyncio.Semaphore(concurrency)
    with ExitStack() as stack:
        urls = {t.name: stack.enter_context(serve_pages(t.variants)) for t in targets}

        async def run(target: Target) -> tuple[str, dict[str, TestRun]]:
            async with gate:
                env = {**target.timeouts, "TESTOPS_BASE_URL": urls[target.name]}
                runs = await run_suite(target.directory, test_ids=target.test_ids, workers=1, env=env)
                return target.name, runs

        return dict(await asyncio.gather(*(run(t) for t in targets)))


@pytest.fixture(scope="module")
def pages_url() -> Iterator[str]:
    """The sample pages, unchanged, on a loopback port for the whole module."""
    with serve_pages() as url:
        yield url


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def browser_session() -> AsyncIterator[BrowserSession]:
    """One Chromium for the whole module."""
    async with BrowserSession() as session:
        yield session
