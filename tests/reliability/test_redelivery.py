"""A task delivered again (its worker was SIGKILLed mid-node; or it was queued twice) never duplicates rows
or events: it resumes from the last checkpoint, the stream tells each step once, ids only grow, and the
stored suite has each test once."""

from __future__ import annotations

import time

import redis

from celery_worker.app import GENERATE_API_TASK, create_celery
from celery_worker.leases import run_key
from graph.settings import Settings
from tests.e2e.stack import Server, Workers, collect, is_end, sse
from tests.reliability.outcomes import (
    assert_stored_once,
    assert_told_once,
    checkpoint_steps,
    node_steps,
    submit,
)


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
    # It resumed from the killed worker's last checkpoint, not from scratch: its run began at the step of
    # the last node finished before the kill, and no step has two checkpoints (a fresh start writes its
    # first steps again).
    [resumed] = [e for e in after if e.event == "custom" and e.data["status"] == "processing"]
    assert resumed.data["step"] == sum(event == "finished" for _, event in node_steps(before)) >= 2
    steps = checkpoint_steps(settings, request_id)
    assert steps == sorted(set(steps)) and steps[0] == -1, steps
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
