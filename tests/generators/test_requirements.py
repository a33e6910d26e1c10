"""Requirement planning: plain-language requirements become scenarios, or uncovered with a reason."""

from __future__ import annotations

from typing import Any

import pytest

from generators.api.requirements import UNKNOWN_UUID, Uncovered, plan_requirement
from vocabulary.api_model import (
    ApiModel,
    JsonSchema,
    Operation,
    Parameter,
    RequestBody,
    ResponseSpec,
    SecurityScheme,
)
from vocabulary.artefacts import Requirement
from vocabulary.claims import Ref, Scenario

ERROR: JsonSchema = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}
STATUS: JsonSchema = {"type": "string", "enum": ["open", "in_progress", "done"]}
TASK: JsonSchema = {
    "type": "object",
    "required": ["id", "title", "priority", "status"],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "priority": {"type": "integer", "minimum": 1, "maximum": 5},
        "status": STATUS,
        "due_date": {"type": ["string", "null"], "format": "date"},
    },
}
TASK_CREATE: JsonSchema = {
    "type": "object",
    "required": ["title"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 100},
        "priority": {"type": "integer", "minimum": 1, "maximum": 5, "default": 3},
        "status": {**STATUS, "default": "open"},
        "due_date": {"type": "string", "format": "date"},
    },
}
TASK_UPDATE: JsonSchema = {
    "type": "object",
    "minProperties": 1,
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 100},
        "priority": {"type": "integer", "minimum": 1, "maximum": 5},
        "status": STATUS,
    },
}
BOOK: JsonSchema = {
    "type": "object",
    "required": ["isbn", "title", "state"],
    "properties": {
        "isbn": {"type": "string"},
        "title": {"type": "string", "maxLength": 200},
        "year": {"type": "integer", "minimum": 1450, "maximum": 2100},
        "state": {"type": "string", "enum": ["available", "borrowed", "lost"]},
    },
}
BOOK_CREATE: JsonSchema = {
    "type": "object",
    "required": ["isbn", "title"],
    "properties": {
        "isbn": {"type": "string", "pattern": "^[0-9-]{10,17}$"},
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "year": {"type": "integer", "minimum": 1450, "maximum": 2100},
        "state": {"type": "string", "enum": ["available", "borrowed", "lost"], "default": "available"},
    },
}
AUTHOR: JsonSchema = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}},
}
AUTHOR_CREATE: JsonSchema = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string"}},
}


def _op(
    operation_id: str,
    method: str,
    path: str,
    responses: dict[str, JsonSchema | None],
    *,
    body: JsonSchema | None = None,
    params: list[Parameter] | None = None,
    tag: str = "",
    secured: bool = True,
) -> Operation:
    return Operation(
        operation_id=operation_id,
        method=method,  # type: ignore[arg-type]
        path=path,
        tags=[tag] if tag else [],
        parameters=params or [],
        request_body=RequestBody(content_type="application/json", required=True, schema=body)
        if body
        else None,
        responses=[
            ResponseSpec(status=s, content_type="application/json" if schema else None, schema=schema)
            for s, schema in responses.items()
        ],
        security=[{"auth": []}] if secured else [],
    )


def _path_param(name: str, schema: JsonSchema) -> Parameter:
    return Parameter(name=name, location="path", required=True, schema=schema)


def _api(title: str, operations: list[Operation], scheme: SecurityScheme) -> ApiModel:
    return ApiModel(
        title=title,
        openapi_version="3.1.0",
        source="test",
        base_url="http://api.test",
        operations=operations,
        security_schemes=[scheme],
    )


@pytest.fixture(scope="module")
def tasks_api() -> ApiModel:
    """The sample task tracker's shape: health, a paged task list, create/read/update/delete."""
    task_id = _path_param("taskId", {"type": "integer", "minimum": 1})
    limit = Parameter(name="limit", location="query", schema={"type": "integer", "minimum": 1, "maximum": 50})
    page = {
        "type": "object",
        "required": ["items", "total"],
        "properties": {"items": {"type": "array", "items": TASK}, "total": {"type": "integer"}},
    }
    health = {"type": "object", "properties": {"status": {"type": "string", "enum": ["ok"]}}}
    return _api(
        "Tasks",
        [
            _op("getHealth", "get", "/health", {"200": health}, tag="health", secured=False),
            _op(
                "listTasks",
                "get",
                "/tasks",
                {"200": page, "401": ERROR, "422": ERROR},
                params=[limit],
                tag="tasks",
            ),
            _op(
                "createTask",
                "post",
                "/tasks",
                {"201": TASK, "401": ERROR, "422": ERROR},
                body=TASK_CREATE,
                tag="tasks",
            ),
            _op(
                "getTask",
                "get",
                "/tasks/{taskId}",
                {"200": TASK, "401": ERROR, "404": ERROR},
                params=[task_id],
                tag="tasks",
            ),
            _op(
                "updateTask",
                "patch",
                "/tasks/{taskId}",
                {"200": TASK, "401": ERROR, "404": ERROR, "409": ERROR, "422": ERROR},
                body=TASK_UPDATE,
                params=[task_id],
                tag="tasks",
            ),
            _op(
                "deleteTask",
                "delete",
                "/tasks/{taskId}",
                {"204": None, "401": ERROR, "404": ERROR},
                params=[task_id],
                tag="tasks",
            ),
        ],
        SecurityScheme(name="auth", type="http", scheme="bearer"),
    )


