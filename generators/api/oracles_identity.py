"""Oracles that take more than one call of one identity to fail: who may change an item, what goes with it.

- Ownership: what the first identity made, a second identity is refused to change or delete (the documented
  403), and the first identity reads it back unchanged.
- Cascade: once an item is deleted, the lists nested under it (`/articles/{slug}/comments`) answer 404.
- Singleton read-back: a change to a path without an id (`/user`, `/me`, `/settings`) shows on the next GET,
  read as the same identity that made it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from generators.api.accounts import account_aware
from generators.api.data import credential_kind, is_valid, names_a_key, valid_value
from generators.api.offline import account_fields
from generators.api.planner import _documented, _is_json, _singular, _success, _types, snake
from generators.api.reading.lexicon import Lexicon
from generators.api.reading.ownership import is_ownership
from generators.api.resources import Resource, path_parameters
from vocabulary.api_model import JsonSchema, Operation
from vocabulary.claims import Expectation, FieldCheck, Ref, Scenario, Step, Unique

if TYPE_CHECKING:
    from generators.api.planner import Planner

OWNERSHIP = "another user cannot change or delete it"
CASCADE = "gone with its deleted parent"
READ_BACK = "a change shows on the next GET"
# Words that say a 403 is about who the caller is (a role, a scope), not about whose item it is.
_ROLE_WORDS = frozenset(
    {"admin", "admins", "administrator", "administrators", "role", "roles", "scope", "scopes", "privilege",
     "privileges", "superuser", "staff", "moderator", "moderators"}
)  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")


def identity_scenarios(planner: Planner) -> list[Scenario]:
    """Ownership and cascade checks of every resource, and the read-back of every singleton's update."""
    lexicon = Lexicon(planner.api)
    scenarios = [s for r in planner.resources for s in _ownership_checks(planner, r, lexicon)]
    scenarios += [s for r in planner.resources for s in _cascades(planner, r)]
    checked = account_aware(planner, scenarios)
    read_backs = account_aware(planner, _singleton_read_backs(planner))
    return checked + [_as_one_identity(s) for s in read_backs]


def _normalized(path: str) -> str:
    return path.rstrip("/") or "/"


def _item_params(resource: Resource, created: list[Step], save_as: str) -> dict[str, Any]:
    """Path parameters naming the item `created` made (saved as `save_as`) under its parents."""
    return {**created[-1].path_params, resource.id_param: Ref(step=save_as, pointer=resource.id_pointer)}


# -- ownership --------------------------------------------------------------------------------------


def _ownership_checks(planner: Planner, resource: Resource, lexicon: Lexicon) -> list[Scenario]:
    scenarios = []
    for operation_id in dict.fromkeys(o for o in (resource.update, resource.replace, resource.delete) if o):
        operation = planner.api.operation(operation_id)
        if operation is None or operation.deprecated:
            continue
        planned = _ownership(planner, resource, operation, lexicon)
        if isinstance(planned, str):
            planner.skip(operation_id, OWNERSHIP, planned)
        else:
            scenarios.append(planned)
    return scenarios


def _sentences(operation: Operation) -> list[str]:
    """The operation's own words and its 403's: where a spec says who may change an item."""
    forbidden = operation.response("403")
    texts = [operation.summary, operation.description, forbidden.description if forbidden else ""]
    return [s for text in texts for s in _SENTENCE_END.split(text) if s.strip()]


