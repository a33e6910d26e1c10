"""Renders a scenario as a readable pytest + httpx test function with Allure annotations."""

from __future__ import annotations

import json
import re
from typing import Any

from vocabulary.api_model import ApiModel, RequestBody
from vocabulary.artefacts import GeneratedTest
from vocabulary.claims import (
    Cleanup,
    Credential,
    Expectation,
    FieldCheck,
    Given,
    Paging,
    Ref,
    Scenario,
    Step,
    Unique,
)

_INDENT = "    "
_MAX_LINE = 100
_ASSERT_OPS = {"==", "!=", "<", "<=", ">", ">="}
# Checks on every item of an array, as support helpers that name the offending items.
_ITEM_HELPERS = {"all==": "expect_every", "has_item": "expect_listed", "lacks_item": "expect_unlisted"}
# A JSON type as a Python test of `{v}`; JSON true is no integer, though Python's bool is an int.
_TYPE_TESTS = {
    "integer": "isinstance({v}, int) and not isinstance({v}, bool)",
    "number": "isinstance({v}, int | float) and not isinstance({v}, bool)",
    "string": "isinstance({v}, str)",
    "boolean": "isinstance({v}, bool)",
    "array": "isinstance({v}, list)",
    "object": "isinstance({v}, dict)",
}
# httpx's shortcuts for these methods take no body; a step sending one goes through `request()`.
_NO_BODY_METHODS = {"get", "delete", "head", "options"}
_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def py_literal(value: Any, indent: str = "") -> str:
    """A JSON value as Python source with double quotes; dicts and lists wrap when they are long."""
    if isinstance(value, Unique | Given | Credential):
        return _run_time_call(value)
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


def _run_time_call(value: Unique | Given | Credential, quote: str = '"') -> str:
    """`unique(example, limits…)`, `given(name)` or `credential(kind)`: the suite's unique.py makes them."""

    def text(value: Any) -> str:
        literal = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)
        return literal if quote == '"' else repr(value)

    if isinstance(value, Given):
        return f"given({text(value.name)})"
    if isinstance(value, Credential):
        return f"credential({text(value.kind)})"
    limits = value.model_dump(exclude={"example"}, exclude_none=True)
    return f"unique({', '.join([text(value.example), *(f'{k}={text(v)}' for k, v in limits.items())])})"


def _run_time_helpers(scenario: Scenario) -> list[str]:
    """The unique.py helpers the scenario's values call, sorted."""
    found: set[str] = set()

    def visit(value: Any) -> None:
        if isinstance(value, Unique | Given | Credential):
            found.add(type(value).__name__.lower())
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    for step in scenario.steps:
        cleanup = step.expect.cleanup.path_params if step.expect.cleanup else {}
        checked = [check.value for check in step.expect.fields]
        visit([step.path_params, step.query, step.body, cleanup, checked])
    return sorted(found)


def _read_answers(steps: list[Step]) -> set[str]:
    """The saved answers some value reads: a later call, a check, or the cleanup of a later step (a step's
    own cleanup reads its answer from `response`)."""
    found: set[str] = set()

    def visit(value: Any, own: str | None = None) -> None:
        if isinstance(value, Ref) and value.step != own:
            found.add(value.step)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item, own)
        elif isinstance(value, list):
            for item in value:
                visit(item, own)

    for step in steps:
        visit([step.path_params, step.query, step.body, [check.value for check in step.expect.fields]])
        if step.expect.cleanup:
            visit(step.expect.cleanup.path_params, own=step.save_as)
    return found


def _ref_expr(ref: Ref) -> str:
    expression = f'value_at({ref.step}, "{ref.pointer}"){_shift(ref)}'
    return expression if ref.at_least is None else f"max({expression}, {ref.at_least!r})"


def _ref_shown(ref: Ref) -> str:
    """A Ref as an assertion message names it: "before's /count + 1 (at least 0)"."""
    floor = f" (at least {ref.at_least!r})" if ref.at_least is not None else ""
    return f"{ref.step}'s {ref.pointer}{_shift(ref)}{floor}"


