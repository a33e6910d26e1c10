"""What optimization learns about a validated suite: duplicates, coverage, findings."""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Sequence

from vocabulary.api_model import ApiModel
from vocabulary.artefacts import (
    DuplicateRemoval,
    Finding,
    GeneratedTest,
    RequirementCoverage,
    SpecCoverage,
    ValidationResult,
    Verdict,
)

# Verdicts whose tests go into the delivered suite. A finding stays: it is the point of the suite.
DELIVERED = frozenset({Verdict.PASSED, Verdict.FINDING, Verdict.SKIPPED})


def _function(code: str) -> ast.FunctionDef:
    node = ast.parse(code).body[0]
    assert isinstance(node, ast.FunctionDef), "a generated test is one function"
    return node


def _strip(function: ast.FunctionDef) -> ast.FunctionDef:
    """The function without what does not change behaviour: name, decorators, docstring."""
    function.name, function.decorator_list = "_", []
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        function.body = body[1:] or [ast.Pass()]
    return function


def exact_hash(code: str) -> str:
    """code_hash: SHA-256 of the normalized AST; equal for tests that differ only in names and titles."""
    dump = ast.dump(_strip(_function(code)), annotate_fields=False, include_attributes=False)
    return hashlib.sha256(dump.encode()).hexdigest()


class _Canonical(ast.NodeTransformer):
    """Renames locals in order of appearance, drops assertion messages and step titles, sorts keywords."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if isinstance(node.ctx, ast.Store) and node.id not in self.names:
            self.names[node.id] = f"v{len(self.names)}"
        node.id = self.names.get(node.id, node.id)
        return node

    def visit_Assert(self, node: ast.Assert) -> ast.Assert:
        node.msg = None
        return self.generic_visit(node)  # type: ignore[return-value]

    def visit_With(self, node: ast.With) -> list[ast.stmt]:
        return [self.visit(statement) for statement in node.body]

    def visit_Call(self, node: ast.Call) -> ast.Call:
        node.keywords.sort(key=lambda k: k.arg or "")
        return self.generic_visit(node)  # type: ignore[return-value]


def near_signature(code: str) -> str:
    """Equal for tests that send the same requests and make the same assertions, however written."""
    function = _Canonical().visit(_strip(_function(code)))
    dump = ast.dump(function, annotate_fields=False, include_attributes=False)
    return hashlib.sha256(dump.encode()).hexdigest()


def remove_duplicates(tests: Sequence[GeneratedTest]) -> list[DuplicateRemoval]:
    """Exact, then near duplicates; of each group the test linked to requirements (else the first) stays."""
    ranked = sorted(tests, key=lambda t: not t.requirement_ids)  # stable: spec order within each group
    removals: list[DuplicateRemoval] = []
    seen_exact: dict[str, str] = {}
    seen_near: dict[str, str] = {}
    for test in ranked:
        exact, near = exact_hash(test.code), near_signature(test.code)
        if exact in seen_exact:
            removals.append(
                DuplicateRemoval(test_id=test.test_id, duplicate_of=seen_exact[exact], kind="exact")
            )
        elif near in seen_near:
            removals.append(DuplicateRemoval(test_id=test.test_id, duplicate_of=seen_near[near], kind="near"))
        else:
            seen_exact[exact], seen_near[near] = test.test_id, test.test_id
    return removals


def requirement_coverage(
    planned: Sequence[RequirementCoverage],
    kept: Sequence[GeneratedTest],
    verdicts: dict[str, ValidationResult],
) -> list[RequirementCoverage]:
    """A requirement is covered when at least one of its tests ran to a verdict (passing or a finding).

    A test that skipped checked nothing: its requirement stays uncovered, with the skip's reason.
    """
    delivered: dict[str, list[str]] = {}
    skipped: dict[str, str] = {}
    for test in kept:
        verdict = verdicts.get(test.test_id)
        if verdict is None:
            continue
        for requirement_id in test.requirement_ids:
            if verdict.verdict in (Verdict.PASSED, Verdict.FINDING):
                delivered.setdefault(requirement_id, []).append(test.test_id)
            elif verdict.verdict is Verdict.SKIPPED:
                skipped.setdefault(requirement_id, f"its test skipped: {verdict.message.strip()}")
    coverage = []
    for entry in planned:
        test_ids = delivered.get(entry.requirement_id, [])
        unrun = skipped.get(entry.requirement_id, "its test could not be made to run")
        reason = entry.reason or ("" if test_ids else unrun)
        coverage.append(
            entry.model_copy(update={"covered": bool(test_ids), "test_ids": test_ids, "reason": reason})
        )
    return coverage


def spec_coverage(
    api: ApiModel, kept: Sequence[GeneratedTest], verdicts: dict[str, ValidationResult]
) -> SpecCoverage:
    """Documented (operation, status) pairs, and which a passing test exercised."""
    documented = [(op.operation_id, r.status) for op in api.operations for r in op.responses]
    exercised = {
        pair
        for test in kept
        if verdicts.get(test.test_id) and verdicts[test.test_id].verdict is Verdict.PASSED
        for pair in test.exercises
    }
    return SpecCoverage(
        total=len(documented),
        exercised=[p for p in documented if p in exercised],
        missing=[p for p in documented if p not in exercised],
    )


def findings_of(kept: Sequence[GeneratedTest], verdicts: dict[str, ValidationResult]) -> list[Finding]:
    """Every delivered test that fails because the target disagrees with its spec or a requirement."""
    return [
        Finding(
            test_id=test.test_id,
            title=_title(test.code),
            message=verdicts[test.test_id].message,
            operation_ids=test.operation_ids,
            requirement_ids=test.requirement_ids,
        )
        for test in kept
        if verdicts.get(test.test_id) and verdicts[test.test_id].verdict is Verdict.FINDING
    ]


def _title(code: str) -> str:
    """The Allure title of a test, else its name."""
    function = _function(code)
    for decorator in function.decorator_list:
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "title"
            and decorator.args
            and isinstance(decorator.args[0], ast.Constant)
        ):
            return str(decorator.args[0].value)
    return function.name
