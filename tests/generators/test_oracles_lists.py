"""List oracles on small plant-nursery specs: filters on array fields and declared totals."""

from __future__ import annotations

import copy
from typing import Any

from generators.api.listing import list_shape
from tests.generators.test_oracles import _PAGE, _PLANT, _json, _paging, code, nursery, planned, skipped
from tools.openapi import build_api_model
from vocabulary.api_model import ApiModel


def _tag_filter(**schema: Any) -> list[dict[str, Any]]:
    return [*_paging(), {"name": "tag", "in": "query", "schema": schema or {"type": "string"}}]


def test_a_singular_filter_of_an_array_field_lists_the_item_holding_the_value_only() -> None:
    api = nursery(list_params=_tag_filter())
    scenario = planned(api)[0]["test_list_plants_filters_by_tag"]
    matching, other = (s for s in scenario.steps if s.operation_id == "createPlant")
    assert (matching.body["tags"], other.body["tags"]) == (["alpha"], ["omega"])
    walk = scenario.steps[-1]
    assert walk.query["tag"] == "alpha"
    assert [(c.op, c.value.step) for c in walk.expect.fields] == [
        ("has_item", "seed_1"),
        ("lacks_item", "seed_2"),
    ]
    source = code(scenario, api)
    assert "expect_unlisted(listed" in source and "expect_every" not in source


def test_an_array_filter_it_cannot_make_values_for_is_skipped_with_the_reason() -> None:
    _, planner = planned(nursery(list_params=_tag_filter(type="integer")))
    assert "arrays of strings" in skipped(planner)[("listPlants", "filter by tag")]


def _ok(status: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {status: {"description": "ok", "content": _json(schema)}}


def _enveloped(field: str, filter_name: str) -> ApiModel:
    """Creation wraps the item in `{"plant": ...}`, as many real APIs do; the list filters by one name."""
    item = copy.deepcopy(_PLANT)
    item["properties"][field] = item["properties"].pop("tags")
    create = {
        "type": "object",
        "required": ["plant"],
        "properties": {"plant": {"type": "object", "required": ["species"], "properties": {
            "species": {"type": "string"}, field: {"type": "array", "items": {"type": "string"}},
        }}},
    }  # fmt: skip
    envelope = {"type": "object", "properties": {"plant": item}}
    page = {"type": "object", "properties": {"plants": {"type": "array", "items": item}}}
    filters = [{"name": filter_name, "in": "query", "schema": {"type": "string"}}]
    path_id = {"name": "plantNo", "in": "path", "required": True, "schema": {"type": "integer"}}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Nursery", "version": "1"},
        "paths": {
            "/plants": {
                "get": {"operationId": "listPlants", "parameters": filters, "responses": _ok("200", page)},
                "post": {
                    "operationId": "createPlant",
                    "requestBody": {"required": True, "content": _json(create)},
                    "responses": _ok("201", envelope),
                },
            },
            "/plants/{plantNo}": {
                "parameters": [path_id],
                "get": {"operationId": "getPlant", "responses": _ok("200", envelope)},
            },
        },
    }
    return build_api_model(document, source="nursery.json", base_url="http://127.0.0.1:9")


def test_the_array_field_is_found_by_its_plural_or_list_name_inside_a_body_envelope() -> None:
    for field, filter_name in (("colourList", "colour"), ("categories", "category")):
        scenario = planned(_enveloped(field, filter_name))[0][f"test_list_plants_filters_by_{filter_name}"]
        seeds = [s.body for s in scenario.steps if s.operation_id == "createPlant"]
        assert [body["plant"][field] for body in seeds] == [["alpha"], ["omega"]]


def _page(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {"plants": {"type": "array", "items": _PLANT}, **properties}}


def test_a_count_named_after_the_items_or_a_lone_count_is_the_total() -> None:
    integer = {"type": "integer"}
    cases = {
        "/plantsCount": _page(plantsCount=integer),
        "/count": _page(count=integer),
        "/total_count": {**_PAGE},
        "/meta/totalItems": _page(meta={"type": "object", "properties": {"totalItems": integer}}),
        # A page count, or a count inside a paging object (often the page's own), is no total of items.
        None: _page(totalPages=integer, meta={"type": "object", "properties": {"count": integer}}),
    }
    for pointer, schema in cases.items():
        shape = list_shape(nursery(list_schema=schema).operation("listPlants"))
        assert not isinstance(shape, str) and shape.total_pointer == pointer, schema