@pytest.fixture(scope="module")
def library_api() -> ApiModel:
    """A different shape: no tags, uuid and isbn ids, array lists, PUT updates, 400 for bad input."""
    author_id = _path_param("authorId", {"type": "string", "format": "uuid"})
    isbn = _path_param("isbn", {"type": "string"})
    page_size = Parameter(name="page_size", location="query", schema={"type": "integer", "minimum": 1})
    return _api(
        "Library",
        [
            _op("listAuthors", "get", "/authors", {"200": {"type": "array", "items": AUTHOR}, "401": ERROR}),
            _op(
                "createAuthor",
                "post",
                "/authors",
                {"201": AUTHOR, "400": ERROR, "401": ERROR},
                body=AUTHOR_CREATE,
            ),
            _op("getAuthor", "get", "/authors/{authorId}", {"200": AUTHOR, "404": ERROR}, params=[author_id]),
            _op(
                "deleteAuthor",
                "delete",
                "/authors/{authorId}",
                {"204": None, "401": ERROR, "404": ERROR},
                params=[author_id],
            ),
            _op("listBooks", "get", "/books", {"200": {"type": "array", "items": BOOK}}, params=[page_size]),
            _op("addBook", "post", "/books", {"201": BOOK, "400": ERROR, "409": ERROR}, body=BOOK_CREATE),
            _op("getBook", "get", "/books/{isbn}", {"200": BOOK, "404": ERROR}, params=[isbn]),
            _op(
                "replaceBook",
                "put",
                "/books/{isbn}",
                {"200": BOOK, "400": ERROR, "404": ERROR, "409": ERROR},
                body=BOOK_CREATE,
                params=[isbn],
            ),
            _op("removeBook", "delete", "/books/{isbn}", {"204": None, "404": ERROR}, params=[isbn]),
        ],
        SecurityScheme(name="auth", type="apiKey", location="header", parameter_name="X-API-Key"),
    )


def plan(text: str, api: ApiModel, requirement_id: str = "R1") -> Scenario:
    """The single scenario a requirement must yield."""
    result = plan_requirement(Requirement(requirement_id=requirement_id, text=text), api)
    assert not isinstance(result, Uncovered), result.reason
    assert len(result) == 1
    return result[0]


def uncovered(text: str, api: ApiModel) -> Uncovered:
    result = plan_requirement(Requirement(requirement_id="R9", text=text), api)
    assert isinstance(result, Uncovered), f"expected no test, got {[s.name for s in result]}"
    assert result.requirement_id == "R9"
    return result


def checks(scenario: Scenario) -> list[tuple[str, str, Any]]:
    return [(f.pointer, f.op, f.value) for f in scenario.steps[-1].expect.fields]


# -- the sample task tracker's requirements --------------------------------------------------------------


def test_initial_status_is_checked_on_create_without_sending_it(tasks_api: ApiModel) -> None:
    scenario = plan("A new task starts with status 'open'.", tasks_api)
    (step,) = scenario.steps
    assert (step.operation_id, step.expect.statuses, step.expect.schema_of) == (
        "createTask",
        [201],
        ("createTask", "201"),
    )
    assert checks(scenario) == [("/status", "==", "open")]
    assert scenario.steps[-1].expect.fields[0].source == "R1"
    assert "status" not in step.body and "title" in step.body
    assert scenario.name == "test_r1_new_task_starts_with_status_open"
    assert (scenario.category, scenario.feature, scenario.requirement_ids) == ("requirement", "tasks", ["R1"])
    assert scenario.exercises == [("createTask", "201")]
    assert scenario.story.startswith("R1") and scenario.title == "A new task starts with status 'open'."


def test_default_priority_omits_priority(tasks_api: ApiModel) -> None:
    scenario = plan("Creating a task without a priority gives it priority 3.", tasks_api)
    (step,) = scenario.steps
    assert step.operation_id == "createTask" and "priority" not in step.body
    assert checks(scenario) == [("/priority", "==", 3)]
    assert isinstance(checks(scenario)[0][2], int)


