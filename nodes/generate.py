"""Generation: write the suite on the first pass; rewrite only the BROKEN tests on later passes; after the
reviewer adds a requirement, write the tests of that requirement only."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from generators.api.offline import OfflineApiGenerator
from generators.base import GeneratedSuite, TestGenerator
from generators.llm.api import HybridApiGenerator
from generators.llm.client import LlmSession
from generators.llm.ui import HybridUiGenerator
from generators.ui.offline import OfflineUiGenerator
from generators.ui.safe_mode import SafeUiGenerator
from graph.context import Context
from graph.state import State
from vocabulary.artefacts import RequestKind, ResultSummary, Verdict, number_requirements
from vocabulary.page_model import PageModel


def generator_for(kind: RequestKind, context: Context, llm: LlmSession | None = None) -> TestGenerator[Any]:
    """The generator this run uses: offline, with the LLM on top once an endpoint is configured."""
    if kind == "ui":
        ui: TestGenerator[PageModel] = HybridUiGenerator(llm) if llm else OfflineUiGenerator()
        return SafeUiGenerator(ui) if context.safe else ui
    offline = OfflineApiGenerator(safe=context.safe)
    return HybridApiGenerator(llm, offline) if llm else offline


def generation(state: State, runtime: Runtime[Context]) -> dict:
    target = state.page if state.kind == "ui" else state.api
    assert target is not None, "reconnaissance runs first"
    # One session per pass, continuing the request's report: its token budget spans every pass.
    llm = LlmSession(runtime.context.llm, state.llm) if runtime.context.llm else None
    generator = generator_for(state.kind, runtime.context, llm)
    requirements = number_requirements(state.requirements)
    if not state.tests:
        suite = generator.generate(target, requirements)
        return {
            "tests": suite.tests,
            "support_files": suite.support_files,
            "coverage": suite.coverage,
            "to_validate": [t.test_id for t in suite.tests],
            **_reported(llm),
            # What generation alone knows; optimization adds the figures of validation.
            "summary": ResultSummary(
                safe=runtime.context.safe,
                omitted_in_safe_mode=suite.omitted_in_safe_mode,
                leaves_data=suite.leaves_data,
            ),
        }
    if state.new_requirements:
        return _for_new_requirements(state, generator.generate(target, requirements)) | _reported(llm)
    tests = {t.test_id: t for t in state.tests}
    broken = [r for r in state.results if r.verdict is Verdict.BROKEN]
    rewritten = [generator.repair(tests[r.test_id], r, target, requirements) for r in broken]
    kept = [t for t in rewritten if t is not None]
    return {"tests": kept, "to_validate": [t.test_id for t in kept], **_reported(llm)}


def _for_new_requirements(state: State, suite: GeneratedSuite) -> dict:
    """From a suite written for every requirement, the new requirements' tests and coverage; the support
    files are the whole suite's, which a fresh run with these requirements would have."""
    wanted = set(state.new_requirements)
    known = {t.test_id for t in state.tests}
    tests = [t for t in suite.tests if wanted & set(t.requirement_ids) and t.test_id not in known]
    coverage = [c for c in state.coverage if c.requirement_id not in wanted]
    coverage += [c for c in suite.coverage if c.requirement_id in wanted]
    return {
        "tests": tests,
        "support_files": suite.support_files,
        "coverage": coverage,
        "to_validate": [t.test_id for t in tests],
        "new_requirements": [],
    }


def _reported(llm: LlmSession | None) -> dict:
    """The state update carrying the LLM's report, after this pass's calls."""
    return {"llm": llm.report} if llm else {}
