"""Hybrid generation of both targets: the offline suite first, then an LLM-made test for each requirement
the offline reader left uncovered."""

from __future__ import annotations

from collections.abc import Callable

from generators.base import GeneratedSuite
from generators.llm.client import LlmSession
from generators.llm.source import marked_as_llm_made, split_test
from vocabulary.artefacts import GeneratedTest, Requirement, RequirementCoverage, TestType

# (the uncovered requirement, why the offline reader could not cover it, the tests so far) -> a test or None
MakeTest = Callable[[Requirement, str, list[GeneratedTest]], GeneratedTest | None]


def with_uncovered_filled(
    suite: GeneratedSuite, requirements: list[Requirement], session: LlmSession, make: MakeTest
) -> GeneratedSuite:
    """The offline suite with each uncovered requirement's LLM-made test added, where one was made."""
    by_id = {r.requirement_id: r for r in requirements}
    tests = list(suite.tests)
    coverage: list[RequirementCoverage] = []
    for entry in suite.coverage:
        requirement = by_id[entry.requirement_id]
        made = None if entry.covered else make(requirement, entry.reason, tests)
        if made is None:
            coverage.append(entry)
            continue
        tests.append(made)
        session.report.llm_tests.append(made.test_id)
        coverage.append(RequirementCoverage.of(requirement, test_ids=[made.test_id]))
    return suite.model_copy(update={"tests": tests, "coverage": coverage})


def code_test(
    code: str, requirement: Requirement, name: str, *, module: str, test_type: TestType,
    operation_ids: list[str] | None = None,
) -> GeneratedTest:
    """The LLM's own test function, in a module of its own so that a bad import breaks no other test."""
    source = split_test(code)
    name = source.name or name
    return GeneratedTest(
        test_id=f"{module}::{name}",
        name=name,
        module=module,
        code=marked_as_llm_made(source.function, [requirement.requirement_id]),
        test_type=test_type,
        category="requirement",
        imports=source.imports,
        operation_ids=operation_ids or [],
        requirement_ids=[requirement.requirement_id],
        origin="llm",
    )
