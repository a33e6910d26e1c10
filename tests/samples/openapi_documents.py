"""Reading the sample APIs' own OpenAPI documents in their tests: operations, refs, conformance of replies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
from jsonschema import Draft202012Validator

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) for every operation of the document."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping inside `node`, `node` included, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def pointer(spec: dict[str, Any], ref: str) -> Any:
    """What a local ref ("#/components/...") points at."""
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def resolve(node: Any, root: dict[str, Any]) -> Any:
    """A copy of `node` with every $ref replaced by its target; 3.1 siblings of a $ref override it."""
    if isinstance(node, dict):
        if "$ref" in node:
            siblings = {key: value for key, value in node.items() if key != "$ref"}
            return {**resolve(pointer(root, node["$ref"]), root), **resolve(siblings, root)}
        return {key: resolve(value, root) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item, root) for item in node]
    return node


def validator(spec: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for `schema` whose local refs resolve inside the document, formats checked."""
    root = {**schema, "components": spec.get("components", {})}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def assert_conforms(
    spec: dict[str, Any], path: str, method: str, status: int, response: httpx.Response
) -> None:
    """The response has the expected, documented status and a body valid against that response's schema."""
    assert response.status_code == status, f"{method.upper()} {path}: {response.status_code} {response.text}"
    documented = spec["paths"][path][method]["responses"][str(status)]
    if "$ref" in documented:
        documented = pointer(spec, documented["$ref"])
    content = documented.get("content")
    if content is None:
        assert response.content == b""
        return
    assert response.headers["Content-Type"] == "application/json"
    validator(spec, content["application/json"]["schema"]).validate(response.json())
