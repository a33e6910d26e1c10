"""The offline API generator on the sample spec: what it plans, how it writes it, how it repairs."""

from __future__ import annotations

import ast
import asyncio

import pytest

from generators.api.offline import OfflineApiGenerator
from generators.api.planner import Planner
from samples.tasks_api import app as sample
from tools.openapi import build_api_model, load_document
from vocabulary.api_model import ApiModel
from vocabulary.artefacts import GeneratedTest, ValidationResult, Verdict, number_requirements


@pytest.fixture(scope="module")
def api() -> ApiModel:
    document = asyncio.run(load_document(str(sample.SPEC_PATH)))
    return build_api_model(document, source=str(sample.SPEC_PATH), base_url="http://127.0.0.1:8080")


@pytest.fixture(scope="module")
def tests(api: ApiModel) -> dict[str, GeneratedTest]:
    suite = OfflineApiGenerator().generate(api, number_requirements(sample.load_requirements()))
    return {t.test_id: t for t in suite.tests}


def test_every_operation_gets_a_happy_path(api: ApiModel, tests: dict[str, GeneratedTest]) -> None:
    happy = {op for t in tests.values() if t.category == "happy_path" for op in t.operation_ids[-1:]}
    assert happy == {op.operation_id for op in api.operations}


def test_every_secured_operation_gets_an_auth_test(api: ApiModel, tests: dict[str, GeneratedTest]) -> None:
    auth = {t.operation_ids[0] for t in tests.values() if t.category == "auth"}
    assert auth == {op.operation_id for op in api.operations if op.security}
    assert "getHealth" not in auth


def test_negatives_expect_the_documented_client_error(tests: dict[str, GeneratedTest]) -> None:
    negative = tests["test_tasks.py::test_create_task_rejects_missing_title"]
    assert "expect_status(response, 422)" in negative.code
    assert '"title"' not in negative.code.split("json=", 1)[1]


def test_item_operations_create_what_they_act_on(tests: dict[str, GeneratedTest]) -> None:
    get_task = tests["test_tasks.py::test_get_task_happy_path"]
    assert get_task.operation_ids == ["createTask", "getTask"]
    assert 'client.get(f"/tasks/{task_id}")' in get_task.code


def test_unknown_ids_expect_404(tests: dict[str, GeneratedTest]) -> None:
    code = tests["test_tasks.py::test_delete_task_unknown_id_returns_404"].code
    assert 'client.delete("/tasks/999999999")' in code and "expect_status(response, 404)" in code


def test_lifecycle_ends_with_a_404(tests: dict[str, GeneratedTest]) -> None:
    code = tests["test_tasks.py::test_task_lifecycle"].code
    # Its last call deletes the deleted task again, which the spec documents as 404.
    last_call = code.rsplit("with allure.step(", 1)[1]
    assert 'client.delete(f"/tasks/{task_id}")' in last_call and "expect_status(response, 404)" in last_call
    assert code.count("task_id = value_at(created") == 1


def test_every_test_is_one_annotated_function(tests: dict[str, GeneratedTest]) -> None:
    for test in tests.values():
        [function] = ast.parse(test.code).body
        assert isinstance(function, ast.FunctionDef) and function.name == test.name
        decorators = {ast.unparse(d).split("(")[0] for d in function.decorator_list}
        assert {"allure.feature", "allure.story", "allure.title", "allure.severity"} <= decorators


def test_generation_is_deterministic(api: ApiModel) -> None:
    requirements = number_requirements(sample.load_requirements())
    first = OfflineApiGenerator().generate(api, requirements)
    second = OfflineApiGenerator().generate(api, requirements)
    assert first == second


def test_repair_raises_the_timeout_of_a_timed_out_test(
    tests: dict[str, GeneratedTest], api: ApiModel
) -> None:
    broken = tests["test_tasks.py::test_list_tasks_happy_path"]
    result = ValidationResult(
        test_id=broken.test_id, verdict=Verdict.BROKEN, message="httpx.ReadTimeout: timed out"
    )
    repaired = OfflineApiGenerator().repair(broken, result, api, [])
    assert repaired is not None and repaired.test_id == broken.test_id
    assert repaired.timeout_s == 15.0 and "timeout=15.0" in repaired.code


def test_repair_moves_to_the_next_data_variant(tests: dict[str, GeneratedTest], api: ApiModel) -> None:
    broken = tests["test_tasks.py::test_create_task_happy_path"]
    result = ValidationResult(test_id=broken.test_id, verdict=Verdict.BROKEN, message="KeyError: 'x'")
    repaired = OfflineApiGenerator().repair(broken, result, api, [])
    assert repaired is not None and repaired.variant == 1 and repaired.code != broken.code


def test_planner_finds_resources(api: ApiModel) -> None:
    resources = {r.collection_path: r for r in Planner(api).resources}
    assert resources["/tasks"].create == "createTask" and resources["/tasks"].delete == "deleteTask"
    assert resources["/tasks"].id_pointer == "/id"
