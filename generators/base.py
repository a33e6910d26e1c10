"""The one interface generation sits behind: the offline generators, and the hybrid one with an LLM."""

from __future__ import annotations

from typing import Protocol, TypeVar

from pydantic import BaseModel, Field

from vocabulary.artefacts import GeneratedTest, Requirement, RequirementCoverage, ValidationResult
from vocabulary.claims import SkippedOracle

Target = TypeVar("Target", contravariant=True)


class GeneratedSuite(BaseModel):
    """What a generator produces for a target: test functions plus the files they rely on."""

    tests: list[GeneratedTest] = Field(default_factory=list)
    # conftest.py, support modules, pytest.ini: file name -> content.
    support_files: dict[str, str] = Field(default_factory=dict)
    coverage: list[RequirementCoverage] = Field(default_factory=list)
    # Spec-derived checks not generated because the spec does not say enough, with the reason.
    skipped_oracles: list[SkippedOracle] = Field(default_factory=list)
    # Tests not written because safe mode forbids their calls: test id -> why.
    omitted_in_safe_mode: dict[str, str] = Field(default_factory=dict)
    # Tests that create data no call of the target removes: test id -> what stays.
    leaves_data: dict[str, str] = Field(default_factory=dict)


class TestGenerator(Protocol[Target]):
    """Writes tests for a target (an ApiModel or a PageModel) and requirements; rewrites broken ones."""

    def generate(self, target: Target, requirements: list[Requirement]) -> GeneratedSuite: ...

    def repair(
        self, test: GeneratedTest, result: ValidationResult, target: Target, requirements: list[Requirement]
    ) -> GeneratedTest | None:
        """A new version of a BROKEN test (same test_id, next variant), or None when out of ideas."""
        ...
