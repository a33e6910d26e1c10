"""Generation: write the suite on the first pass; rewrite only the BROKEN tests on later passes."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from generators.api.offline import OfflineApiGenerator
from generators.base import TestGenerator
from generators.ui.offline import OfflineUiGenerator
from graph.context import Context
from graph.state import State
from vocabulary.artefacts import RequestKind, Verdict, number_requirements


def generator_for(kind: RequestKind, context: Context) -> TestGenerator[Any]:
    """The generator this run uses: the offline ones until an LLM endpoint is configured."""
    return OfflineUiGenerator() if kind == "ui" else OfflineApiGenerator()


def generation(state: State, runtime: Runtime[Context]) -> dict:
    target = state.page if state.kind == "ui" else state.api
    assert target is not None, "reconnaissance runs first"
    generator = generator_for(state.kind, runtime.context)
    requirements = number_requirements(state.requirements)
    if not state.tests:
        suite = generator.generate(target, requirements)
        return {
            "tests": suite.tests,
            "support_files": suite.support_files,
            "coverage": suite.coverage,
            "to_validate": [t.test_id for t in suite.tests],
        }
    tests = {t.test_id: t for t in state.tests}
    broken = [r for r in state.results if r.verdict is Verdict.BROKEN]
    rewritten = [generator.repair(tests[r.test_id], r, target, requirements) for r in broken]
    kept = [t for t in rewritten if t is not None]
    return {"tests": kept, "to_validate": [t.test_id for t in kept]}
