"""Run-time data of generated suites: unique values, given ids, skipped tests, shared response schemas."""

from __future__ import annotations

import ast
import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from generators.api.codegen import render_scenario
from generators.api.offline import OfflineApiGenerator, response_schemas, with_run_time_data
from vocabulary.api_model import ApiModel, Operation, Parameter, RequestBody, ResponseSpec
from vocabulary.claims import Expectation, FieldCheck, Given, Ref, Scenario, Step, Unique

_MEMBER = {
    "type": "object",
    "required": ["email", "handle"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "handle": {"type": "string", "maxLength": 12},
        "invite_code": {"type": "string"},
        "club_id": {"type": "string"},
    },
}
_RESET = {"type": "object", "required": ["token", "password"], "properties": {
    "token": {"type": "string"}, "password": {"type": "string"}}}  # fmt: skip


def _api() -> ApiModel:
    json_body = RequestBody(content_type="application/json", schema=_MEMBER)
    member = ResponseSpec(status="200", schema=_MEMBER)
    operations = [
        Operation(operation_id="createMember", method="post", path="/members", request_body=json_body,
                  responses=[ResponseSpec(status="201", schema=_MEMBER), ResponseSpec(status="422")]),
        Operation(operation_id="readMember", method="get", path="/members/{email}", responses=[member],
                  parameters=[Parameter(name="email", location="path", required=True,
                                        schema={"type": "string", "format": "email"})]),
        Operation(operation_id="resetPassword", method="post", path="/password-resets", responses=[member],
                  request_body=RequestBody(content_type="application/json", schema=_RESET)),
    ]  # fmt: skip
    return ApiModel(title="Chess club", openapi_version="3.1.0", source="club.json", base_url="http://x",
                    operations=operations)  # fmt: skip


def _scenario(category: str, *steps: Step) -> Scenario:
    return Scenario(name="test_it", title="t", feature="members", story="s", category=category,  # type: ignore[arg-type]
                    steps=list(steps))  # fmt: skip


def test_keys_become_unique_and_checks_compare_with_the_same_made_value() -> None:
    body = {"email": "player@example.com", "handle": "rook", "invite_code": "X1", "club_id": "c-1"}
    check = FieldCheck(pointer="/handle", op="==", value="rook")
    create = Step(operation_id="createMember", title="create", body=body, save_as="created")
    created_email = {"email": Ref(step="created", pointer="/email")}
    read = Step(operation_id="readMember", title="read", path_params=created_email,
                expect=Expectation(statuses=[200], fields=[check]))  # fmt: skip
    made = with_run_time_data(_scenario("lifecycle", create, read), _api())
    sent = made.steps[0].body
    assert sent["email"] == Unique(example="player@example.com", format="email")
    assert sent["handle"] == Unique(example="rook", max_length=12)
    assert "invite_code" not in sent  # an optional code only the service issues is left out
    assert sent["club_id"] == "c-1"  # optional: sent as it is
    assert made.steps[1].expect.fields[0].value == sent["handle"]
    assert made.skip_reason == ""


def test_required_references_without_examples_are_given() -> None:
    schema = {**_MEMBER, "required": ["email", "handle", "club_id"]}
    api = _api()
    operation = api.operation("createMember")
    assert operation is not None and operation.request_body is not None
    operation.request_body.schema_ = schema
    step = Step(operation_id="createMember", title="create", body={"email": "a@example.com", "handle": "b",
                                                                   "club_id": "c-1"})  # fmt: skip
    made = with_run_time_data(_scenario("happy_path", step), api)
    assert made.steps[0].body["club_id"] == Given(name="club_id")


def test_a_call_needing_a_server_issued_token_is_skipped_with_the_reason() -> None:
    step = Step(operation_id="resetPassword", title="reset", body={"token": "abc", "password": "Secret123!"},
                expect=Expectation(statuses=[200]))  # fmt: skip
    made = with_run_time_data(_scenario("happy_path", step), _api())
    assert "token" in made.skip_reason and "only the service issues" in made.skip_reason
    code = render_scenario(made, _api(), module="test_members.py").code
    assert code.startswith("@allure.feature") and "@pytest.mark.skip(reason=" in code
    rejected = step.model_copy(update={"expect": Expectation(statuses=[422])})
    assert with_run_time_data(_scenario("negative", rejected), _api()).skip_reason == ""


def test_an_unknown_email_in_the_path_is_not_tested_as_a_404() -> None:
    step = Step(operation_id="readMember", title="read", path_params={"email": "nobody"},
                expect=Expectation(statuses=[404]))  # fmt: skip
    made = with_run_time_data(_scenario("not_found", step), _api())
    assert "'email' is a natural key" in made.skip_reason


def test_run_time_values_render_as_calls_into_the_suite_helper() -> None:
    check = FieldCheck(pointer="/handle", op="==", value=Unique(example="rook"))
    step = Step(operation_id="readMember", title="read", path_params={"email": Given(name="email")},
                expect=Expectation(statuses=[200], fields=[check]))  # fmt: skip
    test = render_scenario(_scenario("happy_path", step), _api(), module="test_members.py")
    ast.parse(test.code)
    assert "f\"/members/{given('email')}\"" in test.code
    assert 'unique("rook")' in test.code
    assert "from unique import given, unique" in test.imports