def test_list_limit_creates_one_more_than_the_limit(tasks_api: ApiModel) -> None:
    scenario = plan("Listing tasks with limit=5 returns at most 5 items.", tasks_api)
    *seeds, listing = scenario.steps
    assert [s.operation_id for s in seeds] == ["createTask"] * 6
    assert all(s.expect.statuses == [201] for s in seeds)
    assert (listing.operation_id, listing.query) == ("listTasks", {"limit": 5})
    assert checks(scenario) == [("/items", "len<=", 5)]
    assert scenario.exercises == [("listTasks", "200")]


def test_title_length_limit_sends_one_character_more(tasks_api: ApiModel) -> None:
    scenario = plan("A task title longer than 100 characters is rejected with 422.", tasks_api)
    (step,) = scenario.steps
    assert step.operation_id == "createTask" and len(step.body["title"]) == 101
    assert step.expect.statuses == [422]
    assert scenario.exercises == [("createTask", "422")]


def test_business_rule_creates_moves_and_tries_the_forbidden_change(tasks_api: ApiModel) -> None:
    scenario = plan(
        "A task that is done cannot be reopened: changing its status back to open returns 409.", tasks_api
    )
    create, mark_done, reopen = scenario.steps
    assert (create.operation_id, create.save_as) == ("createTask", "created")
    assert (mark_done.operation_id, mark_done.body, mark_done.expect.statuses) == (
        "updateTask",
        {"status": "done"},
        [200],
    )
    assert (reopen.operation_id, reopen.body, reopen.expect.statuses) == (
        "updateTask",
        {"status": "open"},
        [409],
    )
    assert reopen.path_params == {"taskId": Ref(step="created", pointer="/id")}
    assert scenario.severity == "critical" and scenario.exercises == [("updateTask", "409")]


def test_unknown_id_uses_a_large_integer(tasks_api: ApiModel) -> None:
    scenario = plan("Deleting a task that does not exist returns 404.", tasks_api)
    (step,) = scenario.steps
    assert (step.operation_id, step.path_params, step.expect.statuses) == (
        "deleteTask",
        {"taskId": 999_999_999},
        [404],
    )


def test_missing_token_calls_every_secured_operation_without_credentials(tasks_api: ApiModel) -> None:
    # The claim is about requests in general: each secured operation gets its own anonymous call.
    result = plan_requirement(
        Requirement(requirement_id="R1", text="Requests without a token are rejected with 401."), tasks_api
    )
    assert not isinstance(result, Uncovered), result.reason
    secured = {o.operation_id for o in tasks_api.operations if o.security}
    assert {s.steps[-1].operation_id for s in result} == secured
    for scenario in result:
        step = scenario.steps[-1]
        assert (step.auth, step.expect.statuses, scenario.severity) == ("none", [401], "critical")
        assert all(earlier.auth == "valid" for earlier in scenario.steps[:-1])  # the item exists first


def test_public_health_check_without_token(tasks_api: ApiModel) -> None:
    scenario = plan("The health check answers 200 without a token.", tasks_api)
    (step,) = scenario.steps
    assert (step.operation_id, step.auth, step.expect.statuses) == ("getHealth", "none", [200])


def test_vague_requirement_is_uncovered(tasks_api: ApiModel) -> None:
    result = uncovered("The API feels fast and pleasant to use.", tasks_api)
    assert result.reason.startswith("no checkable statement")


def test_item_operation_reads_a_created_task(tasks_api: ApiModel) -> None:
    scenario = plan("Reading a task answers 200 with a status of 'open'.", tasks_api)
    create, read = scenario.steps
    assert (create.operation_id, create.save_as, read.operation_id) == ("createTask", "created", "getTask")
    assert read.path_params == {"taskId": Ref(step="created", pointer="/id")}
    assert checks(scenario) == [("/status", "==", "open")]


def test_explicit_method_and_path(tasks_api: ApiModel) -> None:
    scenario = plan("GET /tasks/12345 returns 404.", tasks_api)
    assert [(s.operation_id, s.path_params) for s in scenario.steps] == [("getTask", {"taskId": 12345})]


def test_rejection_without_a_cause_is_uncovered(tasks_api: ApiModel) -> None:
    assert "names no input" in uncovered("Creating a task returns 422.", tasks_api).reason


def test_unknown_path_is_uncovered(tasks_api: ApiModel) -> None:
    assert uncovered("PATCH /widgets/1 returns 200.", tasks_api).reason.startswith("no operation of the spec")


def test_same_requirement_gives_the_same_plan(tasks_api: ApiModel) -> None:
    requirement = Requirement(requirement_id="R3", text="Listing tasks with limit=5 returns at most 5 items.")
    first, second = plan_requirement(requirement, tasks_api), plan_requirement(requirement, tasks_api)
    assert not isinstance(first, Uncovered) and not isinstance(second, Uncovered)
    assert [s.model_dump() for s in first] == [s.model_dump() for s in second]


# -- a different API: nothing above may be specific to tasks ---------------------------------------------


