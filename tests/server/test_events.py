"""The event stream against a real server: replay, Last-Event-ID, pings, `end`, and expired streams.

Events are written with the workers' own EventLog, so these tests need no worker.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import httpx
from redis.asyncio import Redis

from celery_worker.events import EventLog
from graph.runner import NodeEvent
from graph.settings import Settings
from storage.engine import session_scope
from storage.repository import mark_failed
from tests.e2e.stack import AUTH, collect, is_end, sse
from tests.server.test_api import pending_request


async def publish_run(settings: Settings, request_id: str, *, end: bool = True) -> list[str]:
    """A short run's events, as a worker writes them; returns their ids."""
    async with Redis.from_url(settings.redis_url, decode_responses=True) as redis:
        log = EventLog(redis, request_id)
        ids = [await log.metadata("api", worker="w9@test", run_id="run-1", redelivered=False),
               await log.status("processing")]
        for node in ("reconnaissance", "generation"):
            ids.append(await log.node(NodeEvent(event="started", node=node, request_id=request_id)))
            ids.append(await log.node(NodeEvent(event="finished", node=node, request_id=request_id,
                                                duration_s=0.1, counts={"tests": 3})))
        if end:
            ids.append(await log.end("completed", summary={"tests_saved": 3}))
    return ids


def test_stream_replays_everything_then_ends(client: httpx.Client, settings: Settings) -> None:
    request_id = pending_request(client)
    ids = asyncio.run(publish_run(settings, request_id))
    events = collect(sse(client, f"/api/v1/requests/{request_id}/events"), until=is_end)
    assert [e.id for e in events] == ids
    assert [e.event for e in events] == ["metadata", "custom"] + ["updates"] * 4 + ["end"]
    assert events[0].data["request_id"] == request_id and events[0].data["kind"] == "api"
    finished = events[3].data
    assert (finished["event"], finished["node"]) == ("finished", "reconnaissance")
    assert finished["counts"] == {"tests": 3}
    assert events[-1].data["status"] == "completed"


def test_last_event_id_resumes_after_that_event(client: httpx.Client, settings: Settings) -> None:
    request_id = pending_request(client)
    ids = asyncio.run(publish_run(settings, request_id))
    path = f"/api/v1/requests/{request_id}/events"
    resumed = collect(sse(client, path, headers={"Last-Event-ID": ids[2]}), until=is_end)
    assert [e.id for e in resumed] == ids[3:]
    # After the end there is nothing more: the stream closes at once.
    assert list(sse(client, path, headers={"Last-Event-ID": ids[-1]})) == []
    answer = client.get(path, headers={**AUTH, "Last-Event-ID": "yesterday"})
    assert answer.status_code == 422 and "last-event-id" in answer.json()["detail"]


def test_live_events_follow_the_replay_with_pings_between(client: httpx.Client, settings: Settings) -> None:
    request_id = pending_request(client)
    ids = asyncio.run(publish_run(settings, request_id, end=False))

    def finish_later() -> None:
        time.sleep(1.2)  # more than two pings apart (TESTOPS_SSE_PING_S=0.5)

        async def finish() -> None:
            async with Redis.from_url(settings.redis_url, decode_responses=True) as redis:
                await EventLog(redis, request_id).end("failed", error="boom")

        asyncio.run(finish())

    finisher = threading.Thread(target=finish_later)
    finisher.start()
    seen = []
    for event in sse(client, f"/api/v1/requests/{request_id}/events"):
        seen.append(event)
        if is_end(event):
            break
    finisher.join()
    assert [e.id for e in seen if e.comment is None][:-1] == ids
    assert any(e.comment == "ping" for e in seen[len(ids):])
    assert seen[-1].data["status"] == "failed"


def test_a_finished_request_whose_stream_expired_still_ends(client: httpx.Client, settings: Settings) -> None:
    request_id = pending_request(client)
    with session_scope(settings.sqlalchemy_url) as session:
        mark_failed(session, uuid.UUID(request_id), "spec not found")
    events = list(sse(client, f"/api/v1/requests/{request_id}/events"))
    assert [e.event for e in events] == ["metadata", "end"]
    assert events[0].data == {"request_id": request_id, "kind": "api", "from_storage": True}
    assert events[1].data == {"status": "failed", "error": "spec not found"}
