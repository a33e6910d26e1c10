"""Retries of provider calls with tenacity: a rate limit waits what the provider says (Retry-After or the
reset time), a 5xx or lost connection backs off; all within one bound, beyond which the error is raised."""

from __future__ import annotations

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential,
)

from tools.export.errors import ProviderUnavailableError, RateLimitedError

# Tries of one call, the first included.
MAX_ATTEMPTS = 4
_backoff = wait_exponential(multiplier=0.5, max=8)


def _worth_retrying(max_wait_s: float) -> retry_if_exception:
    def decide(error: BaseException) -> bool:
        if isinstance(error, RateLimitedError):
            return error.retry_after_s <= max_wait_s
        return isinstance(error, ProviderUnavailableError)

    return retry_if_exception(decide)


def _wait(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, RateLimitedError):
        return error.retry_after_s
    return _backoff(state)


def retrying(max_wait_s: float) -> AsyncRetrying:
    """`async for attempt in retrying(...): with attempt: ...` runs a call until it succeeds, fails for good,
    or the next wait would pass `max_wait_s` in all."""
    return AsyncRetrying(retry=_worth_retrying(max_wait_s), wait=_wait,
                         stop=stop_after_attempt(MAX_ATTEMPTS) | stop_before_delay(max_wait_s), reraise=True)
