"""Task Tracker API: the bundled sample service that generated suites are scored against.

Stdlib only. `Variant.CORRECT` implements spec.yaml; each buggy variant plants one realistic bug that a good
suite must catch, and each harmless variant changes something the spec leaves open, so a good suite must pass.
"""

from __future__ import annotations

import argparse
import hmac
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from samples.loopback import (
    JsonServiceHandler,
    LoopbackHTTPServer,
    reversed_keys,
    running,
    serve_until_interrupted,
)
from tools.requirements_file import read_requirements_file

PACKAGE_DIR = Path(__file__).resolve().parent
SPEC_PATH = PACKAGE_DIR / "spec.yaml"
REQUIREMENTS_PATH = PACKAGE_DIR / "requirements.txt"

DEFAULT_TOKEN = "demo-token"
# What a user of this API exports for its generated suite.
SUITE_ENVIRONMENT = {"TESTOPS_API_TOKEN": DEFAULT_TOKEN}
TASK_STATUSES = ("open", "in_progress", "done")
# Timestamps are CLOCK_BASE + id seconds, so two runs of the same scenario produce identical bodies.
CLOCK_BASE = datetime(2024, 1, 1, tzinfo=UTC)
CURRENT_USER = {"id": 1, "username": "demo", "email": "demo@example.com"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"[+-]?\d+")
_SLOW_DELAY_S = 0.05


class Variant(StrEnum):
    """Which build of the service to run: the correct one, a buggy mutant, or a harmless change."""

    CORRECT = "correct"
    # Buggy: a good suite fails on each of these.
    WRONG_CREATE_STATUS = "wrong_create_status"
    MISSING_REQUIRED_FIELD = "missing_required_field"
    TITLE_NOT_VALIDATED = "title_not_validated"
    AUTH_SKIPPED_ON_LIST = "auth_skipped_on_list"
    UNKNOWN_TASK_200 = "unknown_task_200"
    DELETE_UNKNOWN_500 = "delete_unknown_500"
    LIMIT_OFF_BY_ONE = "limit_off_by_one"
    REOPEN_ALLOWED = "reopen_allowed"
    DEFAULT_PRIORITY_WRONG = "default_priority_wrong"
    PRIORITY_AS_STRING = "priority_as_string"
    STATUS_ENUM_NOT_VALIDATED = "status_enum_not_validated"
    PROJECT_NAME_NOT_VALIDATED = "project_name_not_validated"
    # Harmless: a good suite passes on each of these.
    EXTRA_HEADER = "extra_header"
    EXTRA_OPTIONAL_FIELD = "extra_optional_field"
    REORDERED_KEYS = "reordered_keys"
    SLOW_BUT_FINE = "slow_but_fine"


BUGGY_VARIANTS: tuple[Variant, ...] = (
    Variant.WRONG_CREATE_STATUS,
    Variant.MISSING_REQUIRED_FIELD,
    Variant.TITLE_NOT_VALIDATED,
    Variant.AUTH_SKIPPED_ON_LIST,
    Variant.UNKNOWN_TASK_200,
    Variant.DELETE_UNKNOWN_500,
    Variant.LIMIT_OFF_BY_ONE,
    Variant.REOPEN_ALLOWED,
    Variant.DEFAULT_PRIORITY_WRONG,
    Variant.PRIORITY_AS_STRING,
    Variant.STATUS_ENUM_NOT_VALIDATED,
    Variant.PROJECT_NAME_NOT_VALIDATED,
)
HARMLESS_VARIANTS: tuple[Variant, ...] = (
    Variant.EXTRA_HEADER,
    Variant.EXTRA_OPTIONAL_FIELD,
    Variant.REORDERED_KEYS,
    Variant.SLOW_BUT_FINE,
)


def load_requirements() -> list[str]:
    """The requirements of requirements.txt, read as `testops --requirements-file` reads them."""
    return read_requirements_file(REQUIREMENTS_PATH)


# --- domain -------------------------------------------------------------------------------------------------