def _shift(ref: Ref) -> str:
    """ " + 1", " - 2", or "" for a Ref taken as it is."""
    return f" {'+' if ref.plus > 0 else '-'} {abs(ref.plus)!r}" if ref.plus else ""


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
        elif isinstance(value, Unique | Given):
            rendered = rendered.replace("{" + name + "}", "{" + _run_time_call(value, quote="'") + "}")
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
    if step.auth in ("second", "throwaway"):
        return f"{step.auth}_client"
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
        args.append(_body_argument(step.body, operation.request_body, indent))
    if timeout_s is not None:
        args.append(f"timeout={timeout_s!r}")
    function = operation.method
    if step.body is not None and function in _NO_BODY_METHODS:
        function, args = "request", [json.dumps(function.upper()), *args]
    call = f"response = {_client_for(step, api)}.{function}({', '.join(args)})"
    if len(indent + call) > _MAX_LINE and "\n" not in call:
        inner = indent + _INDENT
        call = (
            f"response = {_client_for(step, api)}.{function}(\n"
            + "".join(f"{inner}{a},\n" for a in args)
            + indent
            + ")"
        )
    writer.add(indent, call)


def _body_argument(body: Any, request_body: RequestBody | None, indent: str) -> str:
    """The body as httpx sends it: `json=`, form fields as `data=`, or multipart parts as `files=`."""
    media_type = request_body.content_type.split(";", 1)[0].strip().lower() if request_body else ""
    if media_type not in _FORM_TYPES or not isinstance(body, dict):
        return f"json={py_literal(body, indent)}"
    # OpenAPI encodes object and array-of-object properties of a form as JSON text by default.
    fields = {name: json.dumps(value) if _is_structured(value) else value for name, value in body.items()}
    if media_type == "application/x-www-form-urlencoded":
        return f"data={py_literal(fields, indent)}"
    properties = request_body.schema_.get("properties", {}) if request_body else {}
    parts = []
    for name, value in fields.items():
        text = py_literal(value if isinstance(value, str) else json.dumps(value))
        # A file part needs a file name: servers read a part without one as a plain text field.
        is_file = _is_file(properties.get(name, {}))
        parts.append(f"{json.dumps(name)}: ({json.dumps(f'{name}.txt') if is_file else None}, {text})")
    flat = "files={" + ", ".join(parts) + "}"
    if len(indent + flat) <= _MAX_LINE - 20:
        return flat
    return "files={\n" + "".join(f"{indent + _INDENT}{part},\n" for part in parts) + indent + "}"


def _is_structured(value: Any) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(v, dict | list) for v in value)
    )


def _is_file(schema: dict[str, Any]) -> bool:
    """OpenAPI 3.0 writes a file as `format: binary`, 3.1 with `contentMediaType` or `contentEncoding`."""
    items = schema.get("items", {}) if schema.get("type") == "array" else schema
    return items.get("format") == "binary" or "contentMediaType" in items or "contentEncoding" in items


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
    for name, start in expect.headers.items():
        shown = json.dumps(f"a {name} header" + (f" starting with {start!r}" if start else ""))
        got = f"response.headers.get({json.dumps(name)}"
        test = (
            f'{got}, "").lower().startswith({json.dumps(start.lower())})' if start else f"{got}) is not None"
        )
        writer.add(indent, f"assert {test}, {shown}")
    # With paging, the checks apply to the items of every page, which the walk binds to `listed`.
    body_var = step.save_as or ("body" if expect.fields and not expect.paging else None)
    if expect.schema_of and _documents_a_body(step, api):
        call = f'{writer.use("expect_schema")}(response, "{expect.schema_of[0]}")'
        writer.add(indent, f"{body_var} = {call}" if body_var else call)
    elif body_var:
        writer.add(indent, f"{body_var} = {writer.use('json_body')}(response)")
    if expect.paging:
        body_var = "listed"
        writer.add(indent, f"{body_var} = {_walk_call(step, expect.paging, api, writer)}")
    # Spec equalities go through one helper call: it reports every mismatch, and pytest has no assert to
    # rewrite (rewriting hundreds of asserts costs more than running the calls they check).
    equal = [c for c in expect.fields if c.op == "==" and c.source == "spec"]
    if equal:
        _render_values(equal, body_var or "body", writer, indent)
    for check in expect.fields:
        if check not in equal:
            writer.add(indent, _render_check(check, body_var or "body", writer))


