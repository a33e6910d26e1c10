"""A correct, in-memory implementation of any API from `bench.specs`, on a stdlib ThreadingHTTPServer.

It validates requests by the same field definitions the spec is rendered from, so a good suite generated
from the spec passes against it: CRUD per resource, 401 without the token, 404 for unknown ids, 422 for
bodies and query parameters that break the schema.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from bench.specs import LIST_LIMIT_MAX, ApiDef, FieldDef, ResourceDef
from samples.loopback import JsonServiceHandler, LoopbackHTTPServer, running

DEFAULT_TOKEN = "bench-token"
# created_at is CLOCK_BASE + id seconds, so bodies are reproducible run to run.
CLOCK_BASE = datetime(2024, 1, 1, tzinfo=UTC)

_INTEGER = re.compile(r"[+-]?\d+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class Invalid(Exception):
    """A request value breaks the schema: answered with 422 and the reason as `detail`."""


@dataclass(frozen=True)
class Reply:
    """An operation's answer; `body=None` means no content."""

    status: HTTPStatus
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: HTTPStatus, detail: str, **headers: str) -> Reply:
    return Reply(status, {"detail": detail}, headers)


# --- validation -------------------------------------------------------------------------------------------


def check_value(spec: FieldDef, value: Any) -> Any:
    """The value as stored, or Invalid: type, bounds, lengths, enum, format and pattern, as JSON Schema."""
    where = spec.name
    if spec.kind == "boolean":
        if not isinstance(value, bool):
            raise Invalid(f"{where}: must be a boolean")
        return value
    if spec.kind == "integer":
        # JSON Schema counts 3.0 as an integer; a JSON boolean is never one.
        number = int(value) if isinstance(value, float) and value.is_integer() else value
        if isinstance(number, bool) or not isinstance(number, int):
            raise Invalid(f"{where}: must be an integer")
        if spec.minimum is not None and number < spec.minimum:
            raise Invalid(f"{where}: must be at least {spec.minimum}")
        if spec.maximum is not None and number > spec.maximum:
            raise Invalid(f"{where}: must be at most {spec.maximum}")
        return number
    if not isinstance(value, str):
        raise Invalid(f"{where}: must be a string")
    if spec.min_length is not None and len(value) < spec.min_length:
        raise Invalid(f"{where}: length must be at least {spec.min_length}")
    if spec.max_length is not None and len(value) > spec.max_length:
        raise Invalid(f"{where}: length must be at most {spec.max_length}")
    if spec.enum is not None and value not in spec.enum:
        raise Invalid(f"{where}: must be one of {', '.join(spec.enum)}")
    if spec.format is not None and not _has_format(spec.format, value):
        raise Invalid(f"{where}: must be a valid {spec.format}")
    if spec.pattern is not None and not re.search(spec.pattern, value):
        raise Invalid(f"{where}: must match {spec.pattern}")
    return value


def _has_format(fmt: str, value: str) -> bool:
    if fmt == "date":
        return bool(_DATE.fullmatch(value)) and _is_date(value)
    if fmt == "date-time":
        match = _DATE_TIME.fullmatch(value)
        if match is None or not _is_date(match.group(1)):
            return False
        hour, minute, second = (int(match.group(index)) for index in (2, 3, 4))
        return hour < 24 and minute < 60 and second <= 60  # 60: RFC 3339 allows a leap second
    if fmt == "email":
        return bool(_EMAIL.fullmatch(value))
    if fmt == "uuid":
        return bool(_UUID.fullmatch(value))
    return True


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:  # month 13, day 45
        return False
    return True


def check_body(resource: ResourceDef, raw: bytes, *, partial: bool) -> dict[str, Any]:
    """The known fields of a JSON object body, validated; a create body needs every required field."""
    try:
        body = json.loads(raw)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError both derive from ValueError
        raise Invalid("body: must be a JSON object") from exc
    if not isinstance(body, dict):
        raise Invalid("body: must be a JSON object")
    if partial and not body:
        raise Invalid("body: at least one field is needed")
    values: dict[str, Any] = {}
    for spec in resource.fields:
        if spec.name in body:
            values[spec.name] = check_value(spec, body[spec.name])
        elif spec.required and not partial:
            raise Invalid(f"{spec.name}: field required")
    return values  # unknown fields are ignored, as the spec's open objects allow


def _query_integer(
    query: dict[str, str], name: str, *, default: int, minimum: int, maximum: int | None
) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not _INTEGER.fullmatch(raw):
        raise Invalid(f"{name}: must be an integer")
    number = int(raw)
    if number < minimum or (maximum is not None and number > maximum):
        raise Invalid(f"{name}: must be between {minimum} and {maximum if maximum is not None else 'any'}")
    return number


# --- operations -------------------------------------------------------------------------------------------