def _ownership(
    planner: Planner, resource: Resource, operation: Operation, lexicon: Lexicon
) -> Scenario | str:
    """The first identity makes the item, the second changes or deletes it: refused, and the item stays."""
    if not operation.security or {} in operation.security:
        return "it needs no credentials, so who calls it cannot change the answer"
    sentences = _sentences(operation)
    owner_only = any(is_ownership(sentence, lexicon) for sentence in sentences)
    forbidden = 403 in _documented(operation)
    if not owner_only and not forbidden:
        return "the spec documents no 403 and does not say that only the owner may"
    words = {w for sentence in sentences for w in re.findall(r"[a-z]+", sentence.lower())}
    if not owner_only and words & _ROLE_WORDS:
        return "its 403 is said of roles or scopes, not of whose item it is"
    creator = planner.api.operation(resource.create or "")
    if creator is None or not creator.security:
        return "its items are made without credentials, so no identity owns them"
    created = planner.creation_steps(resource, "created")
    body = planner.body_for(operation)
    if created is None or operation.request_body is not None and body is None:
        return "the spec gives no way to create the item, or no valid body to send"
    item = _item_params(resource, created, "created")
    name = _singular(resource.name)
    read_op = planner.api.operation(resource.read or "")
    deletes = operation.method == "delete"
    steps = list(created)
    if read_op is not None and not deletes:
        steps.append(_read(read_op, item, f"Read the {name}", save_as="before"))
    steps.append(
        Step(
            operation_id=operation.operation_id,
            title=f"{operation.method.upper()} it as another user",
            path_params=item,
            query=planner.required_query(operation),
            headers=planner.required_headers(operation),
            body=body,
            auth="second",
            expect=_refused(operation, forbidden),
        )
    )
    steps += _still_there(planner, resource, read_op, item, body, deletes)
    verb = "delete" if deletes else "change"
    title = (
        f"{operation.method.upper()} {operation.path}: another user cannot {verb} a {name} it did not make"
    )
    exercised = [(operation.operation_id, "403")] if forbidden else []
    return planner._scenario(
        operation, "refused_to_another_user", title, "auth", steps, exercised, severity="critical"
    )


def _refused(operation: Operation, forbidden: bool) -> Expectation:
    """The documented 403, or 404 where also documented (hiding the item is right too); else any 4xx."""
    if not forbidden:
        return Expectation(status_class="4xx", schema_of=(operation.operation_id, "4XX"))
    statuses = [code for code in (403, 404) if code in _documented(operation)]
    return Expectation(statuses=statuses, schema_of=(operation.operation_id, "403"))


def _read(
    read_op: Operation,
    item: dict[str, Any],
    title: str,
    save_as: str | None = None,
    fields: list[FieldCheck] | None = None,
) -> Step:
    """A GET of the item by its maker (the first identity), which must find it."""
    expect = Expectation(statuses=[200], schema_of=(read_op.operation_id, "200"), fields=fields or [])
    return Step(
        operation_id=read_op.operation_id, title=title, path_params=item, save_as=save_as, expect=expect
    )


def _still_there(
    planner: Planner,
    resource: Resource,
    read_op: Operation | None,
    item: dict[str, Any],
    body: Any,
    deleted: bool,
) -> list[Step]:
    """The maker reads the item back: still there after a refused delete, unchanged after a refused change."""
    name = _singular(resource.name)
    if read_op is None:
        parents = {n: v for n, v in item.items() if n != resource.id_param}
        created = Ref(step="created", pointer=resource.id_pointer)
        return planner._listed(resource, parents, created, present=True) if deleted else []
    if deleted:
        return [_read(read_op, item, f"The {name} is still there")]
    read = read_op.response("200")
    unchanged = [
        FieldCheck(pointer=pointer, op="==", value=Ref(step="before", pointer=pointer))
        for pointer in _sent_pointers(body, (read.schema_ or {}) if read else {})
    ]
    return [_read(read_op, item, f"The {name} is unchanged", fields=unchanged)]


def _sent_pointers(body: Any, schema: JsonSchema, prefix: str = "") -> list[str]:
    """Pointers of the values a body sends that the item's read documents too (inside envelopes)."""
    if not isinstance(body, dict):
        return []
    pointers = []
    for name, value in body.items():
        prop = schema.get("properties", {}).get(name)
        if not isinstance(prop, dict):
            continue
        pointer = f"{prefix}/{name}"
        pointers += _sent_pointers(value, prop, pointer) if isinstance(value, dict) else [pointer]
    return pointers


# -- cascade ----------------------------------------------------------------------------------------


def _cascades(planner: Planner, resource: Resource) -> list[Scenario]:
    """Every GET nested under the item (its only parameters the item's): 404 once the item is deleted."""
    if not resource.create or not resource.delete:
        return []
    item_path = _normalized(resource.item_path)
    names = path_parameters(resource.item_path)
    scenarios = []
    for nested in planner.api.operations:
        if nested.method != "get" or nested.deprecated or not nested.path.startswith(item_path + "/"):
            continue
        if path_parameters(nested.path) != names:
            continue  # an item of its own under the parent: its 404 may be about that item
        if 404 not in _documented(nested):
            planner.skip(nested.operation_id, CASCADE, "404 is not documented: what it answers then is open")
            continue
        planned = _cascade(planner, resource, nested)
        if isinstance(planned, str):
            planner.skip(nested.operation_id, CASCADE, planned)
        else:
            scenarios.append(planned)
    return scenarios


