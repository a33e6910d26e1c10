"""A request's event log: what the worker (and the review endpoint) report, and how the server reads it.

Each event is appended to the Redis stream `request:{id}:events` (capped, with a TTL) so late or
reconnecting clients replay it, using the entry id as SSE id, and published on the channel `request:{id}`
for live listeners. Names follow the LangGraph server: `metadata` first, `updates` per node start and
finish, `custom` for status and progress, `error`, and a terminal `end`.
"""

from __future__ import annotations

import json
import time
from typing import Any, Literal

from pydantic import BaseModel
from redis.asyncio import Redis

from graph.runner import NodeEvent

EventName = Literal["metadata", "updates", "custom", "error", "end"]
Status = Literal["pending", "processing", "waiting_for_review", "completed", "failed"]
TERMINAL: frozenset[str] = frozenset({"completed", "failed"})

# About this many entries per request stay replayable; a run emits a few dozen.
STREAM_MAXLEN = 1000
# Replay stays possible this long after the last event; afterwards the stored request tells the outcome.
STREAM_TTL_S = 24 * 3600


def channel(request_id: str) -> str:
    """The pub/sub channel of a request's live events."""
    return f"request:{request_id}"


def stream_key(request_id: str) -> str:
    """The stream holding a request's replayable events."""
    return f"request:{request_id}:events"


class StoredEvent(BaseModel):
    """One entry of a request's stream: its id (the SSE id), its name, and its JSON data as sent."""

    id: str
    event: EventName
    data: str

    def payload(self) -> dict[str, Any]:
        return json.loads(self.data)


class EventLog:
    """Appends and publishes one request's events on an asyncio Redis client."""

    def __init__(self, redis: Redis, request_id: str) -> None:
        self.redis = redis
        self.request_id = request_id

    async def publish(self, event: EventName, data: dict[str, Any]) -> str:
        """Append to the stream and publish on the channel in one round trip; returns the entry id."""
        # `ts` (epoch seconds at publication) lets clients measure how late an event reaches them.
        body = json.dumps({**data, "ts": time.time()}, default=str)
        key = stream_key(self.request_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xadd(key, {"event": event, "data": body}, maxlen=STREAM_MAXLEN, approximate=True)
            pipe.expire(key, STREAM_TTL_S)
            pipe.publish(channel(self.request_id), f'{{"event": {json.dumps(event)}, "data": {body}}}')
            entry_id, *_ = await pipe.execute()
        return str(entry_id)

    async def metadata(self, kind: str, *, worker: str, run_id: str, redelivered: bool) -> str:
        """A task began working on the request: which request, which worker, which delivery."""
        return await self.publish("metadata", {"request_id": self.request_id, "kind": kind, "worker": worker,
                                               "run_id": run_id, "redelivered": redelivered})

    async def node(self, event: NodeEvent) -> str:
        """A node started, finished or stopped for review (an `EventSink` for `run_request`)."""
        return await self.publish("updates", event.model_dump(mode="json", exclude_none=True))

    async def status(self, status: Status, **details: Any) -> str:
        """The request moved to `status`."""
        return await self.publish("custom", {"type": "status", "status": status, **details})

    async def error(self, message: str, error_type: str) -> str:
        return await self.publish("error", {"error": error_type, "message": message})

    async def end(self, status: Status, **details: Any) -> str:
        """The last event of a request: nothing follows it."""
        return await self.publish("end", {"status": status, **details})


async def read_after(redis: Redis, request_id: str, cursor: str, *, block_ms: int) -> list[StoredEvent]:
    """Events after entry `cursor` ("0-0" for all), waiting up to `block_ms` for the first one."""
    reply = await redis.xread({stream_key(request_id): cursor}, count=100, block=block_ms)
    return [_stored(entry_id, fields) for _key, entries in reply for entry_id, fields in entries]


async def last_event(redis: Redis, request_id: str) -> StoredEvent | None:
    """The newest event of the request, or None when its stream is gone (never written, or expired)."""
    entries = await redis.xrevrange(stream_key(request_id), count=1)
    return _stored(*entries[0]) if entries else None


def entry_order(entry_id: str) -> tuple[int, int]:
    """A stream entry id as a sortable pair (milliseconds, sequence)."""
    millis, _, sequence = entry_id.partition("-")
    return int(millis), int(sequence or 0)


def _stored(entry_id: Any, fields: dict[Any, Any]) -> StoredEvent:
    def text(value: Any) -> str:
        return value.decode() if isinstance(value, bytes) else str(value)

    decoded = {text(k): text(v) for k, v in fields.items()}
    return StoredEvent(id=text(entry_id), event=decoded["event"], data=decoded["data"])
