"""The worker process's one event loop behind `run`."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from types import FrameType

import pytest

from celery_worker import loop


@pytest.fixture(autouse=True)
def fresh_loop() -> Iterator[None]:
    loop.close_loop()
    yield
    loop.close_loop()


async def current_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def test_every_run_uses_the_same_loop_until_it_closes() -> None:
    loop.open_loop()
    first = loop.run(current_loop())
    assert loop.run(current_loop()) is first
    loop.close_loop()
    assert first.is_closed()
    assert loop.run(current_loop()) is not first  # the solo pool opens it on first use


def test_an_error_inside_the_coroutine_leaves_the_loop_usable() -> None:
    async def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        loop.run(fail())
    assert loop.run(asyncio.sleep(0, result=42)) == 42


def test_an_interruption_from_outside_cancels_the_pending_work() -> None:
    """A soft time limit raises from a signal handler; nothing of that task may run in the next one."""

    def soft_limit(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("soft time limit")

    previous = signal.signal(signal.SIGALRM, soft_limit)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with pytest.raises(TimeoutError):
            loop.run(asyncio.sleep(5))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    async def other_tasks() -> int:
        return len(asyncio.all_tasks() - {asyncio.current_task()})

    assert loop.run(other_tasks()) == 0
