"""Safe mode: against a target the user does not own, no test changes or deletes data it did not create."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from langgraph.runtime import Runtime

from generators.api.offline import OfflineApiGenerator
from generators.api.planner import Planner
from generators.base import GeneratedSuite
from graph.context import Context, RunOptions
from graph.state import State
from nodes.generate import generation
from nodes.optimize import optimization
from server.schemas import ApiRequestCreate
from tests.generators.sample_runs import LoggedTaskTracker, generated_sample_suite, run_suite
from tests.generators.specs import load_spec
from vocabulary.artefacts import number_requirements
from vocabulary.claims import Expectation, Given, Ref, Scenario, Step

# Hand-written for the shelter spec: one a creation can check, one only an existing animal could satisfy.
_REQUIREMENTS = ["Booking a visit answers 201.", "Releasing an animal that does not exist answers 404."]
_NOT_OURS = "safe mode: would {} on data it did not create"


@pytest.fixture(scope="module")
def suites() -> dict[bool, GeneratedSuite]:
    api, requirements = load_spec("shelter"), number_requirements(_REQUIREMENTS)
    return {safe: OfflineApiGenerator(safe=safe).generate(api, requirements) for safe in (False, True)}


def test_calls_on_items_the_test_did_not_create_are_left_out_with_the_reason(
    suites: dict[bool, GeneratedSuite],
) -> None:
    assert suites[False].omitted_in_safe_mode == {}
    assert suites[True].omitted_in_safe_mode == {
        "test_animals.py::test_replace_animal_requires_auth": _NOT_OURS.format("PUT /animals/{animalId}"),
        "test_animals.py::test_replace_animal_unknown_id_returns_404": _NOT_OURS.format(
            "PUT /animals/{animalId}"
        ),
        "test_animals.py::test_release_animal_requires_auth": _NOT_OURS.format("DELETE /animals/{animalId}"),
        "test_animals.py::test_release_animal_unknown_id_returns_404": _NOT_OURS.format(
            "DELETE /animals/{animalId}"
        ),
        "test_animals.py::test_rename_animal_requires_auth": _NOT_OURS.format("PATCH /animals/{animalId}"),
        "test_animals.py::test_rename_animal_unknown_id_returns_404": _NOT_OURS.format(
            "PATCH /animals/{animalId}"
        ),
        "test_animals.py::test_vaccinate_animal_requires_auth": _NOT_OURS.format(
            "POST /animals/{animalId}/vaccinate"
        ),
        "test_requirements.py::test_r2_releasing_animal_that_does_not_exist": _NOT_OURS.format(
            "DELETE /animals/{animalId}"
        ),
    }
    written = {t.test_id for t in suites[True].tests}
    assert written.isdisjoint(suites[True].omitted_in_safe_mode)
    assert written | set(suites[True].omitted_in_safe_mode) == {t.test_id for t in suites[False].tests}


def test_the_suite_ships_what_safe_mode_left_out(suites: dict[bool, GeneratedSuite]) -> None:
    shipped = json.loads(suites[True].support_files["skipped_checks.json"])
    left_out = {
        entry["oracle"]: entry["reason"] for entry in shipped if entry["reason"].startswith("safe mode")
    }
    omitted = suites[True].omitted_in_safe_mode
    assert left_out == {test_id.split("::")[1]: reason for test_id, reason in omitted.items()}


def test_a_requirement_only_existing_data_could_check_is_uncovered_with_the_reason(
    suites: dict[bool, GeneratedSuite],
) -> None:
    coverage = {c.requirement_id: c for c in suites[True].coverage}
    assert coverage["R1"].covered
    assert not coverage["R2"].covered
    assert coverage["R2"].reason == _NOT_OURS.format("DELETE /animals/{animalId}")
    assert {c.requirement_id: c.covered for c in suites[False].coverage} == {"R1": True, "R2": True}


def test_its_own_items_are_still_changed_and_deleted(suites: dict[bool, GeneratedSuite]) -> None:
    tests = {t.test_id: t.code for t in suites[True].tests}
    for name, method in [
        ("test_animal_lifecycle", "delete"),
        ("test_replace_animal_happy_path", "put"),
        ("test_rename_animal_happy_path", "patch"),
        ("test_vaccinate_animal_happy_path", "post"),
    ]:
        code = tests[f"test_animals.py::{name}"]
        after_creation = code[code.index('client.post("/animals"') + 1 :]
        assert re.search(rf'client\.{method}\(\s*f"/animals/{{animal_id}}', after_creation), name


def test_the_tests_it_keeps_are_written_exactly_as_without_safe_mode(
    suites: dict[bool, GeneratedSuite],
) -> None:
    unsafe = {t.test_id: t.code for t in suites[False].tests}
    assert all(t.code == unsafe[t.test_id] for t in suites[True].tests)
    assert suites[True].support_files.keys() == suites[False].support_files.keys()


def _step(operation_id: str, path_params: dict[str, object], **extra: object) -> Step:
    return Step(operation_id=operation_id, title=operation_id, path_params=path_params, **extra)  # type: ignore[arg-type]


def _scenario(*steps: Step) -> Scenario:
    return Scenario(
        name="test_x", title="x", feature="animals", story="x", category="requirement", steps=list(steps)
    )


def test_only_items_its_own_successful_creations_answered_count_as_its_own() -> None:
    planner = Planner(load_spec("shelter"))
    made = Step(
        operation_id="admitAnimal", title="admit", body={"name": "Tom", "species": "cat"}, save_as="created",
        expect=Expectation(statuses=[201]),
    )  # fmt: skip
    refused = made.model_copy(update={"save_as": "refused", "expect": Expectation(statuses=[422])})
    own, other = Ref(step="created", pointer="/id"), Ref(step="refused", pointer="/id")
    assert planner.destructive_call(_scenario(made, _step("releaseAnimal", {"animalId": own}))) is None
    assert planner.destructive_call(_scenario(made, _step("vaccinateAnimal", {"animalId": own}))) is None
    assert planner.destructive_call(_scenario(refused, _step("releaseAnimal", {"animalId": other})))
    existing = _scenario(_step("renameAnimal", {"animalId": Given(name="animalId")}))
    assert planner.destructive_call(existing) == _NOT_OURS.format("PATCH /animals/{animalId}")
    # Reading what is not its own is fine.
    assert planner.destructive_call(_scenario(_step("getAnimal", {"animalId": 7}))) is None


def test_safe_is_a_run_option_from_the_request_body_and_recorded_in_the_summary() -> None:
    body = ApiRequestCreate.model_validate(
        {"openapi_url": "http://127.0.0.1:9/spec.yaml", "options": {"safe": True}}
    )
    options = RunOptions.model_validate(body.options.model_dump())
    assert options.safe and not RunOptions().safe
    context = Context(database_url="sqlite://", workspace_dir="/tmp", safe=options.safe)
    state = State(request_id="r", kind="api", target="shelter.yaml", api=load_spec("shelter"),
                  requirements=_REQUIREMENTS)  # fmt: skip
    generated = generation(state, Runtime(context=context))
    state.summary = generated["summary"]
    summary = optimization(state)["summary"]
    assert summary.safe
    assert summary.omitted_in_safe_mode["test_animals.py::test_release_animal_unknown_id_returns_404"]


def test_a_safe_suite_run_touches_no_item_it_did_not_create(tmp_path: Path) -> None:
    service = LoggedTaskTracker()
    seeded = service.seed()
    before = service.items()
    result = run_suite(generated_sample_suite(safe=True), tmp_path, service)
    assert result.returncode == 0, result.stdout[-3000:]
    changing = [c for c in service.calls if c.method in ("DELETE", "PUT", "PATCH")]
    assert changing, "the suite still changes and deletes its own items"
    assert [c for c in changing if c.path not in service.created] == []
    assert {path: item for path, item in service.items().items() if path in seeded} == {
        path: before[path] for path in seeded
    }
