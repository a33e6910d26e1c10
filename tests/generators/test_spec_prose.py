"""Operation descriptions read as claims: safe sentences become spec-derived tests, the rest vanish."""

from __future__ import annotations

from typing import Any

import pytest

from generators.api.offline import OfflineApiGenerator
from generators.api.planner import Planner
from generators.api.spec_prose import SPEC_SOURCE, spec_prose_scenarios
from tools.openapi import build_api_model
from vocabulary.api_model import ApiModel
from vocabulary.claims import Ref, Scenario

RECIPE: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "stars", "starred"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "stars": {"type": "integer", "minimum": 0},
        "starred": {"type": "boolean"},
    },
}
ANSWER = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Recipe"}}}}
ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def _spec(star_description: str, create_description: str = "") -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Recipes", "version": "1"},
        "paths": {
            "/recipes": {
                "post": {
                    "operationId": "createRecipe",
                    "description": create_description,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["name"],
                                    "properties": {"name": {"type": "string", "minLength": 1}},
                                }
                            }
                        },
                    },
                    "responses": {"201": {"description": "Created.", **ANSWER}},
                }
            },
            "/recipes/{id}": {
                "get": {
                    "operationId": "getRecipe",
                    "parameters": ID,
                    "responses": {
                        "200": {"description": "The recipe.", **ANSWER},
                        "404": {"description": "-"},
                    },
                }
            },
            "/recipes/{id}/star": {
                "post": {
                    "operationId": "starRecipe",
                    "description": star_description,
                    "parameters": ID,
                    "responses": {"200": {"description": "Starred.", **ANSWER}, "404": {"description": "-"}},
                }
            },
        },
        "components": {"schemas": {"Recipe": RECIPE}},
    }


def _api(star_description: str, create_description: str = "") -> ApiModel:
    spec = _spec(star_description, create_description)
    return build_api_model(spec, source="recipes.yaml", base_url="http://127.0.0.1:1")


def _read(star_description: str) -> list[Scenario]:
    api = _api(star_description)
    return spec_prose_scenarios(api, Planner(api).plan())


def test_a_relative_change_becomes_a_spec_derived_check() -> None:
    [scenario] = _read("Authentication required, answers with the recipe with `stars` one higher.")
    checked = scenario.steps[-1]
    assert checked.operation_id == "starRecipe"
    assert scenario.category != "requirement" and scenario.requirement_ids == []
    assert "spec description" in scenario.title and "from the spec's description" in scenario.story
    [check] = [c for c in checked.expect.fields if c.pointer == "/stars"]
    assert check.source == SPEC_SOURCE
    assert isinstance(check.value, Ref) and check.value.plus == 1


@pytest.mark.parametrize(
    "description",
    [
        "Starring can fail, e.g. for a recipe with `stars` one higher than the limit.",  # hedged
        "Answers with the recipe; GET /recipes/{id} then shows `stars` one higher.",  # names another call
        "Accepted fields are `name` and `stars`.",  # lists fields: no checkable value of the answer
        "Authentication required.",  # the security block's business
        "Stars are a way to remember what you liked.",  # not read at all
        "When the recipe was starred before, `stars` is 1.",  # a condition the frame does not hold
    ],
)
def test_unsafe_or_unread_sentences_are_dropped_quietly(description: str) -> None:
    assert _read(description) == []


def test_a_default_is_checked_on_a_call_that_leaves_it_out() -> None:
    api = _api("", "A new recipe gets `stars` 0 and `starred` false unless the body says otherwise.")
    [scenario] = spec_prose_scenarios(api, Planner(api).plan())
    checked = scenario.steps[-1]
    assert checked.operation_id == "createRecipe" and "stars" not in checked.body
    assert {(c.pointer, c.value) for c in checked.expect.fields} >= {("/stars", 0), ("/starred", False)}


def test_a_check_already_made_is_not_repeated() -> None:
    api = _api("Answers with the recipe with `stars` one higher.")
    made = Planner(api).plan()
    derived = spec_prose_scenarios(api, made)
    assert derived and spec_prose_scenarios(api, made + derived) == []


def test_the_spec_only_suite_gets_them_and_no_requirement_is_uncovered() -> None:
    suite = OfflineApiGenerator().generate(_api("Answers with the recipe with `stars` one higher."), [])
    derived = [t for t in suite.tests if "spec description" in t.code]
    assert [t.operation_ids[-1] for t in derived] == ["starRecipe"]
    assert derived[0].requirement_ids == [] and derived[0].module != "test_requirements.py"
    assert suite.coverage == []
    assert suite.skipped_oracles == OfflineApiGenerator().generate(_api(""), []).skipped_oracles
