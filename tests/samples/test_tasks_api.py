"""The bundled Task Tracker API: a sound spec, a conforming correct build, variants that are what they claim.

Real HTTP throughout: each test talks to a server started with `serve()`.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator

from samples.tasks_api.app import (
    BUGGY_VARIANTS,
    HARMLESS_VARIANTS,
    REQUIREMENTS_PATH,
    SPEC_PATH,
    Variant,
    load_requirements,
    serve,
)
from tests.samples.openapi_documents import assert_conforms, operations, pointer, resolve, validator, walk

TOKEN = "demo-token"
EXPECTED_OPERATIONS = {
    ("/health", "get"): "getHealth",
    ("/users/me", "get"): "getCurrentUser",
    ("/projects", "get"): "listProjects",
    ("/projects", "post"): "createProject",
    ("/projects/{projectId}", "get"): "getProject",
    ("/projects/{projectId}", "delete"): "deleteProject",
    ("/tasks", "get"): "listTasks",
    ("/tasks", "post"): "createTask",
    ("/tasks/{taskId}", "get"): "getTask",
    ("/tasks/{taskId}", "patch"): "updateTask",
    ("/tasks/{taskId}", "delete"): "deleteTask",
}
UNKNOWN_ID = 999_999


# --- helpers -----------------------------------------------------------------------------------------------


def _client(base_url: str, token: str = TOKEN) -> httpx.Client:
    # Plain HTTP only: verify=False skips loading the CA bundle, about 30 ms per client.
    return httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=5, verify=False
    )


def _without_token(client: httpx.Client, method: str, path: str) -> httpx.Response:
    request = client.build_request(method, path)
    del request.headers["Authorization"]
    return client.send(request)


def _create_task(client: httpx.Client, **fields: Any) -> httpx.Response:
    return client.post("/tasks", json={"title": "Write release notes", **fields})


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """A client on a fresh correct server, for tests that depend on the store's state."""
    with serve() as url, _client(url) as http:
        yield http


@pytest.fixture(scope="module")
def shared_client() -> Iterator[httpx.Client]:
    """A client on one correct server shared by stateless checks, to keep the module fast."""
    with serve() as url, _client(url) as http:
        yield http


# --- spec.yaml ---------------------------------------------------------------------------------------------


