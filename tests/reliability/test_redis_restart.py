"""Redis killed and restarted mid-run (with its data: an append-only log, fsynced on every write): the
worker and the server reconnect by themselves, the run completes once, no event is told twice, and an SSE
client, reconnecting with `Last-Event-ID` as browsers do when its stream drops, gets all the rest."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx

from graph.settings import Settings
from tests.e2e.stack import AUTH, Event, Server, Workers, collect, is_end, sse
from tests.reliability.outcomes import assert_stored_once, assert_told_once, submit
from tests.reliability.services import PrivateRedis

DOWN_S = 2.0
END_DEADLINE_S = 120.0


def read_until_end(stream: Iterator[Event], seen: list[Event]) -> None:
    """Append the stream's events to `seen` up to `end`, or until the stream drops."""
    try:
        for event in stream:
            if event.comment is None:
                seen.append(event)
                if is_end(event):
                    return
    except (httpx.HTTPError, AssertionError):  # cut, or refused while the server cannot read Redis
        time.sleep(0.5)


def follow_to_the_end(client: httpx.Client, path: str, live: Iterator[Event], seen: list[Event]) -> None:
    """Read the live stream on; whenever it drops before `end`, reconnect after the last id seen."""
    deadline = time.monotonic() + END_DEADLINE_S
    read_until_end(live, seen)
    while not is_end(seen[-1]):
        assert time.monotonic() < deadline, f"no end; saw {[e.event for e in seen]}"
        after = {"Last-Event-ID": str(seen[-1].id)}
        read_until_end(sse(client, path, headers=after, read_timeout_s=10), seen)


def test_a_redis_restart_mid_run_loses_nothing_and_repeats_nothing(
    fault_stack: Workers, fault_server: Server, fault_settings: Settings, private_redis: PrivateRedis,
    slow_target: str,
) -> None:
    with fault_server.client(headers=AUTH) as client:
        request_id = submit(client, slow_target)
        path = f"/api/v1/requests/{request_id}/events"
        live = sse(client, path, read_timeout_s=10)
        events = collect(live, until=lambda e: e.event == "updates" and e.data["node"] == "validation")
        private_redis.restart(down_s=DOWN_S)
        follow_to_the_end(client, path, live, events)
        replayed = collect(sse(client, path), until=is_end)

    assert events[-1].data["status"] == "completed", events[-1].data
    assert [e.event for e in events].count("metadata") == 1  # the run went on; it was not delivered again
    assert_told_once(events)
    assert [e.id for e in replayed] == [e.id for e in events]
    assert_stored_once(fault_settings, request_id)
