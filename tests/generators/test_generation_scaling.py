"""Sharing and caching in generation never change an answer (its speed is measured in bench/, not here)."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from bench.specs import define_api, openapi_document
from generators.api.data import UnsatisfiableSchema, invalid_cases, is_valid, shared_synthesis, valid_value
from generators.api.offline import OfflineApiGenerator
from tools.openapi import build_api_model
from vocabulary.api_model import ApiModel
from vocabulary.artefacts import GeneratedTest, ValidationResult, Verdict

# Verdicts that depend on keywords checked together: references, unevaluated*, conditionals, unique items.
_CHECKED: list[tuple[dict[str, Any], Any]] = [
    ({"$defs": {"n": {"type": "integer"}}, "items": {"$ref": "#/$defs/n"}, "maxItems": 2}, [1, 2]),
    ({"$defs": {"n": {"type": "integer"}}, "items": {"$ref": "#/$defs/n"}, "maxItems": 2}, [1, "a"]),
    ({"items": {"type": "string"}, "uniqueItems": True, "maxItems": 3}, ["a", "a"]),
    ({"items": {"type": "string"}, "uniqueItems": True, "maxItems": 3}, ["a", "b", "c", "d"]),
    ({"properties": {"a": {"type": "string"}}, "unevaluatedProperties": False, "required": ["a"]}, {"a": ""}),
    ({"properties": {"a": {"type": "string"}}, "unevaluatedProperties": False}, {"a": "", "b": 1}),
    ({"allOf": [{"properties": {"a": {}}}], "unevaluatedProperties": False}, {"a": 1}),
    ({"if": {"properties": {"k": {"const": 1}}}, "then": {"required": ["v"]}, "type": "object"}, {"k": 1}),
    ({"if": {"properties": {"k": {"const": 1}}}, "else": {"required": ["v"]}, "type": "object"}, {"k": 2}),
    ({"prefixItems": [{"type": "integer"}], "unevaluatedItems": False, "minItems": 1}, [1]),
    ({"prefixItems": [{"type": "integer"}], "unevaluatedItems": False, "minItems": 1}, [1, 2]),
    ({"oneOf": [{"type": "null"}, {"type": "string", "format": "date"}], "maxLength": 10}, "2024-01-15"),
    ({"oneOf": [{"type": "null"}, {"type": "string", "format": "date"}], "maxLength": 10}, "2024-13-45"),
    ({"dependentSchemas": {"a": {"required": ["b"]}}, "minProperties": 1}, {"a": 1}),
]


@pytest.mark.parametrize(("schema", "value"), _CHECKED)
def test_verdicts_are_those_of_draft_2020_12(schema: dict[str, Any], value: Any) -> None:
    checker = Draft202012Validator.FORMAT_CHECKER
    expected = Draft202012Validator(schema, format_checker=checker).is_valid(value)
    assert is_valid(schema, value) is expected
    with shared_synthesis():
        # The second call answers from the remembered verdict, for a copy of the schema too.
        assert [is_valid(schema, value), is_valid(dict(schema), value)] == [expected, expected]


def test_sharing_never_changes_a_schemas_values() -> None:
    """Equal copies share their work; a schema whose JSON text only looks equal (a tuple enum) does not."""
    snowflake = {"type": "string", "pattern": "^(0|[1-9][0-9]*)$"}
    schemas: list[dict[str, Any]] = [
        {"type": "array", "items": {"oneOf": [{"type": "null"}, snowflake]}, "maxItems": 3},
        {"type": "array", "items": {"oneOf": [{"type": "null"}, dict(snowflake)]}, "maxItems": 3},
        {"type": "string", "enum": ["active", "done"]},
        {"type": "string", "enum": ("active", "done")},  # not a JSON list: its enum is ignored
    ]
    alone = [[_outcome(s, variant) for variant in range(3)] for s in schemas]
    with shared_synthesis():
        shared = [[_outcome(s, variant) for variant in range(3)] for s in schemas]
    assert shared == alone
    assert alone[2] != alone[3]


def _outcome(schema: dict[str, Any], variant: int) -> Any:
    try:
        return valid_value(schema, name="status", variant=variant)
    except UnsatisfiableSchema as error:
        return f"unsatisfiable: {error}"


def test_a_long_array_that_cannot_be_unique_is_refused_without_checking_each_item() -> None:
    """Three distinct items cannot fill 3,001 unique places: no too-long case is offered."""
    schema = {
        "type": "object",
        "required": ["tags"],
        "properties": {
            "tags": {
                "type": "array",
                "items": {"type": "string", "enum": ["red", "green", "blue"]},
                "maxItems": 3000,
                "uniqueItems": True,
            }
        },
    }
    with shared_synthesis():
        kinds = [case.kind for case in invalid_cases(schema)]
    assert kinds == ["missing_required", "wrong_type"]


def _model(operations: int) -> ApiModel:
    document = openapi_document(define_api(operations))
    return build_api_model(document, source="synthetic.json", base_url="http://127.0.0.1:8080")


def _timed_out(test: GeneratedTest) -> ValidationResult:
    message = "httpx.ReadTimeout: timed out"
    return ValidationResult(test_id=test.test_id, verdict=Verdict.BROKEN, message=message)


def test_a_regeneration_pass_repairs_as_each_test_alone() -> None:
    """One generator keeps its plan across a repair pass: each timed-out test comes out as if alone."""
    api = _model(40)
    tests = OfflineApiGenerator().generate(api, []).tests[::60]
    alone = [OfflineApiGenerator().repair(t, _timed_out(t), api, []) for t in tests]
    generator = OfflineApiGenerator()
    in_one_pass = [generator.repair(t, _timed_out(t), api, []) for t in tests]
    assert in_one_pass == alone
    assert len(tests) >= 6 and all(r is not None and r.timeout_s == 15.0 for r in in_one_pass)
