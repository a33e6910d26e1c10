"""Reconnaissance of OpenAPI documents: loading, $ref resolution, schema normalisation, operations, probing.

Specs are real files under `specs/`; URLs and base URLs are served by a stdlib HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tools.errors import InputError, SpecError, TargetUnreachableError
from tools.openapi import build_api_model, load_document, probe_base_url, reconnoitre_api
from vocabulary.api_model import ApiModel, Operation

SPECS = Path(__file__).parent / "specs"
TASKS = SPECS / "tasks.yaml"
NOTES = SPECS / "notes31.json"


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves the specs folder; anything else is a 404."""

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """Origin of an HTTP server on 127.0.0.1 serving `specs/`."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(SPECS)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def tasks_api() -> ApiModel:
    document = asyncio.run(load_document(str(TASKS)))
    return build_api_model(document, source=str(TASKS), base_url="http://127.0.0.1:8000/")


def _operation(api: ApiModel, operation_id: str) -> Operation:
    operation = api.operation(operation_id)
    assert operation is not None, f"no operation {operation_id}"
    return operation


def _spec_error(document: dict[str, Any], source: str = "spec.yaml") -> str:
    with pytest.raises(SpecError) as caught:
        build_api_model(document, source=source, base_url="")
    message = str(caught.value)
    assert "\n" not in message
    return message


def _document(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "paths": paths, **extra}


# --- Loading ---------------------------------------------------------------------------------------------


async def test_yaml_file_loads_with_openapi_scalars() -> None:
    document = await load_document(str(TASKS))

    assert document["info"]["title"] == "Tasks API"
    assert "200" in document["paths"]["/tasks"]["get"]["responses"]  # not the integer 200
    properties = document["components"]["schemas"]["NewTask"]["properties"]
    assert "on" in properties  # not the YAML 1.1 boolean True
    assert properties["due"]["example"] == "2024-05-01"  # not a datetime.date


async def test_json_file_loads() -> None:
    document = await load_document(str(NOTES))

    assert document["openapi"] == "3.1.0"


async def test_file_url_is_a_path() -> None:
    document = await load_document(NOTES.as_uri())

    assert document["info"]["title"] == "Notes API"


async def test_http_url_loads(server: str) -> None:
    document = await load_document(f"{server}/notes31.json")

    assert document["info"]["title"] == "Notes API"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "openapi: 3.0.3\ninfo: x: y\n",
            "spec is not valid YAML/JSON: line 2: mapping values are not allowed in this context",
        ),
        ('{"openapi": "3.0.3"\n "info": {}}', "spec is not valid YAML/JSON: line 2: Expecting ',' delimiter"),
        (
            '{"swagger": "2.0"}',
            "spec is Swagger 2.0; convert it to OpenAPI 3 (e.g. with swagger2openapi) and retry",
        ),
        ("info: {title: T}\n", "not an OpenAPI document: no 'openapi' field"),
        ("openapi: 4.0.0\n", "unsupported OpenAPI version 4.0.0 (3.0.x and 3.1.x are supported)"),
        ("openapi: 3.0\n", "unsupported OpenAPI version 3.0 (3.0.x and 3.1.x are supported)"),
        ("- openapi: 3.0.3\n", "not an OpenAPI document: {path} holds a list, not a mapping"),
        ("# nothing\n", "spec is empty: {path}"),
    ],
)
async def test_unusable_file_gives_one_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(text)

    with pytest.raises(SpecError) as caught:
        await load_document(str(path))

    assert str(caught.value) == expected.format(path=path)


@pytest.mark.parametrize(
    ("make_source", "expected"),
    [
        (lambda tmp: str(tmp / "missing.yaml"), "spec not found: {tmp}/missing.yaml"),
        (lambda tmp: str(tmp), "spec is a directory, not a file: {tmp}"),
        (
            lambda tmp: "ftp://example.com/spec.yaml",
            "unsupported spec source ftp://example.com/spec.yaml: give a file path or an http(s) URL",
        ),
    ],
)
async def test_unreadable_source_gives_one_line(tmp_path: Path, make_source: Any, expected: str) -> None:
    with pytest.raises(SpecError) as caught:
        await load_document(make_source(tmp_path))

    assert str(caught.value) == expected.format(tmp=tmp_path)


async def test_binary_file_is_not_a_spec(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"\xff\xfe\x00openapi")

    with pytest.raises(SpecError, match="^spec is not UTF-8 text: "):
        await load_document(str(path))


async def test_missing_url_gives_http_status(server: str) -> None:
    with pytest.raises(SpecError) as caught:
        await load_document(f"{server}/nope.yaml")

    assert str(caught.value).startswith(f"could not fetch spec {server}/nope.yaml: HTTP 404")
    assert "\n" not in str(caught.value)


async def test_refused_url_says_so(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/spec.yaml"

    with pytest.raises(SpecError) as caught:
        await load_document(url, timeout_s=2)

    assert str(caught.value) == f"could not fetch spec {url}: connection refused"


# --- The model -------------------------------------------------------------------------------------------


def test_info_servers_and_base_url(tasks_api: ApiModel) -> None:
    assert (tasks_api.title, tasks_api.version, tasks_api.openapi_version) == ("Tasks API", "1.2.0", "3.0.3")
    assert tasks_api.servers == ["https://eu.tasks.example.com/v1"]
    assert tasks_api.base_url == "http://127.0.0.1:8000"
    assert tasks_api.probe_status is None


def test_operations_in_spec_order_with_synthesized_ids(tasks_api: ApiModel) -> None:
    assert [(op.operation_id, op.method, op.path) for op in tasks_api.operations] == [
        ("listTasks", "get", "/tasks"),
        ("createTask", "post", "/tasks"),
        ("getTask", "get", "/tasks/{taskId}"),
        ("putTasksByTaskId", "put", "/tasks/{taskId}"),
        ("deleteTask", "delete", "/tasks/{taskId}"),
        ("getTasksByTaskIdTree", "get", "/tasks/{taskId}/tree"),
        ("getHealth", "get", "/health"),
        ("getSearch", "get", "/search"),
    ]
    listing = _operation(tasks_api, "listTasks")
    assert (listing.summary, listing.tags, listing.deprecated) == ("List tasks", ["tasks"], False)
    assert _operation(tasks_api, "deleteTask").deprecated


def test_synthesized_ids_are_unique() -> None:
    responses = {"200": {"description": "ok"}}
    document = _document(
        {
            "/items": {"get": {"responses": responses}},
            "/things": {"get": {"operationId": "getItems", "responses": responses}},
            "/a": {"get": {"operationId": "dup", "responses": responses}},
            "/b": {"get": {"operationId": "dup", "responses": responses}},
            "/": {"get": {"responses": responses}},
            "/users/{user_id}/files/{name}.{ext}": {"get": {"responses": responses}},
        }
    )

    api = build_api_model(document, source="spec.yaml", base_url="")

    assert [op.operation_id for op in api.operations] == [
        "getItems2",
        "getItems",
        "dup",
        "dup2",
        "getRoot",
        "getUsersByUserIdFilesByNameByExt",
    ]


def test_path_level_parameters_merge_and_operation_wins(tasks_api: ApiModel) -> None:
    replace = _operation(tasks_api, "putTasksByTaskId")

    assert [(p.name, p.location, p.required, p.description) for p in replace.parameters] == [
        ("taskId", "path", True, "operation-level"),
        ("X-Trace", "header", False, ""),
        ("dryRun", "query", False, ""),
    ]
    read = _operation(tasks_api, "getTask")
    assert [(p.name, p.description) for p in read.parameters] == [("taskId", "path-level"), ("X-Trace", "")]


def test_accept_header_parameter_is_ignored(tasks_api: ApiModel) -> None:
    assert [p.name for p in _operation(tasks_api, "listTasks").parameters] == ["status"]


def test_request_body_prefers_json_and_takes_first_example(tasks_api: ApiModel) -> None:
    body = _operation(tasks_api, "createTask").request_body

    assert body is not None
    assert (body.content_type, body.required) == ("application/json", True)
    assert body.example == {"title": "Write tests", "priority": 3}
    assert body.schema_["required"] == ["title"]


def test_request_body_falls_back_to_plus_json(tasks_api: ApiModel) -> None:
    body = _operation(tasks_api, "putTasksByTaskId").request_body

    assert body is not None
    assert (body.content_type, body.required) == ("application/merge-patch+json", False)


def test_responses_keep_every_status_key(tasks_api: ApiModel) -> None:
    listing = _operation(tasks_api, "listTasks")
    created = _operation(tasks_api, "createTask")

    assert [r.status for r in listing.responses] == ["200", "default"]
    assert [r.status for r in created.responses] == ["201", "4XX"]
    assert created.success_statuses == ["201"]
    ok = listing.response("200")
    assert ok is not None and ok.headers == ["X-Total-Count"]  # Content-Type is ignored, as OpenAPI says


def test_non_json_response_has_media_type_but_no_schema(tasks_api: ApiModel) -> None:
    up = _operation(tasks_api, "getHealth").response("200")

    assert up is not None
    assert (up.content_type, up.schema_) == ("text/plain", None)


def test_links_resolve_to_operation_ids(tasks_api: ApiModel) -> None:
    created = _operation(tasks_api, "createTask").response("201")

    assert created is not None
    assert [(link.name, link.operation_id, link.parameters) for link in created.links] == [
        ("GetCreatedTask", "getTask", {"taskId": "$response.body#/id"}),
        ("DeleteCreatedTask", "deleteTask", {"taskId": "$response.body#/id"}),
    ]


def test_effective_security(tasks_api: ApiModel) -> None:
    assert _operation(tasks_api, "listTasks").security == [{"bearerAuth": []}]
    assert _operation(tasks_api, "deleteTask").security == [{"apiKey": []}, {"oauth": ["tasks:write"]}]
    assert _operation(tasks_api, "getHealth").security == []  # `security: []`
    assert _operation(tasks_api, "getSearch").security == []  # `[{}, ...]`: authentication is optional


def test_security_schemes(tasks_api: ApiModel) -> None:
    assert [(s.name, s.type, s.scheme, s.location, s.parameter_name) for s in tasks_api.security_schemes] == [
        ("bearerAuth", "http", "bearer", None, None),
        ("apiKey", "apiKey", None, "header", "X-API-Key"),
        ("oauth", "oauth2", None, None, None),
    ]


def test_unresolvable_links_are_left_out_and_unknown_schemes_kept() -> None:
    links = {"Ghost": {"operationId": "ghost"}, "Self": {"operationRef": "#/paths/~1a/get"}}
    responses = {"200": {"description": "ok", "links": links}}
    document = _document({"/a": {"get": {"security": [{"undeclared": []}], "responses": responses}}})

    (operation,) = build_api_model(document, source="spec.yaml", base_url="").operations

    assert [link.operation_id for link in operation.responses[0].links] == ["getA"]
    assert operation.security == [{"undeclared": []}]  # still secured, whatever the scheme is


# --- Schemas ---------------------------------------------------------------------------------------------


def test_nullable_becomes_a_type_list(tasks_api: ApiModel) -> None:
    properties = tasks_api.schemas["NewTask"]["properties"]

    assert properties["due"] == {"type": ["string", "null"], "format": "date", "examples": ["2024-05-01"]}
    assert tasks_api.schemas["Status"] == {"type": ["string", "null"], "enum": ["todo", "done", None]}
    # `nullable` beside an allOf of a $ref: the merged object type takes the null too.
    assert properties["assignee"]["type"] == ["object", "null"]


def test_openapi_only_keywords_are_rewritten_or_dropped(tasks_api: ApiModel) -> None:
    new_task = tasks_api.schemas["NewTask"]
    read = _operation(tasks_api, "getTask")

    assert not {"xml", "externalDocs"} & new_task.keys()
    assert new_task["properties"]["title"]["examples"] == ["Write tests"]
    assert "example" not in new_task["properties"]["title"]
    assert new_task["properties"]["priority"] == {"type": "integer", "minimum": 1, "maximum": 5}
    assert read.parameters[0].schema_ == {"type": "integer", "exclusiveMinimum": 0}
    assert "discriminator" not in tasks_api.schemas["Assignable"]
    assert len(tasks_api.schemas["Assignable"]["oneOf"]) == 2


def test_all_of_is_merged(tasks_api: ApiModel) -> None:
    task = tasks_api.schemas["Task"]

    assert "allOf" not in task
    assert task["type"] == "object"  # the third branch's conflicting "array" loses
    assert task["required"] == ["title", "id", "createdAt", "secret"]
    assert list(task["properties"])[-3:] == ["id", "createdAt", "secret"]
    assert (task["description"], task["additionalProperties"]) == ("A stored task", False)


def test_read_only_and_write_only_lift_required_per_side(tasks_api: ApiModel) -> None:
    response = _operation(tasks_api, "getTask").response("200")
    request = _operation(tasks_api, "putTasksByTaskId").request_body

    assert response is not None and response.schema_ is not None
    assert response.schema_["required"] == ["title", "id", "createdAt"]
    assert request is not None and request.schema_["required"] == ["title", "secret"]


def test_local_ref_with_escaped_pointer(tasks_api: ApiModel) -> None:
    assert tasks_api.schemas["NewTask"]["properties"]["label"] == {"type": "string", "maxLength": 20}


def test_relative_file_ref_and_its_own_local_refs(tasks_api: ApiModel) -> None:
    problem = _operation(tasks_api, "listTasks").response("default")

    assert problem is not None and problem.content_type == "application/problem+json"
    assert problem.schema_ == {
        "type": "object",
        "required": ["title"],
        "properties": {
            "title": {"type": "string"},
            "detail": {"type": ["string", "null"]},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        },
    }


def test_recursive_schema_is_expanded_once_then_any(tasks_api: ApiModel) -> None:
    tree = _operation(tasks_api, "getTasksByTaskIdTree").response("200")
    inner = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {}}},
    }
    node = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": inner}},
    }

    assert tree is not None
    assert tree.schema_ == node
    assert tasks_api.schemas["Node"] == node
    deep = {"name": "a", "children": [{"name": "b", "children": [{"name": "c", "children": [{"x": 1}]}]}]}
    assert Draft202012Validator(node).is_valid(deep)
    assert not Draft202012Validator(node).is_valid({"name": "a", "children": [{"name": 1}]})


def test_every_schema_is_valid_2020_12_and_validates_responses(tasks_api: ApiModel) -> None:
    schemas = [*tasks_api.schemas.values()]
    for operation in tasks_api.operations:
        schemas += [p.schema_ for p in operation.parameters]
        schemas += [operation.request_body.schema_] if operation.request_body else []
        schemas += [r.schema_ for r in operation.responses if r.schema_ is not None]
    for schema in schemas:
        Draft202012Validator.check_schema(schema)
    response = _operation(tasks_api, "getTask").response("200")
    assert response is not None and response.schema_ is not None
    validator = Draft202012Validator(response.schema_)
    task = {"id": 1, "createdAt": "2024-05-01T10:00:00Z", "title": "T", "due": None, "assignee": None}

    assert validator.is_valid(task)
    assert not validator.is_valid({**task, "status": "lost"})
    assert not validator.is_valid({**task, "unknown": True})


async def test_openapi_31_json_keeps_json_schema_as_is() -> None:
    document = await load_document(str(NOTES))
    api = build_api_model(document, source=str(NOTES), base_url="http://127.0.0.1:8000")
    note = api.schemas["Note"]
    read = _operation(api, "getNote")
    response = read.response("200")

    assert note["properties"]["body"] == {"type": ["string", "null"]}
    assert note["properties"]["score"] == {"type": "number", "exclusiveMinimum": 0}
    assert note["examples"] == [{"id": "n1"}]
    assert api.servers == []
    assert read.parameters[0].example == "7d444840-9dc0-11d1-b245-5ffdce74fad2"
    assert response is not None and response.schema_ is not None
    assert response.schema_["description"] == "The note asked for"  # a keyword beside $ref (3.1)
    assert response.example == {"id": "n1", "body": None}
    assert Draft202012Validator(response.schema_).is_valid(response.example)


async def test_url_source_resolves_relative_servers(server: str) -> None:
    document = await load_document(f"{server}/notes31.json")

    api = build_api_model(document, source=f"{server}/notes31.json", base_url="")

    assert api.servers == [server]


def test_discriminator_picks_the_one_of_branch() -> None:
    pet_ref = {"$ref": "#/components/schemas/Pet"}
    kinds = [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]
    schemas = {
        # The parent lists its children, which extend it: a pattern that recurses through allOf.
        "Pet": {
            "type": "object",
            "required": ["kind"],
            "properties": {"kind": {"type": "string"}},
            "oneOf": kinds,
            "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}},
        },
        "Cat": {"allOf": [pet_ref, {"properties": {"meow": {"type": "boolean"}}}]},
        "Dog": {"allOf": [pet_ref, {"properties": {"bark": {"type": "boolean"}}}]},
    }
    api = build_api_model(_document({}, components={"schemas": schemas}), source="spec.yaml", base_url="")
    validator = Draft202012Validator(api.schemas["Pet"])

    # Plain JSON Schema would find a cat valid as a Dog too, and fail oneOf.
    assert validator.is_valid({"kind": "cat", "meow": True})
    assert validator.is_valid({"kind": "Cat"})  # the schema name is the implicit value
    assert validator.is_valid({"kind": "Dog", "bark": False})
    assert not validator.is_valid({"kind": "cow"})
    assert not validator.is_valid({"kind": "cat", "meow": "yes"})


# --- Spec errors while modelling -------------------------------------------------------------------------


def test_dangling_ref_is_named() -> None:
    schema = {"$ref": "#/components/schemas/Nope"}
    document = _document(
        {
            "/a": {
                "get": {
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": schema}}}
                    }
                }
            }
        }
    )

    message = _spec_error(document)

    assert (
        message
        == "dangling $ref '#/components/schemas/Nope': nothing at #/components/schemas/Nope in spec.yaml"
    )


def test_missing_ref_file_is_named(tmp_path: Path) -> None:
    document = _document({}, components={"schemas": {"A": {"$ref": "other.yaml#/A"}}})

    message = _spec_error(document, source=str(tmp_path / "spec.yaml"))

    assert message == f"file of $ref 'other.yaml#/A' not found: {tmp_path}/other.yaml"


async def test_file_ref_in_a_url_spec_is_refused(server: str) -> None:
    document = await load_document(f"{server}/tasks.yaml")

    message = _spec_error(document, source=f"{server}/tasks.yaml")

    assert message == (
        "cannot follow $ref 'common.yaml#/Problem' in a spec read from a URL; "
        "download the spec and the files it refers to, then pass its path"
    )


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            _document({}, components={"schemas": {"A": {"$ref": "https://example.com/a.json"}}}),
            "unsupported $ref 'https://example.com/a.json': "
            "only local and relative-file references are followed",
        ),
        (
            _document({"/a": {"get": {"parameters": [{"name": "b", "in": "body"}], "responses": {}}}}),
            "parameter 'b' of GET /a has 'in: body' (path, query, header or cookie)",
        ),
        (
            _document({"/a": {"get": {"parameters": [{"in": "query"}], "responses": {}}}}),
            "a parameter of GET /a has no name",
        ),
        (
            _document({}, components={"securitySchemes": {"key": {"type": "apiKey", "in": "body"}}}),
            "apiKey security scheme 'key' needs 'in' (header, query or cookie) and 'name'",
        ),
        (_document([]), "paths must be a mapping, not a list"),
        (
            {"swagger": "2.0"},
            "spec is Swagger 2.0; convert it to OpenAPI 3 (e.g. with swagger2openapi) and retry",
        ),
    ],
)
def test_malformed_document_gives_one_line(document: dict[str, Any], expected: str) -> None:
    assert _spec_error(document) == expected


# --- Probing and the whole reconnaissance ----------------------------------------------------------------


async def test_probe_counts_any_status_as_an_answer(server: str) -> None:
    assert await probe_base_url(f"{server}/no-such-page") == 404


async def test_probe_of_a_closed_port_fails(closed_port: int) -> None:
    base_url = f"http://127.0.0.1:{closed_port}"

    with pytest.raises(TargetUnreachableError) as caught:
        await probe_base_url(base_url, timeout_s=2)

    assert str(caught.value) == f"base URL {base_url} does not answer: connection refused"


async def test_probe_of_a_silent_server_times_out() -> None:
    with socket.socket() as listener:  # accepts connections (kernel backlog) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"

        with pytest.raises(TargetUnreachableError) as caught:
            await probe_base_url(base_url, timeout_s=0.2)

    assert str(caught.value) == f"base URL {base_url} does not answer: no answer within 0.2 s"


@pytest.mark.parametrize("base_url", ["localhost:8000", "ftp://127.0.0.1/", "http://", ""])
async def test_probe_refuses_what_is_not_an_http_url(base_url: str) -> None:
    with pytest.raises(TargetUnreachableError) as caught:
        await probe_base_url(base_url)

    assert str(caught.value) == (
        f"base URL {base_url!r} is not an absolute http(s) URL (e.g. http://localhost:8000)"
    )


async def test_reconnoitre_uses_the_given_base_url(server: str) -> None:
    api = await reconnoitre_api(str(TASKS), f"{server}/api/", timeout_s=2)

    assert (api.base_url, api.probe_status) == (f"{server}/api", 404)
    assert len(api.operations) == 8


async def test_reconnoitre_falls_back_to_the_spec_server(server: str) -> None:
    api = await reconnoitre_api(f"{server}/notes31.json", "", timeout_s=2)

    assert (api.base_url, api.probe_status) == (server, 200)


async def test_reconnoitre_needs_some_base_url() -> None:
    with pytest.raises(InputError) as caught:
        await reconnoitre_api(str(NOTES), "")

    assert str(caught.value) == "no --base-url given and the spec has no absolute server URL"


def test_api_model_round_trips_as_json(tasks_api: ApiModel) -> None:
    assert ApiModel.model_validate(json.loads(tasks_api.model_dump_json(by_alias=True))) == tasks_api