def _cascade(planner: Planner, resource: Resource, nested: Operation) -> Scenario | str:
    """Make the parent and one child under it, delete the parent: the nested GET answers 404.

    Its only path parameters are the parent's, so the documented 404 can only be about the parent.
    """
    delete_op = planner.api.operation(resource.delete or "")
    made = planner.creation_steps(resource, "parent")
    if delete_op is None or made is None:
        return "the spec gives no way to create the parent"
    parent = _item_params(resource, made, "parent")
    name = _singular(resource.name)
    delete = Step(
        operation_id=delete_op.operation_id,
        title=f"Delete the {name}",
        path_params=parent,
        expect=_success(delete_op),
    )
    gone = Step(
        operation_id=nested.operation_id,
        title=f"GET {nested.path} finds nothing",
        path_params={n: parent[n] for n in path_parameters(nested.path)},
        query=planner.required_query(nested),
        headers=planner.required_headers(nested),
        expect=Expectation(statuses=[404], schema_of=(nested.operation_id, "404")),
    )
    steps = [*made, *_child(planner, nested, parent), delete, gone]
    tail = nested.path[len(_normalized(resource.item_path)) + 1 :]
    title = f"Deleting a {name} takes {nested.path} with it: it answers 404 afterwards"
    exercised = [(nested.operation_id, "404")]
    return planner._scenario(
        delete_op, f"takes_its_{snake(tail)}_with_it", title, "lifecycle", steps, exercised
    )


def _child(planner: Planner, nested: Operation, parent: dict[str, Any]) -> list[Step]:
    """One child made under the parent by a POST to the nested path, and found listed there where it can be.

    With a child, a service that only hides the parent but keeps its children fails the check.
    """
    path = _normalized(nested.path)
    child = next((r for r in planner.resources if r.create and _normalized(r.collection_path) == path), None)
    creator = next(
        (op for op in planner.api.operations if op.method == "post" and _normalized(op.path) == path), None
    )
    body = planner.body_for(creator) if creator else None
    if creator is None or creator.request_body is not None and body is None:
        return []
    made = planner.create_step(creator, "child", parent, body)
    if child is None:
        return [made]
    return [made, *planner._listed(child, parent, Ref(step="child", pointer=child.id_pointer), present=True)]


# -- singleton read-back ----------------------------------------------------------------------------


def _singleton_read_backs(planner: Planner) -> list[Scenario]:
    """Paths without an id that are read and changed (`/user`, `/me`, `/settings`), not collections."""
    by_path: dict[str, dict[str, Operation]] = {}
    for operation in planner.api.operations:
        if not operation.deprecated:
            by_path.setdefault(_normalized(operation.path), {}).setdefault(operation.method, operation)
    collections = {_normalized(r.collection_path) for r in planner.resources}
    scenarios = []
    for path, operations in by_path.items():
        read_op = operations.get("get")
        if read_op is None or path_parameters(path) or path in collections:
            continue
        for update_op in (operations[m] for m in ("patch", "put") if m in operations):
            planned = _read_back(planner, update_op, read_op)
            if isinstance(planned, str):
                planner.skip(update_op.operation_id, READ_BACK, planned)
            else:
                scenarios.append(planned)
    return scenarios


