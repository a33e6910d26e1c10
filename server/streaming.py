"""A request's events as Server-Sent Events: replay from the stream, then follow it live until `end`."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from fastapi.sse import ServerSentEvent
from redis.asyncio import Redis

from celery_worker.events import TERMINAL, entry_order, last_event, read_after
from storage.models import Request

# Longest blocking read; redis-py's default socket timeout (5 s) would cut a longer one.
READ_BLOCK_S = 2.0


def _synthetic_end(request: Request) -> list[ServerSentEvent]:
    """When the stream expired after the run ended: what the stored request still tells."""
    request_id, status = str(request.request_id), request.status.value
    return [
        ServerSentEvent(event="metadata",
                        data={"request_id": request_id, "kind": request.kind, "from_storage": True}),
        ServerSentEvent(event="end", data={"status": status, "error": request.error_message}),
    ]


async def request_events(redis: Redis, request: Request, last_event_id: str | None,
                         ping_s: float) -> AsyncIterator[ServerSentEvent]:
    """Events after `last_event_id` (all when None), a comment ping when idle, closing after `end`."""
    request_id = str(request.request_id)
    newest = await last_event(redis, request_id)
    if newest is None and request.status.value in TERMINAL:
        for event in _synthetic_end(request):
            yield event
        return
    cursor = last_event_id or "0-0"
    if newest is not None and newest.event == "end" and entry_order(newest.id) <= entry_order(cursor):
        return  # the client saw the end already: nothing will follow
    # A blocking read must return before the Redis client's socket timeout, whatever the ping interval.
    block_ms = int(min(ping_s, READ_BLOCK_S) * 1000)
    quiet_since = time.monotonic()
    while True:
        batch = await read_after(redis, request_id, cursor, block_ms=block_ms)
        if not batch:
            if time.monotonic() - quiet_since >= ping_s:
                yield ServerSentEvent(comment="ping")
                quiet_since = time.monotonic()
            continue
        for event in batch:
            cursor = event.id
            yield ServerSentEvent(id=event.id, event=event.event, raw_data=event.data)
            if event.event == "end":
                return
        quiet_since = time.monotonic()
