"""Typed artefacts the pipeline passes between nodes: generated tests, validation verdicts, coverage."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

TestType = Literal["api", "ui"]
# What a request asks for: an API suite from a spec, or a UI suite from a page.
RequestKind = Literal["api", "ui"]


# The bound on one requirement, for the CLI and the service alike: longer text is not one requirement.
MAX_REQUIREMENT_CHARS = 2000

class Requirement(BaseModel):
    """A plain-language requirement, numbered R1, R2, … in the order given."""

    requirement_id: str
    text: str


def number_requirements(texts: list[str]) -> list[Requirement]:
    """Requirements as given, numbered R1, R2, … (blank lines dropped)."""
    kept = [t.strip() for t in texts if t.strip()]
    return [Requirement(requirement_id=f"R{i}", text=text) for i, text in enumerate(kept, start=1)]


class FailedAttempt(BaseModel):
    """One version of a test that did not work, and why: what an LLM repair is shown."""

    code: str
    error: str


class GeneratedTest(BaseModel):
    """One generated pytest test function and what it stands for."""

    test_id: str  # "<module>::<name>", stable across reruns
    name: str
    module: str  # file name inside the suite, e.g. "test_tasks.py"
    code: str  # the function source, decorators included
    test_type: TestType
    category: Literal["happy_path", "negative", "auth", "not_found", "lifecycle", "requirement", "baseline"]
    # Extra module-level imports this function needs, e.g. "import allure".
    imports: list[str] = Field(default_factory=list)
    operation_ids: list[str] = Field(default_factory=list)
    # (operation_id, documented status) pairs this test exercises when it passes: spec coverage.
    exercises: list[tuple[str, str]] = Field(default_factory=list)
    requirement_ids: list[str] = Field(default_factory=list)
    # Which of the generator's alternatives this is; repair moves to the next one.
    variant: int = 0
    # Per-request timeout the test sets on its calls; None means the suite default. Repair raises it.
    timeout_s: float | None = None
    # Normalized-AST hash, set by optimization.
    code_hash: str = ""
    # Who wrote the code: our generators, or an LLM (the code then also carries an Allure "origin" label).
    origin: Literal["offline", "llm"] = "offline"
    # Earlier versions an LLM repair replaced, oldest first: what the next repair is told not to repeat.
    failed_attempts: list[FailedAttempt] = Field(default_factory=list)


class Verdict(StrEnum):
    """How a generated test fared when it was run against the target."""

    PASSED = "passed"
    SKIPPED = "skipped"
    BROKEN = "broken"  # the test itself is wrong: syntax, fixture, selector, timeout, unsafe code
    FINDING = "finding"  # an assertion derived from the spec or a requirement fails: a suspected defect
    FLAKY = "flaky"  # passes and fails on the same target


class ValidationResult(BaseModel):
    """The verdict on one test from one validation pass."""

    test_id: str
    verdict: Verdict
    message: str = ""
    duration_s: float = 0.0
    attempt: int = 0  # the validation pass this verdict came from (0 = first)
    # A UI test that failed: the page's accessibility snapshot at that moment, what a repair is shown.
    page_snapshot: str = ""


class Finding(BaseModel):
    """A suspected defect of the target: a test kept because the target disagrees with its spec."""

    test_id: str
    title: str
    message: str
    operation_ids: list[str] = Field(default_factory=list)
    requirement_ids: list[str] = Field(default_factory=list)


class RequirementCoverage(BaseModel):
    """Whether a requirement turned into at least one test, and which."""

    requirement_id: str
    text: str
    covered: bool
    test_ids: list[str] = Field(default_factory=list)
    reason: str = ""  # why it is not covered

    @classmethod
    def of(
        cls, requirement: Requirement, *, test_ids: list[str] | None = None, reason: str = ""
    ) -> RequirementCoverage:
        """Covered by test_ids, or uncovered for a reason."""
        return cls(
            requirement_id=requirement.requirement_id,
            text=requirement.text,
            covered=bool(test_ids),
            test_ids=test_ids or [],
            reason=reason,
        )


class SpecCoverage(BaseModel):
    """Operations × documented status codes, and which a passing test exercised."""

    total: int = 0
    exercised: list[tuple[str, str]] = Field(default_factory=list)
    missing: list[tuple[str, str]] = Field(default_factory=list)


class DuplicateRemoval(BaseModel):
    """A test removed by optimization, and the test it duplicates."""

    test_id: str
    duplicate_of: str
    kind: Literal["exact", "near"]


class ReviewDecision(BaseModel):
    """What the human reviewer answered at the review interrupt."""

    approved: bool
    comment: str = ""
    drop_test_ids: list[str] = Field(default_factory=list)
    # Findings the reviewer called expected behaviour: test id -> their note (the test is dropped).
    notes: dict[str, str] = Field(default_factory=dict)


class LlmUsage(BaseModel):
    """What one node's LLM calls cost: calls made, replies from the cache, tokens, wall time."""

    calls: int = 0
    cache_hits: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    latency_s: float = 0.0


