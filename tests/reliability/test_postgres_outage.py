"""PostgreSQL down: the API answers 503 with a reason at once (never a 500, never a hang), readiness says
which dependency is down, and both the server and the workers recover by themselves once it is back; a run
in flight meanwhile waits at its next checkpoint and completes, once."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from graph.settings import Settings
from samples.tasks_api import app as sample
from tests.e2e.stack import AUTH, Server, Workers, collect, is_end, sse
from tests.reliability.outcomes import (
    assert_stored_once,
    assert_told_once,
    checkpoint_steps,
    sample_request,
    submit,
)
from tests.reliability.services import PrivatePostgres

# Longest wait for an answer while the database is down: a refused connection is answered at once.
DOWN_ANSWER_S = 5.0
# How soon after the database is back the service must work again, without being restarted.
RECOVERY_S = 20.0
# How long the database stays down under a run in flight: well within the workers' checkpoint wait.
DOWN_S = 3.0


@pytest.fixture(scope="module")
def target() -> Iterator[str]:
    with sample.serve() as base_url:
        yield base_url


def eventually(check: Callable[[], bool], within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while not check():
        assert time.monotonic() < deadline, f"{what} not within {within_s} s"
        time.sleep(0.2)


def timed(call: Callable[[], httpx.Response]) -> httpx.Response:
    started = time.monotonic()
    answer = call()
    assert time.monotonic() - started < DOWN_ANSWER_S, "answered too late"
    return answer


def test_the_api_answers_503_while_postgresql_is_down_and_recovers_by_itself(
    fault_stack: Workers, fault_server: Server, fault_settings: Settings, private_postgres: PrivatePostgres,
    target: str,
) -> None:
    with fault_server.client(headers=AUTH) as client:
        earlier = submit(client, target)
        collect(sse(client, f"/api/v1/requests/{earlier}/events"), until=is_end)
        private_postgres.stop()
        try:
            made = timed(lambda: client.post("/api/v1/requests/api", json=sample_request(target)))
            read = timed(lambda: client.get(f"/api/v1/requests/{earlier}"))
            ready = timed(lambda: client.get("/readyz"))
        finally:
            private_postgres.start()

        for answer in (made, read):
            assert answer.status_code == 503, answer.text
            assert "database is unavailable" in answer.json()["detail"], answer.text
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert checks["database"].startswith("unavailable") and checks["redis"].startswith("ok"), checks

        eventually(lambda: client.get("/readyz").status_code == 200, RECOVERY_S, "ready again")
        assert client.get(f"/api/v1/requests/{earlier}").json()["status"] == "completed"
        after = submit(client, target)
        events = collect(sse(client, f"/api/v1/requests/{after}/events"), until=is_end)
    assert events[-1].data["status"] == "completed", events[-1].data
    assert_told_once(events)
    assert_stored_once(fault_settings, after)


def test_a_run_in_flight_while_postgresql_restarts_completes_once(
    fault_stack: Workers, fault_server: Server, fault_settings: Settings, private_postgres: PrivatePostgres,
    slow_target: str,
) -> None:
    with fault_server.client(headers=AUTH) as client:
        request_id = submit(client, slow_target)
        stream = sse(client, f"/api/v1/requests/{request_id}/events")
        events = collect(stream, until=lambda e: e.event == "updates" and e.data["node"] == "validation")
        private_postgres.stop()
        time.sleep(DOWN_S)
        private_postgres.start()
        events += collect(stream, until=is_end)
        stream.close()
    assert events[-1].data["status"] == "completed", events[-1].data
    assert [e.event for e in events].count("metadata") == 1  # it went on, it was not delivered again
    assert_told_once(events)
    assert_stored_once(fault_settings, request_id)
    steps = checkpoint_steps(fault_settings, request_id)
    assert steps == sorted(set(steps)), steps
