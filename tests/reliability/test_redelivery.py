"""A task delivered again (its worker was killed; or it was queued twice) never duplicates rows or events:
the stream tells each step once, ids only grow, and the stored suite has each test once."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from typing import Any

import httpx
import redis
import yaml

from celery_worker.app import GENERATE_API_TASK, create_celery
from celery_worker.leases import run_key
from graph.settings import Settings
from samples.tasks_api import app as sample
from storage.engine import session_scope
from storage.models import RequestStatus
from storage.repository import get_request, list_test_cases
from tests.e2e.stack import AUTH, Event, Server, Workers, collect, is_end, sse
from tools.suite_analysis import DELIVERED


def submit(client: httpx.Client, base_url: str) -> str:
    answer = client.post(
        "/api/v1/requests/api",
        headers=AUTH,
        json={
            "openapi": yaml.safe_load(sample.SPEC_PATH.read_text(encoding="utf-8")),
            "base_url": base_url,
            "requirements": sample.load_requirements(),
        },
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["request_id"])


def node_steps(events: list[Event]) -> list[tuple[str, str]]:
    return [(e.data["node"], e.data["event"]) for e in events if e.event == "updates"]


def assert_told_once(events: list[Event]) -> None:
    """Each node started and finished once (the sample run has no regeneration), one end, growing ids."""
    steps = node_steps(events)
    assert [pair for pair, n in Counter(steps).items() if n > 1] == [], steps
    assert {node for node, event in steps if event == "started"} == {n for n, e in steps if e == "finished"}
    assert [e.event for e in events].count("end") == 1 and events[-1].event == "end"
    ids = [tuple(int(part) for part in str(e.id).split("-")) for e in events]
    assert ids == sorted(set(ids))


def assert_stored_once(settings: Settings, request_id: str) -> None:
    with session_scope(settings.sqlalchemy_url) as session:
        rows = list_test_cases(session, uuid.UUID(request_id))
        request = get_request(session, uuid.UUID(request_id))
        assert request is not None and request.status is RequestStatus.COMPLETED, request
        summary: dict[str, Any] = request.result_summary or {}
    assert rows and len({r.code_hash for r in rows}) == len({r.test_id for r in rows}) == len(rows)
    assert sum(r.validation_status in DELIVERED for r in rows) == summary["tests_saved"]


def test_a_killed_worker_s_steps_are_told_once_when_the_other_replays_them(
    server: Server, both_workers_up: Workers, settings: Settings, slow_target: str
) -> None:
    with server.client() as client:
        request_id = submit(client, slow_target)
        path = f"/api/v1/requests/{request_id}/events"
        stream = sse(client, path)
        before = collect(stream, until=lambda e: e.event == "updates" and e.data["node"] == "validation")
        victim = before[0].data["worker"]
        both_workers_up.kill(victim.split("@")[0])
        after = collect(stream, until=is_end, deadline_s=120)
        stream.close()
        # What a client reconnecting from the start replays is what the live one saw.
        replayed = collect(sse(client, path), until=is_end)

    live = before + after
    [rerun] = [e for e in after if e.event == "metadata"]
    assert rerun.data["worker"] != victim and rerun.data["redelivered"] is True
    # The killed worker had started validation; the other re-ran it, and that start was not told again.
    assert ("validation", "started") not in node_steps(after)
    assert_told_once(live)
    assert [e.id for e in replayed] == [e.id for e in live]
    assert_stored_once(settings, request_id)


def test_a_task_queued_twice_runs_once(
    server: Server, both_workers_up: Workers, settings: Settings, slow_target: str, broker: redis.Redis
) -> None:
    """The sweep racing the server's own send, at worst: both copies reach the two workers together."""
    with server.client() as client:
        request_id = submit(client, slow_target)
        app = create_celery(settings)
        try:
            duplicate = app.send_task(GENERATE_API_TASK, kwargs={"request_id": request_id})
            events = collect(sse(client, f"/api/v1/requests/{request_id}/events"), until=is_end)
            assert duplicate.get(timeout=120)["status"] in ("busy", "completed")
        finally:
            app.close()
    assert [e.event for e in events].count("metadata") == 1
    assert_told_once(events)
    assert_stored_once(settings, request_id)
    deadline = time.monotonic() + 5
    while broker.exists(run_key(request_id)):  # released by its holder once the run is done
        assert time.monotonic() < deadline
        time.sleep(0.1)
