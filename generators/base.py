"""The one interface generation sits behind: an offline generator today, an LLM-backed one later."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field

from graph.models import GeneratedTest, Requirement, RequirementCoverage, ValidationResult
from tools.api_model import ApiModel


class GeneratedSuite(BaseModel):
    """What a generator produces for a target: test functions plus the files they rely on."""

    tests: list[GeneratedTest] = Field(default_factory=list)
    # conftest.py, support modules, pytest.ini: file name -> content.
    support_files: dict[str, str] = Field(default_factory=dict)
    coverage: list[RequirementCoverage] = Field(default_factory=list)


class ApiTestGenerator(Protocol):
    """Writes API tests from an ApiModel and requirements, and rewrites broken ones."""

    def generate(self, api: ApiModel, requirements: list[Requirement]) -> GeneratedSuite: ...

    def repair(
        self, test: GeneratedTest, result: ValidationResult, api: ApiModel
    ) -> GeneratedTest | None:
        """A new version of a BROKEN test (same test_id, next variant), or None when out of ideas."""
        ...
