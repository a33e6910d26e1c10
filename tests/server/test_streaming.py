"""The SSE generator itself, on a real Redis: one shared subscription per process, pings on a quiet stream,
and no event lost or repeated when a listener falls behind or the subscription drops."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest_asyncio
from fastapi.sse import ServerSentEvent

from celery_worker.events import EventLog, read_after
from graph.settings import Settings
from server.streaming import LISTENER_BUFFER, READ_BLOCK_S, EventsRedis, request_events
from storage.models import Request, RequestStatus

POOL_SIZE = 4


def pending(request_id: str | None = None) -> Request:
    return Request(request_id=uuid.UUID(request_id) if request_id else uuid.uuid4(), kind="api",
                   status=RequestStatus.PENDING)


@pytest_asyncio.fixture
async def shared(settings: Settings) -> AsyncIterator[EventsRedis]:
    """The server's client on a small pool, named so that its connections can be counted."""
    client = EventsRedis.pooled(settings.redis_url, max_connections=POOL_SIZE,
                                client_name=f"sse-{uuid.uuid4().hex[:8]}")
    async with client:
        yield client


async def connections_named(redis: EventsRedis, name: str) -> list[dict[str, str]]:
    return [c for c in await redis.client_list() if c.get("name") == name]


async def until_end(events: AsyncIterator[ServerSentEvent]) -> list[ServerSentEvent]:
    seen = []
    async for event in events:
        if event.comment is None:
            seen.append(event)
    return seen


async def test_a_quiet_stream_outlasts_the_socket_timeout_and_pings(settings: Settings) -> None:
    """Idle longer than the client's socket timeout: reads stay short, pings come at their own pace."""
    request = pending()
    socket_timeout = READ_BLOCK_S + 0.5
    client = EventsRedis.from_url(settings.redis_url, decode_responses=True, socket_timeout=socket_timeout)
    async with client as redis:
        events = request_events(redis, request, None, ping_s=socket_timeout + 0.5)
        started = time.monotonic()
        ping = await asyncio.wait_for(anext(events), timeout=10)
        assert ping.comment == "ping" and time.monotonic() - started >= socket_timeout
        entry_id = await EventLog(redis, str(request.request_id)).end("completed")
        end = await asyncio.wait_for(anext(events), timeout=5)
        assert (end.event, end.id) == ("end", entry_id)
        assert [event async for event in events] == []


async def test_many_streams_share_one_subscription(shared: EventsRedis) -> None:
    """Fifty open streams on a pool of four connections: none holds one while it waits for events."""
    name = shared.get_connection_kwargs()["client_name"]
    requests = [pending() for _ in range(50)]
    streams = [asyncio.create_task(until_end(request_events(shared, r, None, ping_s=5))) for r in requests]
    while shared.listener_count < len(requests):
        await asyncio.sleep(0.05)
    connections = await connections_named(shared, name)
    assert len(connections) <= POOL_SIZE and sum(c.get("psub") == "1" for c in connections) == 1
    logs = [EventLog(shared, str(r.request_id)) for r in requests]
    published = [[await log.status("processing"), await log.end("completed")] for log in logs]
    seen = await asyncio.wait_for(asyncio.gather(*streams), timeout=10)
    assert [[e.id for e in events] for events in seen] == published
    assert shared.listener_count == 0


async def test_a_listener_that_falls_behind_reads_back_what_it_missed(shared: EventsRedis) -> None:
    request = pending()
    log = EventLog(shared, str(request.request_id))
    first = await log.status("processing")
    events = request_events(shared, request, None, ping_s=5)
    assert (await anext(events)).id == first
    # The stream is live now; it reads nothing while far more than its buffer is published.
    burst = [await log.status("processing", n=n) for n in range(LISTENER_BUFFER + 50)]
    burst.append(await log.end("completed"))
    rest = await asyncio.wait_for(until_end(events), timeout=10)
    assert [e.id for e in rest] == burst


async def test_a_dropped_subscription_loses_nothing(shared: EventsRedis) -> None:
    request = pending()
    log = EventLog(shared, str(request.request_id))
    events = request_events(shared, request, None, ping_s=0.2)
    ids = [await log.status("processing")]
    assert (await anext(events)).id == ids[0]
    name = shared.get_connection_kwargs()["client_name"]
    [subscriber] = [c for c in await connections_named(shared, name) if c.get("psub") == "1"]
    await shared.client_kill_filter(_id=subscriber["id"])
    # Published while the subscription is down or coming back: only the stream has these.
    ids += [await log.status("processing", n=n) for n in range(5)]
    ids.append(await log.end("completed"))
    rest = await asyncio.wait_for(until_end(events), timeout=10)
    assert [e.id for e in rest] == ids[1:]


async def test_resuming_after_an_id_replays_the_rest_then_follows_live(shared: EventsRedis) -> None:
    request = pending()
    log = EventLog(shared, str(request.request_id))
    ids = [await log.status("processing", n=n) for n in range(4)]
    events = request_events(shared, request, ids[1], ping_s=5)
    assert [(await anext(events)).id for _ in range(2)] == ids[2:]
    ids.append(await log.end("completed"))
    assert [e.id for e in await asyncio.wait_for(until_end(events), timeout=5)] == ids[4:]
    stored = await read_after(shared, str(request.request_id), "0-0")
    assert [e.id for e in stored] == ids
