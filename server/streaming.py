"""A request's events as Server-Sent Events: replay from the stream, then follow it live until `end`.

Live events reach every open stream of the process through one pub/sub connection (`EventsRedis`), not one
blocking read per client; a stream that may have missed some (it fell behind, or that connection dropped)
reads them back from the request's event stream, so nothing is lost and ids only grow.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import Any

from fastapi.sse import ServerSentEvent
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

from celery_worker.events import (
    TERMINAL,
    StoredEvent,
    channel,
    entry_order,
    last_event,
    live_event,
    read_after,
)
from storage.models import Request

logger = logging.getLogger("testops.server")

# Longest blocking read; redis-py's default socket timeout (5 s) would cut a longer one.
READ_BLOCK_S = 2.0
# Live events held for one slow client; past this it reads them back from the stream instead.
LISTENER_BUFFER = 256
# Pause before the shared subscription reconnects after an error.
RECONNECT_S = 0.5

# Put in a listener's queue instead of events it missed: read the stream after the cursor.
_MISSED = None


class EventsRedis(Redis):
    """The server's Redis client, with one subscription to every request channel shared by all streams.

    Open it with `async with`: that starts the subscription's reader task, and closing stops it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listeners: defaultdict[str, set[asyncio.Queue[StoredEvent | None]]] = defaultdict(set)
        self._reader: asyncio.Task[None] | None = None
        self._closing = False

    @classmethod
    def pooled(cls, url: str, *, max_connections: int, **connection_kwargs: Any) -> EventsRedis:
        """A client on at most `max_connections` connections (the subscription's included); a command
        finding them all busy waits for one, up to 5 s, rather than failing."""
        pool = BlockingConnectionPool.from_url(url, decode_responses=True, timeout=5,
                                               max_connections=max_connections, **connection_kwargs)
        return cls.from_pool(pool)

    async def __aenter__(self) -> EventsRedis:
        await super().__aenter__()
        self._reader = asyncio.create_task(self._read(), name="request-events-reader")
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        traceback: TracebackType | None) -> None:
        if self._reader is not None:
            # redis-py may swallow a cancellation inside a read: the flag ends the reader at its next
            # timeout anyway, and closing never waits longer than that.
            self._closing = True
            self._reader.cancel()
            await asyncio.wait({self._reader}, timeout=READ_BLOCK_S + 1)
        await super().__aexit__(exc_type, exc, traceback)

    @contextlib.contextmanager
    def listen(self, request_id: str) -> Iterator[asyncio.Queue[StoredEvent | None]]:
        """The request's live events from now on, in a queue (None: some were missed)."""
        queue: asyncio.Queue[StoredEvent | None] = asyncio.Queue(LISTENER_BUFFER)
        self._listeners[request_id].add(queue)
        try:
            yield queue
        finally:
            self._listeners[request_id].discard(queue)
            if not self._listeners[request_id]:
                del self._listeners[request_id]

    @property
    def listener_count(self) -> int:
        return sum(len(queues) for queues in self._listeners.values())

    async def _read(self) -> None:
        """Dispatch every request channel's messages to its listeners, reconnecting on errors."""
        prefix = channel("")
        while not self._closing:
            try:
                async with self.pubsub() as pubsub:
                    await pubsub.psubscribe(f"{prefix}*")
                    while not self._closing:
                        message = await pubsub.get_message(timeout=READ_BLOCK_S)
                        if message is None:
                            continue
                        if message["type"] == "psubscribe":
                            # (Re)subscribed: whatever was published while not subscribed is missed.
                            self._all_missed()
                        elif message["type"] == "pmessage":
                            self._dispatch(message["channel"].removeprefix(prefix), message["data"])
            except (RedisError, OSError) as error:
                logger.warning("request events subscription lost; reconnecting",
                               extra={"error": f"{type(error).__name__}: {error}"})
            self._all_missed()
            await asyncio.sleep(RECONNECT_S)

    def _dispatch(self, request_id: str, message: str) -> None:
        queues = self._listeners.get(request_id)
        if not queues:
            return
        try:
            event: StoredEvent | None = live_event(message)
        except (ValueError, KeyError):
            # Not framed by our publisher (e.g. a worker of an older release): the stream has the event.
            event = _MISSED
        for queue in queues:
            if event is _MISSED:
                _missed(queue)
            elif queue.full():
                _missed(queue)
            else:
                queue.put_nowait(event)

    def _all_missed(self) -> None:
        for queues in self._listeners.values():
            for queue in queues:
                _missed(queue)


def _missed(queue: asyncio.Queue[StoredEvent | None]) -> None:
    """Replace what the queue holds by the mark that says: read the stream again."""
    while not queue.empty():
        queue.get_nowait()
    queue.put_nowait(_MISSED)


def _synthetic_end(request: Request) -> list[ServerSentEvent]:
    """When the stream expired after the run ended: what the stored request still tells."""
    request_id, status = str(request.request_id), request.status.value
    return [
        ServerSentEvent(event="metadata",
                        data={"request_id": request_id, "kind": request.kind, "from_storage": True}),
        ServerSentEvent(event="end", data={"status": status, "error": request.error_message}),
    ]


async def _stored_after(redis: Redis, request_id: str, cursor: str) -> AsyncIterator[StoredEvent]:
    """Every stored event after `cursor`, without waiting."""
    while batch := await read_after(redis, request_id, cursor):
        for event in batch:
            yield event
        cursor = batch[-1].id


async def request_events(redis: EventsRedis, request: Request, last_event_id: str | None,
                         ping_s: float) -> AsyncIterator[ServerSentEvent]:
    """Events after `last_event_id` (all when None), a comment ping when idle, closing after the last `end`
    (a run's, then each export's)."""
    request_id = str(request.request_id)
    newest = await last_event(redis, request_id)
    if newest is None and request.status.value in TERMINAL:
        for event in _synthetic_end(request):
            yield event
        return
    cursor = last_event_id or "0-0"
    if newest is not None and newest.event == "end" and entry_order(newest.id) <= entry_order(cursor):
        return  # the client saw the end already: nothing will follow
    # Listen before replaying: an event published meanwhile is in the replay, the queue or both (then
    # skipped by its id), never in neither.
    with redis.listen(request_id) as live:
        replay: AsyncIterator[StoredEvent] | None = _stored_after(redis, request_id, cursor)
        while True:
            if replay is not None:
                event = await anext(replay, None)
                if event is None:
                    replay = None
                    continue
            else:
                try:
                    event = await asyncio.wait_for(live.get(), timeout=ping_s)
                except TimeoutError:
                    yield ServerSentEvent(comment="ping")
                    continue
                if event is _MISSED:
                    replay = _stored_after(redis, request_id, cursor)
                    continue
                if entry_order(event.id) <= entry_order(cursor):
                    continue
            cursor = event.id
            yield ServerSentEvent(id=event.id, event=event.event, raw_data=event.data)
            # An export of the finished request tells its events after the run's end, and ends them with
            # its own: the stream closes at the last end told.
            if event.event == "end" and not await read_after(redis, request_id, event.id, count=1):
                return
