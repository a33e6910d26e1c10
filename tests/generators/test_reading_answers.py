"""What an answer must carry beyond statuses and values, on a made-up recipe API: response headers, JSON types
and the order of a list, read from the text and rendered as working assertions."""

from __future__ import annotations

from typing import Any

import pytest

from generators.api.codegen import render_scenario
from generators.api.requirements import Uncovered, plan_requirement
from generators.api.suite import support
from tests.generators.specs import load_spec
from vocabulary.artefacts import Requirement
from vocabulary.claims import Scenario


def scenarios(text: str, spec: str = "recipes") -> list[Scenario]:
    result = plan_requirement(Requirement(requirement_id="A1", text=text), load_spec(spec))
    assert not isinstance(result, Uncovered), result.reason
    return result


def reason(text: str) -> str:
    result = plan_requirement(Requirement(requirement_id="A9", text=text), load_spec("recipes"))
    assert isinstance(result, Uncovered), [s.name for s in result]
    return result.reason


def assertion(scenario: Scenario, needle: str) -> str:
    """The rendered assertion line holding `needle`."""
    code = render_scenario(scenario, load_spec("recipes"), module="test_answers").code
    (line,) = [line.strip() for line in code.splitlines() if needle in line]
    return line


def holds(line: str, **names: Any) -> bool:
    try:
        exec(line, {"item_values": support.item_values, "value_at": support.value_at, **names})  # noqa: S102
    except AssertionError:
        return False
    return True


def test_a_written_header_must_be_present_and_start_with_its_value() -> None:
    (scenario,) = scenarios(
        "Listing recipes without a token answers 401 with a `WWW-Authenticate: Bearer` header."
    )
    assert scenario.steps[-1].expect.headers == {"WWW-Authenticate": "Bearer"}


def test_a_named_header_must_be_present() -> None:
    (scenario,) = scenarios("Creating a recipe answers 201 and a Location header.")
    assert scenario.steps[-1].expect.headers == {"Location": ""}


def test_a_header_without_a_name_is_uncovered() -> None:
    assert "cannot tell which response header" in reason("Creating a recipe answers 201 with a header.")


def test_a_field_type_on_a_list_checks_every_item_of_a_created_one() -> None:
    (scenario,) = scenarios("Every recipe listed by GET /v1/recipes shows its name as a string.")
    assert [s.operation_id for s in scenario.steps] == ["createRecipe", "listRecipes"]
    (check,) = scenario.steps[-1].expect.fields
    assert (check.pointer, check.op, check.item_pointer, check.value) == (
        "/recipes",
        "type",
        "/name",
        "string",
    )
    line = assertion(scenario, "isinstance")
    assert holds(line, body={"recipes": [{"name": "Soup"}]})
    assert not holds(line, body={"recipes": [{"name": 3}]})


def test_a_boolean_is_no_integer() -> None:
    (scenario,) = scenarios("A created recipe returns servings as an integer.")
    line = assertion(scenario, "isinstance")
    assert holds(line, body={"recipe": {"servings": 2}})
    assert not holds(line, body={"recipe": {"servings": True}})


def test_most_recent_first_seeds_two_items_and_checks_the_creation_dates_descend() -> None:
    (scenario,) = scenarios("Listing recipes returns them ordered by most recent first.")
    assert [s.operation_id for s in scenario.steps] == ["createRecipe", "createRecipe", "listRecipes"]
    line = assertion(scenario, "sorted(")
    newer, older = {"createdAt": "2030-01-02T00:00:00Z"}, {"createdAt": "2030-01-01T00:00:00Z"}
    assert holds(line, body={"recipes": [newer, older]})
    assert not holds(line, body={"recipes": [older, newer]})


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("Listing recipes returns them sorted by name ascending.", "depends on collation"),
        ("Listing recipes returns them sorted by servings.", "in which direction"),
        ("Listing recipes returns them sorted by servings, highest first.", "may lack servings"),
    ],
)
def test_an_order_the_reader_cannot_check_is_uncovered(text: str, part: str) -> None:
    assert part in reason(text)


def test_a_universal_validation_claim_leaves_out_a_required_field_of_every_operation() -> None:
    built = scenarios(
        'Should any request fail validation, it gets a 422 with errors shaped like {"errors": {"x": []}}.'
    )
    refused = {s.steps[-1].operation_id: s.steps[-1] for s in built}
    assert set(refused) == {"signUp", "signIn", "createRecipe", "updateRecipe", "addNote"}
    # The envelope stays; the first required field inside it is left out.
    assert refused["createRecipe"].body == {"recipe": {"steps": "Simmer for an hour", "servings": 1}}
    assert all(step.expect.statuses == [422] for step in refused.values())
    assert all(
        [(c.pointer, c.op) for c in step.expect.fields] == [("/errors", "exists")]
        for step in refused.values()
    )


def test_a_validation_claim_naming_its_call_is_read_as_that_call() -> None:
    (scenario,) = scenarios("POST /v1/recipes without a name fails validation with 422.")
    assert scenario.steps[-1].operation_id == "createRecipe"
