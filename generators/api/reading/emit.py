"""Stage 4: a frame becomes scenarios of the shared IR (vocabulary.claims), which codegen renders as tests."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any, Literal

from generators.api.data import (
    UnsatisfiableSchema,
    is_valid,
    minimal_valid_object,
    non_null_value,
    valid_value,
)
from generators.api.planner import Planner, snake
from generators.api.reading.account import account_steps
from generators.api.reading.lexicon import (
    Lexicon,
    items_pointer,
    request_schema,
    total_pointer,
    types,
    words,
)
from generators.api.reading.model import Call, Case, Gap, Outcome, Reading
from generators.api.reading.scene import send
from generators.api.reading.split import Claim
from generators.api.resources import Resource, given_path_parameters
from vocabulary.api_model import Operation
from vocabulary.claims import Cleanup, Expectation, Paging, Ref, Scenario, Step

_LIMIT_PARAMS = ("limit", "size", "page_size", "pagesize", "per_page", "perpage", "max", "count", "take")
_OFFSET_PARAMS = ("offset", "skip", "start", "from")
_PAGE_PARAMS = ("page", "page_number", "pagenumber")
# Checks on every listed item, which a walk of the pages applies to all items seen.
_ITEM_OPS = ("all==", "has_item", "lacks_item")


def emit(reading: Reading, lexicon: Lexicon, planner: Planner) -> list[Scenario] | Gap:
    """One scenario per checked call (alternatives) or per side of a bound."""
    if reading.cases:
        outcomes = [(case, _case_outcome(case, reading)) for case in reading.cases]
        built = [
            _scenario(
                reading, _with_case(reading.action, reading, case), outcome, planner, lexicon, case.name
            )
            for case, outcome in outcomes
        ]
    else:
        calls = [reading.action, *reading.alternatives]
        if reading.refused_anonymously:
            anonymous = reading.action.copy()
            anonymous.auth = "none"
            anonymous.phrases.append("without credentials")
            refusal = _scenario(
                reading, anonymous, Outcome(status_class="4xx"), planner, lexicon, "anonymous"
            )
            if isinstance(refusal, Gap):
                return refusal
            extra = [refusal]
        else:
            extra = []
        built = extra + [
            _scenario(
                reading,
                call,
                outcome,
                planner,
                lexicon,
                "_".join(s for s in (call.operation.operation_id if len(calls) > 1 else "", part) if s),
            )
            for call in calls
            for part, outcome in _walked_apart(reading.outcome)
        ]
    gaps = [b for b in built if isinstance(b, Gap)]
    return gaps[0] if gaps else [b for b in built if isinstance(b, Scenario)]


def _walked_apart(outcome: Outcome) -> list[tuple[str, Outcome]]:
    """A walk of every page checks its items and the declared total; checks on the first page alone get a
    call of their own."""
    if not outcome.walk:
        return [("", outcome)]
    walked = [c for c in outcome.checks if c.op in _ITEM_OPS or c.op == "len>=" and c.pointer == ""]
    page = [c for c in outcome.checks if c not in walked]
    if not page and not outcome.headers:
        return [("", outcome)]
    return [
        ("page", replace(outcome, checks=page, walk=False)),
        ("total", replace(outcome, checks=walked, headers={})),
    ]


def _with_case(call: Call, reading: Reading, case: Case) -> Call:
    """The call varied as the case says: a value sent in its field, or the field left out."""
    varied = call.copy()
    name = case.field or reading.bound_field
    if case.omit:
        varied.omit.append(name)
        varied.phrases.append(f"without {name.strip('/')}")
        return varied
    is_query = any(p.name == name and p.location == "query" for p in call.operation.parameters)
    (varied.query if is_query else varied.body)[name] = case.value
    varied.phrases.append(f"with {name} of {case.name}")
    return varied


def _case_outcome(case: Case, reading: Reading) -> Outcome:
    """Inside the bound: success; past it: the refusal the text states, else any client error."""
    if case.accepted:
        return Outcome(status_class="2xx")
    stated = reading.outcome
    return Outcome(
        statuses=[s for s in stated.statuses if s >= 400],
        status_class="4xx" if not any(s >= 400 for s in stated.statuses) else None,
    )


def _scenario(
    reading: Reading, call: Call, outcome: Outcome, planner: Planner, lexicon: Lexicon, suffix: str
) -> Scenario | Gap:
    """The scenario of one call: its scene, the checked step (once more first if repeated), a read-back."""
    operation = call.operation
    try:
        steps = _scene(reading, call, outcome, planner, lexicon)
        if isinstance(steps, Gap):
            return steps
        prelude, params = steps
        if reading.changed:
            call = _with_new_values(call, reading.changed, prelude, lexicon)
        checked = _checked_step(reading, call, outcome, params, planner, lexicon)
    except UnsatisfiableSchema as error:
        return Gap(f"no valid request can be built: {error}")
    if isinstance(checked, Gap):
        return checked
    checked, follow = (
        _by_new_key(reading.new_key, checked, params, lexicon) if reading.new_key else (checked, [])
    )
    planned = planner.body_for(operation)
    account = account_steps(operation, checked.body, planned, not outcome.refused, lexicon, planner)
    if isinstance(account, Gap):
        return account
    steps_out = [*account, *prelude]
    if reading.caller is not None:
        steps_out.append(
            Step(
                operation_id=reading.caller.operation_id,
                title=f"Read who the caller is via GET {reading.caller.path}",
                auth="valid",
                expect=_success(reading.caller),
                save_as="caller",
            )
        )
    if reading.repeat:
        steps_out.append(
            checked.model_copy(
                update={
                    "title": checked.title + " (first time)",
                    "auth": "valid",
                    "headers": {},
                    "expect": _success(operation),
                }
            )
        )
    steps_out += [checked, *follow]
    if outcome.after_checks:
        after = _read_back(call, outcome, params, lexicon)
        if isinstance(after, Gap):
            return after
        steps_out.append(after)
    saved = {s.save_as for s in steps_out if s.save_as}
    for step in steps_out:
        for check in step.expect.fields:
            if isinstance(check.value, Ref) and check.value.step not in saved:
                return Gap(f"'{check.pointer}' is compared with a value no earlier step of the test returns")
    critical = call.auth != "valid" or bool(reading.state)
    return scenario_of(reading.claim, operation, checked, steps_out, reading.notes, suffix, critical=critical)


def scenario_of(
    claim: Claim,
    operation: Operation,
    checked: Step,
    steps_out: list[Step],
    notes: list[str],
    suffix: str,
    *,
    critical: bool,
) -> Scenario:
    """The scenario of a claim's steps, named after the claim and exercising the checked step's status."""
    rid = claim.requirement_id
    name_words = [w for w in words(claim.text) if w not in ("a", "an", "the")][:6] or ["claim"]
    parts = [
        "test",
        snake(rid),
        *([str(claim.index + 1)] if claim.index else []),
        *name_words,
        *([snake(suffix)] if suffix else []),
    ]
    key = _status_key(operation, checked.expect.statuses[0]) if checked.expect.statuses else None
    short = claim.text if len(claim.text) <= 60 else claim.text[:59] + "…"
    severity: Literal["critical", "normal"] = "critical" if critical else "normal"
    return Scenario(
        name="_".join(parts)[:120],
        title=(claim.source or claim.text)[:300],
        feature=operation.tags[0] if operation.tags else (operation.path.strip("/").split("/")[0] or "root"),
        story=f"{rid}: {short}",
        severity=severity,
        category="requirement",
        steps=steps_out,
        requirement_ids=[rid],
        exercises=[(operation.operation_id, key)] if key else [],
        description="; ".join(f"Not checked: {note}" for note in notes),
    )


def _resource(lexicon: Lexicon, operation: Operation) -> Resource | None:
    """The resource whose collection or item path the operation is on."""
    return next((r for r in lexicon.resources if operation.path in (r.item_path, r.collection_path)), None)


def _scene(
    reading: Reading, call: Call, outcome: Outcome, planner: Planner, lexicon: Lexicon
) -> tuple[list[Step], dict[str, Any]] | Gap:
    """Items to count or filter, the item acted on (in the state the text names), earlier calls on it, and
    a read of it right before the call when the outcome is relative to that."""
    operation = call.operation
    steps = _seeds(reading, operation, planner, lexicon)
    if isinstance(steps, Gap):
        return steps
    if not operation.path_parameters:
        return steps, {}
    leaf = operation.path_parameters[-1].name
    if call.unknown or leaf in call.path and reading.outcome.refused:
        parents = {p.name: planner.unknown_id(operation, p.name) for p in operation.path_parameters}
        if len(operation.path_parameters) > 1:
            existing = planner.existing_target(operation)
            if existing is None:
                return Gap(f"cannot create the parents of {operation.path}")
            steps += existing[0]
            parents = dict(existing[1])
        return steps, {**parents, leaf: call.path.get(leaf, planner.unknown_id(operation, leaf))}
    resource = lexicon.owner(operation)
    created = planner.creation_steps(resource, "created") if resource else None
    if resource is None or created is None:
        if reading.state or reading.prior or reading.repeat or _refers_to_created(reading):
            return Gap(f"cannot create the item {operation.method.upper()} {operation.path} acts on")
        # Nothing in the spec makes it: the documented example, else a value the user gives (or a skip).
        return steps, given_path_parameters(operation)
    steps += _with_kept_fields(created, outcome, lexicon)
    params = {**created[-1].path_params, resource.id_param: Ref(step="created", pointer=resource.id_pointer)}
    if reading.state:
        changer = (
            lexicon.api.operation((resource.update or resource.replace) if resource else "")
            if resource
            else None
        )
        if changer is None:
            return Gap(f"no operation brings {operation.path} to {reading.state}")
        body = (
            _partial_body(changer, reading.state)
            if changer.method == "patch"
            else {**(planner.body_for(changer) or {}), **reading.state}
        )
        steps.append(
            Step(
                operation_id=changer.operation_id,
                title=f"Set it to {_shown(reading.state)}",
                path_params=params,
                body=body,
                expect=_success(changer),
            )
        )
    for prior, statuses in reading.prior:
        steps.append(
            Step(
                operation_id=prior.operation_id,
                title=f"First {prior.method.upper()} {prior.path}",
                path_params=params,
                body=_partial_body(prior, {}) if request_schema(prior) else None,
                expect=Expectation(statuses=statuses) if statuses else _success(prior),
            )
        )
    if _compares_with_before(outcome):
        reader = lexicon.api.operation(resource.read) if resource.read else None
        if reader is None:
            return Gap(f"no operation reads {operation.path} before the call to compare with")
        steps.append(
            Step(
                operation_id=reader.operation_id,
                title="Read it before",
                path_params=params,
                save_as="before",
                expect=_success(reader),
            )
        )
    return steps, params


def _with_new_values(call: Call, names: list[str], prelude: list[Step], lexicon: Lexicon) -> Call:
    """The call sending the item as it was created, but in each named field the text gives no value for a
    valid value other than the item's: only that field changes, whatever else the update would replace."""
    created = next((s.body for s in prelude if s.save_as == "created"), None)
    changed = call.copy()
    kept = _projected(created, request_schema(call.operation) or {})
    changed.body = _merged(kept if isinstance(kept, dict) else {}, changed.body)
    changed.exact_body = True
    schemas = lexicon.inputs(call.operation).schemas
    for name in names:
        if _sent_at(call.body, name) is not _MISSING:
            continue
        old, leaf = _sent_at(created, name), name.rsplit("/", 1)[-1]
        new = next(
            (v for k in range(1, 5) if (v := valid_value(schemas[name], name=leaf, variant=k)) != old), None
        )
        if new is None:
            raise UnsatisfiableSchema(f"no valid {leaf} other than the one the item was created with")
        send(changed, name, new)
    return changed


