"""Safe mode for UI suites: no test clicks, presses or submits a control named for removing data (a Delete
button, a form's "Remove" submit) on a target the user does not own. Read from each test's code, so tests the
LLM wrote or repaired are held to it as the offline ones are."""

from __future__ import annotations

import ast

from generators.base import GeneratedSuite, TestGenerator
from vocabulary.artefacts import GeneratedTest, Requirement, RequirementCoverage, ValidationResult
from vocabulary.page_model import PageModel
from vocabulary.removal import removal_named

# Locator methods that act on a control: a click, a tap, a key press (Enter submits its form), a check.
_ACTIONS = frozenset({"click", "dblclick", "tap", "press", "press_sequentially", "check", "set_checked",
                      "dispatch_event", "select_option"})  # fmt: skip


def destructive_action(test: GeneratedTest) -> str | None:
    """Why the test may remove data it did not create (safe mode leaves it out), else None."""
    try:
        tree = ast.parse("\n".join([*test.imports, test.code]))
    except SyntaxError:
        return None  # validation reports it BROKEN; it acts on nothing
    bound: dict[str, ast.expr] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            bound[node.targets[0].id] = node.value
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _ACTIONS:
            texts = [*_texts(node.func.value, bound, set()), *_texts_of_arguments(node)]
            if words := next((w for t in texts if (w := removal_named(t))), None):
                shown = ast.unparse(node.func.value)
                action = f"{node.func.attr} {shown}"
                return f"safe mode: would {action}: {words!r} may remove data it did not create"
    return None


def _texts(expression: ast.expr, bound: dict[str, ast.expr], seen: set[str]) -> list[str]:
    """Every string the locator expression is made of, through the variables it names."""
    texts: list[str] = []
    for node in ast.walk(expression):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            texts.append(node.value)
        elif isinstance(node, ast.Name) and node.id in bound and node.id not in seen:
            texts += _texts(bound[node.id], bound, seen | {node.id})
    return texts


def _texts_of_arguments(call: ast.Call) -> list[str]:
    """An option chosen or a key pressed can remove too (`select_option("Delete")`, `press("Delete")`)."""
    return [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]


def admitted(suite: GeneratedSuite) -> GeneratedSuite:
    """The suite without its destructive tests, each named in `omitted_in_safe_mode` with its reason; a
    requirement only they covered is uncovered, saying why."""
    omitted = {t.test_id: reason for t in suite.tests if (reason := destructive_action(t))}
    if not omitted:
        return suite
    coverage = [_without(entry, omitted) for entry in suite.coverage]
    return suite.model_copy(update={
        "tests": [t for t in suite.tests if t.test_id not in omitted],
        "coverage": coverage,
        "omitted_in_safe_mode": {**suite.omitted_in_safe_mode, **omitted},
    })  # fmt: skip


def _without(entry: RequirementCoverage, omitted: dict[str, str]) -> RequirementCoverage:
    kept = [test_id for test_id in entry.test_ids if test_id not in omitted]
    if kept == entry.test_ids:
        return entry
    if kept:
        return entry.model_copy(update={"test_ids": kept})
    reasons = "; ".join(dict.fromkeys(omitted[test_id] for test_id in entry.test_ids))
    return entry.model_copy(update={"covered": False, "test_ids": [], "reason": reasons})


class SafeUiGenerator:
    """A UI generator (offline or with the LLM) whose suites and repairs hold no destructive test."""

    def __init__(self, inner: TestGenerator[PageModel]) -> None:
        self.inner = inner

    def generate(self, page: PageModel, requirements: list[Requirement]) -> GeneratedSuite:
        return admitted(self.inner.generate(page, requirements))

    def repair(
        self, test: GeneratedTest, result: ValidationResult, page: PageModel, requirements: list[Requirement]
    ) -> GeneratedTest | None:
        """The inner repair, unless it acts on a control that removes data: then none."""
        repaired = self.inner.repair(test, result, page, requirements)
        return None if repaired is None or destructive_action(repaired) else repaired
