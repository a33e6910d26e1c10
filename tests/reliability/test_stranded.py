"""A request stored but never queued (its server died in between) is queued by the workers' sweep: once,
however many workers sweep at the same time, and only when it is really stranded."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import update

from celery_worker.app import create_celery
from celery_worker.events import StoredEvent, stream_key
from celery_worker.sweeper import sweep
from graph.settings import Settings
from storage.engine import migrate, session_scope
from storage.models import Request, RequestStatus, utcnow
from storage.repository import create_request, get_request, mark_enqueued, mark_processing
from tests.e2e import stack

QUEUE = "celery"  # Celery's default queue: a Redis list in the broker database
UNREACHABLE_SPEC = "http://127.0.0.1:9/openapi.yaml"
SWEEPERS = 4


def queued_request_ids(broker: redis.Redis) -> list[str]:
    """The request id of every queued task message."""
    ids = []
    for raw in broker.lrange(QUEUE, 0, -1):
        _args, kwargs, _embed = json.loads(base64.b64decode(json.loads(raw)["body"]))
        ids.append(kwargs["request_id"])
    return ids


def store_as_a_crashed_server_left_it(settings: Settings, *, age_s: float = 0.0) -> uuid.UUID:
    """What the server writes before it queues: a pending row; its crash then leaves nothing queued."""
    request_id = uuid.uuid4()
    with session_scope(settings.sqlalchemy_url) as session:
        create_request(session, request_id=request_id, kind="api", target=UNREACHABLE_SPEC)
        session.execute(
            update(Request)
            .where(Request.request_id == request_id)
            .values(created_at=utcnow() - timedelta(seconds=age_s))
        )
    return request_id


@pytest.fixture(scope="module")
def lone_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A database and broker no worker reads: what the sweeps queue stays there to be counted."""
    with stack.postgres_database("testops_sweep") as database_url, stack.redis_database(10) as broker_url:
        migrate(database_url)
        yield Settings(
            database_url=database_url,
            redis_url=broker_url,
            data_dir=Path(tmp_path_factory.mktemp("sweep-data")),
            enqueue_grace_s=60,
        )


def test_concurrent_sweeps_queue_each_stranded_request_exactly_once(lone_settings: Settings) -> None:
    stranded = {store_as_a_crashed_server_left_it(lone_settings, age_s=600) for _ in range(30)}
    fresh = store_as_a_crashed_server_left_it(lone_settings)  # its server may still be queueing it
    queued = store_as_a_crashed_server_left_it(lone_settings, age_s=600)
    running = store_as_a_crashed_server_left_it(lone_settings, age_s=600)
    with session_scope(lone_settings.sqlalchemy_url) as session:
        mark_enqueued(session, queued)
        mark_processing(session, running)
    apps = [create_celery(lone_settings) for _ in range(SWEEPERS)]  # one per worker, as in production
    try:
        with ThreadPoolExecutor(SWEEPERS) as pool:
            swept = list(pool.map(lambda app: sweep(app, lone_settings), apps))
    finally:
        for app in apps:
            app.close()

    sent = [request_id for batch in swept for request_id in batch]
    assert sorted(sent) == sorted(stranded)  # every one, and none twice
    broker = redis.Redis.from_url(lone_settings.redis_url, decode_responses=True)
    try:
        assert sorted(queued_request_ids(broker)) == sorted(str(r) for r in stranded)
    finally:
        broker.close()
    with session_scope(lone_settings.sqlalchemy_url) as session:
        for request_id in stranded:
            request = get_request(session, request_id)
            assert request is not None and request.enqueued_at is not None
            assert request.status is RequestStatus.PENDING
        fresh_row = get_request(session, fresh)
        assert fresh_row is not None and fresh_row.enqueued_at is None


def test_a_sweep_is_bounded_and_a_later_one_goes_on(lone_settings: Settings) -> None:
    stranded = {store_as_a_crashed_server_left_it(lone_settings, age_s=600) for _ in range(5)}
    app = create_celery(lone_settings)
    try:
        first = sweep(app, lone_settings, limit=3)
        second = sweep(app, lone_settings, limit=3)
        assert sweep(app, lone_settings, limit=3) == []
    finally:
        app.close()
    assert len(first) == 3 and len(second) == 2 and set(first) | set(second) == stranded


def events_of(broker: redis.Redis, request_id: uuid.UUID) -> list[StoredEvent]:
    return [
        StoredEvent(id=entry_id, event=fields["event"], data=fields["data"])
        for entry_id, fields in broker.xrange(stream_key(str(request_id)))
    ]


def test_a_stranded_request_is_run_once_by_the_running_workers(
    both_workers_up: stack.Workers, settings: Settings, broker: redis.Redis
) -> None:
    """Nothing lost: the workers find it and run it (to a failure: its spec does not answer); nothing
    twice: both workers sweep every second, yet it runs once."""
    request_id = store_as_a_crashed_server_left_it(settings)
    deadline = time.monotonic() + 30
    while not [e for e in events_of(broker, request_id) if e.event == "end"]:
        assert time.monotonic() < deadline, "the stranded request was never run"
        time.sleep(0.2)
    time.sleep(3)  # three more sweeps by each worker: none may queue it again
    events = events_of(broker, request_id)
    assert [e.event for e in events].count("metadata") == 1
    assert [e.event for e in events][-3:] == ["custom", "error", "end"]
    with session_scope(settings.sqlalchemy_url) as session:
        request = get_request(session, request_id)
        assert request is not None and request.status is RequestStatus.FAILED
        assert request.enqueued_at is not None
    assert str(request_id) not in queued_request_ids(broker)
