"""Renders a scenario as a readable pytest + httpx test function with Allure annotations."""

from __future__ import annotations

import json
import re
from typing import Any

from vocabulary.api_model import ApiModel
from vocabulary.artefacts import GeneratedTest
from vocabulary.claims import Expectation, FieldCheck, Ref, Scenario, Step

_INDENT = "    "
_MAX_LINE = 100
_ASSERT_OPS = {"==", "!=", "<", "<=", ">", ">="}


def py_literal(value: Any, indent: str = "") -> str:
    """A JSON value as Python source with double quotes; dicts and lists wrap when they are long."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        items = [f"{json.dumps(k)}: {py_literal(v, indent + _INDENT)}" for k, v in value.items()]
        opener, closer = "{", "}"
    else:
        items = [py_literal(v, indent + _INDENT) for v in value]
        opener, closer = "[", "]"
    flat = opener + ", ".join(items) + closer
    if len(flat) + len(indent) <= _MAX_LINE - 30 and "\n" not in flat:
        return flat
    inner = indent + _INDENT
    return opener + "\n" + "".join(f"{inner}{item},\n" for item in items) + indent + closer


def _ref_expr(ref: Ref) -> str:
    return f'value_at({ref.step}, "{ref.pointer}")'


def _value_expr(value: Any, indent: str) -> str:
    return _ref_expr(value) if isinstance(value, Ref) else py_literal(value, indent)


def _path_expr(path: str, params: dict[str, Any], variables: dict[str, str]) -> str:
    """The path as a string literal, or an f-string when values come from earlier responses."""
    rendered = path
    dynamic = False
    for name in re.findall(r"\{([^}]+)\}", path):
        value = params.get(name)
        if isinstance(value, Ref):
            rendered = rendered.replace("{" + name + "}", "{" + variables[name] + "}")
            dynamic = True
        else:
            rendered = rendered.replace("{" + name + "}", str(value))
    return f'f"{rendered}"' if dynamic else json.dumps(rendered)


class _Writer:
    """Accumulates the lines of one function body, tracking which support helpers it uses."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.helpers: set[str] = set()
        # Local variable -> the expression it holds, so a value is bound once and reused by later steps.
        self.bound: dict[str, str] = {}

    def bind(self, indent: str, variable: str, expression: str) -> None:
        if self.bound.get(variable) != expression:
            self.bound[variable] = expression
            self.add(indent, f"{variable} = {expression}")

    def add(self, indent: str, line: str) -> None:
        self.lines.append(indent + line)

    def use(self, helper: str) -> str:
        self.helpers.add(helper)
        return helper


def _client_for(step: Step, api: ApiModel) -> str:
    operation = api.operation(step.operation_id)
    secured = operation is not None and bool(operation.security)
    return "client" if secured and step.auth == "valid" else "anonymous_client"


def _render_call(step: Step, api: ApiModel, writer: _Writer, indent: str, timeout_s: float | None) -> None:
    operation = api.operation(step.operation_id)
    assert operation is not None, step.operation_id
    variables: dict[str, str] = {}
    for name, value in step.path_params.items():
        if isinstance(value, Ref):
            variables[name] = re.sub(r"\W", "_", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)).lower()
            writer.bind(indent, variables[name], f'{writer.use("value_at")}({value.step}, "{value.pointer}")')
    args = [_path_expr(operation.path, step.path_params, variables)]
    if step.query:
        args.append(
            "params="
            + "{"
            + ", ".join(f"{json.dumps(k)}: {_value_expr(v, indent)}" for k, v in step.query.items())
            + "}"
        )
    if step.headers:
        args.append(f"headers={py_literal(step.headers, indent)}")
    if step.body is not None:
        args.append(f"json={py_literal(step.body, indent)}")
    if timeout_s is not None:
        args.append(f"timeout={timeout_s!r}")
    call = f"response = {_client_for(step, api)}.{operation.method}({', '.join(args)})"
    if len(indent + call) > _MAX_LINE and "\n" not in call:
        inner = indent + _INDENT
        call = (
            f"response = {_client_for(step, api)}.{operation.method}(\n"
            + "".join(f"{inner}{a},\n" for a in args)
            + indent
            + ")"
        )
    writer.add(indent, call)


def _documents_a_body(step: Step, api: ApiModel) -> bool:
    """Whether the spec documents a response schema for any status this step accepts."""
    operation = api.operation(step.operation_id)
    if operation is None or not step.expect.statuses:
        return True
    responses = [operation.response(str(status)) for status in step.expect.statuses]
    return any(response is not None and response.schema_ is not None for response in responses)


