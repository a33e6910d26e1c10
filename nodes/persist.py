"""Persistence: store the tests and the run's result, and write the delivered suite to the out dir."""

from __future__ import annotations

import uuid
from pathlib import Path

from langgraph.runtime import Runtime

from graph.context import Context
from graph.state import State
from storage.engine import session_scope
from storage.repository import TestCaseData, mark_completed, replace_test_cases
from tools.runner import write_suite
from tools.suite_analysis import DELIVERED
from vocabulary.artefacts import GeneratedTest, ResultSummary, ValidationResult


def persistence(state: State, runtime: Runtime[Context]) -> dict:
    context = runtime.context
    verdicts = {r.test_id: r for r in state.results}
    dropped = {d.test_id for d in state.duplicates} | set(state.review.drop_test_ids if state.review else [])
    stored = [t for t in state.tests if t.test_id not in dropped]
    delivered = [t for t in stored if verdicts[t.test_id].verdict in DELIVERED]
    approved = state.review is None or state.review.approved
    out_dir = context.out_dir if context.out_dir and approved else None
    if out_dir:
        write_suite(Path(out_dir), delivered, state.support_files)
    figures = ResultSummary.verdict_figures(verdicts[t.test_id] for t in stored)  # after review drops
    summary = state.summary.model_copy(update={**figures, "out_dir": out_dir})
    result = {
        **summary.model_dump(),
        "findings": [f.model_dump() for f in state.findings],
        "requirements": [c.model_dump() for c in state.coverage],
        "spec_coverage": state.spec_coverage.model_dump(),
        "review": state.review.model_dump() if state.review else None,
    }
    with session_scope(context.database_url) as session:
        request_id = uuid.UUID(state.request_id)
        rows = [_row(i, t, verdicts[t.test_id]) for i, t in enumerate(stored)]
        replace_test_cases(session, request_id, rows, support_files=state.support_files)
        mark_completed(session, request_id, result)
    return {"summary": summary}


def _row(position: int, test: GeneratedTest, verdict: ValidationResult) -> TestCaseData:
    return TestCaseData(
        position=position,
        test_name=test.name,
        module=test.module,
        test_code=test.code,
        test_type=test.test_type,
        category=test.category,
        code_hash=test.code_hash,
        validation_status=verdict.verdict.value,
        validation_issues=[verdict.message] if verdict.message else [],
        requirement_ids=test.requirement_ids,
        operation_ids=test.operation_ids,
        imports=test.imports,
    )
