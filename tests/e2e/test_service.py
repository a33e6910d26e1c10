"""The service end to end: requests in over HTTP, run by real workers, followed over SSE, delivered as a
zip that passes against the sample; shared by two workers; surviving a worker's death; reviewed."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import yaml

from celery_worker.leases import lease_key
from graph.settings import Settings
from samples.tasks_api import app as sample
from storage.engine import session_scope
from storage.models import TestCase
from storage.repository import get_request, list_test_cases
from tests.e2e.stack import AUTH, NODE_ORDER, Event, Server, Workers, collect, is_end, sse
from tools.suite_analysis import DELIVERED
from vocabulary.artefacts import Verdict
from vocabulary.review import ReviewRequest, SuiteUnderReview


def submit(client: httpx.Client, base_url: str, **options: Any) -> str:
    """An API request for the sample, its spec inline (the workers read it from the data dir)."""
    answer = client.post(
        "/api/v1/requests/api",
        json={
            "openapi": yaml.safe_load(sample.SPEC_PATH.read_text(encoding="utf-8")),
            "base_url": base_url,
            "requirements": sample.load_requirements(),
            "options": options,
        },
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["request_id"])


def finished_nodes(events: list[Event]) -> list[str]:
    return [e.data["node"] for e in events if e.event == "updates" and e.data["event"] == "finished"]


def stored_rows(settings: Settings, request_id: str) -> list[TestCase]:
    with session_scope(settings.sqlalchemy_url) as session:
        return list_test_cases(session, uuid.UUID(request_id))


@pytest.fixture(scope="module")
def completed(server: Server, workers: Workers, target: str) -> tuple[str, list[Event]]:
    """One request run to the end, with every event its stream carried."""
    with server.client(headers=AUTH) as client:
        request_id = submit(client, target)
        return request_id, collect(sse(client, f"/api/v1/requests/{request_id}/events"), until=is_end)


def test_a_request_runs_through_every_node_and_is_followed_live(completed: tuple[str, list[Event]]) -> None:
    request_id, events = completed
    assert events[0].event == "metadata"
    assert events[0].data["request_id"] == request_id and events[0].data["kind"] == "api"
    assert events[0].data["worker"].split("@")[0] in ("w1", "w2")
    assert finished_nodes(events) == NODE_ORDER
    statuses = [e.data["status"] for e in events if e.event == "custom" and e.data["type"] == "status"]
    assert statuses == ["processing", "completed"]
    assert events[-1].event == "end" and events[-1].data["status"] == "completed"
    assert all(e.id for e in events)


def test_the_tests_are_stored_and_the_zip_passes_against_the_sample(
    completed: tuple[str, list[Event]], client: httpx.Client, settings: Settings, target: str, tmp_path: Path
) -> None:
    request_id, events = completed
    summary = events[-1].data["summary"]
    rows = stored_rows(settings, request_id)
    assert rows and len({r.code_hash for r in rows}) == len(rows)
    assert sum(r.validation_status in DELIVERED for r in rows) == summary["tests_saved"] > 40
    listed = client.get(f"/api/v1/requests/{request_id}/tests").json()
    assert [t["test_id"] for t in listed] == [str(r.test_id) for r in rows]
    assert client.get(f"/api/v1/requests/{request_id}").json()["status"] == "completed"

    answer = client.get(f"/api/v1/requests/{request_id}/tests.zip")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    zipfile.ZipFile(io.BytesIO(answer.content)).extractall(tmp_path)
    assert {"conftest.py", "support.py", "pytest.ini"} <= {p.name for p in tmp_path.iterdir()}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "TESTOPS_BASE_URL": target, "TESTOPS_API_TOKEN": sample.DEFAULT_TOKEN},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert f"{summary['tests_saved']} passed" in run.stdout


def test_last_event_id_replays_only_what_followed(
    completed: tuple[str, list[Event]], client: httpx.Client
) -> None:
    request_id, events = completed
    path = f"/api/v1/requests/{request_id}/events"
    assert [e.id for e in collect(sse(client, path), until=is_end)] == [e.id for e in events]
    resumed = collect(sse(client, path, headers={"Last-Event-ID": events[4].id or ""}), until=is_end)
    assert [(e.id, e.event, e.data) for e in resumed] == [(e.id, e.event, e.data) for e in events[5:]]


def test_two_workers_share_the_work(client: httpx.Client, workers: Workers, target: str) -> None:
    request_ids = [submit(client, target) for _ in range(4)]
    runs = [collect(sse(client, f"/api/v1/requests/{r}/events"), until=is_end) for r in request_ids]
    assert [run[-1].data["status"] for run in runs] == ["completed"] * 4
    hosts = {run[0].data["worker"] for run in runs}
    assert hosts == {workers.nodename("w1"), workers.nodename("w2")}


def test_a_killed_worker_s_request_completes_on_the_other(
    client: httpx.Client, broker: redis.Redis, workers: Workers, settings: Settings, slow_target: str
) -> None:
    request_id = submit(client, slow_target)
    stream = sse(client, f"/api/v1/requests/{request_id}/events")
    before = collect(
        stream,
        until=lambda e: (
            e.event == "updates" and e.data == {**e.data, "node": "validation", "event": "started"}
        ),
    )
    victim = before[0].data["worker"]
    # The worker holds a live lease on its delivery while it works.
    assert victim in {broker.get(key) for key in broker.scan_iter(lease_key("*"))}
    workers.kill(victim.split("@")[0])
    killed_at = time.monotonic()

    after = collect(stream, until=is_end, deadline_s=120)
    assert after[-1].data["status"] == "completed", after[-1].data
    [rerun] = [e for e in after if e.event == "metadata"]
    assert rerun.data["worker"] != victim and rerun.data["redelivered"] is True
    assert time.monotonic() - killed_at < 60
    # The second run went on from the last checkpoint: what finished before the kill did not run again.
    assert finished_nodes(before) == ["reconnaissance", "generation"]
    assert finished_nodes(after) == ["validation", "optimization", "review", "persistence"]

    rows = stored_rows(settings, request_id)
    assert len({r.code_hash for r in rows}) == len({r.test_id for r in rows}) == len(rows)
    with session_scope(settings.sqlalchemy_url) as session:
        request = get_request(session, uuid.UUID(request_id))
        assert request is not None and request.status == "completed" and request.error_message is None
        assert sum(r.validation_status in DELIVERED for r in rows) == request.result_summary["tests_saved"]


def under_review(client: httpx.Client, request_id: str) -> SuiteUnderReview:
    state = client.get(f"/api/v1/requests/{request_id}").json()
    assert state["status"] == "waiting_for_review", state
    return ReviewRequest.model_validate(state["review"]).suite()


def say(client: httpx.Client, request_id: str, message: str) -> dict[str, Any]:
    answer = client.post(f"/api/v1/requests/{request_id}/messages", json={"message": message})
    assert answer.status_code == 202, answer.text
    return answer.json()


def test_a_review_conversation_steers_the_suite_until_it_is_approved(
    client: httpx.Client, settings: Settings, target: str
) -> None:
    request_id = submit(client, target, review=True)
    stream = sse(client, f"/api/v1/requests/{request_id}/events")
    waiting = collect(stream, until=lambda e: e.data.get("status") == "waiting_for_review")
    [interrupted] = [e for e in waiting if e.event == "updates" and e.data["event"] == "interrupted"]
    assert interrupted.data["payload"]["review_configs"][0]["allowed_decisions"] == [
        "approve", "edit", "reject", "respond"
    ]
    first = under_review(client, request_id)
    second = first.tests[1]

    asked = say(client, request_id, f"what does test {second.number} do?")
    assert second.code in asked["reply"]["text"] and asked["reply"]["action"]["kind"] == "describe"
    dropped = say(client, request_id, f"drop {second.number}")
    assert dropped["message"]["role"] == "reviewer" and dropped["reply"]["role"] == "assistant"
    assert dropped["reply"]["text"].startswith(f"Dropped test {second.number} ({second.name}).")
    collect(stream, until=lambda e: e.data.get("status") == "waiting_for_review")
    after_drop = under_review(client, request_id)
    assert [t.test_id for t in after_drop.tests] == [t.test_id for t in first.tests if t != second]

    say(client, request_id, "also check that listing projects answers 200")
    busy = client.post(f"/api/v1/requests/{request_id}/messages", json={"message": "approve"})
    assert busy.status_code == 409, busy.text
    added_round = collect(stream, until=lambda e: e.data.get("status") == "waiting_for_review")
    assert finished_nodes(added_round) == ["review", "generation", "validation", "optimization"]
    added = under_review(client, request_id)
    requirement_id = f"R{len(first.coverage) + 1}"
    assert [c.covered for c in added.coverage if c.requirement_id == requirement_id] == [True]
    new_tests = [t for t in added.tests if requirement_id in t.requirement_ids]
    assert new_tests and {t.verdict for t in new_tests} == {"passed"}
    # Earlier tests stay unless the new ones duplicate them, which the review then shows with the reason.
    duplicated = {d.test_id for d in added.dropped if "duplicate of" in d.reason}
    kept = [t.test_id for t in after_drop.tests if t.test_id not in duplicated]
    assert [t.test_id for t in added.tests if t not in new_tests] == kept

    say(client, request_id, "approve")
    rest = collect(stream, until=is_end)
    assert finished_nodes(rest) == ["review", "persistence"] and rest[-1].data["status"] == "completed"
    rows = stored_rows(settings, request_id)
    assert [f"{r.module}::{r.test_name}" for r in rows] == [t.test_id for t in added.tests]
    summary = client.get(f"/api/v1/requests/{request_id}").json()["summary"]
    assert summary["review"]["approved"] is True and summary["review"]["drop_test_ids"] == [second.test_id]

    late = client.post(f"/api/v1/requests/{request_id}/messages", json={"message": "drop 1"})
    assert late.status_code == 409
    assert late.json()["detail"] == f"request {request_id} is not waiting for review (it is completed)"
    conversation = client.get(f"/api/v1/requests/{request_id}/messages").json()
    assert conversation["waiting"] is False
    assert [(m["role"], m["text"]) for m in conversation["messages"][::2]] == [
        ("reviewer", f"what does test {second.number} do?"), ("reviewer", f"drop {second.number}"),
        ("reviewer", "also check that listing projects answers 200"), ("reviewer", "approve"),
    ]
    assert [m["action"]["kind"] for m in conversation["messages"][1::2]] == [
        "describe", "drop", "add_requirement", "approve"
    ]


def test_a_ui_request_runs_through_every_node_in_chromium(
    client: httpx.Client, settings: Settings, workers: Workers
) -> None:
    from samples.pages import serve_pages
    from samples.pages.requirements import REQUIREMENTS

    with serve_pages() as pages:
        answer = client.post(
            "/api/v1/requests/ui", json={"url": f"{pages}/login", "requirements": REQUIREMENTS["login"]}
        )
        assert answer.status_code == 202, answer.text
        request_id = str(answer.json()["request_id"])
        events = collect(sse(client, f"/api/v1/requests/{request_id}/events"), until=is_end)
    assert events[0].data["kind"] == "ui"
    assert finished_nodes(events) == NODE_ORDER
    assert events[-1].event == "end" and events[-1].data["status"] == "completed"
    rows = stored_rows(settings, request_id)
    assert rows and {row.test_type for row in rows} == {"ui"}
    assert all(row.validation_status == Verdict.PASSED for row in rows)
    assert {r for row in rows for r in row.requirement_ids} == {"R1", "R2", "R3", "R4"}
