"""Resources found from path shapes, and what the planner gets for operations no call can set up."""

from __future__ import annotations

from typing import Any

from generators.api.planner import Planner
from generators.api.resources import find_resources, given_path_parameters, resource_of
from vocabulary.api_model import ApiModel, Operation, Parameter, RequestBody, ResponseSpec
from vocabulary.claims import Given

_RECIPE = {
    "type": "object",
    "required": ["title"],
    "properties": {"id": {"type": "integer"}, "title": {"type": "string"}},
}


def _operation(operation_id: str, method: str, path: str, **extra: Any) -> Operation:
    parameters = [
        Parameter(name=name, location="path", required=True, schema={"type": "string"})
        for name in extra.pop("path_names", [])
    ]
    return Operation(
        operation_id=operation_id,
        method=method,  # type: ignore[arg-type]
        path=path,
        parameters=parameters,
        responses=[ResponseSpec(status="200", schema=_RECIPE)],
        **extra,
    )


def _api(*operations: Operation) -> ApiModel:
    return ApiModel(title="Cookbook", openapi_version="3.1.0", source="cookbook.json", base_url="http://x",
                    operations=list(operations))  # fmt: skip


def test_a_collection_with_a_trailing_slash_pairs_with_its_items() -> None:
    body = RequestBody(content_type="application/json", schema=_RECIPE)
    api = _api(
        _operation("listRecipes", "get", "/api/v1/recipes/"),
        _operation("createRecipe", "post", "/api/v1/recipes/", request_body=body),
        _operation("readRecipe", "get", "/api/v1/recipes/{recipe_id}", path_names=["recipe_id"]),
        _operation("deleteRecipe", "delete", "/api/v1/recipes/{recipe_id}/", path_names=["recipe_id"]),
    )
    [resource] = find_resources(api)
    assert (resource.collection_path, resource.item_path) == (
        "/api/v1/recipes/",
        "/api/v1/recipes/{recipe_id}",
    )
    assert (resource.create, resource.list, resource.read, resource.delete) == (
        "createRecipe", "listRecipes", "readRecipe", "deleteRecipe"
    )  # fmt: skip
    delete = api.operation("deleteRecipe")
    assert delete is not None and resource_of(delete, [resource]) is resource


def test_path_parameters_without_examples_are_given_by_the_user() -> None:
    operation = _operation("readShelf", "get", "/shelves/{shelf}/books/{book}", path_names=["shelf", "book"])
    operation.parameters[0].example = "kitchen"
    assert given_path_parameters(operation) == {"shelf": "kitchen", "book": Given(name="book")}


def test_an_operation_no_call_can_set_up_still_gets_its_happy_path() -> None:
    # No collection creates pantries, so the id can only come from the user.
    api = _api(_operation("readPantry", "get", "/pantries/{pantry_id}", path_names=["pantry_id"]))
    happy = next(s for s in Planner(api).plan() if s.category == "happy_path")
    assert happy.steps[-1].path_params == {"pantry_id": Given(name="pantry_id")}