def _render_values(checks: list[FieldCheck], body_var: str, writer: _Writer, indent: str) -> None:
    inner = indent + _INDENT
    entries = [f"{json.dumps(c.pointer)}: {_checked_value(c.value, writer, inner)}" for c in checks]
    call = f"{writer.use('expect_values')}({body_var}, {{{', '.join(entries)}}})"
    if len(indent + call) > _MAX_LINE:
        call = f"expect_values({body_var}, {{\n" + "".join(f"{inner}{e},\n" for e in entries) + indent + "})"
    writer.add(indent, call)


def _walk_call(step: Step, paging: Paging, api: ApiModel, writer: _Writer) -> str:
    """`walk_pages(...)` over the list this step asked for, with the paging facts the spec gives."""
    options = {
        "items": paging.items_pointer,
        "key": paging.key_pointer,
        "limit": paging.limit,
        "offset_param": paging.offset_param,
        "page_param": paging.page_param,
        "total": paging.total_pointer,
    }
    keywords = "".join(f", {name}={py_literal(value)}" for name, value in options.items() if value)
    client = _client_for(step, api)
    return f'{writer.use("walk_pages")}({client}, response, "{step.operation_id}"{keywords})'


def _cleanup_call(cleanup: Cleanup, saved: set[str], api: ApiModel, writer: _Writer, indent: str) -> str:
    """`cleanup.delete_made(...)` for the call just made: values of steps `saved` before it are known, a
    Ref to any other step is this call's own answer (the id it made), read from `response`."""
    known = {name: value for name, value in cleanup.path_params.items()
             if not isinstance(value, Ref) or value.step in saved}  # fmt: skip
    inner = indent + _INDENT
    params = ", ".join(
        f"{json.dumps(name)}: {_checked_value(value, writer, inner)}" for name, value in known.items()
    )
    made = ", ".join(
        f"{json.dumps(name)}: {json.dumps(value.pointer)}"
        for name, value in cleanup.path_params.items()
        if name not in known and isinstance(value, Ref)
    )
    client = _client_for(Step(operation_id=cleanup.operation_id, title="clean up"), api)
    arguments = [client, "response", json.dumps(cleanup.path), f"{{{params}}}", f"made={{{made}}}"]
    call = f"cleanup.delete_made({', '.join(arguments)})"
    if len(indent + call) <= _MAX_LINE:
        return call
    lines = "".join(f"{inner}{argument},\n" for argument in arguments)
    return f"cleanup.delete_made(\n{lines}{indent})"


def _checked_value(value: Any, writer: _Writer, indent: str = "") -> str:
    """A literal, or the expression reading a Ref (registering the helper it uses)."""
    if isinstance(value, Ref):
        writer.use("value_at")
    return _value_expr(value, indent)