def _render_expectation(step: Step, api: ApiModel, writer: _Writer, indent: str) -> None:
    expect: Expectation = step.expect
    if expect.statuses:
        writer.add(indent, f"{writer.use('expect_status')}(response, {', '.join(map(str, expect.statuses))})")
    elif expect.status_class:
        writer.add(indent, f'{writer.use("expect_status_class")}(response, "{expect.status_class}")')
    body_var = step.save_as or ("body" if expect.fields else None)
    if expect.schema_of and _documents_a_body(step, api):
        call = f'{writer.use("expect_schema")}(response, "{expect.schema_of[0]}")'
        writer.add(indent, f"{body_var} = {call}" if body_var else call)
    elif body_var:
        writer.add(indent, f"{body_var} = {writer.use('json_body')}(response)")
    for check in expect.fields:
        writer.add(indent, _render_check(check, body_var or "body", writer))


def _render_check(check: FieldCheck, body_var: str, writer: _Writer) -> str:
    label = "" if check.source == "spec" else f"{check.source}: "
    where = check.pointer or "the body"
    if check.op.startswith("len"):
        op = {"len==": "==", "len<=": "<=", "len>=": ">="}[check.op]
        expr = f'len({writer.use("items_at")}({body_var}, "{check.pointer}"))'
        return f'assert {expr} {op} {check.value!r}, "{label}expected {op} {check.value} items at {where}"'
    value = f'{writer.use("value_at")}({body_var}, "{check.pointer}")'
    if check.op == "exists":
        return value
    if check.op == "contains":
        return f'assert {py_literal(check.value)} in {value}, "{label}{where} must contain {check.value!r}"'
    if check.op == "absent":
        return (
            f'assert "{check.pointer.rsplit("/", 1)[-1]}" not in {body_var}, "{label}{where} must be absent"'
        )
    assert check.op in _ASSERT_OPS, check.op
    message = json.dumps(f"{label}expected {where} {check.op} {check.value!r}")
    return f"assert {value} {check.op} {py_literal(check.value)}, {message}"


_SEVERITY = {
    "blocker": "BLOCKER",
    "critical": "CRITICAL",
    "normal": "NORMAL",
    "minor": "MINOR",
    "trivial": "TRIVIAL",
}


def render_scenario(scenario: Scenario, api: ApiModel, *, module: str) -> GeneratedTest:
    """The scenario as a GeneratedTest: decorated function source plus the imports it needs."""
    writer = _Writer()
    multi_step = len(scenario.steps) > 1
    for step in scenario.steps:
        indent = _INDENT * 2 if multi_step else _INDENT
        if multi_step:
            writer.add(_INDENT, f"with allure.step({json.dumps(step.title)}):")
        _render_call(step, api, writer, indent, scenario.timeout_s)
        _render_expectation(step, api, writer, indent)
    fixtures = sorted({_client_for(step, api) for step in scenario.steps})
    signature = ", ".join(f"{f}: httpx.Client" for f in fixtures)
    decorators = [
        f"@allure.feature({json.dumps(scenario.feature)})",
        f"@allure.story({json.dumps(scenario.story)})",
        f"@allure.title({json.dumps(scenario.title)})",
        f"@allure.severity(allure.severity_level.{_SEVERITY[scenario.severity]})",
    ]
    if scenario.requirement_ids:
        decorators.insert(
            0,
            '@allure.label("requirement", '
            + ", ".join(json.dumps(r) for r in scenario.requirement_ids)
            + ")",
        )
    docstring = [f'{_INDENT}"""{scenario.description}"""'] if scenario.description else []
    code = "\n".join([*decorators, f"def {scenario.name}({signature}) -> None:", *docstring, *writer.lines])
    imports = ["import allure", "import httpx"]
    if writer.helpers:
        imports.append(f"from support import {', '.join(sorted(writer.helpers))}")
    operation_ids = list(dict.fromkeys(step.operation_id for step in scenario.steps))
    return GeneratedTest(
        test_id=f"{module}::{scenario.name}",
        name=scenario.name,
        module=module,
        code=code + "\n",
        test_type="api",
        category=scenario.category,
        imports=imports,
        operation_ids=operation_ids,
        exercises=scenario.exercises,
        requirement_ids=scenario.requirement_ids,
    )
