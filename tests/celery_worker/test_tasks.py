"""The tasks through a real worker: failures are stored and end the event stream; repeats are harmless."""

from __future__ import annotations

import time
import uuid

from celery.result import AsyncResult
from redis.asyncio import Redis

from celery_worker.app import GENERATE_API_TASK, TestOpsCelery
from celery_worker.events import StoredEvent, read_after
from graph.settings import Settings
from storage.engine import session_scope
from storage.repository import create_request, get_request, mark_completed
from tests.e2e.stack import Workers


def run_task(app: TestOpsCelery, name: str, **kwargs: str) -> AsyncResult:
    result = app.send_task(name, kwargs=kwargs)
    result.get(timeout=60, propagate=False)
    return result


async def events_until_end(redis: Redis, request_id: str, timeout_s: float = 10.0) -> list[StoredEvent]:
    """The request's events up to its `end`: a failure is recorded (on_failure) after the task's result."""
    events: list[StoredEvent] = []
    deadline = time.monotonic() + timeout_s
    while not events or events[-1].event != "end":
        assert time.monotonic() < deadline, f"no end event; saw {[e.event for e in events]}"
        cursor = events[-1].id if events else "0-0"
        events += await read_after(redis, request_id, cursor, block_ms=500)
    return events


async def test_an_unknown_request_fails_and_its_stream_ends(
    workers: Workers, celery_app: TestOpsCelery, redis: Redis
) -> None:
    request_id = str(uuid.uuid4())
    result = run_task(celery_app, GENERATE_API_TASK, request_id=request_id)
    assert result.state == "FAILURE"
    events = await events_until_end(redis, request_id)
    assert [e.event for e in events] == ["custom", "error", "end"]
    assert events[1].payload()["message"] == f"no request with id {request_id}"
    assert events[2].payload()["status"] == "failed"


async def test_a_ui_request_is_not_run_by_the_api_task(
    workers: Workers, celery_app: TestOpsCelery, settings: Settings, redis: Redis
) -> None:
    request_id = uuid.uuid4()
    with session_scope(settings.sqlalchemy_url) as session:
        create_request(session, request_id=request_id, kind="ui", target="https://example.com")
    assert run_task(celery_app, GENERATE_API_TASK, request_id=str(request_id)).state == "FAILURE"
    events = await events_until_end(redis, str(request_id))
    assert [e.event for e in events] == ["custom", "error", "end"]
    with session_scope(settings.sqlalchemy_url) as session:
        request = get_request(session, request_id)
        assert request is not None and request.status == "failed"
        assert request.error_message == f"request {request_id} is a ui request, not api"


async def test_a_repeated_delivery_of_a_finished_request_changes_nothing(
    workers: Workers, celery_app: TestOpsCelery, settings: Settings, redis: Redis
) -> None:
    request_id = uuid.uuid4()
    with session_scope(settings.sqlalchemy_url) as session:
        create_request(session, request_id=request_id, kind="api", target="http://127.0.0.1:9/spec.json")
        mark_completed(session, request_id, {"tests_saved": 0})
    for _ in range(2):
        result = run_task(celery_app, GENERATE_API_TASK, request_id=str(request_id))
        assert result.state == "SUCCESS"
        assert result.result == {"request_id": str(request_id), "status": "completed"}
    # Listeners hear the end once (it was missing), and nothing was run.
    events = await read_after(redis, str(request_id), "0-0", block_ms=100)
    assert [(e.event, e.payload()["status"]) for e in events] == [("end", "completed")]
    with session_scope(settings.sqlalchemy_url) as session:
        request = get_request(session, request_id)
        assert request is not None and request.status == "completed"
        assert request.result_summary == {"tests_saved": 0}