def _projected(value: Any, schema: dict[str, Any]) -> Any:
    """The parts of a value the schema's properties name (all of it where the schema names none)."""
    properties = schema.get("properties")
    if not isinstance(value, dict) or not isinstance(properties, dict):
        return value
    return {k: _projected(v, properties[k]) for k, v in value.items() if k in properties}


_MISSING = object()


def _sent_at(body: Any, name: str) -> Any:
    """The value a body sends for a field ("title", or "/article/title" inside an envelope)."""
    for part in name.strip("/").split("/"):
        if not isinstance(body, dict) or part not in body:
            return _MISSING
        body = body[part]
    return body


def _by_new_key(
    pointer: str, checked: Step, params: dict[str, Any], lexicon: Lexicon
) -> tuple[Step, list[Step]]:
    """The checked step saved (and its item deleted at the end by the key at `pointer` in its answer), and a
    read of the item by that new key: the key must work."""
    operation = lexicon.api.operation(checked.operation_id)
    resource = lexicon.owner(operation) if operation else None
    reader = lexicon.api.operation(resource.read) if resource and resource.read else None
    if resource is None or reader is None:
        return checked, []
    moved = {**params, resource.id_param: Ref(step="changed", pointer=pointer)}
    cleanup = (
        Cleanup(operation_id=resource.delete, path=resource.item_path, path_params=moved)
        if resource.delete
        else checked.expect.cleanup
    )
    saved = checked.model_copy(
        update={"save_as": "changed", "expect": checked.expect.model_copy(update={"cleanup": cleanup})}
    )
    read = Step(
        operation_id=reader.operation_id,
        title=f"Read it by its new {resource.id_param}",
        path_params=moved,
        expect=_success(reader),
    )
    return saved, [read]


