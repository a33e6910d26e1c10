"""The review conversation through the real graph and SQLite checkpointer: the interrupt's human-in-the-loop
shape, drops, an added requirement generated and validated alone, waiting again, and the approved suite."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from conversation.turn import take_turn
from graph.settings import Settings
from samples.tasks_api import app as sample
from storage.engine import session_scope
from storage.repository import get_request, list_test_cases
from tests.graph.conftest import run_api_request
from vocabulary.review import ReviewRequest, SuiteUnderReview

ADDED = "listing projects answers 200"


def suite_of(payload: dict[str, Any] | None) -> SuiteUnderReview:
    assert payload is not None
    return ReviewRequest.model_validate(payload).suite()


async def test_a_conversation_drops_adds_and_approves(settings: Settings, tmp_path: Path) -> None:
    out = str(tmp_path / "suite")
    with sample.serve() as base_url:
        request_id, outcome, _ = await run_api_request(
            settings, base_url, requirements=["Deleting a task that does not exist returns 404."],
            out_dir=out, review=True,
        )
        assert outcome.status == "waiting_for_review" and outcome.review_payload
        assert outcome.review_payload["review_configs"] == [
            {"action_name": "review_suite", "allowed_decisions": ["approve", "edit", "reject", "respond"]}
        ]
        first = suite_of(outcome.review_payload)
        second = first.tests[1]

        drop = take_turn(f"drop {second.number}", outcome.review_payload)
        assert drop.response is not None and drop.intent.test_ids == [second.test_id]
        _, outcome, events = await run_api_request(
            settings, base_url, request_id=request_id, resume=drop.response.model_dump(), out_dir=out,
            review=True,
        )
        assert [e.node for e in events if e.event == "finished"] == ["review"]
        after_drop = suite_of(outcome.review_payload)
        assert second.test_id not in {t.test_id for t in after_drop.tests}
        assert len(after_drop.tests) == len(first.tests) - 1

        # A respond decision in the reviewer's words, as LangGraph Studio would send it.
        respond = {"decisions": [{"type": "respond", "message": f"also check that {ADDED}"}]}
        _, outcome, events = await run_api_request(
            settings, base_url, request_id=request_id, resume=respond, out_dir=out, review=True
        )
        assert [e.node for e in events if e.event == "finished"] == [
            "review", "generation", "validation", "optimization"
        ]
        validated = [e for e in events if e.node == "validation" and e.event == "finished"]
        added = suite_of(outcome.review_payload)
        [r2] = [c for c in added.coverage if c.requirement_id == "R2"]
        assert r2.covered and r2.text == ADDED[0].upper() + ADDED[1:]
        new_tests = [t for t in added.tests if "R2" in t.requirement_ids]
        assert new_tests and all(t.verdict == "passed" for t in new_tests)
        assert sum(validated[0].counts.values()) == len(new_tests)  # only the new requirement's tests ran
        # Numbers stay: the dropped test keeps its number, the new tests come after every earlier test.
        assert min(t.number for t in new_tests) > max(t.number for t in first.tests)
        assert [d.number for d in added.dropped if d.test_id == second.test_id] == [second.number]

        _, outcome, _ = await run_api_request(
            settings, base_url, request_id=request_id, resume={"decisions": [{"type": "approve"}]},
            out_dir=out, review=True,
        )
    assert outcome.status == "completed"
    with session_scope(settings.sqlalchemy_url) as session:
        stored = {f"{c.module}::{c.test_name}" for c in list_test_cases(session, uuid.UUID(request_id))}
        summary = get_request(session, uuid.UUID(request_id)).result_summary  # type: ignore[union-attr]
    assert stored == {t.test_id for t in added.tests}
    assert summary["review"]["approved"] is True and summary["review"]["drop_test_ids"] == [second.test_id]
