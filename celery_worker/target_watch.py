"""The target watched while a run works on it: a target that stops answering ends the run with an error
naming it, instead of a validation that finds every test broken, regenerates them all and saves nothing.

A probe is a TCP connection to the target's (policy-checked) address, closed at once: it says whether
anything listens there, nothing more. A slow or erroring target still answers, and is the suite's business.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, TypeVar

from tools.errors import InputError, TargetUnreachableError
from tools.target_policy import TargetPolicy

T = TypeVar("T")

# A target is given up after this many probes in a row find nothing listening, one every interval: a
# restart of a few seconds is ridden out, a target gone for good ends the run within ~10 s.
PROBE_INTERVAL_S = 2.0
PROBE_TIMEOUT_S = 3.0
MISSES_TO_GIVE_UP = 4


async def probe(url: str, policy: TargetPolicy) -> str | None:
    """None when something accepts connections at the URL's host and port, else why not (one line)."""
    try:
        target = await policy.admit_async(url)
        host = str(target.addresses[0]) if target.addresses else target.host
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, target.port), PROBE_TIMEOUT_S)
    except InputError as error:
        return str(error)
    except TimeoutError:
        return f"no answer to a connection within {PROBE_TIMEOUT_S:g} s"
    except OSError as error:
        return error.strerror or type(error).__name__
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return None


async def gone(url: str, policy: TargetPolicy, *, interval_s: float = PROBE_INTERVAL_S,
               misses: int = MISSES_TO_GIVE_UP) -> TargetUnreachableError:
    """Returns (never raises) the error to end the run with, once `misses` probes in a row failed."""
    missed = 0
    while True:
        await asyncio.sleep(interval_s)
        reason = await probe(url, policy)
        missed = 0 if reason is None else missed + 1
        if reason is not None and missed >= misses:
            return TargetUnreachableError(
                f"the target {url} does not answer: {reason} ({missed} checks {interval_s:g} s apart)"
            )


async def run_watching(run: Coroutine[Any, Any, T], url: str | None, policy: TargetPolicy, *,
                       interval_s: float = PROBE_INTERVAL_S) -> T:
    """`run`'s result, unless the target at `url` goes away first: then `run` is cancelled (its test
    processes with it) and TargetUnreachableError is raised. No `url`: `run` alone."""
    if not url:
        return await run
    running = asyncio.ensure_future(run)
    watching = asyncio.ensure_future(gone(url, policy, interval_s=interval_s))
    try:
        await asyncio.wait({running, watching}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watching.cancel()
        if not running.done():
            running.cancel()
        await asyncio.gather(running, watching, return_exceptions=True)
    if running.cancelled() and watching.done() and not watching.cancelled():
        raise watching.result()
    return running.result()