def test_spec_header(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    assert spec["info"] == {**spec["info"], "title": "Task Tracker API", "version": "1.0.0"}
    assert spec["servers"] == [{"url": "http://127.0.0.1:8080"}]
    assert spec["security"] == [{"bearerAuth": []}]
    assert spec["components"]["securitySchemes"]["bearerAuth"] | {"description": ""} == {
        "type": "http",
        "scheme": "bearer",
        "description": "",
    }
    assert [tag["name"] for tag in spec["tags"]] == ["tasks", "projects", "users", "health"]


def test_spec_has_exactly_the_expectedoperations(spec: dict[str, Any]) -> None:
    found = {(path, method): operation["operationId"] for path, method, operation in operations(spec)}
    assert found == EXPECTED_OPERATIONS


def test_only_health_is_public(spec: dict[str, Any]) -> None:
    public = [
        op["operationId"] for _, _, op in operations(spec) if op.get("security", spec["security"]) == []
    ]
    assert public == ["getHealth"]


def test_every_ref_resolves(spec: dict[str, Any]) -> None:
    refs = [node["$ref"] for node in walk(spec) if "$ref" in node]
    assert refs, "the spec is expected to use $ref"
    for ref in refs:
        assert pointer(spec, ref) is not None


def test_component_schemas_are_valid_json_schema(spec: dict[str, Any]) -> None:
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(resolve(schema, spec))


def test_examples_match_their_schemas(spec: dict[str, Any]) -> None:
    resolved = resolve(spec, spec)
    checked = 0
    for node in walk(resolved):
        if "schema" in node and "example" in node and isinstance(node["schema"], dict):
            validator(spec, node["schema"]).validate(node["example"])
            checked += 1
    assert checked >= 15


def test_links_point_at_existingoperations(spec: dict[str, Any]) -> None:
    by_id = {op["operationId"]: (path, op) for path, _, op in operations(spec)}
    links = spec["paths"]["/tasks"]["post"]["responses"]["201"]["links"]
    assert {name: link["operationId"] for name, link in links.items()} == {
        "GetTaskById": "getTask",
        "UpdateTaskById": "updateTask",
        "DeleteTaskById": "deleteTask",
    }
    for link in links.values():
        path, _ = by_id[link["operationId"]]
        path_params = {p["name"] for p in spec["paths"][path].get("parameters", [])}
        assert link["parameters"] == {"taskId": "$response.body#/id"}
        assert set(link["parameters"]) <= path_params


def test_update_task_documents_the_reopen_rule(spec: dict[str, Any]) -> None:
    update = spec["paths"]["/tasks/{taskId}"]["patch"]
    assert "409" in update["responses"]
    assert "done" in update["description"] and "409" in update["description"]


def test_requirements() -> None:
    requirements = load_requirements()
    assert REQUIREMENTS_PATH.is_file()
    assert len(requirements) == 9
    assert requirements[0] == "A new task starts with status 'open'."
    assert requirements[-1] == "The API feels fast and pleasant to use."


# --- the correct service -----------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", [Variant.CORRECT, *HARMLESS_VARIANTS])
def test_responses_conform_to_spec(spec: dict[str, Any], variant: Variant) -> None:
    with serve(variant) as url, _client(url) as client:
        created = _create_task(client, priority=2, due_date="2024-06-30")
        task = f"/tasks/{created.json()['id']}"
        project = client.post("/projects", json={"name": "Relaunch"})
        exchanges = [
            ("/health", "get", 200, _without_token(client, "GET", "/health")),
            ("/users/me", "get", 200, client.get("/users/me")),
            ("/tasks", "post", 201, created),
            ("/tasks", "post", 422, client.post("/tasks", json={"title": ""})),
            ("/tasks", "get", 200, client.get("/tasks", params={"limit": 5, "status": "open"})),
            ("/tasks", "get", 401, _without_token(client, "GET", "/tasks")),
            ("/tasks", "get", 422, client.get("/tasks", params={"limit": 51})),
            ("/tasks/{taskId}", "get", 200, client.get(task)),
            ("/tasks/{taskId}", "get", 404, client.get(f"/tasks/{UNKNOWN_ID}")),
            ("/tasks/{taskId}", "patch", 200, client.patch(task, json={"status": "done"})),
            ("/tasks/{taskId}", "patch", 409, client.patch(task, json={"status": "open"})),
            ("/tasks/{taskId}", "patch", 422, client.patch(task, json={})),
            ("/tasks/{taskId}", "delete", 204, client.delete(task)),
            ("/tasks/{taskId}", "delete", 404, client.delete(task)),
            ("/projects", "post", 201, project),
            ("/projects", "get", 200, client.get("/projects")),
            ("/projects/{projectId}", "get", 200, client.get(f"/projects/{project.json()['id']}")),
            ("/projects/{projectId}", "delete", 204, client.delete(f"/projects/{project.json()['id']}")),
            ("/projects/{projectId}", "get", 404, client.get(f"/projects/{project.json()['id']}")),
        ]
        for path, method, status, response in exchanges:
            assert_conforms(spec, path, method, status, response)


def test_new_task_defaults_and_deterministic_ids(client: httpx.Client) -> None:
    bodies = [_create_task(client).json() for _ in range(3)]
    assert bodies[0] == {
        "id": 1,
        "title": "Write release notes",
        "priority": 3,
        "status": "open",
        "project_id": None,
        "due_date": None,
        "created_at": "2024-01-01T00:00:01Z",
    }
    assert [(body["id"], body["created_at"]) for body in bodies[1:]] == [
        (2, "2024-01-01T00:00:02Z"),
        (3, "2024-01-01T00:00:03Z"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"priority": 2},
        {"title": ""},
        {"title": "x" * 101},
        {"title": 5},
        {"title": None},
        {"title": "t", "priority": 0},
        {"title": "t", "priority": 6},
        {"title": "t", "priority": "3"},
        {"title": "t", "priority": True},
        {"title": "t", "priority": 2.5},
        {"title": "t", "priority": None},
        {"title": "t", "status": "archived"},
        {"title": "t", "status": None},
        {"title": "t", "project_id": "1"},
        {"title": "t", "due_date": "2024-13-01"},
        {"title": "t", "due_date": "30.06.2024"},
        {"title": "t", "due_date": "20240630"},
        [{"title": "t"}],
    ],
)
def test_create_task_rejects_invalid_bodies(shared_client: httpx.Client, body: Any) -> None:
    response = shared_client.post("/tasks", json=body)
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("raw", [b"", b"{not json", b"\xff\xfe"])
def test_create_task_rejects_unparsable_bodies(shared_client: httpx.Client, raw: bytes) -> None:
    assert shared_client.post("/tasks", content=raw).status_code == 422


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"title": "x" * 100}, {"title": "x" * 100}),
        ({"title": "t", "priority": 1, "status": "done"}, {"priority": 1, "status": "done"}),
        ({"title": "t", "priority": 5.0, "project_id": None}, {"priority": 5, "project_id": None}),
        (
            {"title": "t", "project_id": 7, "due_date": "2024-02-29"},
            {"project_id": 7, "due_date": "2024-02-29"},
        ),
        ({"title": "t", "colour": "red"}, {"title": "t"}),
    ],
)
def test_create_task_accepts_edge_values(
    shared_client: httpx.Client, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    response = shared_client.post("/tasks", json=body)
    assert response.status_code == 201, response.text
    assert response.json() | expected == response.json() and "colour" not in response.json()


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 51}, {"limit": "five"}, {"limit": ""}, {"offset": -1}, {"status": "closed"}],
)
def test_list_tasks_rejects_invalid_queries(shared_client: httpx.Client, params: dict[str, Any]) -> None:
    assert shared_client.get("/tasks", params=params).status_code == 422