@dataclass
class _Collection:
    """The stored items of one resource; callers hold the API's lock."""

    resource: ResourceDef
    items: dict[int, dict[str, Any]] = field(default_factory=dict)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))


@dataclass(frozen=True)
class _Route:
    pattern: re.Pattern[str]
    collection: _Collection
    item: bool  # the item path (/x/{id}) rather than the collection path (/x)


class SyntheticApi:
    """The operations of a `bench.specs.ApiDef` over an in-memory store, independent of HTTP."""

    def __init__(self, api: ApiDef, token: str = DEFAULT_TOKEN) -> None:
        self.token = token
        self._lock = threading.Lock()
        self._routes: list[_Route] = []
        for resource in api.resources:
            collection = _Collection(resource)
            base = re.escape(resource.collection_path)
            self._routes.append(_Route(re.compile(base), collection, item=False))
            self._routes.append(_Route(re.compile(base + r"/(?P<id>[^/]+)"), collection, item=True))

    def handle(self, method: str, path: str, query: str, authorization: str | None, body: bytes) -> Reply:
        """Route, authenticate, run the operation and map errors to statuses."""
        match, route = self._match(path)
        if route is None or match is None:
            return _error(HTTPStatus.NOT_FOUND, f"No route for {path}")
        allowed = ("GET", "PATCH", "DELETE") if route.item else ("GET", "POST")
        if method not in allowed:
            return _error(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} not allowed", Allow=", ".join(allowed))
        scheme, _, credentials = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or credentials.strip() != self.token:
            detail = "Not authenticated" if not authorization else "Invalid token"
            return _error(HTTPStatus.UNAUTHORIZED, detail, **{"WWW-Authenticate": "Bearer"})
        params = {key: values[0] for key, values in parse_qs(query, keep_blank_values=True).items()}
        try:
            with self._lock:
                if route.item:
                    return self._on_item(route.collection, method, match.group("id"), body)
                if method == "GET":
                    return self._list(route.collection, params)
                return self._create(route.collection, body)
        except Invalid as exc:
            return _error(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc))

    def _match(self, path: str) -> tuple[re.Match[str] | None, _Route | None]:
        for route in self._routes:
            if found := route.pattern.fullmatch(path):
                return found, route
        return None, None

    def _list(self, collection: _Collection, query: dict[str, str]) -> Reply:
        limit = _query_integer(query, "limit", default=20, minimum=1, maximum=LIST_LIMIT_MAX)
        offset = _query_integer(query, "offset", default=0, minimum=0, maximum=None)
        items = list(collection.items.values())
        if (filtered := collection.resource.filter_field) is not None and filtered.name in query:
            wanted = check_value(filtered, query[filtered.name])
            items = [item for item in items if item[filtered.name] == wanted]
        return Reply(HTTPStatus.OK, {"items": items[offset : offset + limit], "total": len(items)})

    def _create(self, collection: _Collection, body: bytes) -> Reply:
        values = check_body(collection.resource, body, partial=False)
        ident = next(collection.ids)
        created_at = (CLOCK_BASE + timedelta(seconds=ident)).strftime("%Y-%m-%dT%H:%M:%SZ")
        item = {"id": ident, **{f.name: values.get(f.name) for f in collection.resource.fields}}
        collection.items[ident] = {**item, "created_at": created_at}
        return Reply(HTTPStatus.CREATED, collection.items[ident])

    def _on_item(self, collection: _Collection, method: str, raw_id: str, body: bytes) -> Reply:
        # Bodies are validated before the lookup, as web frameworks do; then an unknown id is 404.
        changes = check_body(collection.resource, body, partial=True) if method == "PATCH" else {}
        ident = int(raw_id) if raw_id.isascii() and raw_id.isdigit() else 0
        if ident not in collection.items:
            return _error(HTTPStatus.NOT_FOUND, f"{collection.resource.singular} {raw_id} not found")
        if method == "DELETE":
            del collection.items[ident]
            return Reply(HTTPStatus.NO_CONTENT)
        if method == "PATCH":
            collection.items[ident] = {**collection.items[ident], **changes}
        return Reply(HTTPStatus.OK, collection.items[ident])


# --- HTTP transport ---------------------------------------------------------------------------------------


class _Handler(JsonServiceHandler):
    """Turns HTTP/1.1 requests into `SyntheticApi.handle` calls and writes the replies."""

    server: _Server
    server_version = "SyntheticApi/1.0"


class _Server(LoopbackHTTPServer):
    def __init__(self, address: tuple[str, int], api: SyntheticApi) -> None:
        self.api = api
        super().__init__(address, _Handler)


@contextmanager
def serve(api: ApiDef, *, token: str = DEFAULT_TOKEN, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve `api` on a free loopback port from a daemon thread; yield the base URL, shut down on exit."""
    with running(_Server((host, 0), SyntheticApi(api, token)), name="synthetic-api") as url:
        yield url
