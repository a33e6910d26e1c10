"""Reading the Python an LLM wrote: its imports and its one test function, its checks, our marks on it."""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

# The Allure label that marks a test as LLM-made, in the stored code and in the report.
LLM_ORIGIN_LABEL = '@allure.label("origin", "llm")'
_DEF = re.compile(r"^(?:async\s+)?def\s+(test_\w+)", re.MULTILINE)
_IMPORTS = ast.Import | ast.ImportFrom
_FUNCTIONS = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class TestSource:
    """A reply split the way the suite stores tests: import lines apart from the function."""

    function: str
    name: str | None = None  # None when the code does not parse
    imports: list[str] = field(default_factory=list)
    syntax_error: str = ""


def split_test(code: str) -> TestSource:
    """The top-level imports and the one test function (decorators included) of a reply."""
    try:
        tree = ast.parse(code)
    except SyntaxError as error:
        # The name still counts: it is the test's id, which a repair keeps.
        named = _DEF.search(code)
        return TestSource(
            function=code,
            name=named.group(1) if named else None,
            syntax_error=f"syntax error at line {error.lineno}: {error.msg}",
        )
    lines = code.splitlines()
    imports = [ast.get_source_segment(code, n) or "" for n in tree.body if isinstance(n, _IMPORTS)]
    functions = [n for n in tree.body if isinstance(n, _FUNCTIONS)]
    rest = [n for n in tree.body if not isinstance(n, _IMPORTS | _FUNCTIONS) and not _is_docstring(n)]
    if len(functions) != 1 or rest:
        # Not one function: keep the code whole, so that the safety guard and validation say what is wrong.
        return TestSource(function=code, name=functions[0].name if functions else None)
    function = functions[0]
    start = min([function.lineno, *(d.lineno for d in function.decorator_list)])
    body = "\n".join(lines[start - 1 : function.end_lineno]) + "\n"
    return TestSource(function=body, name=function.name, imports=imports)


def marked_as_llm_made(code: str, requirement_ids: Sequence[str] = ()) -> str:
    """The function source with the origin label (and its requirements' label) above its decorators."""
    labels = [] if LLM_ORIGIN_LABEL in code else [LLM_ORIGIN_LABEL]
    if requirement_ids and '@allure.label("requirement"' not in code:
        labels.append('@allure.label("requirement", ' + ", ".join(f'"{r}"' for r in requirement_ids) + ")")
    return "\n".join([*labels, code.lstrip("\n")])


def checks(code: str, quoted: Collection[str] = ()) -> Counter[str]:
    """The test's checks, as normalized source: each `assert` condition, each `expect_*` helper call and
    each `expect(locator).matcher(...)`.

    A check on a locator variable counts by the variable's name, so a repair may fix how the element is
    found; it also names the `quoted` texts (a requirement's) its locator looks for, which must stay.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return Counter()
    declared = {
        node.targets[0].id: node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
    }
    found: Counter[str] = Counter()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            found[ast.unparse(node.test)] += 1
        elif isinstance(node, ast.Call) and _called_name(node.func).startswith("expect_"):
            found[ast.unparse(node)] += 1
        elif isinstance(node, ast.Call) and (subject := _expected_subject(node)) is not None:
            named = sorted(t for t in quoted if any(t in s for s in _literals(subject, declared, set())))
            found[ast.unparse(node) + "".join(f" [names {t!r}]" for t in named)] += 1
    return found


def dropped_checks(before: str, after: str, quoted: Collection[str] = ()) -> list[str]:
    """Checks of `before` that `after` no longer makes word for word: a repair must keep every one."""
    return sorted((checks(before, quoted) - checks(after, quoted)).elements())


def _expected_subject(call: ast.Call) -> ast.expr | None:
    """The locator of a Playwright `expect(subject).matcher(...)` call, or None for any other call."""
    inner = call.func.value if isinstance(call.func, ast.Attribute) else None
    if isinstance(inner, ast.Call) and _called_name(inner.func) == "expect" and inner.args:
        return inner.args[0]
    return None


def _literals(node: ast.expr, declared: dict[str, ast.expr], seen: set[str]) -> list[str]:
    """The string constants in an expression, through the variables it uses (declared in the test)."""
    texts: list[str] = []
    for part in ast.walk(node):
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            texts.append(part.value)
        elif isinstance(part, ast.Name) and part.id in declared and part.id not in seen:
            seen.add(part.id)
            texts += _literals(declared[part.id], declared, seen)
    return texts


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(getattr(node.value, "value", None), str)


def _called_name(function: ast.expr) -> str:
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else ""