def test_list_tasks_pages_and_filters(client: httpx.Client) -> None:
    for index in range(7):
        _create_task(client, title=f"task {index}", status="done" if index % 3 == 0 else "open")

    def ids(**params: Any) -> tuple[list[int], int]:
        page = client.get("/tasks", params=params).json()
        return [item["id"] for item in page["items"]], page["total"]

    assert ids() == ([1, 2, 3, 4, 5, 6, 7], 7)
    assert ids(limit=5) == ([1, 2, 3, 4, 5], 7)
    assert ids(limit=5, offset=5) == ([6, 7], 7)
    assert ids(offset=10) == ([], 7)
    assert ids(status="done") == ([1, 4, 7], 3)
    assert ids(status="in_progress", limit=50) == ([], 0)


@pytest.mark.parametrize(
    ("start", "target", "status"),
    [
        ("done", "open", 409),
        ("done", "in_progress", 409),
        ("done", "done", 200),
        ("open", "done", 200),
        ("in_progress", "open", 200),
        ("open", "in_progress", 200),
    ],
)
def test_status_transitions(shared_client: httpx.Client, start: str, target: str, status: int) -> None:
    task = f"/tasks/{_create_task(shared_client, status=start).json()['id']}"
    assert shared_client.patch(task, json={"status": target}).status_code == status
    assert shared_client.get(task).json()["status"] == (target if status == 200 else start)


