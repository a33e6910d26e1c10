"""The target watch against real sockets: a run outlives a target that answers, and ends soon after one
that stops listening, with an error naming it."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from celery_worker.target_watch import MISSES_TO_GIVE_UP, probe, run_watching
from tools.errors import TargetUnreachableError
from tools.target_policy import EMBEDDED_POLICY

INTERVAL_S = 0.05


def listener() -> socket.socket:
    server = socket.create_server(("127.0.0.1", 0))
    server.listen()
    return server


async def finishes_after(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return "done"


async def test_a_run_whose_target_answers_returns_its_result() -> None:
    with listener() as server:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/"
        assert await probe(url, EMBEDDED_POLICY) is None
        assert await run_watching(finishes_after(0.5), url, EMBEDDED_POLICY, interval_s=INTERVAL_S) == "done"


async def test_a_run_whose_target_goes_away_ends_with_an_error_naming_it() -> None:
    server = listener()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/"
    run = asyncio.ensure_future(run_watching(finishes_after(60), url, EMBEDDED_POLICY, interval_s=INTERVAL_S))
    await asyncio.sleep(0.2)
    server.close()
    started = time.monotonic()
    with pytest.raises(TargetUnreachableError, match=f"the target {url} does not answer"):
        await run
    assert time.monotonic() - started < INTERVAL_S * MISSES_TO_GIVE_UP + 2


async def test_without_a_url_nothing_is_watched() -> None:
    assert await run_watching(finishes_after(0), "", EMBEDDED_POLICY) == "done"
