"""Spec-derived oracles on small plant-nursery specs: what each plans, renders, and skips with a reason."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from generators.api.codegen import render_scenario
from generators.api.data import is_valid
from generators.api.planner import Planner
from tools.openapi import build_api_model
from vocabulary.api_model import ApiModel
from vocabulary.claims import Ref, Scenario

_ERROR = {"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}
_PLANT_CREATE = {
    "type": "object",
    "required": ["species", "height_cm"],
    "properties": {
        "species": {"type": "string", "minLength": 2, "maxLength": 40},
        "height_cm": {"type": "integer", "minimum": 1, "maximum": 300},
        "kind": {"type": "string", "enum": ["fern", "cactus", "orchid"]},
        "watered_at": {"type": "string", "format": "date-time"},
        "secret_code": {"type": "string", "writeOnly": True},
        "pot": {
            "type": "object",
            "required": ["diameter_cm"],
            "properties": {"diameter_cm": {"type": "integer", "minimum": 5, "maximum": 60}},
        },
        "tags": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "string", "maxLength": 10}},
    },
}
_PLANT = {
    "type": "object",
    "required": ["plant_no", "species", "height_cm"],
    "properties": {
        "plant_no": {"type": "integer", "readOnly": True},
        "species": {"type": "string"},
        "height_cm": {"type": "integer"},
        "kind": {"type": "string", "enum": ["fern", "cactus", "orchid"]},
        "watered_at": {"type": "string", "format": "date-time"},
        "pot": {"type": "object"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "label": {"type": "string", "readOnly": True},
    },
}
_PAGE = {
    "type": "object",
    "required": ["entries", "total_count"],
    "properties": {
        "entries": {"type": "array", "items": _PLANT},
        "total_count": {"type": "integer"},
        "notes": {"type": "string"},
    },
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _json(_ERROR)}


def nursery(
    *,
    list_params: list[dict[str, Any]] | None = None,
    list_schema: dict[str, Any] | None = None,
    scheme: dict[str, Any] | None = None,
    with_delete: bool = True,
    delete_404: bool = True,
) -> ApiModel:
    """A plants API: list, create, read, patch and (optionally) delete, behind one security scheme."""
    item_ops: dict[str, Any] = {
        "parameters": [{"name": "plantNo", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "get": {
            "operationId": "getPlant",
            "responses": {"200": {"description": "ok", "content": _json(_PLANT)}, "404": _error("unknown")},
        },
        "patch": {
            "operationId": "updatePlant",
            "requestBody": {"required": True, "content": _json({**_PLANT_CREATE, "required": []})},
            "responses": {"200": {"description": "ok", "content": _json(_PLANT)}, "422": _error("invalid")},
        },
    }
    if with_delete:
        responses: dict[str, Any] = {"204": {"description": "gone"}}
        if delete_404:
            responses["404"] = _error("unknown")
        item_ops["delete"] = {"operationId": "deletePlant", "responses": responses}
        if not delete_404:
            item_ops["get"]["responses"].pop("404")
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Nursery", "version": "1"},
        "security": [{"nurseryAuth": []}],
        "components": {"securitySchemes": {"nurseryAuth": scheme or {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/plants": {
                "get": {
                    "operationId": "listPlants",
                    "parameters": list_params if list_params is not None else _paging(),
                    "responses": {
                        "200": {"description": "ok", "content": _json(list_schema or _PAGE)},
                        "401": _error("no"),
                    },
                },
                "post": {
                    "operationId": "createPlant",
                    "requestBody": {"required": True, "content": _json(_PLANT_CREATE)},
                    "responses": {
                        "201": {
                            "description": "made",
                            "content": _json(_PLANT),
                            "links": {
                                "ReadIt": {
                                    "operationId": "getPlant",
                                    "parameters": {"plantNo": "$response.body#/plant_no"},
                                }
                            },
                        },
                        "401": _error("no"),
                        "422": _error("invalid"),
                    },
                },
            },
            "/plants/{plantNo}": item_ops,
        },
    }
    return build_api_model(document, source="nursery.json", base_url="http://127.0.0.1:9")


def _paging(**limit_schema: Any) -> list[dict[str, Any]]:
    limit = limit_schema or {"type": "integer", "minimum": 1, "maximum": 20}
    return [
        {"name": "per_page", "in": "query", "schema": limit},
        {"name": "skip", "in": "query", "schema": {"type": "integer", "minimum": 0}},
        {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["fern", "cactus", "orchid"]}},
        {"name": "species", "in": "query", "schema": {"type": "string"}},
    ]


def planned(api: ApiModel) -> tuple[dict[str, Scenario], Planner]:
    planner = Planner(api)
    return {s.name: s for s in planner.plan()}, planner


def skipped(planner: Planner) -> dict[tuple[str, str], str]:
    return {(s.operation_id, s.oracle): s.reason for s in planner.skipped}


def code(scenario: Scenario, api: ApiModel) -> str:
    return render_scenario(scenario, api, module="test_plants.py").code


# -- auth ---------------------------------------------------------------------------------------------


def test_secured_operations_refuse_missing_bogus_and_malformed_credentials() -> None:
    api = nursery()
    scenarios, _ = planned(api)
    auth = scenarios["test_get_plant_requires_auth"]
    assert [s.title for s in auth.steps] == [
        "Call without credentials",
        "Call with a secret the server never issued",
        "Call with a malformed Authorization header",
    ]
    assert auth.steps[1].headers["Authorization"].startswith("Bearer ")
    assert auth.steps[2].headers == {"Authorization": "Bearer"}
    # Only 401 is documented for listPlants; getPlant documents neither, so both are accepted.
    assert scenarios["test_list_plants_requires_auth"].steps[1].expect.statuses == [401]
    assert auth.steps[1].expect.statuses == [401, 403]
    assert {s.auth for s in auth.steps} == {"none"}
    source = code(auth, api)
    assert source.count("anonymous_client.get(") == source.count("client.get(") == 3


def test_an_api_key_in_the_query_gets_a_bogus_key_and_no_malformed_header() -> None:
    api = nursery(scheme={"type": "apiKey", "in": "query", "name": "key"})
    auth = planned(api)[0]["test_get_plant_requires_auth"]
    assert len(auth.steps) == 2 and auth.steps[1].query == {"key": "testops-wrong-credentials-0000"}


def test_credentials_that_cannot_be_made_up_are_skipped_with_the_reason() -> None:
    api = nursery(scheme={"type": "mutualTLS"})
    scenarios, planner = planned(api)
    assert len(scenarios["test_get_plant_requires_auth"].steps) == 1
    assert "mutualTLS" in skipped(planner)[("getPlant", "wrong credentials refused")]


# -- creations, cleanup and echo -----------------------------------------------------------------------


def test_every_creation_is_deleted_when_the_test_ends() -> None:
    api = nursery()
    scenarios, _ = planned(api)
    source = code(scenarios["test_create_plant_happy_path"], api)
    assert source.splitlines()[5].strip() == "with cleanup_after() as cleanup:"
    # Right after the call, before its checks (wrapped one argument a line when long).
    flat = "".join(source.split())
    assert 'cleanup.delete_made(client,response,"/plants/{plantNo}",{},made={"plantNo":"/plant_no"}' in flat
    assert flat.index("cleanup.delete_made(") < flat.index("expect_status(")
    for scenario in scenarios.values():
        creations = [
            s for s in scenario.steps if s.operation_id == "createPlant" and s.expect.statuses == [201]
        ]
        assert all(s.expect.cleanup is not None for s in creations), scenario.name


def test_without_a_delete_operation_the_leftovers_are_reported() -> None:
    scenarios, planner = planned(nursery(with_delete=False))
    assert "test_plant_lifecycle" not in scenarios
    assert "no DELETE" in skipped(planner)[("createPlant", "cleanup")]


def test_echo_checks_only_values_the_server_is_not_said_to_own() -> None:
    scenarios, _ = planned(nursery())
    create = scenarios["test_plant_lifecycle"].steps[0]
    checked = {c.pointer for c in create.expect.fields}
    sent = set(create.body)
    assert checked <= {"/species", "/height_cm", "/kind"} and "/species" in checked
    # Formats that normalise, writeOnly secrets and structured values are not compared.
    assert not checked & {"/watered_at", "/secret_code", "/pot", "/tags"}
    assert {"species", "height_cm"} <= sent


# -- lifecycle ------------------------------------------------------------------------------------------


def test_the_lifecycle_finds_the_item_in_the_list_then_misses_it_after_delete() -> None:
    api = nursery()
    lifecycle = planned(api)[0]["test_plant_lifecycle"]
    listed = [s for s in lifecycle.steps if s.operation_id == "listPlants"]
    assert [s.expect.fields[0].op for s in listed] == ["has_item", "lacks_item"]
    assert listed[0].expect.fields[0].value == Ref(step="created", pointer="/plant_no")
    assert listed[0].query == {"per_page": 20, "skip": 0}
    last = lifecycle.steps[-1]
    assert (last.operation_id, last.expect.statuses) == ("deletePlant", [404])
    source = code(lifecycle, api)
    assert 'walk_pages(client, response, "listPlants", items="/entries", key="/plant_no", limit=20' in source
    assert 'expect_unlisted(listed, "", "/plant_no", value_at(created, "/plant_no"))' in source


def test_a_second_delete_without_a_documented_404_accepts_any_4xx_and_says_so() -> None:
    scenarios, planner = planned(nursery(delete_404=False))
    last = scenarios["test_plant_lifecycle"].steps[-1]
    assert last.expect.statuses == [] and last.expect.status_class == "4xx"
    assert "any 4xx" in skipped(planner)[("deletePlant", "second DELETE answers 404")]


def test_a_refused_update_leaves_every_field_it_could_change() -> None:
    scenarios, _ = planned(nursery())
    steps = scenarios["test_update_plant_refused_change_keeps_the_item"].steps
    before, update, after = steps[-3:]
    assert before.save_as == "before" and update.expect.statuses == [422]
    assert not is_valid({**_PLANT_CREATE, "required": []}, update.body)
    compared = {c.pointer: c.value for c in after.expect.fields}
    assert compared["/species"] == Ref(step="before", pointer="/species")
    assert "/label" not in compared and "/secret_code" not in compared


# -- lists: paging and filters ----------------------------------------------------------------------------


def test_pagination_seeds_more_than_two_pages_and_walks_them_small() -> None:
    api = nursery()
    scenario = planned(api)[0]["test_list_plants_pages_are_consistent"]
    seeds = [s for s in scenario.steps if s.operation_id == "createPlant"]
    walk = scenario.steps[-1]
    assert len(seeds) == 5 and walk.query == {"per_page": 2, "skip": 0}
    paging = walk.expect.paging
    assert paging is not None
    assert (paging.items_pointer, paging.limit, paging.offset_param, paging.total_pointer) == (
        "/entries",
        2,
        "skip",
        "/total_count",
    )
    assert {c.value.step for c in walk.expect.fields if isinstance(c.value, Ref)} == {
        f"seed_{n}" for n in range(1, 6)
    }
    assert len({str(s.body) for s in seeds}) == 2


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ([{"name": "cursor", "in": "query", "schema": {"type": "string"}}], "cursor"),
        ([{"name": "page", "in": "query", "schema": {"type": "integer"}}], "first 'page'"),
        (
            [{"name": "limit", "in": "query", "schema": {"type": "string"}}, _paging()[1]],
            "not documented as an integer",
        ),
        (_paging(type="integer", minimum=25), "too large"),
    ],
)
def test_paging_the_spec_leaves_open_is_skipped_with_the_reason(
    params: list[dict[str, Any]], reason: str
) -> None:
    scenarios, planner = planned(nursery(list_params=params))
    assert "test_list_plants_pages_are_consistent" not in scenarios
    assert reason in skipped(planner)[("listPlants", "pagination")]


def test_page_numbers_start_where_the_schema_says() -> None:
    params = [
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {"name": "size", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 5}},
    ]
    walk = planned(nursery(list_params=params))[0]["test_list_plants_pages_are_consistent"].steps[-1]
    assert walk.query == {"size": 2, "page": 1}
    assert walk.expect.paging is not None and walk.expect.paging.page_param == "page"


def test_an_array_list_without_paging_still_finds_the_created_item() -> None:
    api = nursery(list_params=[], list_schema={"type": "array", "items": _PLANT})
    scenarios, _ = planned(api)
    assert "test_list_plants_pages_are_consistent" not in scenarios
    listed = [s for s in scenarios["test_plant_lifecycle"].steps if s.operation_id == "listPlants"]
    assert listed[0].query == {} and listed[0].expect.paging is not None
    assert listed[0].expect.paging.items_pointer == ""


def test_an_enum_filter_is_checked_against_an_item_with_another_value() -> None:
    api = nursery()
    scenarios, planner = planned(api)
    scenario = scenarios["test_list_plants_filters_by_kind"]
    matching, other = (s for s in scenario.steps if s.operation_id == "createPlant")
    assert (matching.body["kind"], other.body["kind"]) == ("fern", "cactus")
    walk = scenario.steps[-1]
    assert walk.query["kind"] == "fern"
    assert [c.op for c in walk.expect.fields] == ["all==", "has_item", "lacks_item"]
    assert 'expect_every(listed, "", "/kind", "fern")' in code(scenario, api)
    # A free-text filter might match by prefix or substring: not checked, and said so.
    assert "not documented" in skipped(planner)[("listPlants", "filter by species")]


# -- data at the edges -------------------------------------------------------------------------------------


def test_bounded_fields_are_sent_at_both_ends_nested_ones_too() -> None:
    scenario = planned(nursery())[0]["test_create_plant_accepts_boundary_values"]
    low, high = (s.body for s in scenario.steps)
    assert (len(low["species"]), low["height_cm"], len(low["tags"])) == (2, 1, 1)
    assert (len(high["species"]), high["height_cm"], len(high["tags"])) == (40, 300, 3)
    if "pot" in low:
        assert (low["pot"]["diameter_cm"], high["pot"]["diameter_cm"]) == (5, 60)
    assert is_valid(_PLANT_CREATE, low) and is_valid(_PLANT_CREATE, high)
    assert all(s.expect.statuses == [201] and s.expect.cleanup for s in scenario.steps)


def test_nested_objects_and_array_items_break_their_own_constraints() -> None:
    scenarios, _ = planned(nursery())
    nested = {n: s for n, s in scenarios.items() if "_pot_" in n or "_tags_" in n}
    assert "test_create_plant_rejects_missing_pot_diameter_cm" in nested
    for scenario in nested.values():
        body = scenario.steps[-1].body
        assert not is_valid(_PLANT_CREATE, body) and scenario.steps[-1].expect.statuses == [422]


def test_rejections_check_the_documented_error_body() -> None:
    scenarios, _ = planned(nursery())
    negative = scenarios["test_create_plant_rejects_missing_species"]
    assert negative.steps[-1].expect.schema_of == ("createPlant", "422")
    # listPlants documents no 400/422: any 4xx, its body checked against whatever the spec gives that status.
    query = scenarios["test_list_plants_rejects_per_page_wrong_type"].steps[-1].expect
    assert (query.status_class, query.schema_of) == ("4xx", ("listPlants", "4XX"))


def test_skips_are_recorded_once_per_plan() -> None:
    planner = Planner(nursery(with_delete=False))
    first = copy.deepcopy(planner.plan()), list(planner.skipped)
    planner.plan()
    assert planner.skipped == first[1] and first[1]


def test_bounded_query_parameters_are_sent_at_both_ends_but_never_past_the_last_page() -> None:
    scenario = planned(nursery())[0]["test_list_plants_accepts_boundary_values"]
    assert [s.query for s in scenario.steps] == [{"per_page": 1}, {"per_page": 20}]
