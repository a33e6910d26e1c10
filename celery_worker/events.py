"""A request's event log: what the worker (and the review endpoint) report, and how the server reads it.

Each event is appended to the Redis stream `request:{id}:events` (capped, with a TTL) so late or
reconnecting clients replay it, using the entry id as SSE id, and published with that id on the channel
`request:{id}` for live listeners. Names follow the LangGraph server: `metadata` first, `updates` per node
start and finish, `custom` for status and progress, `error`, and a terminal `end`.

An event may carry a `once` key naming what it reports (a node finishing at a step, the end): published
again under the same key, as a redelivered task replaying a step does, it is not appended a second time.
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


def once_key(request_id: str) -> str:
    """The hash from each `once` key published for the request to the entry id it got."""
    return f"request:{request_id}:once"


# Atomic, so two deliveries racing to publish one event append it once. KEYS: stream, once hash.
# ARGV: event, data, once key ("" for none), stream cap, TTL, channel. Returns the entry id.
_PUBLISH_ONCE = """
if ARGV[3] ~= '' then
  local seen = redis.call('HGET', KEYS[2], ARGV[3])
  if seen then return seen end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'event', ARGV[1], 'data', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[5])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[3], id)
  redis.call('EXPIRE', KEYS[2], ARGV[5])
end
local framed = '{"id": "' .. id .. '", "event": "' .. ARGV[1] .. '", "data": ' .. ARGV[2] .. '}'
redis.call('PUBLISH', ARGV[6], framed)
return id
"""


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
        self._publish_once = redis.register_script(_PUBLISH_ONCE)

    async def publish(self, event: EventName, data: dict[str, Any], *, once: str | None = None) -> str:
        """Append to the stream and publish on the channel in one round trip; returns the entry id.

        With `once`, an event already published under that key is not repeated: its first id is returned.
        """
        # `ts` (epoch seconds at publication) lets clients measure how late an event reaches them.
        body = json.dumps({**data, "ts": time.time()}, default=str)
        keys = [stream_key(self.request_id), once_key(self.request_id)]
        args = [event, body, once or "", STREAM_MAXLEN, STREAM_TTL_S, channel(self.request_id)]
        entry_id = await self._publish_once(keys=keys, args=args)
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def metadata(self, kind: str, *, worker: str, run_id: str, redelivered: bool) -> str:
        """A task began working on the request: which request, which worker, which delivery."""
        return await self.publish("metadata", {"request_id": self.request_id, "kind": kind, "worker": worker,
                                               "run_id": run_id, "redelivered": redelivered})

    async def node(self, event: NodeEvent, *, step: int | None = None) -> str:
        """A node started, finished or stopped for review (an `EventSink` for `run_request`).

        `step`, the graph step the node runs in, makes a replay of that step publish nothing new.
        """
        once = None if step is None else f"step {step}: {event.node} {event.event}"
        return await self.publish("updates", event.model_dump(mode="json", exclude_none=True), once=once)

    async def status(self, status: Status, *, step: int | None = None, **details: Any) -> str:
        """The request moved to `status`; a terminal status is told once, another once per `step` (which
        it carries: a run resumed from a checkpoint says where it resumed)."""
        once = status if status in TERMINAL else None if step is None else f"step {step}: {status}"
        at_step = {} if step is None else {"step": step}
        return await self.publish("custom", {"type": "status", "status": status, **at_step, **details},
                                  once=once)

    async def error(self, message: str, error_type: str) -> str:
        """Why the run failed; told once, like the end that follows it."""
        return await self.publish("error", {"error": error_type, "message": message}, once="error")

    async def end(self, status: Status, **details: Any) -> str:
        """The last event of a request: nothing follows it, and it is told once."""
        return await self.publish("end", {"status": status, **details}, once="end")


async def read_after(redis: Redis, request_id: str, cursor: str, *, block_ms: int | None = None,
                     count: int = 100) -> list[StoredEvent]:
    """Up to `count` events after entry `cursor` ("0-0" for all), waiting up to `block_ms` (when given)
    for the first one."""
    reply = await redis.xread({stream_key(request_id): cursor}, count=count, block=block_ms)
    return [_stored(entry_id, fields) for _key, entries in reply for entry_id, fields in entries]


async def last_event(redis: Redis, request_id: str) -> StoredEvent | None:
    """The newest event of the request, or None when its stream is gone (never written, or expired)."""
    entries = await redis.xrevrange(stream_key(request_id), count=1)
    return _stored(*entries[0]) if entries else None


def entry_order(entry_id: str) -> tuple[int, int]:
    """A stream entry id as a sortable pair (milliseconds, sequence)."""
    millis, _, sequence = entry_id.partition("-")
    return int(millis), int(sequence or 0)


def live_event(message: str) -> StoredEvent:
    """The event in a message published on a request's channel, its data as the stream entry holds it."""
    published = json.loads(message)
    # The publishing script frames the data verbatim after this prefix: slice it out rather than
    # re-encode it, so a live event and its replay are the same bytes.
    framing = f'{{"id": "{published["id"]}", "event": "{published["event"]}", "data": '
    return StoredEvent(id=published["id"], event=published["event"], data=message[len(framing):-1])


def _stored(entry_id: Any, fields: dict[Any, Any]) -> StoredEvent:
    def text(value: Any) -> str:
        return value.decode() if isinstance(value, bytes) else str(value)

    decoded = {text(k): text(v) for k, v in fields.items()}
    return StoredEvent(id=text(entry_id), event=decoded["event"], data=decoded["data"])