def _compares_with_before(outcome: Outcome) -> bool:
    """Whether a check compares with the item as it was right before the call ("one higher")."""
    checks = [*outcome.checks, *outcome.after_checks]
    return any(isinstance(c.value, Ref) and c.value.step == "before" for c in checks)


def _refers_to_created(reading: Reading) -> bool:
    checks = [*reading.outcome.checks, *reading.outcome.after_checks]
    return any(isinstance(c.value, Ref) for c in checks)


def _with_kept_fields(created: list[Step], outcome: Outcome, lexicon: Lexicon) -> list[Step]:
    """The item is made with a value in each field the call must keep: a kept null cannot fail."""
    kept = {
        c.pointer.lstrip("/")
        for c in [*outcome.checks, *outcome.after_checks]
        if c.op == "==" and c.value == Ref(step="created", pointer=c.pointer)
    }
    making = created[-1]
    creator = lexicon.api.operation(making.operation_id)
    schema = request_schema(creator) if creator else None
    if not kept or schema is None or not isinstance(making.body, dict):
        return created
    properties = schema.get("properties") or {}
    added = {
        name: value
        for name in sorted(kept - set(making.body))
        if name in properties and (value := non_null_value(properties[name], name=name)) is not None
    }
    body = {**making.body, **added}
    if not added or not is_valid(schema, body):
        return created
    return [*created[:-1], making.model_copy(update={"body": body})]


