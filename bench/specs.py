"""Deterministic OpenAPI 3.1 specs of any size: N/5 CRUD resources with realistic, constrained schemas.

`define_api(n)` builds the definition (resources and their fields); `openapi_document` renders it. The
synthetic API serves the same definition, so the spec and the service agree by construction.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

OPERATIONS_PER_RESOURCE = 5
LIST_LIMIT_MAX = 100

# (plural, singular) pairs; sizes beyond them repeat under a /rN path prefix.
_NOUNS: tuple[tuple[str, str], ...] = (
    ("customers", "customer"), ("orders", "order"), ("invoices", "invoice"), ("products", "product"),
    ("suppliers", "supplier"), ("shipments", "shipment"), ("warehouses", "warehouse"),
    ("employees", "employee"), ("departments", "department"), ("projects", "project"),
    ("tickets", "ticket"), ("comments", "comment"), ("payments", "payment"), ("refunds", "refund"),
    ("coupons", "coupon"), ("campaigns", "campaign"), ("subscriptions", "subscription"),
    ("plans", "plan"), ("accounts", "account"), ("contacts", "contact"), ("leads", "lead"),
    ("opportunities", "opportunity"), ("contracts", "contract"), ("assets", "asset"),
    ("vehicles", "vehicle"), ("drivers", "driver"), ("routes", "route"), ("stores", "store"),
    ("carts", "cart"), ("reviews", "review"), ("categories", "category"), ("tags", "tag"),
    ("teams", "team"), ("meetings", "meeting"), ("rooms", "room"), ("bookings", "booking"),
    ("events", "event"), ("venues", "venue"), ("courses", "course"), ("lessons", "lesson"),
)  # fmt: skip

FieldKind = Literal["string", "integer", "boolean"]
StringFormat = Literal["date", "date-time", "email", "uuid"]


@dataclass(frozen=True, kw_only=True)
class FieldDef:
    """One property of a resource, with the constraints the spec documents and the service enforces."""

    name: str
    kind: FieldKind
    required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[str, ...] | None = None
    format: StringFormat | None = None
    pattern: str | None = None
    description: str = ""

    def schema(self) -> dict[str, Any]:
        """The JSON Schema of a value of this field, as sent in a request."""
        keywords: dict[str, Any] = {
            "type": self.kind,
            "minLength": self.min_length,
            "maxLength": self.max_length,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "enum": list(self.enum) if self.enum else None,
            "format": self.format,
            "pattern": self.pattern,
            "description": self.description or None,
        }
        return {key: value for key, value in keywords.items() if value is not None}


# The catalogue resources draw their fields from: every kind of constraint the generator has to read.
_CATALOGUE: tuple[FieldDef, ...] = (
    FieldDef(name="description", kind="string", max_length=500, description="Free text."),
    FieldDef(name="contact_email", kind="string", format="email", max_length=120),
    FieldDef(name="quantity", kind="integer", minimum=0, maximum=10_000),
    FieldDef(name="priority", kind="integer", minimum=1, maximum=5, description="1 is the most urgent."),
    FieldDef(name="status", kind="string", enum=("draft", "active", "archived")),
    FieldDef(name="due_date", kind="string", format="date", description="Calendar date, YYYY-MM-DD."),
    FieldDef(name="starts_at", kind="string", format="date-time"),
    FieldDef(name="external_id", kind="string", format="uuid"),
    FieldDef(name="is_public", kind="boolean"),
    FieldDef(name="reference", kind="string", pattern="^[A-Z]{2,4}-[0-9]{3,6}$", description="As ABC-1234."),
    FieldDef(name="rating", kind="integer", minimum=0, maximum=100),
    FieldDef(name="region", kind="string", enum=("emea", "amer", "apac")),
    FieldDef(name="notes", kind="string", min_length=3, max_length=200),
)


@dataclass(frozen=True, kw_only=True)
class ResourceDef:
    """A CRUD resource: a collection path with list/create and an item path with get/patch/delete."""

    plural: str
    singular: str
    # Which pass over the noun list this is: names repeat under /r1, /r2… with an R1, R2… suffix.
    cycle: int = 0
    fields: tuple[FieldDef, ...]

    @property
    def suffix(self) -> str:
        return f"R{self.cycle}" if self.cycle else ""

    @property
    def schema_name(self) -> str:
        return _camel(self.singular, upper=True) + self.suffix

    @property
    def collection_path(self) -> str:
        prefix = f"/r{self.cycle}" if self.cycle else ""
        return f"{prefix}/{self.plural}"

    @property
    def id_param(self) -> str:
        return f"{_camel(self.singular)}Id"

    @property
    def item_path(self) -> str:
        return f"{self.collection_path}/{{{self.id_param}}}"

    @property
    def filter_field(self) -> FieldDef | None:
        """The first enum field: lists can be filtered by it."""
        return next((f for f in self.fields if f.enum), None)

    def field(self, name: str) -> FieldDef | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class ApiDef:
    """A whole synthetic API: its resources in path order."""

    resources: tuple[ResourceDef, ...] = field(default_factory=tuple)

    @property
    def operation_count(self) -> int:
        return len(self.resources) * OPERATIONS_PER_RESOURCE


def define_api(operations: int) -> ApiDef:
    """The API with `operations` operations (a multiple of 5); the same size always gives the same API."""
    if operations <= 0 or operations % OPERATIONS_PER_RESOURCE:
        raise ValueError(f"operations must be a positive multiple of {OPERATIONS_PER_RESOURCE}: {operations}")
    return ApiDef(tuple(_resource(index) for index in range(operations // OPERATIONS_PER_RESOURCE)))


def _resource(index: int) -> ResourceDef:
    cycle, position = divmod(index, len(_NOUNS))
    plural, singular = _NOUNS[position]
    rng = random.Random(index)  # seeded per resource: growing the API never changes earlier resources
    title = FieldDef(name=("name", "title", "label")[index % 3], kind="string", required=True,
                     min_length=1, max_length=rng.choice((60, 80, 120)), description="Display name.")
    extra = sorted(rng.sample(range(len(_CATALOGUE)), rng.randint(3, 6)))
    fields = [title]
    for position_in_catalogue in extra:
        template = _CATALOGUE[position_in_catalogue]
        # About one optional field in four becomes required, so missing-field negatives vary per resource.
        fields.append(_with_required(template, rng.random() < 0.25))
    return ResourceDef(plural=plural, singular=singular, cycle=cycle, fields=tuple(fields))


def _with_required(template: FieldDef, required: bool) -> FieldDef:
    values = {name: getattr(template, name) for name in FieldDef.__dataclass_fields__}
    return FieldDef(**{**values, "required": required})


def _camel(word: str, *, upper: bool = False) -> str:
    parts = word.replace("-", "_").split("_")
    text = parts[0] + "".join(p.capitalize() for p in parts[1:])
    return text[:1].upper() + text[1:] if upper else text


# --- rendering --------------------------------------------------------------------------------------------


def openapi_document(api: ApiDef, *, title: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `api`: paths, component schemas, shared error responses, bearer auth."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": _ERROR_SCHEMA}
    for resource in api.resources:
        paths[resource.collection_path] = _collection_operations(resource)
        paths[resource.item_path] = _item_operations(resource)
        schemas.update(_resource_schemas(resource))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title or f"Synthetic API ({api.operation_count} operations)",
            "version": "1.0.0",
            "description": "Generated by bench/specs.py. Every operation needs a bearer token.",
        },
        "servers": [{"url": "http://127.0.0.1:8080"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": r.plural, "description": f"Manage {r.plural}."} for r in api.resources],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "responses": _SHARED_RESPONSES,
            "schemas": schemas,
        },
    }


def write_spec(api: ApiDef, path: Path) -> Path:
    """Write the document as JSON (the fast path of the product's loader) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(openapi_document(api), indent=2) + "\n", encoding="utf-8")
    return path


_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "string"}},
}
_ERROR_CONTENT: dict[str, Any] = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_SHARED_RESPONSES: dict[str, Any] = {
    name: {"description": text, "content": _ERROR_CONTENT}
    for name, text in (
        ("Unauthorized", "The bearer token is missing or wrong."),
        ("NotFound", "No resource has this id."),
        ("ValidationError", "The body or a query parameter breaks the schema."),
    )
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _response(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _resource_schemas(resource: ResourceDef) -> dict[str, Any]:
    name = resource.schema_name
    properties = {f.name: f.schema() for f in resource.fields}
    # Responses carry every field: optional ones the client did not send come back as null.
    returned = {f.name: f.schema() if f.required else _nullable(f.schema()) for f in resource.fields}
    return {
        f"{name}Create": {
            "type": "object",
            "required": [f.name for f in resource.fields if f.required],
            "properties": properties,
        },
        f"{name}Update": {"type": "object", "minProperties": 1, "properties": properties},
        name: {
            "type": "object",
            "required": ["id", *(f.name for f in resource.fields), "created_at"],
            "properties": {
                "id": {"type": "integer", "minimum": 1, "readOnly": True},
                **returned,
                "created_at": {"type": "string", "format": "date-time", "readOnly": True},
            },
        },
        f"{name}Page": {
            "type": "object",
            "required": ["items", "total"],
            "properties": {
                "items": {"type": "array", "items": _ref(name)},
                "total": {"type": "integer", "minimum": 0},
            },
        },
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    widened = {**schema, "type": [schema["type"], "null"]}
    if "enum" in widened:
        widened["enum"] = [*widened["enum"], None]  # enum is checked independently of type
    return widened


def _list_parameters(resource: ResourceDef) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = [
        {"name": "limit", "in": "query", "required": False, "description": "Page size.",
         "schema": {"type": "integer", "minimum": 1, "maximum": LIST_LIMIT_MAX, "default": 20}},
        {"name": "offset", "in": "query", "required": False, "description": "Items to skip.",
         "schema": {"type": "integer", "minimum": 0, "default": 0}},
    ]  # fmt: skip
    if (filtered := resource.filter_field) is not None:
        parameters.append({"name": filtered.name, "in": "query", "required": False,
                           "description": f"Only {resource.plural} with this {filtered.name}.",
                           "schema": filtered.schema()})  # fmt: skip
    return parameters


def _collection_operations(resource: ResourceDef) -> dict[str, Any]:
    name, tag = resource.schema_name, [resource.plural]
    return {
        "get": {
            "operationId": f"list{_camel(resource.plural, upper=True)}{resource.suffix}",
            "tags": tag,
            "summary": f"List {resource.plural}, one page at a time",
            "parameters": _list_parameters(resource),
            "responses": {
                "200": {"description": "One page.", "content": _json_content(_ref(f"{name}Page"))},
                "401": _response("Unauthorized"),
                "422": _response("ValidationError"),
            },
        },
        "post": {
            "operationId": f"create{name}",
            "tags": tag,
            "summary": f"Create a {resource.singular}",
            "requestBody": {"required": True, "content": _json_content(_ref(f"{name}Create"))},
            "responses": {
                "201": {"description": "Created.", "content": _json_content(_ref(name))},
                "401": _response("Unauthorized"),
                "422": _response("ValidationError"),
            },
        },
    }


def _item_operations(resource: ResourceDef) -> dict[str, Any]:
    name, tag = resource.schema_name, [resource.plural]
    found = {"description": f"The {resource.singular}.", "content": _json_content(_ref(name))}
    return {
        "parameters": [{"name": resource.id_param, "in": "path", "required": True,
                        "schema": {"type": "integer", "minimum": 1}}],  # fmt: skip
        "get": {
            "operationId": f"get{name}",
            "tags": tag,
            "summary": f"Get one {resource.singular}",
            "responses": {"200": found, "401": _response("Unauthorized"), "404": _response("NotFound")},
        },
        "patch": {
            "operationId": f"update{name}",
            "tags": tag,
            "summary": f"Change some fields of a {resource.singular}",
            "requestBody": {"required": True, "content": _json_content(_ref(f"{name}Update"))},
            "responses": {
                "200": found,
                "401": _response("Unauthorized"),
                "404": _response("NotFound"),
                "422": _response("ValidationError"),
            },
        },
        "delete": {
            "operationId": f"delete{name}",
            "tags": tag,
            "summary": f"Delete a {resource.singular}",
            "responses": {
                "204": {"description": "Deleted; no body."},
                "401": _response("Unauthorized"),
                "404": _response("NotFound"),
            },
        },
    }
