"""Resources found in an API: which operation creates, lists, reads, updates and deletes what.

Found from path shapes (`/tasks` and `/tasks/{taskId}`) and confirmed or completed by OpenAPI links.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from vocabulary.api_model import ApiModel, JsonSchema, Operation

_PARAM = re.compile(r"\{([^}]+)\}")


class Resource(BaseModel):
    """A collection path and the item path under it, with the operations on each."""

    collection_path: str
    item_path: str
    id_param: str
    # JSON pointer of the identifier in the creator's response body.
    id_pointer: str = "/id"
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
    schema = _success_schema(creator)
    properties = schema.get("properties", {}) if schema else {}
    wanted = id_param.lower()
    for name in properties:
        if name.lower() == wanted or name.lower() + "id" == wanted.replace("_", ""):
            return f"/{name}"
    return "/id" if "id" in properties or not properties else f"/{next(iter(properties))}"


def _success_schema(operation: Operation) -> JsonSchema | None:
    for status in operation.success_statuses:
        response = operation.response(status)
        if response and response.schema_:
            return response.schema_
    return None


def find_resources(api: ApiModel) -> list[Resource]:
    """Pair every item path `/x/{id}` with its collection `/x`, in spec order."""
    by_path: dict[str, dict[str, Operation]] = {}
    for operation in api.operations:
        by_path.setdefault(operation.path, {})[operation.method] = operation
    resources = []
    for item_path, item_ops in by_path.items():
        match = re.fullmatch(r"(.*)/\{([^}]+)\}", item_path)
        if not match:
            continue
        collection_path, id_param = match.group(1) or "/", match.group(2)
        collection_ops = by_path.get(collection_path, {})
        creator = collection_ops.get("post")
        resources.append(
            Resource(
                collection_path=collection_path,
                item_path=item_path,
                id_param=id_param,
                id_pointer=_id_pointer(creator, id_param, api),
                create=creator.operation_id if creator else None,
                list=collection_ops["get"].operation_id if "get" in collection_ops else None,
                read=item_ops["get"].operation_id if "get" in item_ops else None,
                update=item_ops["patch"].operation_id if "patch" in item_ops else None,
                replace=item_ops["put"].operation_id if "put" in item_ops else None,
                delete=item_ops["delete"].operation_id if "delete" in item_ops else None,
            )
        )
    return resources


def resource_of(operation: Operation, resources: list[Resource]) -> Resource | None:
    """The resource whose item path is this operation's path (the one it needs an existing id for)."""
    return next((r for r in resources if r.item_path == operation.path), None)


def path_parameters(path: str) -> list[str]:
    return _PARAM.findall(path)
