"""The pipeline's state: an input schema inside the full state, and an output schema."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Annotated, Protocol, TypeVar

from vocabulary.api_model import ApiModel
from vocabulary.artefacts import (
    DuplicateRemoval,
    Finding,
    GeneratedTest,
    LlmReport,
    RequestKind,
    RequirementCoverage,
    ResultSummary,
    ReviewDecision,
    SpecCoverage,
    ValidationResult,
)
from vocabulary.page_model import PageModel
from vocabulary.review import DroppedTest


class _Identified(Protocol):
    test_id: str


Item = TypeVar("Item", bound=_Identified)


def merge_by_test_id(current: list[Item], update: list[Item]) -> list[Item]:
    """Add new items and replace existing ones by test_id, keeping first-seen order.

    Used for tests (a regenerated test replaces its broken version) and for verdicts (a later
    validation pass supersedes an earlier one).
    """
    by_id = {item.test_id: item for item in current}
    order = [item.test_id for item in current]
    for item in update:
        if item.test_id not in by_id:
            order.append(item.test_id)
        by_id[item.test_id] = item
    return [by_id[i] for i in order]


@dataclass(kw_only=True)
class InputState:
    """What a caller provides to start a run."""

    # The stored Request this run fills in; "" (a run started from LangGraph Studio) registers a new one.
    request_id: str = ""
    kind: RequestKind
    # API: the OpenAPI document (path or URL). UI: the page URL.
    target: str
    # API: where the service under test answers. UI: unused (the page URL is the target).
    base_url: str = ""
    requirements: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class State(InputState):
    """Everything the nodes learn and produce along the way."""

    api: ApiModel | None = None
    page: PageModel | None = None
    # Files the suite needs besides its test modules (conftest.py, support modules), by name.
    support_files: dict[str, str] = field(default_factory=dict)
    tests: Annotated[list[GeneratedTest], merge_by_test_id] = field(default_factory=list)
    # Tests written or rewritten since the last validation pass: the next pass runs only these.
    to_validate: list[str] = field(default_factory=list)
    results: Annotated[list[ValidationResult], merge_by_test_id] = field(default_factory=list)
    # Validation passes run so far; the router compares it with Context.max_attempts.
    attempts: Annotated[int, operator.add] = 0
    # test_ids that were BROKEN once and later passed (or became findings).
    repaired: Annotated[list[str], operator.add] = field(default_factory=list)
    coverage: list[RequirementCoverage] = field(default_factory=list)
    spec_coverage: SpecCoverage = field(default_factory=SpecCoverage)
    duplicates: list[DuplicateRemoval] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # Tests the reviewer dropped during the conversation, with why; the stored suite leaves them out.
    review_drops: Annotated[list[DroppedTest], operator.add] = field(default_factory=list)
    # Ids of requirements the reviewer added that generation has not written tests for yet.
    new_requirements: list[str] = field(default_factory=list)
    # The reviewer's final word: set only when they approve or reject.
    review: ReviewDecision | None = None
    summary: ResultSummary = field(default_factory=ResultSummary)
    # The LLM's calls, cost and fallbacks so far; None while no endpoint is configured.
    llm: LlmReport | None = None


@dataclass(kw_only=True)
class OutputState:
    """What a run returns."""

    request_id: str
    summary: ResultSummary
    findings: list[Finding]
    coverage: list[RequirementCoverage]