class ApiError(Exception):
    """A failure with a documented status, rendered as {"detail": ...} by `TaskTrackerApi.handle`."""

    def __init__(self, status: HTTPStatus, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _invalid(detail: str) -> ApiError:
    return ApiError(HTTPStatus.UNPROCESSABLE_ENTITY, detail)


def _timestamp(ident: int) -> str:
    return (CLOCK_BASE + timedelta(seconds=ident)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Task:
    """A stored task; field order is the order of keys in responses."""

    id: int
    title: str
    priority: int
    status: str
    project_id: int | None
    due_date: str | None
    created_at: str


@dataclass(frozen=True)
class Project:
    """A stored project."""

    id: int
    name: str
    description: str | None
    created_at: str


@dataclass
class Store:
    """In-memory state of one server instance; callers hold `lock` for every read and write."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    tasks: dict[int, Task] = field(default_factory=dict)
    projects: dict[int, Project] = field(default_factory=dict)
    task_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    project_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))


@dataclass(frozen=True)
class Request:
    """What an operation needs from an HTTP request, already split from the transport."""

    path_id: str | None = None
    query: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object, or 422."""
        try:
            value = json.loads(self.body)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError both derive from ValueError
            raise _invalid("body: must be a JSON object") from exc
        if not isinstance(value, dict):
            raise _invalid("body: must be a JSON object")
        return value

    def resource_id(self, kind: str) -> int:
        """The path id; ids that are not positive integers cannot exist, so they are 404 like unknown ones."""
        if self.path_id is None or not self.path_id.isascii() or not self.path_id.isdigit():
            raise ApiError(HTTPStatus.NOT_FOUND, f"{kind} {self.path_id} not found")
        ident = int(self.path_id)
        if ident < 1:
            raise ApiError(HTTPStatus.NOT_FOUND, f"{kind} {self.path_id} not found")
        return ident

    def query_integer(self, name: str, *, default: int, minimum: int, maximum: int | None = None) -> int:
        """An integer query parameter within bounds, or 422."""
        raw = self.query.get(name)
        if raw is None:
            return default
        if not _INTEGER.fullmatch(raw):
            raise _invalid(f"{name}: must be an integer")
        return _check_integer(name, int(raw), minimum=minimum, maximum=maximum)


@dataclass(frozen=True)
class Reply:
    """An operation's answer; `body=None` means no content."""

    status: HTTPStatus
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: HTTPStatus, detail: str, **headers: str) -> Reply:
    return Reply(status, {"detail": detail}, headers)


# --- validation (mirrors the JSON Schemas in spec.yaml) ----------------------------------------------------


def _check_string(name: str, value: object, *, min_length: int = 0, max_length: int | None = None) -> str:
    if not isinstance(value, str):
        raise _invalid(f"{name}: must be a string")
    if len(value) < min_length:
        raise _invalid(f"{name}: length must be at least {min_length}")
    if max_length is not None and len(value) > max_length:
        raise _invalid(f"{name}: length must be at most {max_length}")
    return value


def _check_integer(
    name: str, value: object, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    # JSON Schema counts 3.0 as an integer, so integral floats pass; bool is an int in Python but not in JSON.
    number = int(value) if isinstance(value, float) and value.is_integer() else value
    if isinstance(number, bool) or not isinstance(number, int):
        raise _invalid(f"{name}: must be an integer")
    if minimum is not None and number < minimum:
        raise _invalid(f"{name}: must be at least {minimum}")
    if maximum is not None and number > maximum:
        raise _invalid(f"{name}: must be at most {maximum}")
    return number


def _check_status(name: str, value: object) -> str:
    text = _check_string(name, value)
    if text not in TASK_STATUSES:
        raise _invalid(f"{name}: must be one of {', '.join(TASK_STATUSES)}")
    return text


def _check_date(name: str, value: object) -> str:
    text = _check_string(name, value)
    try:
        # fromisoformat alone would also take "20240630"; the spec's `format: date` means YYYY-MM-DD.
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        date.fromisoformat(text)
    except ValueError as exc:
        raise _invalid(f"{name}: must be a date (YYYY-MM-DD)") from exc
    return text


def _required(body: dict[str, Any], name: str) -> object:
    if name not in body:
        raise _invalid(f"{name}: field required")
    return body[name]


# --- operations -------------------------------------------------------------------------------------------


class TaskTrackerApi:
    """The operations of spec.yaml over one in-memory store, independent of the HTTP transport."""

    def __init__(self, variant: Variant = Variant.CORRECT, token: str = DEFAULT_TOKEN) -> None:
        self.variant = Variant(variant)
        self.token = token
        self.store = Store()
        self._request_ids = itertools.count(1)

    def handle(self, method: str, path: str, query: str, authorization: str | None, body: bytes) -> Reply:
        """Route, authenticate, run the operation and map errors; the only place statuses meet exceptions."""
        route, path_id = _match(path)
        if route is None:
            return self._finish(_error(HTTPStatus.NOT_FOUND, f"No route for {path}"))
        operation = route.operations.get(method)
        if operation is None:
            allow = ", ".join(route.operations)
            return self._finish(_error(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} not allowed", Allow=allow))
        if self._needs_token(operation) and not self._authorized(authorization):
            detail = "Not authenticated" if not authorization else "Invalid token"
            return self._finish(_error(HTTPStatus.UNAUTHORIZED, detail, **{"WWW-Authenticate": "Bearer"}))
        params = {key: values[0] for key, values in parse_qs(query, keep_blank_values=True).items()}
        request = Request(path_id=path_id, query=params, body=body)
        try:
            with self.store.lock:
                reply = operation(self, request)
        except ApiError as exc:
            reply = _error(exc.status, exc.detail)
        except Exception:  # an unexpected failure is a 500, as a real framework would answer
            reply = _error(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")
        return self._finish(reply)

    def _needs_token(self, operation: Operation) -> bool:
        if operation is TaskTrackerApi.get_health:
            return False
        # Bug: the list route was registered without its auth guard.
        if self.variant is Variant.AUTH_SKIPPED_ON_LIST and operation is TaskTrackerApi.list_tasks:
            return False
        return True

    def _authorized(self, authorization: str | None) -> bool:
        scheme, _, credentials = (authorization or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip(), self.token)

    def _finish(self, reply: Reply) -> Reply:
        """Apply the harmless variants, which touch every response alike."""
        headers = dict(reply.headers)
        body = reply.body
        # Harmless: a tracing header the spec neither promises nor forbids.
        if self.variant is Variant.EXTRA_HEADER:
            headers["X-Request-Id"] = f"req-{next(self._request_ids)}"
        # Harmless: JSON objects are unordered, so key order must not matter to a client.
        if self.variant is Variant.REORDERED_KEYS:
            body = reversed_keys(body)
        # Harmless: slower, but far inside any sensible timeout.
        if self.variant is Variant.SLOW_BUT_FINE:
            time.sleep(_SLOW_DELAY_S)
        return replace(reply, body=body, headers=headers)

    def _task_json(self, task: Task) -> dict[str, Any]:
        data = asdict(task)
        # Bug: priority goes through a string template on its way out.
        if self.variant is Variant.PRIORITY_AS_STRING:
            data["priority"] = str(task.priority)
        # Harmless: an extra optional property; the Task schema does not forbid additional properties.
        if self.variant is Variant.EXTRA_OPTIONAL_FIELD:
            data["labels"] = []
        return data

    def _task(self, request: Request) -> Task:
        task_id = request.resource_id("Task")
        task = self.store.tasks.get(task_id)
        if task is None:
            raise ApiError(HTTPStatus.NOT_FOUND, f"Task {task_id} not found")
        return task

    def _project(self, request: Request) -> Project:
        project_id = request.resource_id("Project")
        project = self.store.projects.get(project_id)
        if project is None:
            raise ApiError(HTTPStatus.NOT_FOUND, f"Project {project_id} not found")
        return project

    def get_health(self, request: Request) -> Reply:
        return Reply(HTTPStatus.OK, {"status": "ok"})

    def get_current_user(self, request: Request) -> Reply:
        return Reply(HTTPStatus.OK, dict(CURRENT_USER))

    def list_projects(self, request: Request) -> Reply:
        return Reply(HTTPStatus.OK, [asdict(project) for project in self.store.projects.values()])

    def create_project(self, request: Request) -> Reply:
        body = request.json_object()
        # Bug: the minimum length of the name was dropped, so "" is stored.
        name_min = 0 if self.variant is Variant.PROJECT_NAME_NOT_VALIDATED else 1
        name = _check_string("name", _required(body, "name"), min_length=name_min, max_length=60)
        description = None
        if "description" in body:
            description = _check_string("description", body["description"], max_length=500)
        ident = next(self.store.project_ids)
        project = Project(id=ident, name=name, description=description, created_at=_timestamp(ident))
        self.store.projects[ident] = project
        return Reply(HTTPStatus.CREATED, asdict(project))

    def get_project(self, request: Request) -> Reply:
        return Reply(HTTPStatus.OK, asdict(self._project(request)))

    def delete_project(self, request: Request) -> Reply:
        del self.store.projects[self._project(request).id]
        return Reply(HTTPStatus.NO_CONTENT)

    def list_tasks(self, request: Request) -> Reply:
        limit = request.query_integer("limit", default=20, minimum=1, maximum=50)
        offset = request.query_integer("offset", default=0, minimum=0)
        status = request.query.get("status")
        if status is not None:
            _check_status("status", status)
        matching = [task for task in self.store.tasks.values() if status is None or task.status == status]
        end = offset + limit
        # Bug: the page end is treated as inclusive.
        if self.variant is Variant.LIMIT_OFF_BY_ONE:
            end += 1
        items = [self._task_json(task) for task in matching[offset:end]]
        return Reply(HTTPStatus.OK, {"items": items, "total": len(matching)})

    def create_task(self, request: Request) -> Reply:
        body = request.json_object()
        # Bug: the create handler forgot the title's maximum length.
        title_max = None if self.variant is Variant.TITLE_NOT_VALIDATED else 100
        title = _check_string("title", _required(body, "title"), min_length=1, max_length=title_max)
        # Bug: the default priority was taken from the wrong constant.
        default_priority = 1 if self.variant is Variant.DEFAULT_PRIORITY_WRONG else 3
        priority = _check_integer("priority", body.get("priority", default_priority), minimum=1, maximum=5)
        status = _check_string("status", body.get("status", "open"))
        # Bug: the status is stored without being checked against the enum.
        if self.variant is not Variant.STATUS_ENUM_NOT_VALIDATED:
            _check_status("status", status)
        project_id = body.get("project_id")
        if project_id is not None:
            project_id = _check_integer("project_id", project_id)
        due_date = _check_date("due_date", body["due_date"]) if "due_date" in body else None

        ident = next(self.store.task_ids)
        task = Task(ident, title, priority, status, project_id, due_date, created_at=_timestamp(ident))
        self.store.tasks[ident] = task
        # Bug: the handler answers with the generic success status.
        created = HTTPStatus.OK if self.variant is Variant.WRONG_CREATE_STATUS else HTTPStatus.CREATED
        return Reply(created, self._task_json(task))

    def get_task(self, request: Request) -> Reply:
        try:
            task = self._task(request)
        except ApiError:
            # Bug: a missing task falls through to an empty object instead of 404.
            if self.variant is Variant.UNKNOWN_TASK_200:
                return Reply(HTTPStatus.OK, {})
            raise
        data = self._task_json(task)
        # Bug: the detail view builds its body from a projection without created_at.
        if self.variant is Variant.MISSING_REQUIRED_FIELD:
            del data["created_at"]
        return Reply(HTTPStatus.OK, data)

    def update_task(self, request: Request) -> Reply:
        task_id = request.resource_id("Task")
        body = request.json_object()
        if not body:
            raise _invalid("body: at least one field is required")
        changes: dict[str, Any] = {}
        if "title" in body:
            changes["title"] = _check_string("title", body["title"], min_length=1, max_length=100)
        if "priority" in body:
            changes["priority"] = _check_integer("priority", body["priority"], minimum=1, maximum=5)
        if "status" in body:
            changes["status"] = _check_status("status", body["status"])
        if "due_date" in body:
            changes["due_date"] = _check_date("due_date", body["due_date"])

        task = self._task(request)
        reopening = {"open", "in_progress"}
        # Bug: the guard only lists in_progress, so done -> open slips through.
        if self.variant is Variant.REOPEN_ALLOWED:
            reopening = {"in_progress"}
        if task.status == "done" and changes.get("status") in reopening:
            detail = f"Task {task_id} is done and cannot be moved back to {changes['status']}"
            raise ApiError(HTTPStatus.CONFLICT, detail)
        updated = replace(task, **changes)
        self.store.tasks[task_id] = updated
        return Reply(HTTPStatus.OK, self._task_json(updated))

    def delete_task(self, request: Request) -> Reply:
        task_id = request.resource_id("Task")
        # Bug: deletes without checking the id exists; the KeyError surfaces as a 500.
        if self.variant is Variant.DELETE_UNKNOWN_500:
            del self.store.tasks[task_id]
            return Reply(HTTPStatus.NO_CONTENT)
        del self.store.tasks[self._task(request).id]
        return Reply(HTTPStatus.NO_CONTENT)


Operation = Callable[[TaskTrackerApi, Request], Reply]


@dataclass(frozen=True)
class Route:
    """One path template and the operations behind its methods."""

    pattern: re.Pattern[str]
    operations: dict[str, Operation]


ROUTES: tuple[Route, ...] = (
    Route(re.compile(r"/health"), {"GET": TaskTrackerApi.get_health}),
    Route(re.compile(r"/users/me"), {"GET": TaskTrackerApi.get_current_user}),
    Route(
        re.compile(r"/projects"), {"GET": TaskTrackerApi.list_projects, "POST": TaskTrackerApi.create_project}
    ),
    Route(
        re.compile(r"/projects/(?P<id>[^/]+)"),
        {"GET": TaskTrackerApi.get_project, "DELETE": TaskTrackerApi.delete_project},
    ),
    Route(re.compile(r"/tasks"), {"GET": TaskTrackerApi.list_tasks, "POST": TaskTrackerApi.create_task}),
    Route(
        re.compile(r"/tasks/(?P<id>[^/]+)"),
        {
            "GET": TaskTrackerApi.get_task,
            "PATCH": TaskTrackerApi.update_task,
            "DELETE": TaskTrackerApi.delete_task,
        },
    ),
)


def _match(path: str) -> tuple[Route | None, str | None]:
    for route in ROUTES:
        found = route.pattern.fullmatch(path)
        if found:
            return route, found.groupdict().get("id")
    return None, None


# --- HTTP transport ---------------------------------------------------------------------------------------


class TaskTrackerHandler(JsonServiceHandler):
    """Turns HTTP/1.1 requests into `TaskTrackerApi.handle` calls and writes the replies."""

    server: TaskTrackerServer
    server_version = "TaskTracker/1.0"


class TaskTrackerServer(LoopbackHTTPServer):
    """A threading HTTP server that owns one `TaskTrackerApi` (and so one store)."""

    def __init__(self, address: tuple[str, int], api: TaskTrackerApi) -> None:
        self.api = api
        super().__init__(address, TaskTrackerHandler)


def make_server(
    variant: Variant = Variant.CORRECT, *, token: str = DEFAULT_TOKEN, host: str = "127.0.0.1", port: int = 0
) -> TaskTrackerServer:
    """A bound, not yet serving, server for `variant`; port 0 picks a free port."""
    return TaskTrackerServer((host, port), TaskTrackerApi(Variant(variant), token))


@contextmanager
def serve(
    variant: Variant = Variant.CORRECT, *, token: str = DEFAULT_TOKEN, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Run the service on a daemon thread and yield its base URL; shut it down on exit."""
    with running(make_server(variant, token=token, host=host, port=port), name=f"tasks-api-{variant}") as url:
        yield url


def main(argv: Sequence[str] | None = None) -> None:
    """Run the service in the foreground until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m samples.tasks_api", description="Task Tracker API sample"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port (default: 8080)")
    parser.add_argument("--variant", choices=[v.value for v in Variant], default=Variant.CORRECT.value)
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="bearer token to accept")
    args = parser.parse_args(argv)

    server = make_server(Variant(args.variant), token=args.token, host=args.host, port=args.port)
    serve_until_interrupted(server, title=f"Task Tracker API, variant {args.variant}")


if __name__ == "__main__":
    main()
