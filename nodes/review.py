"""Review: an optional human look at the suite before it is stored. Skipped unless asked for."""

from __future__ import annotations

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from graph.context import Context
from graph.state import State
from vocabulary.artefacts import ReviewDecision


def review(state: State, runtime: Runtime[Context]) -> dict:
    """Pause with the summary, findings and coverage; resume with {"approved": bool, …}."""
    if not runtime.context.review:
        return {}
    answer = interrupt(
        {
            "request_id": state.request_id,
            "summary": state.summary.model_dump(),
            "findings": [f.model_dump() for f in state.findings],
            "coverage": [c.model_dump() for c in state.coverage],
            "tests": [
                t.test_id for t in state.tests if t.test_id not in {d.test_id for d in state.duplicates}
            ],
        }
    )
    return {"review": ReviewDecision.model_validate(answer)}
