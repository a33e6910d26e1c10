"""A rate limit per API key, counted in Redis so that it holds across every server process."""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio
from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from server.errors import RateLimitedError, UnavailableError
from server.keys import Caller

KEY_PREFIX = "testops:rate"


def parse_rate(rate: str) -> RateLimitItem:
    """`60/minute` and the like; ValueError with the reason otherwise."""
    try:
        return parse(rate)
    except ValueError as error:
        raise ValueError(f"TESTOPS_RATE_LIMIT {rate!r} is not a rate such as 60/minute: {error}") from error


class KeyRateLimit:
    """Admits a key's call while it made fewer than the rate allows in the last window (a moving window:
    no burst of twice the rate across a window's edge)."""

    def __init__(self, rate: RateLimitItem, limiter: MovingWindowRateLimiter) -> None:
        self.rate = rate
        self._limiter = limiter

    @classmethod
    @asynccontextmanager
    async def open(cls, redis_url: str, rate: str) -> AsyncIterator[KeyRateLimit]:
        pool = redis.asyncio.ConnectionPool.from_url(redis_url, max_connections=16)
        try:
            # The scheme says "async"; the pool is redis-py's, the client the rest of the service uses.
            storage = RedisStorage(f"async+{redis_url}", implementation="redispy", wrap_exceptions=True,
                                   key_prefix=KEY_PREFIX, connection_pool=pool)
            yield cls(parse_rate(rate), MovingWindowRateLimiter(storage))
        finally:
            await pool.aclose()

    async def admit(self, caller: Caller) -> None:
        """Count the call; RateLimitedError (429) when over the rate, UnavailableError when Redis is down."""
        key = str(caller.key_id)
        try:
            if await self._limiter.hit(self.rate, key):
                return
            reset_at = (await self._limiter.get_window_stats(self.rate, key)).reset_time
        except StorageError as error:
            raise UnavailableError("the rate limiter's store (Redis) is unavailable") from error
        retry_after_s = max(1, math.ceil(reset_at - time.time()))
        raise RateLimitedError(f"rate limit of {self.rate} per API key exceeded: retry in {retry_after_s} s",
                               retry_after_s)
