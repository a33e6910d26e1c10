"""Renders a UI scenario as a pytest + Playwright test function with Allure annotations.

`choices` picks one of each element's locator options (0 = best); repair renders again with a higher choice
for the element that failed, and reads the choices of a rendered test back from its code.
"""

from __future__ import annotations

from collections.abc import Mapping

from generators.ui.scenario import Element, Scenario, Statement, Use, py_str
from vocabulary.artefacts import GeneratedTest

_INDENT = "    "
_MAX_LINE = 110
_IMPORTS = ("import allure", "from playwright.sync_api import Page, expect")
_FIXTURES = (("page", "Page"), ("base_url", "str"))


def _option(element: Element, choices: Mapping[str, int]) -> str:
    return element.options[min(choices.get(element.var, 0), len(element.options) - 1)]


def declaration(element: Element, option: str) -> str:
    """The line declaring a locator variable, wrapped in parentheses when it would run too long."""
    line = f"{_INDENT}{element.var} = {option}"
    if len(line) <= _MAX_LINE:
        return line
    return f"{_INDENT}{element.var} = (\n{_INDENT * 2}{option}\n{_INDENT})"


def _statement(statement: Statement, scenario: Scenario, choices: Mapping[str, int]) -> str:
    parts = []
    for piece in statement:
        if isinstance(piece, Use):
            element = None if piece.element == "page" else scenario.element(piece.element)
            where = (
                "page" if element is None else _option(element, choices) if element.inline else element.var
            )
            parts.append(where + piece.suffix)
        else:
            parts.append(piece)
    return "".join(parts)


def render(
    scenario: Scenario, choices: Mapping[str, int] | None = None, *, variant: int = 0
) -> GeneratedTest:
    """The scenario as a GeneratedTest: decorated function source plus the imports it needs."""
    choices = choices or {}
    decorators = [
        *(f'@allure.label("requirement", {py_str(r)})' for r in scenario.requirement_ids),
        f"@allure.feature({py_str(scenario.feature)})",
        f"@allure.story({py_str(scenario.story)})",
        f"@allure.title({py_str(scenario.title)})",
        f"@allure.severity(allure.severity_level.{scenario.severity.upper()})",
    ]
    docstring = scenario.docstring.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').rstrip(".") + "."
    parameters = ", ".join(f"{name}: {kind}" for name, kind in [*_FIXTURES, *scenario.fixtures])
    lines = [*decorators, f"def {scenario.name}({parameters}) -> None:", f'{_INDENT}"""{docstring}"""']
    used = _used(scenario)
    lines += [
        declaration(e, _option(e, choices)) for e in scenario.elements if e.var in used and not e.inline
    ]
    for step in scenario.steps:
        lines.append(f"{_INDENT}with allure.step({py_str(step.title)}):")
        for statement in step.statements:
            rendered = _statement(statement, scenario, choices)
            lines += [f"{_INDENT * 2}{line}" if line else "" for line in rendered.split("\n")]
    return GeneratedTest(
        test_id=f"{scenario.module}::{scenario.name}",
        name=scenario.name,
        module=scenario.module,
        code="\n".join(lines) + "\n",
        test_type="ui",
        category=scenario.category,
        imports=list(_IMPORTS),
        requirement_ids=scenario.requirement_ids,
        variant=variant,
    )


def _used(scenario: Scenario) -> set[str]:
    """Elements some statement uses, and the elements they are found inside."""
    used = {p.element for step in scenario.steps for s in step.statements for p in s if isinstance(p, Use)}
    pending = list(used)
    while pending:
        var = pending.pop()
        scope = None if var == "page" else scenario.element(var).scope
        if scope and scope not in used:
            used.add(scope)
            pending.append(scope)
    return used


def choices_in(scenario: Scenario, source: str) -> dict[str, int]:
    """Which option of each element a rendered test uses, read back from its code."""
    found: dict[str, int] = {}
    for element in scenario.elements:
        for index in reversed(range(len(element.options))):
            option = element.options[index]
            rendered = option if element.inline else declaration(element, option)
            if rendered in source:
                found[element.var] = index
                break
    return found


def spelled(scenario: Scenario, element: Element, choices: Mapping[str, int]) -> str:
    """The element's locator as Playwright spells it in errors: the whole chain, without `page.`."""
    option = _option(element, choices)
    if element.scope is not None and option.startswith(f"{element.scope}."):
        scope = scenario.element(element.scope)
        option = spelled(scenario, scope, choices) + option[len(element.scope) :]
        return option
    return option.removeprefix("page.")