class LlmReport(BaseModel):
    """A request's LLM use, per node, and every part that fell back to the offline result, with why."""

    model: str
    usage: dict[str, LlmUsage] = Field(default_factory=dict)
    fallbacks: list[str] = Field(default_factory=list)
    token_budget: int = 0
    budget_exhausted: bool = False
    # test_ids an LLM wrote or rewrote.
    llm_tests: list[str] = Field(default_factory=list)

    @property
    def tokens_spent(self) -> int:
        return sum(u.input_tokens + u.output_tokens for u in self.usage.values())


class ResultSummary(BaseModel):
    """The figures a user reads at the end of a run; stored as Request.result_summary."""

    operations_found: int = 0
    tests_generated: int = 0
    tests_passed: int = 0
    tests_repaired: int = 0
    tests_still_broken: int = 0
    tests_flaky: int = 0
    duplicates_removed: int = 0
    findings_count: int = 0
    tests_saved: int = 0  # in the suite and checked against the target: passed, or kept as a finding
    tests_skipped: int = 0  # in the suite but skipped during validation, so not checked
    skip_reasons: dict[str, int] = Field(default_factory=dict)  # why they skipped → how many
    broken_reasons: dict[str, str] = Field(default_factory=dict)  # test_id → why it is still broken
    requirements_total: int = 0
    requirements_covered: int = 0
    spec_coverage_exercised: int = 0
    spec_coverage_total: int = 0
    out_dir: str | None = None
    # Safe mode: no test changed or deleted data it did not create; the tests it left out, and why.
    safe: bool = False
    omitted_in_safe_mode: dict[str, str] = Field(default_factory=dict)
    # Tests that create data the target offers no way to delete: test id -> what stays.
    leaves_data: dict[str, str] = Field(default_factory=dict)
    # Only when an LLM endpoint is configured: what the LLM was asked, what it cost, what fell back.
    llm: LlmReport | None = None

    @staticmethod
    def verdict_figures(results: Iterable[ValidationResult]) -> dict[str, Any]:
        """tests_saved, tests_skipped, skip_reasons and broken_reasons of the kept tests' final verdicts."""
        verdicts = list(results)
        skipped = [_first_line(r.message) for r in verdicts if r.verdict is Verdict.SKIPPED]
        return {
            "tests_saved": sum(1 for r in verdicts if r.verdict in (Verdict.PASSED, Verdict.FINDING)),
            "tests_skipped": len(skipped),
            "skip_reasons": dict(Counter(skipped).most_common()),
            "broken_reasons": {
                r.test_id: _first_line(r.message) for r in verdicts if r.verdict is Verdict.BROKEN
            },
        }


def _first_line(message: str, limit: int = 200) -> str:
    """A message as one line a table can show: its first non-blank line, trimmed."""
    line = next((part.strip() for part in message.splitlines() if part.strip()), "no reason given")
    return line if len(line) <= limit else line[: limit - 1] + "…"
