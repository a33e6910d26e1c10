"""What a UI test does, before it is code: the locators it declares and its steps of statements.

Statements are pieces of Python with `Use` markers where a locator goes, so the same scenario renders with
any choice of locator alternatives; repair re-renders it with the next alternative of a failing locator.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["blocker", "critical", "normal", "minor", "trivial"]


def py_str(text: str) -> str:
    """A Python string literal: double quotes, or single ones when the text holds double quotes."""
    if '"' in text and "'" not in text and "\\" not in text and text.isprintable():
        return f"'{text}'"
    return json.dumps(text, ensure_ascii=False)


@dataclass(frozen=True)
class Element:
    """A locator the test uses; `options` are alternative expressions, best first.

    `scope` names the element whose variable the options start with (an item inside a list), so a failure
    message, which spells the whole chain, can be traced back to this element.
    """

    var: str
    options: tuple[str, ...]
    description: str
    scope: str | None = None
    # inline elements are written where they are used (a text to look for), declared ones as variables
    inline: bool = False


@dataclass(frozen=True)
class Use:
    """A place in a statement where an element goes, plus Python that follows it (a filter, `.first`)."""

    element: str
    suffix: str = ""


Statement = tuple[str | Use, ...]


@dataclass(frozen=True)
class Step:
    """One `with allure.step(title):` block."""

    title: str
    statements: tuple[Statement, ...]


@dataclass
class Scenario:
    """A whole test: where it belongs, what it declares, what it does and checks."""

    name: str
    module: str
    title: str
    feature: str
    story: str
    severity: Severity
    category: Literal["requirement", "baseline"]
    docstring: str
    elements: list[Element] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    requirement_ids: list[str] = field(default_factory=list)
    # fixtures beyond `page` and `base_url`, as (name, annotation): ("console_errors", "list[str]")
    fixtures: list[tuple[str, str]] = field(default_factory=list)

    def element(self, var: str) -> Element:
        """The element declared as `var`."""
        return next(e for e in self.elements if e.var == var)


# Small builders that keep planner code close to what the test will say.


def do(element: str, method: str, *args: str) -> Statement:
    """`element.method(args)`; args are Python source."""
    return (Use(element), f".{method}({', '.join(args)})")


def check(element: str, matcher: str, *args: str, suffix: str = "") -> Statement:
    """`expect(element<suffix>).matcher(args)`; `page` is the page itself."""
    return ("expect(", Use(element, suffix), f").{matcher}({', '.join(args)})")


def code(*pieces: str | Use) -> Statement:
    """A statement spelled out piece by piece."""
    return tuple(pieces)
