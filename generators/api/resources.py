"""Resources found in an API: which operation creates, lists, reads, updates and deletes what.

Found from path shapes (`/tasks` and `/tasks/{taskId}`) and confirmed or completed by OpenAPI links.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from vocabulary.api_model import ApiModel, JsonSchema, Operation
from vocabulary.claims import Given

_PARAM = re.compile(r"\{([^}]+)\}")


class Resource(BaseModel):
    """A collection path and the item path under it, with the operations on each."""

    collection_path: str
    item_path: str
    id_param: str
    # JSON pointer of the identifier in the creator's response body.
    id_pointer: str = "/id"
    # The same inside one item, as a list holds it: without the envelope a creation answers in.
    key_pointer: str = "/id"
    create: str | None = None
    list: str | None = None
    read: str | None = None
    update: str | None = None
    replace: str | None = None
    delete: str | None = None

    @property
    def name(self) -> str:
        """Singular-ish name for titles: the last literal segment of the collection path."""
        literal = [s for s in self.collection_path.split("/") if s and not s.startswith("{")]
        return literal[-1] if literal else "resource"


def _id_pointer(creator: Operation | None, id_param: str, api: ApiModel) -> str:
    """Where the new resource's id sits in the creator's response: a link says, else a matching property."""
    if creator is None:
        return "/id"
    for response in creator.responses:
        for link in response.links:
            expression = link.parameters.get(id_param, "")
            if expression.startswith("$response.body#"):
                return expression.removeprefix("$response.body#") or "/id"
    envelope, properties = _envelope(creator)
    wanted = id_param.lower()
    for name in properties:
        if name.lower() == wanted or name.lower() + "id" == wanted.replace("_", ""):
            return f"{envelope}/{name}"
    # `{articleSlug}` or `{post_uuid}` names the item's `slug` or `uuid`.
    last_word = re.findall(r"[a-z0-9]+", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", id_param).lower())[-1:]
    named = next((name for name in properties if [name.lower()] == last_word), None)
    leaf = named or ("id" if "id" in properties or not properties else next(iter(properties)))
    return f"{envelope}/{leaf}"


def _envelope(creator: Operation | None) -> tuple[str, dict[str, Any]]:
    """Where the item sits in a creation's answer (`{"article": {...}}`, an only property), and its fields."""
    schema = _success_schema(creator) if creator else None
    properties = schema.get("properties", {}) if schema else {}
    envelope = ""
    while len(properties) == 1 and (next(iter(properties.values())) or {}).get("properties"):
        envelope += "/" + next(iter(properties))
        properties = next(iter(properties.values()))["properties"]
    return envelope, properties


def _key_pointer(creator: Operation | None, id_pointer: str) -> str:
    envelope, _ = _envelope(creator)
    inside = envelope and id_pointer.startswith(envelope + "/")
    return id_pointer.removeprefix(envelope) if inside else id_pointer


def _success_schema(operation: Operation) -> JsonSchema | None:
    for status in operation.success_statuses:
        response = operation.response(status)
        if response and response.schema_:
            return response.schema_
    return None


def find_resources(api: ApiModel) -> list[Resource]:
    """Pair every item path `/x/{id}` with its collection `/x`, in spec order.

    A trailing slash does not make another path: FastAPI and Django write collections as `/x/`.
    """
    by_path: dict[str, dict[str, Operation]] = {}
    written: dict[str, list[str]] = {}  # normalized path -> the spellings the spec uses, in spec order
    for operation in api.operations:
        key = _normalized(operation.path)
        by_path.setdefault(key, {}).setdefault(operation.method, operation)
        spellings = written.setdefault(key, [])
        if operation.path not in spellings:
            spellings.append(operation.path)
    resources = []
    for key, item_ops in by_path.items():
        match = re.fullmatch(r"(.*)/\{([^}]+)\}", key)
        if not match:
            continue
        collection_key, id_param = _normalized(match.group(1)), match.group(2)
        collection_ops = by_path.get(collection_key, {})
        creator = collection_ops.get("post")
        lister = collection_ops.get("get")
        collection_path = (creator or lister).path if creator or lister else match.group(1) or "/"
        id_pointer = _id_pointer(creator, id_param, api)
        resources.append(
            Resource(
                collection_path=collection_path,
                item_path=(item_ops.get("get") or next(iter(item_ops.values()))).path,
                id_param=id_param,
                id_pointer=id_pointer,
                key_pointer=_key_pointer(creator, id_pointer),
                create=creator.operation_id if creator else None,
                list=lister.operation_id if lister else None,
                read=item_ops["get"].operation_id if "get" in item_ops else None,
                update=item_ops["patch"].operation_id if "patch" in item_ops else None,
                replace=item_ops["put"].operation_id if "put" in item_ops else None,
                delete=item_ops["delete"].operation_id if "delete" in item_ops else None,
            )
        )
    return resources


def resource_of(operation: Operation, resources: list[Resource]) -> Resource | None:
    """The resource whose item path is this operation's path (the one it needs an existing id for)."""
    path = _normalized(operation.path)
    return next((r for r in resources if _normalized(r.item_path) == path), None)


def parent_of(path: str, name: str, resources: list[Resource]) -> Resource | None:
    """The resource whose item `{name}` is in the path: the one at the path up to it, else one named so.

    `/articles/{slug}/favorite` acts on the article at `/articles/{slug}` (or `/articles/{slug}/`).
    """
    placeholder = "{" + name + "}"
    prefix = path[: path.find(placeholder) + len(placeholder)] if placeholder in path else None
    at_prefix = next((r for r in resources if prefix and _normalized(r.item_path) == prefix), None)
    return at_prefix or next((r for r in resources if _normalized(r.item_path).endswith(placeholder)), None)


def given_path_parameters(operation: Operation) -> dict[str, Any]:
    """Path parameters for acting on something that exists when no call can make it: examples, else Given."""
    return {
        p.name: p.example if p.example is not None else Given(name=p.name) for p in operation.path_parameters
    }


def _normalized(path: str) -> str:
    """The path without its trailing slash; the root stays "/"."""
    return path.rstrip("/") or "/"


def path_parameters(path: str) -> list[str]:
    return _PARAM.findall(path)
