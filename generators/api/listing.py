"""What a spec says about a list operation: where its items are, how it pages and what it filters by.

Grounded on parameter and property names AND their schemas; anything the spec leaves open comes back as
the reason a check cannot be built, never as a guess.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from vocabulary.api_model import JsonSchema, Operation, Parameter
from vocabulary.claims import Paging

# Parameter names, compared without case, "_" or "-", that select the page window.
_LIMIT_NAMES = {"limit", "perpage", "pagesize", "size", "top", "maxresults", "take", "pagelimit", "count"}
_OFFSET_NAMES = {"offset", "skip", "start", "startindex"}
_PAGE_NAMES = {"page", "pagenumber", "pageno", "pageindex", "pagenum"}
_CURSOR_NAMES = {"cursor", "after", "before", "pagetoken", "nexttoken", "continuationtoken", "startingafter"}
# Array properties that hold a page's items, in order of preference when a body has several arrays.
_ITEM_ARRAYS = ("items", "data", "results", "records", "content", "entries", "elements")
# Integer properties counting every matching item (not only this page's), and objects that may hold one.
_TOTAL_NAMES = (
    "total", "totalcount", "totalitems", "totalelements", "totalresults", "totalrecords", "totalsize",
    "totalhits", "totalentries", "totalrows",
)  # fmt: skip
_META_OBJECTS = {"meta", "pagination", "paging", "page", "pageinfo"}


def _norm(name: str) -> str:
    return re.sub(r"[_\-\s]", "", name).lower()


def types_of(schema: JsonSchema) -> set[str]:
    kind = schema.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if kind else set()


def _is_integer(schema: JsonSchema) -> bool:
    return "integer" in types_of(schema)


class ListShape(BaseModel):
    """A list operation as far as the spec documents it."""

    operation_id: str
    items_pointer: str
    item_schema: JsonSchema
    total_pointer: str | None = None
    limit: Parameter | None = None
    offset: Parameter | None = None
    page: Parameter | None = None
    first_page: int | None = None
    # Why paging cannot be walked although the list pages (a cursor, an untyped page parameter…).
    unwalkable: str | None = None

    @property
    def paged(self) -> bool:
        return self.offset is not None or self.page is not None

    def start(self, limit: int | None) -> dict[str, Any]:
        """Query parameters of the first page with `limit` items per page (None: the server's default)."""
        query: dict[str, Any] = {}
        if self.limit is not None and limit is not None:
            query[self.limit.name] = limit
        if self.offset is not None:
            query[self.offset.name] = 0
        elif self.page is not None:
            query[self.page.name] = self.first_page
        return query

    def paging(self, key_pointer: str, limit: int | None) -> Paging:
        return Paging(
            items_pointer=self.items_pointer,
            key_pointer=key_pointer,
            limit_param=self.limit.name if self.limit else None,
            limit=limit if self.limit else None,
            offset_param=self.offset.name if self.offset else None,
            page_param=self.page.name if self.page else None,
            total_pointer=self.total_pointer,
        )

    def largest_limit(self) -> int | None:
        """The page size that walks the list in the fewest requests: the documented maximum or default."""
        if self.limit is None:
            return None
        schema = self.limit.schema_
        return schema.get("maximum", schema.get("default"))

    def paging_params(self) -> set[str]:
        return {p.name for p in (self.limit, self.offset, self.page) if p is not None}


def list_shape(operation: Operation) -> ListShape | str:
    """The shape of a list operation's 200 answer and its paging parameters, or why it cannot be read."""
    if operation.method != "get":
        return "not a GET"
    response = next((operation.response(s) for s in operation.success_statuses), None)
    schema = response.schema_ if response else None
    if not schema:
        return "no documented response schema for its success status"
    found = _items(schema)
    if isinstance(found, str):
        return found
    pointer, item_schema = found
    shape = ListShape(
        operation_id=operation.operation_id,
        items_pointer=pointer,
        item_schema=item_schema,
        total_pointer=_total(schema, pointer.lstrip("/")) if pointer else None,
    )
    return _with_paging(shape, [p for p in operation.parameters if p.location == "query"])


def _items(schema: JsonSchema) -> tuple[str, JsonSchema] | str:
    if "array" in types_of(schema):
        return "", schema.get("items", {})
    arrays = {
        name: prop
        for name, prop in schema.get("properties", {}).items()
        if isinstance(prop, dict) and "array" in types_of(prop)
    }
    if len(arrays) == 1:
        name, prop = next(iter(arrays.items()))
        return f"/{name}", prop.get("items", {})
    preferred = next((name for name in _ITEM_ARRAYS if name in arrays), None)
    if preferred is None:
        return "the response is neither an array nor an object with one array of items"
    return f"/{preferred}", arrays[preferred].get("items", {})


def _total(schema: JsonSchema, items: str | None) -> str | None:
    """Where the total of all matching items is: beside the items array, or in a paging object.

    A lone `count` counts everything only beside the items; in a paging object it may be the page's.
    """
    properties = {
        _norm(name): name for name, prop in schema.get("properties", {}).items()
        if isinstance(prop, dict) and _is_integer(prop)
    }  # fmt: skip
    names = [*_TOTAL_NAMES, *([f"{_norm(items)}count", "count"] if items else [])]
    found = next((properties[name] for name in names if name in properties), None)
    if found:
        return f"/{found}"
    for name, prop in schema.get("properties", {}).items():
        if _norm(name) in _META_OBJECTS and isinstance(prop, dict):
            inner = _total(prop, None)
            if inner:
                return f"/{name}{inner}"
    return None


def _with_paging(shape: ListShape, query: list[Parameter]) -> ListShape:
    roles: dict[str, Parameter] = {}
    for parameter in query:
        name = _norm(parameter.name)
        if name in _CURSOR_NAMES:
            shape.unwalkable = f"it pages by the cursor parameter '{parameter.name}'"
            continue
        role = (
            "limit" if name in _LIMIT_NAMES else "offset" if name in _OFFSET_NAMES else "page"
            if name in _PAGE_NAMES else None
        )  # fmt: skip
        if role is None or role in roles:
            continue
        if not _is_integer(parameter.schema_):
            shape.unwalkable = f"its paging parameter '{parameter.name}' is not documented as an integer"
            continue
        roles[role] = parameter
    shape.limit, shape.offset, shape.page = roles.get("limit"), roles.get("offset"), roles.get("page")
    if shape.page is not None and shape.offset is None:
        page_schema = shape.page.schema_
        shape.first_page = page_schema.get("minimum", page_schema.get("default"))
        if shape.first_page is None:
            shape.unwalkable = f"the number of the first '{shape.page.name}' (0 or 1) is not documented"
    return shape


def filter_values(parameter: Parameter, field_schema: JsonSchema) -> list[Any] | str:
    """Two or more values a filter parameter and the field it is named after both accept, or why not."""
    param_schema = parameter.schema_
    if "boolean" in types_of(param_schema) and "boolean" in types_of(field_schema):
        return [True, False]
    param_enum = param_schema.get("enum")
    field_enum = field_schema.get("enum")
    if param_enum and field_enum:
        shared = [value for value in param_enum if value in field_enum and value is not None]
        return shared if len(shared) >= 2 else "its enum shares fewer than two values with the field's"
    return (
        "only enum and boolean filters are checked; whether other filters match exactly, by prefix or "
        "by substring is not documented"
    )


def array_field(parameter: Parameter, fields: dict[str, Any]) -> str | None:
    """The array item field a singular filter names: `tag` → `tags`, `tagList`; `category` → `categories`."""
    name = _norm(parameter.name)
    plurals = {name + "s", name + "es", *([name[:-1] + "ies"] if name.endswith("y") else [])}
    for field, schema in fields.items():
        norm = _norm(field)
        if not isinstance(schema, dict) or "array" not in types_of(schema):
            continue
        if any(norm == stem + tail for stem in (name, *plurals) for tail in ("", "list", "set", "array")):
            return field
    return None


def membership_values(parameter: Parameter, element_schema: JsonSchema) -> tuple[str, str] | str:
    """A value to filter an array field by, and one no matching rule (exact, prefix, substring) confuses."""
    if "string" not in types_of(parameter.schema_) or "string" not in types_of(element_schema):
        return "only string filters of arrays of strings are checked"
    if any(key in element_schema or key in parameter.schema_ for key in ("enum", "pattern", "format")):
        return "its values are constrained (enum, pattern or format) beyond what this check makes up"
    wanted = parameter.example if isinstance(parameter.example, str) and parameter.example else "alpha"
    other = next((o for o in ("omega", "zulu") if o not in wanted.lower() and wanted.lower() not in o), None)
    if other is None:
        return f"no second value is safely unlike {wanted!r}"
    return wanted, other