def test_library_omitted_title_uses_the_documented_400(library_api: ApiModel) -> None:
    scenario = plan("Adding a book without a title is rejected.", library_api)
    (step,) = scenario.steps
    assert step.operation_id == "addBook" and "title" not in step.body and "isbn" in step.body
    assert step.expect.statuses == [400] and scenario.exercises == [("addBook", "400")]
    assert scenario.feature == "books"


def test_library_count_on_a_top_level_array(library_api: ApiModel) -> None:
    scenario = plan("Listing books with page_size=10 returns at most 10 books.", library_api)
    *seeds, listing = scenario.steps
    assert [s.operation_id for s in seeds] == ["addBook"] * 11
    assert len({str(s.body) for s in seeds}) == 11  # distinct bodies, in case isbns must be unique
    assert listing.query == {"page_size": 10} and checks(scenario) == [("", "len<=", 10)]


def test_library_unknown_uuid(library_api: ApiModel) -> None:
    scenario = plan("Fetching an author that does not exist returns 404.", library_api)
    assert [(s.operation_id, s.path_params) for s in scenario.steps] == [
        ("getAuthor", {"authorId": UNKNOWN_UUID})
    ]


def test_library_default_state(library_api: ApiModel) -> None:
    scenario = plan("A new book's state defaults to 'available'.", library_api)
    (step,) = scenario.steps
    assert step.operation_id == "addBook" and "state" not in step.body
    assert checks(scenario) == [("/state", "==", "available")]


def test_library_rule_on_put_with_isbn_ids(library_api: ApiModel) -> None:
    scenario = plan("A book that is lost cannot be marked available again.", library_api)
    create, lose, restore = scenario.steps
    assert create.operation_id == "addBook" and restore.path_params == {
        "isbn": Ref(step="created", pointer="/isbn")
    }
    assert (lose.operation_id, lose.body["state"], lose.expect.statuses) == ("replaceBook", "lost", [200])
    assert (restore.body["state"], restore.expect.statuses) == ("available", [409])
    assert "title" in restore.body  # PUT replaces: the whole valid body goes along


def test_library_numeric_bound_on_update(library_api: ApiModel) -> None:
    scenario = plan("Updating a book with a year above 2100 is rejected with 400.", library_api)
    create, update = scenario.steps
    assert create.operation_id == "addBook" and update.operation_id == "replaceBook"
    assert update.body["year"] == 2101 and update.expect.statuses == [400]


def test_library_missing_api_key_on_an_item(library_api: ApiModel) -> None:
    scenario = plan("Removing an author without an API key is rejected.", library_api)
    create, remove = scenario.steps
    assert (create.operation_id, remove.operation_id, remove.auth) == ("createAuthor", "deleteAuthor", "none")
    assert remove.expect.statuses == [401]


def test_library_invalid_key_is_sent_in_the_schemes_header(library_api: ApiModel) -> None:
    result = plan_requirement(
        Requirement(requirement_id="R1", text="Requests with an invalid API key are rejected with 401."),
        library_api,
    )
    assert not isinstance(result, Uncovered), result.reason
    checked = [s.steps[-1] for s in result]
    assert checked and all(s.auth == "none" and s.headers == {"X-API-Key": "invalid-key"} for s in checked)


def test_library_duplicate_is_created_twice(library_api: ApiModel) -> None:
    scenario = plan("Adding the same book twice is rejected with 409.", library_api)
    first, second = scenario.steps
    assert first.body == second.body and first.expect.statuses == [201] and second.expect.statuses == [409]


@pytest.mark.parametrize(
    "text",
    [
        "Deleting a record that does not exist returns 404.",  # no resource named
        "Removing a book or an author that does not exist returns 404.",  # two resources named
    ],
)
def test_library_ambiguous_operation_is_uncovered(library_api: ApiModel, text: str) -> None:
    assert uncovered(text, library_api).reason.startswith("no operation of the spec matches")


def test_explicit_query_and_several_operations(tasks_api: ApiModel) -> None:
    result = plan_requirement(
        Requirement(requirement_id="R2", text="GET /tasks?limit=100 and GET /health?x=1 return 200."),
        tasks_api,
    )
    assert not isinstance(result, Uncovered)
    assert [(s.steps[-1].operation_id, s.steps[-1].query) for s in result] == [
        ("listTasks", {"limit": 100}),
        ("getHealth", {"x": "1"}),
    ]
    assert len({s.name for s in result}) == 2


def test_deleting_twice_expects_404_on_the_second_call(tasks_api: ApiModel) -> None:
    scenario = plan("Deleting a task twice is rejected.", tasks_api)
    create, first, second = scenario.steps
    assert (first.operation_id, first.expect.statuses) == ("deleteTask", [204])
    assert (second.path_params, second.expect.statuses) == (first.path_params, [404])
