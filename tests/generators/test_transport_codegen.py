"""How generated API tests send requests: bodies by media type, bodies on DELETE/GET, OAuth2 settings."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from generators.api.codegen import render_scenario
from generators.api.offline import support_files
from tools.openapi import build_api_model
from tools.safety import check_test_code
from vocabulary.api_model import ApiModel, Operation, RequestBody, ResponseSpec
from vocabulary.claims import Expectation, Scenario, Step

_SHELF = {
    "type": "object",
    "properties": {
        "label": {"type": "string"},
        "levels": {"type": "integer"},
        "dimensions": {"type": "object", "properties": {"width": {"type": "number"}}},
        "manual": {"type": "string", "format": "binary"},
    },
}


def _api(method: str, content_type: str) -> ApiModel:
    operation = Operation(
        operation_id="placeShelf",
        method=method,  # type: ignore[arg-type]
        path="/shelves",
        request_body=RequestBody(content_type=content_type, schema=_SHELF),
        responses=[ResponseSpec(status="200")],
    )
    return ApiModel(
        title="Shelves",
        openapi_version="3.1.0",
        source="-",
        base_url="http://127.0.0.1:9",
        operations=[operation],
    )


def _code(api: ApiModel, body: Any) -> str:
    step = Step(operation_id="placeShelf", title="place", body=body, expect=Expectation(statuses=[200]))
    scenario = Scenario(
        name="test_place",
        title="places",
        feature="shelves",
        story="place",
        category="happy_path",
        steps=[step],
    )
    code = render_scenario(scenario, api, module="test_shelves.py").code
    ast.parse(code)
    return code


@pytest.mark.parametrize("method", ["delete", "get"])
def test_a_body_on_a_method_whose_httpx_shortcut_takes_none_goes_through_request(method: str) -> None:
    code = _code(_api(method, "application/json"), {"label": "oak"})
    assert f'anonymous_client.request("{method.upper()}", "/shelves", json={{"label": "oak"}})' in code


def test_a_body_on_post_uses_the_shortcut() -> None:
    assert 'anonymous_client.post("/shelves", json={"label": "oak"})' in _code(
        _api("post", "application/json"), {"label": "oak"}
    )


def test_a_url_encoded_form_is_sent_as_data_with_structured_fields_as_json_text() -> None:
    body = {"label": "oak", "levels": 3, "dimensions": {"width": 1.5}}
    code = _code(_api("post", "application/x-www-form-urlencoded; charset=utf-8"), body)
    assert 'data={"label": "oak", "levels": 3, "dimensions": "{\\"width\\": 1.5}"}' in code


def test_a_multipart_form_is_sent_as_parts_with_file_names_on_file_fields() -> None:
    code = _code(_api("put", "multipart/form-data"), {"label": "oak", "levels": 3, "manual": "Sample file"})
    parts = ['"label": (None, "oak")', '"levels": (None, "3")', '"manual": ("manual.txt", "Sample file")']
    assert "files={" in code and all(part in code for part in parts), code


def test_urls_in_the_body_do_not_trip_the_safety_guard() -> None:
    code = _code(_api("post", "application/json"), {"label": "https://example.com/items/1"})
    assert check_test_code(code, allowed_hosts={"127.0.0.1:9"}) == []


def test_oauth2_flows_reach_the_suite_settings_with_the_scopes_operations_need() -> None:
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Shelves", "version": "1"},
        "components": {
            "securitySchemes": {
                "staff": {
                    "type": "oauth2",
                    "flows": {
                        "password": {"tokenUrl": "/auth/token", "scopes": {"shelves:write": "", "audit": ""}},
                        "implicit": {"authorizationUrl": "https://id.test/authorize", "scopes": {}},
                    },
                },
                "sso": {
                    "type": "openIdConnect",
                    "openIdConnectUrl": "https://id.test/.well-known/openid-configuration",
                },
            }
        },
        "paths": {
            "/shelves": {
                "post": {
                    "security": [{"staff": ["shelves:write"]}],
                    "responses": {"201": {"description": "placed"}},
                }
            }
        },
    }
    api = build_api_model(document, source="shelves.json", base_url="http://127.0.0.1:9")
    staff, sso = api.security_schemes
    assert [flow.kind for flow in staff.flows] == ["password", "implicit"]
    assert (
        staff.flow("implicit") is not None
        and staff.flow("implicit").authorization_url == "https://id.test/authorize"
    )
    assert sso.openid_connect_url == "https://id.test/.well-known/openid-configuration"
    settings: dict[str, Any] = {}
    exec(compile(support_files(api)["suite_settings.py"], "suite_settings.py", "exec"), settings)
    assert settings["SECURITY_SCHEMES"] == [
        {"type": "oauth2", "flows": {"password": {"tokenUrl": "/auth/token", "scopes": ["shelves:write"]}}},
        {"type": "openIdConnect"},
    ]
    assert settings["SIGN_UP"] is None  # no public operation makes users
