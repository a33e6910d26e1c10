"""What the fault tests submit, and how they check that a request's run lost nothing and repeated nothing."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import httpx
import psycopg
import yaml

from graph.settings import Settings
from samples.tasks_api import app as sample
from storage.engine import session_scope
from storage.models import RequestStatus
from storage.repository import get_request, list_test_cases
from tests.e2e.stack import AUTH, Event
from tools.suite_analysis import DELIVERED


def sample_request(base_url: str) -> dict[str, Any]:
    """An API request for the sample Task Tracker API served at `base_url`, its spec inline."""
    return {
        "openapi": yaml.safe_load(sample.SPEC_PATH.read_text(encoding="utf-8")),
        "base_url": base_url,
        "requirements": sample.load_requirements(),
    }


def submit(client: httpx.Client, base_url: str) -> str:
    answer = client.post("/api/v1/requests/api", headers=AUTH, json=sample_request(base_url))
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
    """Completed, each test stored once, and as many delivered as the summary says."""
    with session_scope(settings.sqlalchemy_url) as session:
        rows = list_test_cases(session, uuid.UUID(request_id))
        request = get_request(session, uuid.UUID(request_id))
        assert request is not None and request.status is RequestStatus.COMPLETED, request
        summary: dict[str, Any] = request.result_summary or {}
    assert rows and len({r.code_hash for r in rows}) == len({r.test_id for r in rows}) == len(rows)
    delivered = sum(r.validation_status in DELIVERED for r in rows)
    assert delivered == summary["tests_saved"], ([r.validation_status for r in rows], summary)


def checkpoint_steps(settings: Settings, request_id: str) -> list[int]:
    """The graph step of each checkpoint of the request's thread, oldest first (checkpoint ids grow)."""
    with psycopg.connect(settings.database_url) as connection:
        rows = connection.execute(
            "SELECT (metadata->>'step')::int FROM checkpoints WHERE thread_id = %s AND checkpoint_ns = ''"
            " ORDER BY checkpoint_id",
            (request_id,),
        ).fetchall()
    return [step for (step,) in rows]