def _seeds(reading: Reading, operation: Operation, planner: Planner, lexicon: Lexicon) -> list[Step] | Gap:
    """Items created first so a count or a filter has something to count, and an item it must leave out."""
    if not reading.seeds:
        return []
    resource = next((r for r in lexicon.resources if r.collection_path == operation.path and r.create), None)
    creator = lexicon.api.operation(resource.create) if resource and resource.create else None
    if creator is None:
        return Gap(f"cannot create items for {operation.path} to count or filter")
    bodies = list(reading.seeds)
    for name, value in reading.contrast.items():
        other = _other_value(creator, name, value)
        if other is None:
            return Gap(
                f"cannot create an item whose '{name}' differs from {value!r}, so the filter could not fail"
            )
        bodies.append({name: other})
    steps = []
    for index, overrides in enumerate(bodies):
        base = planner.body_for(creator, index + 1)
        body = {**base, **overrides} if isinstance(base, dict) else base
        schema = request_schema(creator)
        if schema is not None and not is_valid(schema, body):
            return Gap(f"the values {overrides} do not make a valid {creator.operation_id} request")
        steps.append(
            Step(
                operation_id=creator.operation_id,
                title=f"Create item {index + 1} of {len(bodies)}"
                + (f" with {_shown(overrides)}" if overrides else ""),
                query=planner.required_query(creator, index),
                body=body,
                expect=_success(creator),
            )
        )
    return steps


def _other_value(creator: Operation, name: str, value: Any) -> Any | None:
    """A valid value of the creator's field other than `value` (another enum member first)."""
    schema = ((request_schema(creator) or {}).get("properties") or {}).get(name)
    if not schema:
        return None
    members = [m for m in schema.get("enum") or [] if m != value]
    if members:
        return members[0]
    for variant in range(1, 4):
        candidate = valid_value(schema, name=name, variant=variant)
        if candidate != value:
            return candidate
    return None


def _partial_body(operation: Operation, values: dict[str, Any]) -> Any:
    """What a partial update sends: the values the text changes plus whatever the schema insists on."""
    schema = request_schema(operation) or {}
    required = schema.get("required") or []
    minimal = minimal_valid_object(schema) if required or not values else {}
    return {**{k: v for k, v in minimal.items() if k in required or not values}, **values}