def _render_check(check: FieldCheck, body_var: str, writer: _Writer) -> str:
    label = "" if check.source == "spec" else f"{check.source}: "
    item_ops = ("all==", "has_item", "lacks_item")
    where = check.pointer or ("the list" if check.op in item_ops else "the body")
    expected = _checked_value(check.value, writer)
    ref = check.value if isinstance(check.value, Ref) else None
    shown = _ref_shown(ref) if ref else repr(check.value)
    if check.op.startswith("len"):
        op = {"len==": "==", "len<=": "<=", "len>=": ">="}[check.op]
        expr = f'len({writer.use("items_at")}({body_var}, "{check.pointer}"))'
        return f'assert {expr} {op} {check.value!r}, "{label}expected {op} {check.value} items at {where}"'
    if check.op in item_ops:
        helper = writer.use(_ITEM_HELPERS[check.op])
        source = "" if check.source == "spec" else f", source={json.dumps(check.source)}"
        return f'{helper}({body_var}, "{check.pointer}", "{check.item_pointer}", {expected}{source})'
    if check.op in ("ascending", "descending"):
        values = f'{writer.use("item_values")}({body_var}, "{check.pointer}", "{check.item_pointer}")'
        reverse = ", reverse=True" if check.op == "descending" else ""
        message = json.dumps(f"{label}{where} must be in {check.op} order of {check.item_pointer}")
        return f"assert (ordered := {values}) == sorted(ordered{reverse}), {message}"
    value = f'{writer.use("value_at")}({body_var}, "{check.pointer}")'
    if check.op == "type":
        test = _TYPE_TESTS[str(check.value)]
        if check.item_pointer:
            values = f'{writer.use("item_values")}({body_var}, "{check.pointer}", "{check.item_pointer}")'
            message = json.dumps(
                f"{label}every {check.item_pointer} at {where} must be of type {check.value}"
            )
            return f"assert all({test.format(v='v')} for v in {values}), {message}"
        return f"assert {test.format(v=value)}, {json.dumps(f'{label}{where} must be of type {check.value}')}"
    if check.op == "exists":
        return value
    if check.op == "contains":
        return f'assert {py_literal(check.value)} in {value}, "{label}{where} must contain {check.value!r}"'
    if check.op == "absent":
        return (
            f'assert "{check.pointer.rsplit("/", 1)[-1]}" not in {body_var}, "{label}{where} must be absent"'
        )
    assert check.op in _ASSERT_OPS, check.op
    message = json.dumps(f"{label}expected {where} {check.op} {shown}")
    return f"assert {value} {check.op} {expected}, {message}"


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
    # Creations are undone when the test ends, passed or failed: `cleanup_after` runs the deletes.
    cleanups = [Step(operation_id=s.expect.cleanup.operation_id, title="") for s in scenario.steps
                if s.expect.cleanup]  # fmt: skip
    base = _INDENT * 2 if cleanups else _INDENT
    if cleanups:
        writer.add(_INDENT, f"with {writer.use('cleanup_after')}() as cleanup:")
    saved: set[str] = set()
    read = _read_answers(scenario.steps)
    for step in scenario.steps:
        indent = base + _INDENT if multi_step else base
        if multi_step:
            writer.add(base, f"with allure.step({json.dumps(step.title)}):")
        _render_call(step, api, writer, indent, scenario.timeout_s)
        if step.expect.cleanup:
            # Before the checks: what a call made is deleted even when a check of its answer fails.
            writer.add(indent, _cleanup_call(step.expect.cleanup, saved, api, writer, indent))
        # An answer no later value reads is checked, not bound to a name.
        bound = step if step.save_as in read else step.model_copy(update={"save_as": None})
        _render_expectation(bound, api, writer, indent)
        saved |= {step.save_as} if step.save_as else set()
    fixtures = sorted({_client_for(step, api) for step in [*scenario.steps, *cleanups]})
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
    if scenario.skip_reason:
        decorators.append(f"@pytest.mark.skip(reason={json.dumps(scenario.skip_reason, ensure_ascii=False)})")
    docstring = [f'{_INDENT}"""{scenario.description}"""'] if scenario.description else []
    code = "\n".join([*decorators, f"def {scenario.name}({signature}) -> None:", *docstring, *writer.lines])
    imports = ["import allure", "import httpx"]
    if scenario.skip_reason:
        imports.insert(2, "import pytest")
    if writer.helpers:
        imports.append(f"from support import {', '.join(sorted(writer.helpers))}")
    if helpers := _run_time_helpers(scenario):
        imports.append(f"from unique import {', '.join(helpers)}")
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