def test_update_task_changes_only_given_fields(shared_client: httpx.Client) -> None:
    before = _create_task(shared_client, priority=4, due_date="2024-06-30").json()
    task = f"/tasks/{before['id']}"
    assert shared_client.patch(task, json={"title": "Renamed", "ignored": 1}).json() == {
        **before,
        "title": "Renamed",
    }
    assert shared_client.patch(task, json={"priority": 6}).status_code == 422
    assert shared_client.patch(task, json={"title": "x" * 101}).status_code == 422
    assert shared_client.patch(task, json={"due_date": "soon"}).status_code == 422
    assert shared_client.patch(f"/tasks/{UNKNOWN_ID}", json={"title": "t"}).status_code == 404


def test_projects(client: httpx.Client) -> None:
    assert client.get("/projects").json() == []
    created = client.post("/projects", json={"name": "Relaunch", "description": "New site"})
    assert created.json() == {
        "id": 1,
        "name": "Relaunch",
        "description": "New site",
        "created_at": "2024-01-01T00:00:01Z",
    }
    assert client.post("/projects", json={"name": "Bare"}).json()["description"] is None
    assert [p["id"] for p in client.get("/projects").json()] == [1, 2]
    for body in ({"name": ""}, {"name": "x" * 61}, {"name": "p", "description": "x" * 501}, {}):
        assert client.post("/projects", json=body).status_code == 422
    assert client.delete("/projects/1").status_code == 204
    assert client.get("/projects/1").status_code == 404
    assert client.delete("/projects/1").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nowhere", 404),
        ("GET", "/tasks/", 404),
        ("GET", "/tasks/abc", 404),
        ("GET", "/tasks/0", 404),
        ("DELETE", "/projects/-1", 404),
        ("PUT", "/tasks/1", 405),
        ("DELETE", "/tasks", 405),
        ("POST", "/health", 405),
        ("TRACE", "/tasks", 405),
        ("QUERY", "/users/me", 405),
    ],
)
def test_routing_errors(shared_client: httpx.Client, method: str, path: str, status: int) -> None:
    response = shared_client.request(method, path)
    assert (response.status_code, response.headers["Content-Type"]) == (status, "application/json")


def test_method_not_allowed_lists_allowed_methods(shared_client: httpx.Client) -> None:
    assert shared_client.put("/tasks/1").headers["Allow"] == "GET, PATCH, DELETE"


def test_auth(shared_client: httpx.Client) -> None:
    assert _without_token(shared_client, "GET", "/health").status_code == 200
    assert _without_token(shared_client, "GET", "/users/me").status_code == 401
    for header in ("Bearer wrong", f"Basic {TOKEN}", "Bearer", TOKEN):
        assert shared_client.get("/tasks", headers={"Authorization": header}).status_code == 401
    response = _without_token(shared_client, "DELETE", "/tasks/1")
    assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, "Bearer")


def test_custom_token_and_separate_stores() -> None:
    with serve(token="s3cret") as first, serve() as second:
        with _client(first, token="s3cret") as custom, _client(second) as default:
            assert _create_task(custom).json()["id"] == 1
            assert _create_task(default).json()["id"] == 1
            other_token = {"Authorization": f"Bearer {TOKEN}"}
            assert custom.get("/users/me", headers=other_token).status_code == 401


def test_serve_shuts_down_on_exit() -> None:
    with serve() as url, _client(url) as client:
        assert client.get("/health").status_code == 200
    with _client(url) as client, pytest.raises(httpx.ConnectError):
        client.get("/health", timeout=1)


def test_main_runs_in_the_foreground() -> None:
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-m", "samples.tasks_api.app", "--port", "0", "--variant", "extra_header"]
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[0]
        with _client(url) as client:
            response = client.get("/health")
        assert (response.json(), "X-Request-Id" in response.headers) == ({"status": "ok"}, True)
    finally:
        process.terminate()
        process.wait(timeout=5)


# --- variants ----------------------------------------------------------------------------------------------


def _limit_is_respected(client: httpx.Client) -> bool:
    for _ in range(7):
        _create_task(client)
    return len(client.get("/tasks", params={"limit": 5}).json()["items"]) <= 5


