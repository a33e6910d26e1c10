"""The worker process's one event loop, and `run(coro)`, the only way task code runs a coroutine.

The loop opens when a pool process starts (`worker_process_init`) and closes when it exits
(`worker_process_shutdown`), so async clients and savers may keep state across tasks of one process.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

# The process's loop; None until the pool process starts and after it shuts down.
_loop: asyncio.AbstractEventLoop | None = None


def open_loop(**_: Any) -> None:
    """Open this process's loop (a `worker_process_init` receiver); a no-op when it is open."""
    global _loop
    if _loop is None or _loop.is_closed():
        _loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_loop)


def close_loop(**_: Any) -> None:
    """Finish async generators and the default executor, then close (a `worker_process_shutdown` receiver)."""
    global _loop
    loop, _loop = _loop, None
    if loop is None or loop.is_closed():
        return
    try:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion on this process's loop.

    The solo pool and the main process get no `worker_process_init`: their loop opens on first use.
    """
    if _loop is None or _loop.is_closed():
        open_loop()
    assert _loop is not None
    task = _loop.create_task(coro)
    try:
        return _loop.run_until_complete(task)
    except BaseException:
        # An exception raised from outside the coroutine (a soft time limit's signal handler) leaves the
        # task pending: cancel it, or it would wake up inside the next task run on this loop.
        if not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                _loop.run_until_complete(task)
        raise