def _read_back(planner: Planner, update_op: Operation, read_op: Operation) -> Scenario | str:
    """Change one plain field to a value unique to the run; the answer and the next GET both carry it."""
    body = update_op.request_body
    if body is None or not _is_json(body.content_type):
        return "it takes no JSON body"
    envelope, fields = account_fields(body.schema_)
    read = read_op.response("200")
    read_schema = (read.schema_ or {}) if read else {}
    change = _plain_change(fields, read_schema)
    if change is None:
        return "no plain text or number field it changes is shown by its GET (credentials are not changed)"
    field, value, example = change
    inner = body.schema_["properties"][envelope] if envelope else body.schema_
    synthesized = planner.body_for(update_op) or {}
    synthesized = synthesized.get(envelope, {}) if envelope and isinstance(synthesized, dict) else synthesized
    kept = {n: synthesized[n] for n in inner.get("required", []) if n != field and n in synthesized}
    credentials = [n for n in kept if credential_kind(n, fields.get(n))]
    if credentials:
        return (
            f"it must be sent {', '.join(credentials)}, how the user logs in, which the suite does not change"
        )

    def wrapped(content: Any) -> dict[str, Any]:
        return {envelope: {**kept, field: content}} if envelope else {**kept, field: content}

    if not is_valid(body.schema_, wrapped(example)):
        return f"no valid body changes only its {field}"
    answer = next((update_op.response(s) for s in update_op.success_statuses), None)
    echoed = _pointer_of((answer.schema_ or {}) if answer else {}, field)
    expect = _success(update_op)
    expect.fields = [FieldCheck(pointer=echoed, op="==", value=value)] if echoed else []
    shown = _pointer_of(read_schema, field)
    assert shown is not None  # _plain_change picks only fields the GET shows
    change_step = Step(
        operation_id=update_op.operation_id,
        title=f"Change its {field}",
        query=planner.required_query(update_op),
        headers=planner.required_headers(update_op),
        body=wrapped(value),
        expect=expect,
    )
    read_step = Step(
        operation_id=read_op.operation_id,
        title=f"Read it again: the new {field} is there",
        query=planner.required_query(read_op),
        headers=planner.required_headers(read_op),
        expect=Expectation(
            statuses=[200],
            schema_of=(read_op.operation_id, "200"),
            fields=[FieldCheck(pointer=shown, op="==", value=value)],
        ),
    )
    title = f"{update_op.method.upper()} {update_op.path} changes {field}, and GET {read_op.path} shows it"
    status = update_op.success_statuses[0] if update_op.success_statuses else "2XX"
    steps = [change_step, read_step]
    exercised = [(update_op.operation_id, status)]
    return planner._scenario(update_op, "change_shows_on_the_next_get", title, "lifecycle", steps, exercised)


def _plain_change(fields: dict[str, Any], read_schema: JsonSchema) -> tuple[str, Unique, Any] | None:
    """A field that is not how one logs in, with a value unique to the run: (name, marker, its example).

    Plain text first (nullable too), then integers; fields that read like keys (a nickname) after the others;
    the GET must show it. A login name or password would change how the user signs in: never picked.
    """
    candidates = sorted(
        (
            (name, prop)
            for name, prop in fields.items()
            if isinstance(prop, dict)
            and not prop.get("readOnly")
            and not {"enum", "const", "format", "pattern"} & set(prop)
            and not credential_kind(name, prop)
            and _pointer_of(read_schema, name)
        ),
        key=lambda candidate: names_a_key(*candidate),
    )
    for name, prop in candidates:
        if "string" in _types(prop) and _types(prop) <= {"string", "null"}:
            example = valid_value({**prop, "type": "string"}, name=name, variant=2)
            return name, Unique(example=example, max_length=prop.get("maxLength")), example
    for name, prop in candidates:
        low, high = prop.get("minimum"), prop.get("maximum")
        # A run-time value keeps only inclusive whole-number bounds.
        plain_bounds = all(b is None or isinstance(b, int) for b in (low, high)) and not (
            {"exclusiveMinimum", "exclusiveMaximum", "multipleOf"} & set(prop)
        )
        if _types(prop) <= {"integer", "null"} and "integer" in _types(prop) and plain_bounds:
            example = valid_value({**prop, "type": "integer"}, name=name, variant=1)
            return name, Unique(example=example, minimum=low, maximum=high), example
    return None


def _pointer_of(schema: JsonSchema, field: str) -> str | None:
    """Where an answer shows `field`: at its top or inside its one object envelope (`{"user": {...}}`)."""
    envelope, properties = account_fields(schema)
    if field not in properties:
        return None
    return f"/{envelope}/{field}" if envelope else f"/{field}"


def _as_one_identity(scenario: Scenario) -> Scenario:
    """A change moved to a throwaway user is read back as that user too, not as the configured one."""
    if not any(step.auth == "throwaway" for step in scenario.steps):
        return scenario
    steps = [s.model_copy(update={"auth": "throwaway"}) if s.auth == "valid" else s for s in scenario.steps]
    return scenario.model_copy(update={"steps": steps})