def _reopen_is_rejected(client: httpx.Client) -> bool:
    task = f"/tasks/{_create_task(client, status='done').json()['id']}"
    return client.patch(task, json={"status": "open"}).status_code == 409


def _get_has_created_at(client: httpx.Client) -> bool:
    return "created_at" in client.get(f"/tasks/{_create_task(client).json()['id']}").json()


# One spec check per buggy variant: True when the service behaves as specified. Each bug breaks only its own.
SPEC_CHECKS: dict[Variant, Callable[[httpx.Client], bool]] = {
    Variant.WRONG_CREATE_STATUS: lambda c: _create_task(c).status_code == 201,
    Variant.MISSING_REQUIRED_FIELD: _get_has_created_at,
    Variant.TITLE_NOT_VALIDATED: lambda c: _create_task(c, title="x" * 101).status_code == 422,
    Variant.AUTH_SKIPPED_ON_LIST: lambda c: _without_token(c, "GET", "/tasks").status_code == 401,
    Variant.UNKNOWN_TASK_200: lambda c: c.get(f"/tasks/{UNKNOWN_ID}").status_code == 404,
    Variant.DELETE_UNKNOWN_500: lambda c: c.delete(f"/tasks/{UNKNOWN_ID}").status_code == 404,
    Variant.LIMIT_OFF_BY_ONE: _limit_is_respected,
    Variant.REOPEN_ALLOWED: _reopen_is_rejected,
    # int(): a priority sent as "3" is PRIORITY_AS_STRING's bug, not this one's.
    Variant.DEFAULT_PRIORITY_WRONG: lambda c: int(_create_task(c).json()["priority"]) == 3,
    Variant.PRIORITY_AS_STRING: lambda c: _create_task(c, priority=2).json()["priority"] == 2,
    Variant.STATUS_ENUM_NOT_VALIDATED: lambda c: _create_task(c, status="archived").status_code == 422,
    Variant.PROJECT_NAME_NOT_VALIDATED: lambda c: c.post("/projects", json={"name": ""}).status_code == 422,
}

# What makes each harmless variant different, so a test can tell it is really running.
HARMLESS_MARKS: dict[Variant, Callable[[httpx.Client], bool]] = {
    Variant.EXTRA_HEADER: lambda c: "X-Request-Id" in c.get("/health").headers,
    Variant.EXTRA_OPTIONAL_FIELD: lambda c: _create_task(c).json().get("labels") == [],
    Variant.REORDERED_KEYS: lambda c: next(iter(_create_task(c).json())) != "id",
    Variant.SLOW_BUT_FINE: lambda c: c.get("/health").elapsed >= timedelta(seconds=0.05),
}


def _failed_checks(variant: Variant) -> list[Variant]:
    with serve(variant) as url, _client(url) as client:
        return [name for name, check in SPEC_CHECKS.items() if not check(client)]


def test_variant_groups_cover_every_variant() -> None:
    assert set(BUGGY_VARIANTS).isdisjoint(HARMLESS_VARIANTS)
    assert {Variant.CORRECT, *BUGGY_VARIANTS, *HARMLESS_VARIANTS} == set(Variant)
    assert set(SPEC_CHECKS) == set(BUGGY_VARIANTS) and set(HARMLESS_MARKS) == set(HARMLESS_VARIANTS)


@pytest.mark.parametrize("variant", [Variant.CORRECT, *HARMLESS_VARIANTS])
def test_correct_and_harmless_variants_pass_every_check(variant: Variant) -> None:
    assert _failed_checks(variant) == []


@pytest.mark.parametrize("variant", BUGGY_VARIANTS)
def test_buggy_variant_shows_exactly_its_bug(variant: Variant) -> None:
    assert _failed_checks(variant) == [variant]


@pytest.mark.parametrize("variant", HARMLESS_VARIANTS)
def test_harmless_variant_is_really_different(variant: Variant) -> None:
    with serve(variant) as url, _client(url) as client:
        assert HARMLESS_MARKS[variant](client)