def _checked_step(
    reading: Reading, call: Call, outcome: Outcome, params: dict[str, Any], planner: Planner, lexicon: Lexicon
) -> Step | Gap:
    """The checked call with the text's values, credentials and expectation, or why none is valid."""
    operation = call.operation
    body = _body(call, outcome, planner)
    if isinstance(body, Gap):
        return body
    schema = request_schema(operation)
    succeeds = not outcome.refused
    if succeeds and schema is not None and body is not None and not is_valid(schema, body):
        return Gap("the values the text gives do not make a valid request, yet it expects success")
    headers = dict(call.headers)
    if call.auth == "wrong" and not headers:
        headers = _bad_credentials(lexicon, operation)
    query = {**planner.required_query(operation), **call.query}
    expect = _expectation(
        operation,
        outcome,
        auth=call.auth != "valid",
        conflict=bool(reading.state or reading.repeat),
        # The item is gone when the text names an id of its own or deleted it before (twice, or earlier).
        unknown=call.unknown
        or bool(call.path)
        or operation.method == "delete"
        and reading.repeat
        or any(prior.method == "delete" for prior, _ in reading.prior),
    )
    if not succeeds and expect.fields and operation.method == "post":
        expect.cleanup = None
    paging = paging_of(operation, call.query, lexicon) if outcome.walk or _needs_walk(expect) else None
    if paging is not None:
        expect.paging = paging
        expect.fields = [
            c.model_copy(update={"pointer": ""}) if c.op in _ITEM_OPS else c for c in expect.fields
        ]
    verb = {"post": "Create", "get": "Read", "put": "Replace", "patch": "Update", "delete": "Delete"}.get(
        operation.method, "Call"
    )
    title = " ".join(
        [f"{verb} via {operation.method.upper()} {operation.path}", *[p for p in call.phrases if p]]
    )
    # A literal id in the text is used when the text expects it refused; a success needs an item that exists.
    literal = call.path if outcome.refused and not call.unknown else {}
    return Step(
        operation_id=operation.operation_id,
        title=title[:200],
        path_params={**params, **literal},
        query=query,
        headers=headers,
        body=body,
        auth="valid" if call.auth == "valid" else "none",
        expect=expect,
    )


def _needs_walk(expect: Expectation) -> bool:
    """Whether a check is about every listed item, so every page must be read."""
    return any(c.op in _ITEM_OPS for c in expect.fields)


def paging_of(operation: Operation, query: dict[str, Any], lexicon: Lexicon) -> Paging | None:
    """How to walk every page of the list, from its query parameters and answer schema."""
    pointer = items_pointer(operation)
    if pointer is None:
        return None
    names = {p.name.lower(): p.name for p in operation.parameters if p.location == "query"}
    resource = _resource(lexicon, operation)

    def first(options: tuple[str, ...]) -> str | None:
        return next((names[o] for o in options if o in names), None)

    limit_param = first(_LIMIT_PARAMS)
    limit = query.get(limit_param) if limit_param else None
    return Paging(
        items_pointer=pointer,
        key_pointer=resource.id_pointer if resource else "",
        limit_param=limit_param,
        limit=limit if isinstance(limit, int) else None,
        offset_param=first(_OFFSET_PARAMS),
        page_param=first(_PAGE_PARAMS),
        total_pointer=total_pointer(operation),
    )


def _body(call: Call, outcome: Outcome, planner: Planner) -> Any | Gap:
    """A valid body carrying the text's values and omissions; PATCH sends only what it changes."""
    operation = call.operation
    schema = request_schema(operation)
    if schema is None:
        return (
            None if not call.body else Gap(f"{operation.method.upper()} {operation.path} takes no JSON body")
        )
    if "object" not in types(schema) and schema.get("properties") is None:
        return planner.body_for(operation)
    if call.exact_body:
        return dict(call.body)
    required = schema.get("required") or []
    if call.only_named or operation.method == "patch" and (call.body or call.omit):
        base = {k: v for k, v in minimal_valid_object(schema).items() if k in required}
    else:
        base = planner.body_for(operation) or {}
        if not isinstance(base, dict):
            return base
        # Optional fields whose value the outcome claims are left out: sending them would only test an echo.
        claimed = {c.pointer.lstrip("/") for c in outcome.checks if c.pointer.count("/") == 1}
        base = {k: v for k, v in base.items() if k in required or k not in claimed}
    body = _without(_merged(base, call.body), call.omit)
    if body == {} and operation.method == "patch" and not call.omit and not call.body:
        return _partial_body(operation, {})
    return body