def test_generated_files_are_identical_on_every_run() -> None:
    first = OfflineApiGenerator().generate(_api(), [])
    second = OfflineApiGenerator().generate(_api(), [])
    assert [t.code for t in first.tests] == [t.code for t in second.tests]
    assert "unique.py" in first.support_files


@pytest.fixture
def helper(tmp_path: Path) -> Iterator[ModuleType]:
    """The suite's unique.py, loaded as a generated suite would load it."""
    source = OfflineApiGenerator().generate(_api(), []).support_files["unique.py"]
    (tmp_path / "unique.py").write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("unique", tmp_path / "unique.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("unique", None)


def test_unique_values_differ_between_tests_and_keep_the_schema(helper: ModuleType, monkeypatch: Any) -> None:
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "test_a.py::test_one (call)")
    email = helper.unique("player@example.com", format="email")
    assert email == helper.unique("player@example.com", format="email")  # the same within one test
    assert email.endswith("@example.com") and email != "player@example.com"
    short = helper.unique("rook", max_length=8)
    letters = helper.unique("rook", pattern="^[a-z]+$")
    number = helper.unique(10, minimum=1, maximum=500)
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "test_a.py::test_two (call)")
    assert helper.unique("player@example.com", format="email") != email
    assert len(short) <= 8 and short.startswith("r")
    assert letters.isalpha() and letters.islower() and letters != "rook"
    assert 1 <= number <= 500


def test_given_values_come_from_the_environment_or_the_test_skips(
    helper: ModuleType, monkeypatch: Any
) -> None:
    monkeypatch.setenv("TESTOPS_GIVEN_CLUB_ID", "club-7")
    assert helper.given("club_id") == "club-7"
    monkeypatch.delenv("TESTOPS_GIVEN_CLUB_ID")
    with pytest.raises(pytest.skip.Exception, match="TESTOPS_GIVEN_CLUB_ID"):
        helper.given("club_id")
    assert "TESTOPS_GIVEN_CLUB_ID" not in os.environ


def test_repeated_response_schemas_are_written_once() -> None:
    shared = {"type": "object", "properties": {"name": {"type": "string"}, "tags": {"type": "array"}}}
    listing = {"type": "array", "items": shared}
    operations = [
        Operation(operation_id=f"op{i}", method="get", path=f"/p{i}",
                  responses=[ResponseSpec(status="200", schema={"type": "object", "properties": {
                      "first": shared, "all": listing}})])
        for i in range(3)
    ]  # fmt: skip
    api = ApiModel(title="t", openapi_version="3.1.0", source="s", base_url="http://x", operations=operations,
                   schemas={"Piece": shared})  # fmt: skip
    written = response_schemas(api)
    assert list(written["$defs"]) == ["Piece"]
    schema = written["operations"]["op0"]["200"]
    assert schema["properties"]["first"] == {"$ref": "#/$defs/Piece"}
    validator = Draft202012Validator({**schema, "$defs": written["$defs"]})
    assert validator.is_valid({"first": {"name": "queen"}, "all": [{"name": "king"}]})
    assert not validator.is_valid({"all": [{"name": 1}]})


def test_an_unknown_id_is_one_its_schema_accepts() -> None:
    snowflake = {"type": "string", "pattern": "^(0|[1-9][0-9]*)$"}
    api = _api()
    api.operations.append(
        Operation(operation_id="readBoard", method="get", path="/boards/{board_id}", responses=[],
                  parameters=[Parameter(name="board_id", location="path", required=True, schema=snowflake)])
    )  # fmt: skip
    step = Step(operation_id="readBoard", title="read", path_params={"board_id": "does-not-exist-0000"},
                expect=Expectation(statuses=[404]))  # fmt: skip
    made = with_run_time_data(_scenario("not_found", step), api)
    assert made.steps[0].path_params == {"board_id": "999999999"} and made.skip_reason == ""


def test_a_list_filtered_by_a_made_value_filters_by_the_same_value() -> None:
    body = {"email": "player@example.com", "handle": "rook"}
    seed = Step(operation_id="createMember", title="seed", body=body)
    listed = Step(operation_id="readMember", title="list", path_params={"email": Given(name="email")},
                  query={"handle": "rook", "page": 1})  # fmt: skip
    made = with_run_time_data(_scenario("requirement", seed, listed), _api())
    assert made.steps[1].query == {"handle": Unique(example="rook", max_length=12), "page": 1}


def test_a_secret_in_the_path_is_given_like_an_id_instead_of_skipping() -> None:
    api = _api()
    hook = Parameter(name="hook_token", location="path", required=True, schema={"type": "string"})
    api.operations.append(Operation(operation_id="readHook", method="get", path="/hooks/{hook_token}",
                                    parameters=[hook], responses=[ResponseSpec(status="200")]))  # fmt: skip
    step = Step(operation_id="readHook", title="read", path_params={"hook_token": Given(name="hook_token")},
                expect=Expectation(statuses=[200]))  # fmt: skip
    assert with_run_time_data(_scenario("happy_path", step), api).skip_reason == ""
