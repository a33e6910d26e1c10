"""Optimization: drop duplicates and undeliverable tests, then measure coverage and collect findings."""

from __future__ import annotations

from graph.state import State
from tools.suite_analysis import (
    exact_hash,
    findings_of,
    remove_duplicates,
    requirement_coverage,
    spec_coverage,
)
from vocabulary.artefacts import ResultSummary, SpecCoverage, Verdict


def optimization(state: State) -> dict:
    verdicts = {r.test_id: r for r in state.results}
    duplicates = remove_duplicates(state.tests)
    removed = {d.test_id for d in duplicates}
    kept = [t for t in state.tests if t.test_id not in removed]
    counts = {v: sum(1 for t in kept if verdicts[t.test_id].verdict is v) for v in Verdict}
    coverage = requirement_coverage(state.coverage, kept, verdicts)
    findings = findings_of(kept, verdicts)
    spec = spec_coverage(state.api, kept, verdicts) if state.api else SpecCoverage()
    summary = ResultSummary(
        operations_found=len(state.api.operations) if state.api else 0,
        tests_generated=len(state.tests),
        tests_passed=counts[Verdict.PASSED],
        tests_repaired=len(set(state.repaired)),
        tests_still_broken=counts[Verdict.BROKEN],
        tests_flaky=counts[Verdict.FLAKY],
        duplicates_removed=len(duplicates),
        findings_count=len(findings),
        **ResultSummary.verdict_figures(verdicts[t.test_id] for t in kept),
        requirements_total=len(coverage),
        requirements_covered=sum(1 for c in coverage if c.covered),
        spec_coverage_exercised=len(spec.exercised),
        spec_coverage_total=spec.total,
        # Generation's own facts, set when the suite was written.
        safe=state.summary.safe,
        omitted_in_safe_mode=state.summary.omitted_in_safe_mode,
        leaves_data=state.summary.leaves_data,
        llm=state.llm,
    )
    return {
        "tests": [t.model_copy(update={"code_hash": exact_hash(t.code)}) for t in state.tests],
        "duplicates": duplicates,
        "coverage": coverage,
        "findings": findings,
        "spec_coverage": spec,
        "summary": summary,
    }
