"""The SSE generator itself, on a real Redis client with a short socket timeout."""

from __future__ import annotations

import asyncio
import time
import uuid

from redis.asyncio import Redis

from celery_worker.events import EventLog
from graph.settings import Settings
from server.streaming import READ_BLOCK_S, request_events
from storage.models import Request, RequestStatus


async def test_a_quiet_stream_outlasts_the_socket_timeout_and_pings(settings: Settings) -> None:
    """Idle longer than the client's socket timeout: reads stay short, pings come at their own pace."""
    request = Request(request_id=uuid.uuid4(), kind="api", status=RequestStatus.PENDING)
    socket_timeout = READ_BLOCK_S + 0.5
    client = Redis.from_url(settings.redis_url, decode_responses=True, socket_timeout=socket_timeout)
    async with client as redis:
        events = request_events(redis, request, None, ping_s=socket_timeout + 0.5)
        started = time.monotonic()
        ping = await asyncio.wait_for(anext(events), timeout=10)
        assert ping.comment == "ping" and time.monotonic() - started >= socket_timeout
        entry_id = await EventLog(redis, str(request.request_id)).end("completed")
        end = await asyncio.wait_for(anext(events), timeout=5)
        assert (end.event, end.id) == ("end", entry_id)
        assert [event async for event in events] == []
