"""Every part of a claim is a check or a stated reason: "owner_id equal to my user id" is compared with the
current-user call's id, else the requirement is uncovered naming that part; "registering" an account signs
up."""

from __future__ import annotations

import ast

from generators.api.codegen import render_scenario
from generators.api.requirements import Uncovered, plan_requirement
from tests.generators.specs import load_spec
from vocabulary.artefacts import Requirement
from vocabulary.claims import Ref, Scenario


def read(text: str, spec: str) -> list[Scenario] | Uncovered:
    return plan_requirement(Requirement(requirement_id="D1", text=text), load_spec(spec))


def planned(text: str, spec: str) -> list[Scenario]:
    result = read(text, spec)
    assert not isinstance(result, Uncovered), result.reason
    return result


def test_a_field_equal_to_my_user_id_is_compared_with_the_current_users_id() -> None:
    (scenario,) = planned(
        "Making a plot answers with its label and notes and owner_id equal to my user id.", "allotments"
    )
    caller, made = scenario.steps[-2:]
    assert (caller.operation_id, caller.save_as, caller.auth) == (
        "gardeners-read_gardener_me",
        "caller",
        "valid",
    )
    assert made.operation_id == "plots-create_plot"
    checks = sorted((c.pointer, c.op, c.value) for c in made.expect.fields if c.source == "D1")
    assert checks == [
        ("/label", "exists", None),
        ("/notes", "exists", None),
        ("/owner_id", "==", Ref(step="caller", pointer="/id")),
    ]
    ast.parse(render_scenario(scenario, load_spec("allotments"), module="test_requirements").code)


def test_a_field_that_is_mine_keeps_the_field_listed_beside_it() -> None:
    (scenario,) = planned("Adding a plot gives back its label and an owner_id that is mine.", "allotments")
    checks = {(c.pointer, c.op) for c in scenario.steps[-1].expect.fields}
    assert checks == {("/owner_id", "=="), ("/label", "exists")}


def test_the_callers_id_without_a_current_user_call_leaves_the_requirement_uncovered() -> None:
    result = read(
        "Booking a kennel returns its dog_name and nights and booked_by equal to my user id.", "kennels"
    )
    assert isinstance(result, Uncovered)
    assert "'booked_by' must equal the caller's id" in result.reason and "current user" in result.reason


def test_the_uncovered_part_is_named_with_its_claim_when_there_are_several() -> None:
    result = read("Booking a kennel answers 201; the answer shows a booked_by that belongs to me.", "kennels")
    assert isinstance(result, Uncovered)
    assert result.reason.startswith("claim 2 of 2 (") and "'booked_by'" in result.reason


def test_an_equality_no_reader_places_is_reported_not_reduced_to_presence() -> None:
    result = read("Booking a kennel returns its dog_name and booked_by equal to the dog's name.", "kennels")
    assert isinstance(result, Uncovered)
    assert result.reason == "cannot tell what 'booked_by' must equal"


def test_registering_an_account_is_the_public_sign_up() -> None:
    (scenario,) = planned(
        "Registering an account with a password under 8 characters is refused with 422.", "kennels"
    )
    step = scenario.steps[-1]
    assert step.operation_id == "create_account"
    assert len(step.body["password"]) == 7 and step.expect.statuses == [422]


def test_registering_a_thing_of_the_spec_still_creates_that_thing() -> None:
    (scenario,) = planned("Registering a kennel without a dog_name is refused with 422.", "kennels")
    step = scenario.steps[-1]
    assert step.operation_id == "book_kennel" and "dog_name" not in step.body
