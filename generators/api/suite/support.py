"""Assertions shared by the generated tests, with messages a reviewer can act on."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator

_SCHEMAS_FILE = Path(__file__).with_name("spec_schemas.json")


@cache
def _response_schemas() -> dict[str, dict[str, Any]]:
    return json.loads(_SCHEMAS_FILE.read_text(encoding="utf-8"))


def describe(response: httpx.Response) -> str:
    """One line naming the call and what came back, for assertion messages."""
    body = response.text if len(response.text) <= 500 else response.text[:500] + "…"
    return f"{response.request.method} {response.request.url} answered {response.status_code}: {body}"


def expect_status(response: httpx.Response, *expected: int) -> None:
    """The response status is one of the expected codes."""
    assert response.status_code in expected, (
        f"expected {' or '.join(map(str, expected))}; {describe(response)}"
    )


def expect_status_class(response: httpx.Response, status_class: str) -> None:
    """The response status is in a class such as "4xx"."""
    first_digit = status_class[0]
    assert str(response.status_code).startswith(first_digit), f"expected {status_class}; {describe(response)}"


def json_body(response: httpx.Response) -> Any:
    """The parsed JSON body; a body that is not JSON fails the test as a finding."""
    try:
        return response.json()
    except ValueError:
        raise AssertionError(f"expected a JSON body; {describe(response)}") from None


def expect_schema(response: httpx.Response, operation_id: str) -> Any:
    """The JSON body matches the schema the spec documents for this operation and status."""
    documented = _response_schemas().get(operation_id, {})
    status = str(response.status_code)
    schema = documented.get(status) or documented.get(f"{status[0]}XX") or documented.get("default")
    if schema is None:
        return json_body(response) if response.content else None
    body = json_body(response)
    errors = sorted(Draft202012Validator(schema).iter_errors(body), key=lambda e: list(e.absolute_path))
    problems = "; ".join(f"at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:3])
    assert not errors, f"{operation_id} {status} body does not match the spec: {problems}"
    return body


def value_at(body: Any, pointer: str) -> Any:
    """The value at a JSON pointer; a missing value fails the test as a finding."""
    value = body
    for token in [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]:
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            raise AssertionError(f"the response has no value at {pointer}: {json.dumps(body)[:300]}")
    return value


def items_at(body: Any, pointer: str) -> list[Any]:
    """The array at a JSON pointer ("" is the whole body)."""
    value = value_at(body, pointer)
    assert isinstance(value, list), f"expected an array at {pointer or '/'}, got {type(value).__name__}"
    return value