def _without(body: dict[str, Any], omitted: list[str]) -> dict[str, Any]:
    """The body minus the omitted fields; "/user/email" leaves out a nested one."""
    body = copy.deepcopy(body)
    for name in omitted:
        *parents, leaf = name.strip("/").split("/")
        target: Any = body
        for parent in parents:
            target = target.get(parent) if isinstance(target, dict) else None
        if isinstance(target, dict):
            target.pop(leaf, None)
    return body


def _merged(base: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The base body with the text's values laid over it, nested objects merged key by key."""
    merged = dict(base)
    for key, value in values.items():
        nested = isinstance(value, dict) and isinstance(merged.get(key), dict)
        merged[key] = _merged(merged[key], value) if nested else value
    return merged


def _documented_refusal(operation: Operation, auth: bool, conflict: bool, unknown: bool) -> int | None:
    """The documented client error a refusal means: 401/403 for credentials, 409 for a state the item is in,
    else the only other one documented."""
    documented = {
        int(r.status) for r in operation.responses if r.status.isdigit() and r.status.startswith("4")
    }
    relevant = documented & {401, 403} if auth else documented - {401, 403}
    if unknown:
        return 404 if 404 in relevant else None
    if conflict:  # a state conflict is 409 when documented; else any client error, not a guessed one
        return 409 if 409 in relevant else None
    relevant -= {404, 409}  # bad input is neither a missing item nor a state conflict
    return relevant.pop() if len(relevant) == 1 else None


def _expectation(
    operation: Operation,
    outcome: Outcome,
    *,
    auth: bool = False,
    conflict: bool = False,
    unknown: bool = False,
) -> Expectation:
    """The stated statuses; a success the text implies is the documented one, its body checked by the spec."""
    statuses = list(outcome.statuses)
    if not statuses and outcome.status_class == "2xx":
        statuses = [int(s) for s in operation.success_statuses]
    key = _status_key(operation, statuses[0]) if statuses else None
    documented = operation.response(key) if key else None
    status_class = None if statuses else outcome.status_class or ("4xx" if outcome.refused else None)
    refusal = _documented_refusal(operation, auth, conflict, unknown) if status_class == "4xx" else None
    if refusal is not None:
        statuses, status_class = [refusal], None
    return Expectation(
        statuses=statuses,
        status_class=status_class,
        schema_of=(operation.operation_id, key) if documented and documented.schema_ else None,
        fields=list(outcome.checks),
        headers=dict(outcome.headers),
    )


def _read_back(call: Call, outcome: Outcome, params: dict[str, Any], lexicon: Lexicon) -> Step | Gap:
    """A GET of the same item afterwards, checking what it still holds."""
    resource = lexicon.owner(call.operation)
    reader = lexicon.api.operation(resource.read) if resource and resource.read else None
    if reader is None:
        return Gap(f"no operation reads {call.operation.path} back to check what it still holds")
    return Step(
        operation_id=reader.operation_id,
        title="Read it back",
        path_params=params,
        expect=Expectation(
            statuses=[int(s) for s in reader.success_statuses],
            status_class=None if reader.success_statuses else "2xx",
            fields=list(outcome.after_checks),
        ),
    )


def _success(operation: Operation) -> Expectation:
    """The documented success statuses, else any 2xx."""
    statuses = [int(s) for s in operation.success_statuses]
    return Expectation(statuses=statuses, status_class=None if statuses else "2xx")


def _status_key(operation: Operation, status: int) -> str | None:
    """The documented response key a status falls under: exact, else its range ("4XX")."""
    for key in (str(status), f"{status // 100}XX"):
        if operation.response(key):
            return key
    return None


def _bad_credentials(lexicon: Lexicon, operation: Operation) -> dict[str, str]:
    """Made-up credentials in the place the operation's first security scheme reads them."""
    scheme = next((lexicon.api.scheme(n) for alternative in operation.security for n in alternative), None)
    if scheme and scheme.type == "apiKey" and scheme.parameter_name and scheme.location == "header":
        return {scheme.parameter_name: "invalid-key"}
    if scheme and scheme.type == "http" and (scheme.scheme or "").lower() == "basic":
        return {"Authorization": "Basic aW52YWxpZDppbnZhbGlk"}
    return {"Authorization": "Bearer invalid-token"}


def _shown(values: dict[str, Any]) -> str:
    """Values as a step title writes them."""
    return ", ".join(f"{k}={v!r}" for k, v in values.items())
