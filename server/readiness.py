"""Readiness: the database answers, Redis answers, and at least one worker answers a ping."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from server.service import Service

# Seconds each check may take; a worker ping returns as soon as one worker answers.
CHECK_TIMEOUT_S = 1.0


def _select_one(service: Service) -> None:
    with service.sessions() as session:
        session.execute(text("SELECT 1"))


def _ping_workers(service: Service) -> str:
    replies = service.celery.control.ping(timeout=CHECK_TIMEOUT_S, limit=1)
    if not replies:
        raise RuntimeError(f"no worker answered a ping within {CHECK_TIMEOUT_S} s")
    return f"ok ({next(iter(replies[0]))} answered)"


async def _check(probe: Awaitable[object]) -> str:
    try:
        result = await asyncio.wait_for(probe, timeout=CHECK_TIMEOUT_S * 2)
    except Exception as error:  # noqa: BLE001 - any failure makes the dependency unavailable
        # The first line only: drivers append hints and links that a probe's reader has no use for.
        reason = str(error).strip().splitlines()
        return f"unavailable: {reason[0] if reason else type(error).__name__}"
    return result if isinstance(result, str) else "ok"


async def readiness(service: Service) -> dict[str, str]:
    """Each dependency's state, checked concurrently: "ok…" or "unavailable: why"."""
    database, redis, workers = await asyncio.gather(
        _check(run_in_threadpool(_select_one, service)),
        _check(service.redis.ping()),
        _check(run_in_threadpool(_ping_workers, service)),
    )
    return {"database": database, "redis": redis, "workers": workers}
