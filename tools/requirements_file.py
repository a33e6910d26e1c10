"""Reads requirements from a file: Gherkin scenarios from a `.feature` file, otherwise one per line.

A scenario becomes one requirement whose text is its steps, one per line ("Given …\\nWhen …\\nThen …"),
Background steps first; each Examples row of a Scenario Outline is a requirement of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from gherkin import Compiler, Parser
from gherkin.errors import CompositeParserException, ParserError

from tools.errors import InputError


class RequirementsFileError(InputError):
    """A requirements file is missing, unreadable, not UTF-8, not valid Gherkin, or holds no requirement."""


def read_requirements_file(path: Path) -> list[str]:
    """The requirements a file holds, in file order; a `.feature` file is read as Gherkin."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: a byte order mark is not part of line one
    except UnicodeDecodeError as error:
        raise RequirementsFileError(
            f"requirements file {path} is not UTF-8 text (byte {error.object[error.start]:#04x} "
            f"at offset {error.start})"
        ) from None
    except OSError as error:
        raise RequirementsFileError(
            f"cannot read requirements file {path}: {error.strerror or error}"
        ) from None
    gherkin = path.suffix.lower() == ".feature"
    requirements = parse_feature(text, str(path)) if gherkin else parse_lines(text)
    if not requirements:
        what = "no scenario with steps" if gherkin else "no requirement"
        raise RequirementsFileError(f"requirements file {path} holds {what}")
    return requirements


def parse_lines(text: str) -> list[str]:
    """One requirement per non-blank line; lines starting with `#` are comments."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def parse_feature(text: str, source: str = "<feature>") -> list[str]:
    """One requirement per scenario (per Examples row of an outline), as its steps joined by newlines."""
    try:
        document = Parser().parse(text)
    except ParserError as error:
        raise RequirementsFileError(_parse_error_line(error, source)) from None
    keywords = {step["id"]: step["keyword"].strip() for step in _steps(document)}
    pickles = Compiler().compile({**document, "uri": source})
    return [
        "\n".join(_step_line(keywords[step["astNodeIds"][0]], step) for step in pickle["steps"])
        for pickle in pickles
        if pickle["steps"]  # a scenario without steps states nothing to check
    ]


def _steps(node: Any) -> Iterator[Mapping[str, Any]]:
    """Every step of a Gherkin AST, wherever it sits (feature, rule, background, scenario)."""
    if isinstance(node, Mapping):
        if "keywordType" in node and "text" in node:
            yield node
        for value in node.values():
            yield from _steps(value)
    elif isinstance(node, list):
        for item in node:
            yield from _steps(item)


def _step_line(keyword: str, step: Mapping[str, Any]) -> str:
    """`keyword text`, with a doc string or data table appended on the same line."""
    line = f"{keyword} {step['text']}"
    argument = step.get("argument", {})
    if "docString" in argument:
        content = " ".join(part.strip() for part in (argument["docString"]["content"] or "").splitlines())
        line = _append(line, content.strip())
    if "dataTable" in argument:
        rows = argument["dataTable"]["rows"]
        line = _append(line, "; ".join(" | ".join(c["value"] for c in row["cells"]) for row in rows))
    return line


def _append(line: str, detail: str) -> str:
    return f"{line} {detail}" if line.endswith(":") else f"{line}: {detail}"


def _parse_error_line(error: ParserError, source: str) -> str:
    """The first parse error as `file:line:column: what`, with how many more there are."""
    errors = error.errors if isinstance(error, CompositeParserException) else [error]
    first = errors[0]
    location = getattr(first, "location", None) or {}
    message = re.sub(r"^\(\d+:\d+\): ", "", str(first.args[0] if first.args else first)).replace("#", "")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    where = f"{source}:{location.get('line', '?')}:{location.get('column', '?')}"
    return f"{where}: not valid Gherkin: {message}{more}"
