"""The event log on a real Redis: stream entries with a TTL and a cap, the channel, and reading back."""

from __future__ import annotations

import asyncio
import json
import uuid

from redis.asyncio import Redis

from celery_worker.events import (
    STREAM_MAXLEN,
    STREAM_TTL_S,
    EventLog,
    channel,
    entry_order,
    last_event,
    live_event,
    read_after,
    stream_key,
)
from graph.runner import NodeEvent


async def test_an_event_goes_to_the_stream_and_the_channel(redis: Redis) -> None:
    request_id = str(uuid.uuid4())
    async with redis.pubsub() as pubsub:
        await pubsub.subscribe(channel(request_id))
        await pubsub.get_message(timeout=1)  # the subscription confirmation
        entry_id = await EventLog(redis, request_id).node(
            NodeEvent(event="finished", node="validation", request_id=request_id, duration_s=1.5,
                      counts={"passed": 3})
        )
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
    assert message is not None and message["channel"] == f"request:{request_id}"
    published = json.loads(message["data"])
    assert published["event"] == "updates"
    assert published["data"]["node"] == "validation" and published["data"]["counts"] == {"passed": 3}
    [stored] = await read_after(redis, request_id, "0-0", block_ms=100)
    assert stored.id == entry_id and stored.event == "updates" and stored.payload() == published["data"]
    assert 0 < await redis.ttl(stream_key(request_id)) <= STREAM_TTL_S


async def test_reading_after_an_id_and_the_newest_event(redis: Redis) -> None:
    request_id = str(uuid.uuid4())
    log = EventLog(redis, request_id)
    assert await last_event(redis, request_id) is None
    ids = [await log.metadata("api", worker="w", run_id="r", redelivered=False),
           await log.status("processing"), await log.end("completed")]
    assert [e.id for e in await read_after(redis, request_id, ids[0], block_ms=100)] == ids[1:]
    assert sorted(ids, key=entry_order) == ids
    newest = await last_event(redis, request_id)
    assert newest is not None and newest.id == ids[-1] and newest.event == "end"
    # Nothing after the end: the read waits out its block and returns nothing.
    assert await read_after(redis, request_id, ids[-1], block_ms=50) == []


async def test_the_stream_is_capped(redis: Redis) -> None:
    request_id = str(uuid.uuid4())
    log = EventLog(redis, request_id)
    for n in range(STREAM_MAXLEN + 300):
        await log.status("processing", n=n)
    # Approximate trimming keeps at least the cap and never much more.
    assert STREAM_MAXLEN <= await redis.xlen(stream_key(request_id)) < STREAM_MAXLEN + 300


async def test_an_event_published_again_under_its_once_key_is_not_repeated(redis: Redis) -> None:
    """A redelivered task replaying a step: the stream and the channel carry that step's events once."""
    request_id = str(uuid.uuid4())
    log = EventLog(redis, request_id)
    started = NodeEvent(event="started", node="validation", request_id=request_id)
    async with redis.pubsub() as pubsub:
        await pubsub.subscribe(channel(request_id))
        await pubsub.get_message(timeout=1)
        first = await log.node(started, step=3)
        assert await log.node(started, step=3) == first
        again = await log.node(started, step=5)  # the same node at a later step (a regeneration) is new
        ends = [await log.end("completed"), await log.end("completed")]
        published = [await pubsub.get_message(ignore_subscribe_messages=True, timeout=1) for _ in range(4)]
    stored = await read_after(redis, request_id, "0-0")
    assert [e.id for e in stored] == [first, again, ends[0]] and ends[1] == ends[0]
    assert published[-1] is None
    live = [live_event(message["data"]) for message in published[:3]]
    assert live == stored  # the live event is its stream entry, id and data byte for byte


async def test_racing_publishers_of_one_event_append_it_once(redis: Redis) -> None:
    request_id = str(uuid.uuid4())
    logs = [EventLog(redis, request_id) for _ in range(8)]
    ids = await asyncio.gather(*(log.end("completed") for log in logs))
    assert len(set(ids)) == 1 and await redis.xlen(stream_key(request_id)) == 1
