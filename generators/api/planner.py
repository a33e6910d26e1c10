"""Plans spec-derived test scenarios for every operation: happy path, negatives, auth, 404, lifecycles."""

from __future__ import annotations

import copy
import itertools
import re
from typing import Any
from urllib.parse import urljoin

from generators.api.data import (
    InvalidCase,
    invalid_cases,
    invalid_parameter_values,
    is_valid,
    issues_a_token,
    sends_a_password,
    valid_value,
)
from generators.api.listing import (
    ListShape,
    array_field,
    filter_values,
    list_shape,
    membership_values,
    types_of,
)
from generators.api.resources import (
    Resource,
    find_resources,
    given_path_parameters,
    parent_of,
    path_parameters,
    resource_of,
)
from vocabulary.api_model import ApiModel, JsonSchema, Operation, Parameter, RequestBody, SecurityScheme
from vocabulary.claims import Cleanup, Expectation, FieldCheck, Ref, Scenario, SkippedOracle, Step, Unique

# Large enough to be unknown on any real service, small enough for 32-bit integer ids.
UNKNOWN_INTEGER_ID = 999_999_999
UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
# Invalid bodies per kind of broken constraint (missing, wrong type, out of range…) for one operation:
# enough to tell a validating server from one that checks only its first field, bounded for big specs.
NEGATIVES_PER_KIND = 3
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Methods that change or remove what their path names; a POST does so only under an item (`/pets/{id}/adopt`).
_CHANGING_METHODS = ("put", "patch", "delete")


def snake(text: str) -> str:
    """createTask -> create_task; 'GET /a-b' -> get_a_b."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    return re.sub(r"[^a-zA-Z0-9]+", "_", text).strip("_").lower()


def feature_of(operation: Operation) -> str:
    """The Allure feature and module of an operation: its first tag, else its first path segment."""
    if operation.tags:
        return operation.tags[0]
    segments = [s for s in operation.path.split("/") if s and not s.startswith("{")]
    return segments[0] if segments else "root"


def documented_client_errors(operation: Operation) -> list[int]:
    """Documented 400/422 statuses for invalid input, in that order of preference."""
    return [code for code in (400, 422) if operation.response(str(code))]


def _rejection(operation: Operation) -> Expectation:
    codes = documented_client_errors(operation)
    if codes:
        return Expectation(statuses=codes, schema_of=(operation.operation_id, str(codes[0])))
    # The body is still checked against whatever schema the spec gives the status that comes back.
    return Expectation(status_class="4xx", schema_of=(operation.operation_id, "4XX"))


def _success(operation: Operation) -> Expectation:
    statuses = [int(s) for s in operation.success_statuses]
    first = operation.success_statuses[0] if statuses else None
    return Expectation(
        statuses=statuses,
        status_class=None if statuses else "2xx",
        schema_of=(operation.operation_id, first) if first else None,
    )


class Planner:
    """Turns an ApiModel into scenarios; `variant` picks alternative data when a test is regenerated."""

    def __init__(self, api: ApiModel) -> None:
        self.api = api
        self.resources = find_resources(api)
        # Oracles the spec does not say enough for, with the reason; filled by `plan()`.
        self.skipped: list[SkippedOracle] = []
        self._bodies: dict[tuple[str, int], Any] = {}

    def skip(self, operation_id: str | None, oracle: str, reason: str) -> None:
        """Record a check that is not generated, so the user sees what the suite does not test and why."""
        self.skipped.append(SkippedOracle(operation_id=operation_id or "", oracle=oracle, reason=reason))

    # -- data -------------------------------------------------------------------------------------

    def body_for(self, operation: Operation, variant: int = 0) -> Any | None:
        """A valid body for the operation; synthesis is costly and deterministic, so each is made once."""
        key = (operation.operation_id, variant)
        if key not in self._bodies:
            self._bodies[key] = self._synthesized_body(operation, variant)
        return copy.deepcopy(self._bodies[key])

    def _synthesized_body(self, operation: Operation, variant: int) -> Any | None:
        body = operation.request_body
        if body is None or not _synthesisable(body):
            return None
        if body.example is not None and variant == 0:
            return body.example
        return valid_value(body.schema_, variant=variant)

    def unknown_id(self, operation: Operation, name: str) -> Any:
        schema = next((p.schema_ for p in operation.path_parameters if p.name == name), {})
        if schema.get("format") == "uuid":
            return UNKNOWN_UUID
        if schema.get("type") in ("integer", "number"):
            return min(UNKNOWN_INTEGER_ID, schema.get("maximum", UNKNOWN_INTEGER_ID))
        return "does-not-exist-0000"

    def required_query(self, operation: Operation, variant: int = 0) -> dict[str, Any]:
        return {
            p.name: p.example
            if p.example is not None
            else valid_value(p.schema_, name=p.name, variant=variant)
            for p in operation.parameters
            if p.location == "query" and p.required
        }

    def required_headers(self, operation: Operation) -> dict[str, str]:
        return {
            p.name: str(p.example if p.example is not None else valid_value(p.schema_, name=p.name))
            for p in operation.parameters
            if p.location == "header" and p.required
        }

    # -- preludes: create what an operation needs ---------------------------------------------------

    def creation_steps(self, resource: Resource, save_as: str, variant: int = 0) -> list[Step] | None:
        """Steps that create one resource (and its parents) and save it; None if the spec has no way."""
        creator = self.api.operation(resource.create) if resource.create else None
        if creator is None or creator.request_body is None and creator.parameters == []:
            return None
        steps: list[Step] = []
        path_params: dict[str, Any] = {}
        for name in path_parameters(creator.path):
            parent = parent_of(creator.path, name, self.resources)
            parent_steps = self.creation_steps(parent, f"{save_as}_{snake(name)}") if parent else None
            if parent is None or parent_steps is None:
                return None
            steps += parent_steps
            path_params[name] = Ref(step=f"{save_as}_{snake(name)}", pointer=parent.id_pointer)
        steps.append(
            self.create_step(creator, save_as, path_params, self.body_for(creator, variant), variant)
        )
        return steps

    def create_step(
        self, creator: Operation, save_as: str, path_params: dict[str, Any], body: Any, variant: int = 0
    ) -> Step:
        """One creation, saved as `save_as`: its answer echoes what was sent and it is deleted at the end."""
        resource = next((r for r in self.resources if r.create == creator.operation_id), None)
        name = _singular(resource.name) if resource else creator.operation_id
        expect = _success(creator)
        expect.cleanup = self.cleanup_for(creator, save_as, path_params)
        created = next((creator.response(s) for s in creator.success_statuses), None)
        if isinstance(body, dict) and created is not None:
            expect.fields = _echoed(body, creator, created.schema_ or {})
        return Step(
            operation_id=creator.operation_id,
            title=f"Create a {name}",
            path_params=path_params,
            query=self.required_query(creator, variant),
            headers=self.required_headers(creator),
            body=body,
            save_as=save_as,
            expect=expect,
        )

    def cleanup_for(self, creator: Operation, save_as: str, path_params: dict[str, Any]) -> Cleanup | None:
        """The DELETE undoing what `creator` made and `save_as` holds, when the spec has one."""
        resource = next((r for r in self.resources if r.create == creator.operation_id and r.delete), None)
        if resource is None or resource.delete is None:
            return None
        params = {**path_params, resource.id_param: Ref(step=save_as, pointer=resource.id_pointer)}
        return Cleanup(operation_id=resource.delete, path=resource.item_path, path_params=params)

    def existing_target(
        self, operation: Operation, variant: int = 0
    ) -> tuple[list[Step], dict[str, Any]] | None:
        """Steps that make the resource an item operation acts on, and the path parameters pointing at it."""
        resource = resource_of(operation, self.resources)
        if resource is None:
            return self._parents_made(operation, variant)
        steps = self.creation_steps(resource, "created", variant)
        if steps is None:
            return [], given_path_parameters(operation)
        params = dict(steps[-1].path_params)
        params[resource.id_param] = Ref(step="created", pointer=resource.id_pointer)
        return steps, params

    def _parents_made(self, operation: Operation, variant: int) -> tuple[list[Step], dict[str, Any]]:
        """A call under items (`POST /articles/{slug}/favorite`): each item made first where the spec can.

        The innermost parameter goes first: the steps making it also make the items around it.
        """
        steps: list[Step] = []
        params = given_path_parameters(operation)
        names = path_parameters(operation.path)
        for name in reversed(names):
            if isinstance(params[name], Ref):
                continue  # made with an inner item already
            parent = parent_of(operation.path, name, self.resources)
            save_as = f"parent_{snake(name)}"
            made = self.creation_steps(parent, save_as, variant) if parent else None
            if parent is None or made is None:
                continue
            steps = made + steps
            params.update({n: v for n, v in made[-1].path_params.items() if n in names})
            params[name] = Ref(step=save_as, pointer=parent.id_pointer)
        return steps, params

    # -- scenarios --------------------------------------------------------------------------------

    def plan(self) -> list[Scenario]:
        """Every scenario the spec supports; what it does not support lands in `self.skipped`."""
        self.skipped = []
        scenarios: list[Scenario] = []
        for operation in self.api.operations:
            if operation.deprecated:
                continue
            scenarios += self.for_operation(operation)
        for resource in self.resources:
            planned = [self.lifecycle(resource), self.pagination(resource), *self.refused_updates(resource)]
            scenarios += [s for s in [*planned, *self.filters(resource)] if s is not None]
            if resource.create and not resource.delete:
                self.skip(resource.create, "cleanup", "no DELETE documented: items the suite creates stay")
        # Both build on this module.
        from generators.api.accounts import account_scenarios
        from generators.api.oracles_identity import identity_scenarios

        return scenarios + account_scenarios(self) + identity_scenarios(self)

    def for_operation(self, operation: Operation, variant: int = 0) -> list[Scenario]:
        planned = [self.happy_path(operation, variant), self.boundaries(operation, variant)]
        planned += self.body_negatives(operation)
        planned += self.nested_negatives(operation)
        planned += self.query_negatives(operation)
        planned.append(self.auth_required(operation))
        planned.append(self.unknown_id_404(operation))
        from generators.api.accounts import account_aware  # builds on this module

        return account_aware(self, [s for s in planned if s is not None])

    def _scenario(
        self,
        operation: Operation,
        suffix: str,
        title: str,
        category: str,
        steps: list[Step],
        exercises: list[tuple[str, str]],
        severity: str = "normal",
    ) -> Scenario:
        return Scenario(
            name=f"test_{snake(operation.operation_id)}_{suffix}",
            title=title,
            feature=feature_of(operation),
            story=operation.summary or operation.operation_id,
            severity=severity,  # type: ignore[arg-type]
            category=category,  # type: ignore[arg-type]
            steps=steps,
            exercises=exercises,
        )

    def happy_path(self, operation: Operation, variant: int = 0) -> Scenario | None:
        target = self.existing_target(operation, variant)
        if target is None or not _json_or_absent(operation) or issues_tokens(self.api, operation):
            return None
        prelude, path_params = target
        step = self._valid_call(operation, path_params, self.body_for(operation, variant), variant)
        status = operation.success_statuses[0] if operation.success_statuses else "2XX"
        title = f"{operation.method.upper()} {operation.path} with valid input answers {status}"
        return self._scenario(
            operation,
            "happy_path",
            title,
            "happy_path",
            [*prelude, step],
            [(operation.operation_id, status)],
            severity="critical",
        )

    def _valid_call(
        self,
        operation: Operation,
        path_params: dict[str, Any],
        body: Any,
        variant: int = 0,
        save_as: str = "created",
    ) -> Step:
        """A call with valid input that must succeed; a creation is deleted again when the test ends."""
        cleanup = self.cleanup_for(operation, save_as, path_params)
        expect = _success(operation)
        expect.cleanup = cleanup
        return Step(
            operation_id=operation.operation_id,
            title=f"{operation.method.upper()} {operation.path} with valid input",
            path_params=path_params,
            query=self.required_query(operation, variant),
            headers=self.required_headers(operation),
            body=body,
            save_as=save_as if cleanup else None,
            expect=expect,
        )

    def boundaries(self, operation: Operation, variant: int = 0) -> Scenario | None:
        """Every bounded body field and query parameter exactly at its minimum, then its maximum: accepted."""
        body = operation.request_body
        base = self.body_for(operation, variant)
        json_body = body is not None and _is_json(body.content_type) and isinstance(base, dict)
        positions = _positions(operation)
        query = [
            p
            for p in operation.parameters
            if p.location == "query" and p.name not in positions and _has_bounds(p.schema_)
        ]
        if not json_body and not query:
            return None
        if authenticates(self.api, operation):
            # Credentials at their bounds name no account: a refusal is then the right answer.
            reason = "a sign-in succeeds only for an existing account, which values at bounds do not name"
            self.skip(operation.operation_id, "boundary values accepted", reason)
            return None
        target = self.existing_target(operation, variant)
        if target is None:
            return None
        steps = []
        for side in ("minimum", "maximum"):
            lower = side == "minimum"
            value, changed = _at_bounds(body.schema_, base, lower=lower) if json_body and body else (base, [])
            at_bounds = {
                p.name: _scalar_bound(p.schema_, valid_value(p.schema_, name=p.name), lower=lower)
                for p in query
            }
            at_bounds = {name: bound for name, bound in at_bounds.items() if bound is not None}
            if not changed and not at_bounds:
                continue
            if json_body and body and not is_valid(body.schema_, value):
                self.skip(operation.operation_id, f"boundary {side}s accepted", "no valid body has them all")
                continue
            step = self._valid_call(operation, target[1], value, variant, save_as=f"at_{side}")
            step.query = {**step.query, **at_bounds}
            step.title = f"Send {', '.join([*changed, *at_bounds])} at their {side}"
            steps.append(step)
        if not steps:
            return None
        status = operation.success_statuses[0] if operation.success_statuses else "2XX"
        title = f"{operation.method.upper()} {operation.path} accepts bounded values at both ends"
        exercised = [(operation.operation_id, status)]
        return self._scenario(
            operation, "accepts_boundary_values", title, "happy_path", [*target[0], *steps], exercised
        )

    def nested_negatives(self, operation: Operation) -> list[Scenario]:
        """Nested objects and array items break their own required fields and bounds: refused."""
        body = operation.request_body
        base = self.body_for(operation)
        if body is None or not _is_json(body.content_type) or not isinstance(base, dict):
            return []
        target = self.existing_target(operation)
        if target is None:
            return []
        scenarios = []
        for name, prop in body.schema_.get("properties", {}).items():
            if not isinstance(prop, dict) or prop.get("readOnly"):
                continue
            in_array = "array" in types_of(prop)
            inner = prop.get("items", {}) if in_array else prop
            if "object" not in types_of(inner) or not inner.get("properties"):
                continue
            for case in invalid_cases(inner, limit_per_kind=1)[:NEGATIVES_PER_KIND]:
                value = {**base, name: [case.value] if in_array else case.value}
                if is_valid(body.schema_, value):
                    continue
                nested = InvalidCase(
                    f"'{name}' with {case.description}", value, f"{name}_{case.field}", case.kind
                )
                step = Step(
                    operation_id=operation.operation_id,
                    title=f"Send {nested.description}",
                    path_params=target[1],
                    query=self.required_query(operation),
                    headers=self.required_headers(operation),
                    body=value,
                    expect=_rejection(operation),
                )
                scenarios.append(self._negative(operation, nested, target[0], step))
        return scenarios

    def body_negatives(self, operation: Operation) -> list[Scenario]:
        body = operation.request_body
        if body is None or not _is_json(body.content_type) or body.schema_.get("type") != "object":
            return []
        target = self.existing_target(operation)
        if target is None:
            return []
        prelude, path_params = target
        return [
            self._negative(
                operation,
                case,
                prelude,
                Step(
                    operation_id=operation.operation_id,
                    title=f"Send {case.description}",
                    path_params=path_params,
                    query=self.required_query(operation),
                    headers=self.required_headers(operation),
                    body=case.value,
                    expect=_rejection(operation),
                ),
            )
            for case in invalid_cases(body.schema_, limit_per_kind=NEGATIVES_PER_KIND)
        ]

    def query_negatives(self, operation: Operation) -> list[Scenario]:
        target = self.existing_target(operation)
        if target is None:
            return []
        prelude, path_params = target
        scenarios = []
        for parameter in (p for p in operation.parameters if p.location == "query"):
            for case in invalid_parameter_values(parameter.schema_):
                query = {**self.required_query(operation), parameter.name: case.value}
                case = InvalidCase(
                    description=f"{parameter.name}={case.value!r}",
                    value=case.value,
                    field=parameter.name,
                    kind=case.kind,
                )
                scenarios.append(
                    self._negative(
                        operation,
                        case,
                        prelude,
                        Step(
                            operation_id=operation.operation_id,
                            title=f"Query with {case.description}",
                            path_params=path_params,
                            query=query,
                            headers=self.required_headers(operation),
                            body=self.body_for(operation),
                            expect=_rejection(operation),
                        ),
                    )
                )
        return scenarios

    def _negative(self, operation: Operation, case: InvalidCase, prelude: list[Step], step: Step) -> Scenario:
        field = snake(case.field or "body")
        suffix = (
            f"rejects_missing_{field}" if case.kind == "missing_required" else f"rejects_{field}_{case.kind}"
        )
        codes = documented_client_errors(operation)
        status = " or ".join(map(str, codes)) if codes else "a 4xx status"
        title = f"{operation.method.upper()} {operation.path} rejects {case.description} with {status}"
        exercised = [(operation.operation_id, str(codes[0]))] if codes else []
        return self._scenario(operation, suffix, title, "negative", [*prelude, step], exercised)

    def auth_required(self, operation: Operation) -> Scenario | None:
        """Refused without credentials, with a secret no server issued and with a malformed header."""
        if not operation.security:
            return None
        if {} in operation.security:
            reason = "credentials are optional (an empty security alternative)"
            self.skip(operation.operation_id, "auth", reason)
            return None
        documented = _auth_statuses(operation)
        refused = Expectation(statuses=documented, schema_of=(operation.operation_id, str(documented[0])))
        call = Step(
            operation_id=operation.operation_id,
            title="Call without credentials",
            path_params={name: self.unknown_id(operation, name) for name in path_parameters(operation.path)},
            query=self.required_query(operation),
            headers=self.required_headers(operation),
            body=self.body_for(operation),
            auth="none",
            expect=refused,
        )
        steps = [call, *self._wrong_credentials(operation, call)]
        wrong = " or with wrong" if len(steps) > 1 else ""
        statuses = " or ".join(map(str, documented))
        title = f"{operation.method.upper()} {operation.path} without{wrong} credentials answers {statuses}"
        exercised = [(operation.operation_id, str(documented[0]))]
        return self._scenario(
            operation, "requires_auth", title, "auth", steps, exercised, severity="critical"
        )

    def _wrong_credentials(self, operation: Operation, call: Step) -> list[Step]:
        """`call` again with a bogus secret, then with a malformed Authorization header, where one applies."""
        schemes = [self.api.scheme(name) for name in operation.security[0]]
        wrong = [_wrong_credentials(scheme) for scheme in schemes if scheme is not None]
        reasons = [w for w in wrong if isinstance(w, str)]
        if not wrong or reasons:
            reason = reasons[0] if reasons else "its security scheme is not documented"
            self.skip(operation.operation_id, "wrong credentials refused", reason)
            return []
        steps = []
        for kind, title in _WRONG_CREDENTIAL_TITLES.items():
            headers: dict[str, str] = {}
            query: dict[str, str] = {}
            for credentials in wrong:
                assert not isinstance(credentials, str)
                headers.update(credentials[kind][0])
                query.update(credentials[kind][1])
            if kind == "malformed" and "Authorization" not in headers:
                continue  # only an Authorization header has a syntax to break
            changes = {
                "title": title,
                "headers": {**call.headers, **headers},
                "query": {**call.query, **query},
            }
            steps.append(call.model_copy(update=changes))
        return steps

    def unknown_id_404(self, operation: Operation) -> Scenario | None:
        if resource_of(operation, self.resources) is None:
            return None
        prelude: list[Step] = []
        resource = resource_of(operation, self.resources)
        assert resource is not None
        path_params: dict[str, Any] = {resource.id_param: self.unknown_id(operation, resource.id_param)}
        parents = [n for n in path_parameters(operation.path) if n != resource.id_param]
        if parents:
            target = self.existing_target(operation)
            if target is None:
                return None
            prelude = target[0][:-1]
            path_params = {**target[1], resource.id_param: path_params[resource.id_param]}
        step = Step(
            operation_id=operation.operation_id,
            title=f"{operation.method.upper()} an unknown {_singular(resource.name)}",
            path_params=path_params,
            query=self.required_query(operation),
            headers=self.required_headers(operation),
            body=self.body_for(operation),
            expect=Expectation(statuses=[404], schema_of=(operation.operation_id, "404")),
        )
        title = f"{operation.method.upper()} {operation.path} with an unknown id answers 404"
        return self._scenario(
            operation,
            "unknown_id_returns_404",
            title,
            "not_found",
            [*prelude, step],
            [(operation.operation_id, "404")],
        )

    def lifecycle(self, resource: Resource) -> Scenario | None:
        """create → read → listed → update → read → delete → read is 404 → not listed → delete is 404."""
        if not (resource.create and resource.read and resource.delete):
            missing = (
                "a create" if not resource.create else "a GET by id" if not resource.read else "a DELETE"
            )
            self.skip(resource.create or resource.read, "lifecycle", f"the spec has no {missing} operation")
            return None
        create_steps = self.creation_steps(resource, "created")
        if create_steps is None:
            self.skip(resource.create, "lifecycle", "no way to create its parents or its body")
            return None
        sent = create_steps[-1].body if isinstance(create_steps[-1].body, dict) else {}
        read_op = self.api.operation(resource.read)
        delete_op = self.api.operation(resource.delete)
        assert read_op is not None and delete_op is not None
        parents = create_steps[-1].path_params
        created = Ref(step="created", pointer=resource.id_pointer)
        item = {**parents, resource.id_param: created}
        name = _singular(resource.name)
        creator = self.api.operation(resource.create)
        assert creator is not None
        read = read_op.response("200")
        steps = [
            *create_steps,
            Step(
                operation_id=read_op.operation_id,
                title=f"Read the new {name}",
                path_params=item,
                expect=Expectation(
                    statuses=[200],
                    schema_of=(read_op.operation_id, "200"),
                    fields=_echoed(sent, creator, read.schema_ or {} if read else {}),
                ),
            ),
        ]
        steps += self._listed(resource, parents, created, present=True)
        steps += self._update_steps(resource, item, name)
        # A second DELETE must say 404 only where the spec says unknown ids are 404.
        gone = 404 in (_documented(delete_op) | _documented(read_op))
        if not gone:
            self.skip(delete_op.operation_id, "second DELETE answers 404", "404 is not documented: any 4xx")
        again = (
            Expectation(statuses=[404], schema_of=(delete_op.operation_id, "404"))
            if gone
            else Expectation(status_class="4xx", schema_of=(delete_op.operation_id, "4XX"))
        )
        steps += [
            Step(
                operation_id=delete_op.operation_id,
                title=f"Delete the {name}",
                path_params=item,
                expect=_success(delete_op),
            ),
            Step(
                operation_id=read_op.operation_id,
                title=f"The deleted {name} is gone",
                path_params=item,
                expect=Expectation(statuses=[404], schema_of=(read_op.operation_id, "404")),
            ),
            *self._listed(resource, parents, created, present=False),
            Step(
                operation_id=delete_op.operation_id,
                title=f"Deleting the {name} again finds nothing",
                path_params=item,
                expect=again,
            ),
        ]
        exercised = sorted({(s.operation_id, str(s.expect.statuses[0])) for s in steps if s.expect.statuses})
        return Scenario(
            name=f"test_{snake(name)}_lifecycle",
            title=f"A {name} can be created, read, changed and deleted, and is gone afterwards",
            feature=feature_of(read_op),
            story=f"{name} lifecycle",
            severity="critical",
            category="lifecycle",
            steps=steps,
            exercises=exercised,
        )

    # -- lists: membership, paging, filters -------------------------------------------------------

    def _list_of(self, resource: Resource, oracle: str) -> tuple[Operation, ListShape, str] | None:
        """The resource's list operation, its shape and the item key, or None with the reason recorded."""
        list_op = self.api.operation(resource.list) if resource.list else None
        if list_op is None:
            self.skip(
                resource.create or resource.read, oracle, f"{resource.collection_path} has no list operation"
            )
            return None
        shape = list_shape(list_op)
        if isinstance(shape, str):
            self.skip(list_op.operation_id, oracle, f"its items cannot be found: {shape}")
            return None
        if shape.unwalkable:
            self.skip(list_op.operation_id, oracle, f"its pages cannot be walked: {shape.unwalkable}")
            return None
        key = resource.key_pointer
        if key.lstrip("/") not in shape.item_schema.get("properties", {}):
            self.skip(list_op.operation_id, oracle, f"its items have no documented {key} to find an item by")
            return None
        narrowing = [p.name for p in list_op.parameters if p.location == "query" and p.required]
        if set(narrowing) - shape.paging_params():
            self.skip(list_op.operation_id, oracle, f"required query parameters {narrowing} may hide items")
            return None
        return list_op, shape, key

    def _list_step(
        self, list_op: Operation, shape: ListShape, key: str, parents: dict[str, Any], title: str,
        limit: int | None, query: dict[str, Any] | None = None, checks: list[FieldCheck] | None = None,
    ) -> Step:  # fmt: skip
        """GET the list from its first page and walk every page; `checks` apply to all items seen."""
        expect = _success(list_op)
        expect.paging = shape.paging(key, limit)
        expect.fields = checks or []
        return Step(
            operation_id=list_op.operation_id,
            title=title,
            path_params={n: v for n, v in parents.items() if "{" + n + "}" in list_op.path},
            query={**self.required_query(list_op), **shape.start(limit), **(query or {})},
            headers=self.required_headers(list_op),
            expect=expect,
        )

    def _listed(self, resource: Resource, parents: dict[str, Any], item: Ref, *, present: bool) -> list[Step]:
        """A walk of the whole list that finds the item (present) or does not (after its deletion)."""
        oracle = "listed after create" if present else "gone from the list after delete"
        found = self._list_of(resource, oracle)
        if found is None:
            return []
        list_op, shape, key = found
        name = _singular(resource.name)
        title = f"The {name} is in the list" if present else f"The deleted {name} is not in the list"
        check = FieldCheck(
            pointer="", op="has_item" if present else "lacks_item", item_pointer=key, value=item
        )
        return [self._list_step(list_op, shape, key, parents, title, shape.largest_limit(), checks=[check])]

    def _seeds(self, resource: Resource, bodies: list[Any], prefix: str) -> list[Step] | None:
        """Steps creating one item per body under the same parents, saved as prefix_1, prefix_2…"""
        creator = self.api.operation(resource.create or "")
        first = self.creation_steps(resource, f"{prefix}_1")
        if creator is None or first is None:
            return None
        parents = first[-1].path_params
        steps = first[:-1]
        for number, body in enumerate(bodies, start=1):
            steps.append(self.create_step(creator, f"{prefix}_{number}", parents, body, number - 1))
        return steps

    def pagination(self, resource: Resource) -> Scenario | None:
        """Seed 2×limit+1 items, then walk the list a small page at a time: the walk checks the paging."""
        found = self._list_of(resource, "pagination")
        if found is None:
            return None
        list_op, shape, key = found
        if not shape.paged:
            return None  # one page holds the whole list: nothing to page through
        if shape.limit is None:
            self.skip(
                list_op.operation_id, "pagination", "no page-size parameter, so pages cannot be made to fill"
            )
            return None
        if "minimum" not in shape.limit.schema_ and "maximum" not in shape.limit.schema_:
            reason = f"'{shape.limit.name}' declares no minimum or maximum to refuse values outside"
            self.skip(list_op.operation_id, "page size outside its bounds refused", reason)
        limit = _small_limit(shape.limit.schema_)
        creator = self.api.operation(resource.create or "")
        if limit is None or creator is None:
            reason = "its smallest page size is too large to fill" if creator else "nothing creates its items"
            self.skip(list_op.operation_id, "pagination", reason)
            return None
        # Two bodies in turn: items differ by the id the server gives them, and synthesis is not free.
        bodies = [self.body_for(creator, variant % 2) for variant in range(2 * limit + 1)]
        seeds = self._seeds(resource, bodies, "seed")
        if seeds is None:
            self.skip(list_op.operation_id, "pagination", "its items cannot be created")
            return None
        parents = seeds[-1].path_params
        checks = [
            FieldCheck(
                pointer="",
                op="has_item",
                item_pointer=key,
                value=Ref(step=s.save_as, pointer=resource.id_pointer),
            )
            for s in seeds[-len(bodies) :]
            if s.save_as
        ]
        title = f"Walk the list {limit} at a time"
        steps = [*seeds, self._list_step(list_op, shape, key, parents, title, limit, checks=checks)]
        window = shape.offset.name if shape.offset else shape.page.name if shape.page else ""
        return self._scenario(
            list_op, "pages_are_consistent",
            f"GET {list_op.path} pages by {shape.limit.name} and {window} without gaps or repeats",
            "lifecycle", steps, [(list_op.operation_id, list_op.success_statuses[0])],
        )  # fmt: skip

    def filters(self, resource: Resource) -> list[Scenario]:
        """A filter named after an item field (or an array field holding its values) lists only matches."""
        creator = self.api.operation(resource.create or "")
        list_op = self.api.operation(resource.list or "")
        if creator is None or list_op is None or creator.request_body is None:
            return []
        shape = list_shape(list_op)
        if isinstance(shape, str):
            return []
        fields = shape.item_schema.get("properties", {})
        scenarios = []
        for parameter in list_op.parameters:
            if parameter.location != "query" or parameter.name in shape.paging_params() or parameter.required:
                continue
            field = parameter.name if parameter.name in fields else array_field(parameter, fields)
            if field is None:
                continue
            holds = "array" in types_of(fields[field])
            scenario = self._filter(resource, creator, list_op, shape, parameter, field, holds)
            if scenario is not None:
                scenarios.append(scenario)
        return scenarios

    def _filter(
        self, resource: Resource, creator: Operation, list_op: Operation, shape: ListShape,
        parameter: Parameter, field: str, holds: bool,
    ) -> Scenario | None:  # fmt: skip
        """Seed one item the filter matches and one it does not; the filtered list has the first only.

        `holds`: the field is an array, and the filter matches the items whose array holds the value.
        """
        oracle = f"filter by {parameter.name}"
        create_schema = creator.request_body.schema_ if creator.request_body else {}
        envelope, writable = _writable(create_schema, field)
        if envelope is None or not isinstance(writable, dict) or writable.get("readOnly"):
            self.skip(list_op.operation_id, oracle, f"creation cannot set {field}")
            return None
        if holds:
            pair = membership_values(parameter, writable.get("items", {}))
            values: list[Any] | str = pair if isinstance(pair, str) else [[pair[0]], [pair[1]]]
        else:
            values = filter_values(parameter, writable)
        if isinstance(values, str):
            self.skip(list_op.operation_id, oracle, values)
            return None
        base = self.body_for(creator)
        bodies = [_with_field(base, envelope, field, value) for value in values[:2]]
        if not all(body is not None and is_valid(create_schema, body) for body in bodies):
            self.skip(list_op.operation_id, oracle, "no valid creation body carries those values")
            return None
        found = self._list_of(resource, oracle)
        seeds = self._seeds(resource, bodies, "seed") if found else None
        if found is None or seeds is None:
            return None
        _, _, key = found
        wanted = values[0][0] if holds else values[0]
        checks = [] if holds else [FieldCheck(pointer="", op="all==", item_pointer=f"/{field}", value=wanted)]
        checks += [
            FieldCheck(pointer="", op=op, item_pointer=key, value=Ref(step=seed, pointer=resource.id_pointer))
            for op, seed in (("has_item", "seed_1"), ("lacks_item", "seed_2"))
        ]
        step = self._list_step(
            list_op, shape, key, seeds[-1].path_params, f"List with {parameter.name}={wanted!r}",
            shape.largest_limit(), {parameter.name: wanted}, checks,
        )  # fmt: skip
        says = f"whose {field} holds it" if holds else "it matches"
        return self._scenario(
            list_op, f"filters_by_{snake(parameter.name)}",
            f"GET {list_op.path}?{parameter.name}={wanted} returns only the items {says}",
            "lifecycle", [*seeds, step], [(list_op.operation_id, list_op.success_statuses[0])],
        )  # fmt: skip

    def refused_updates(self, resource: Resource) -> list[Scenario]:
        """An update the server refuses (one invalid value) leaves every field it could change as it was."""
        read_op = self.api.operation(resource.read or "")
        scenarios = []
        for operation_id in (resource.update, resource.replace):
            update_op = self.api.operation(operation_id or "")
            body = update_op.request_body if update_op else None
            if update_op is None or body is None or not _is_json(body.content_type) or read_op is None:
                continue
            oracle = "refused update changes nothing"
            cases = [c for c in invalid_cases(body.schema_) if c.kind != "missing_required"] or invalid_cases(
                body.schema_
            )
            read = read_op.response("200")
            readable = (read.schema_ or {}).get("properties", {}) if read else {}
            compared = [
                name
                for name, prop in body.schema_.get("properties", {}).items()
                if name in readable and not readable[name].get("readOnly") and not prop.get("writeOnly")
            ]
            created = self.creation_steps(resource, "created")
            if not cases or not compared or created is None:
                self.skip(
                    update_op.operation_id, oracle, "no invalid body, no readable field or no way to create"
                )
                continue
            item = {
                **created[-1].path_params,
                resource.id_param: Ref(step="created", pointer=resource.id_pointer),
            }
            name, case = _singular(resource.name), cases[0]
            read_expect = Expectation(statuses=[200], schema_of=(read_op.operation_id, "200"))
            unchanged = [
                FieldCheck(pointer=f"/{field}", op="==", value=Ref(step="before", pointer=f"/{field}"))
                for field in compared
            ]
            steps = [
                *created,
                Step(operation_id=read_op.operation_id, title=f"Read the {name}", path_params=item,
                     save_as="before", expect=read_expect),
                Step(operation_id=update_op.operation_id, title=f"Send {case.description}", path_params=item,
                     body=case.value, expect=_rejection(update_op)),
                Step(operation_id=read_op.operation_id, title=f"The {name} is unchanged", path_params=item,
                     expect=read_expect.model_copy(update={"fields": unchanged})),
            ]  # fmt: skip
            title = f"{update_op.method.upper()} {update_op.path} with {case.description} changes nothing"
            scenarios.append(
                self._scenario(update_op, "refused_change_keeps_the_item", title, "lifecycle", steps, [])
            )
        return scenarios

    def _update_steps(self, resource: Resource, item: dict[str, Any], name: str) -> list[Step]:
        operation_id = resource.update or resource.replace
        update_op = self.api.operation(operation_id) if operation_id else None
        read_op = self.api.operation(resource.read or "")
        if update_op is None or read_op is None or update_op.request_body is None:
            return []
        change = _simple_change(update_op.request_body.schema_)
        if change is None:
            return []
        field, value = change
        body = (
            {field: value}
            if update_op.method == "patch"
            else {**(self.body_for(update_op) or {}), field: value}
        )
        check = FieldCheck(pointer=f"/{field}", op="==", value=value)
        return [
            Step(
                operation_id=update_op.operation_id,
                title=f"Change its {field}",
                path_params=item,
                body=body,
                expect=_success(update_op),
            ),
            Step(
                operation_id=read_op.operation_id,
                title=f"Read the changed {name}",
                path_params=item,
                expect=Expectation(statuses=[200], schema_of=(read_op.operation_id, "200"), fields=[check]),
            ),
        ]

    # -- shared environments: what a test may touch, and what it leaves behind ----------------------

    def destructive_call(self, scenario: Scenario) -> str | None:
        """Why the scenario would change or delete data it did not create (safe mode drops it), else None.

        Its own data: what a successful POST of the same test answered, ids it made unique, and the account
        of a user signed up for that test alone.
        """
        own: set[str] = set()
        for step in scenario.steps:
            operation = self.api.operation(step.operation_id)
            if operation is None:
                continue
            names = path_parameters(operation.path)
            on_own = all(_is_own(step.path_params.get(name), own) for name in names)
            on_own = on_own and (bool(names) or step.auth == "throwaway")
            changes = operation.method in _CHANGING_METHODS or (operation.method == "post" and bool(names))
            if changes and not on_own:
                method = operation.method.upper()
                return f"safe mode: would {method} {operation.path} on data it did not create"
            if operation.method == "post" and step.save_as and expects_success(step):
                own.add(step.save_as)
        return None

    def with_cleanups(self, scenario: Scenario) -> Scenario:
        """The scenario with each item it creates deleted when it ends, where the spec has a DELETE for it.

        A creation expected to be refused gets one too: a target that accepts it anyway made an item (the
        suite deletes it only then). Only a creation expected to succeed is saved for later steps.
        """
        steps = []
        for number, step in enumerate(scenario.steps, start=1):
            operation = self.api.operation(step.operation_id)
            succeeds = expects_success(step)
            save_as = step.save_as or f"made_{number}"
            creates = operation is not None and operation.method == "post"
            cleanup = self.cleanup_for(operation, save_as, step.path_params) if creates else None
            if step.expect.cleanup is not None or cleanup is None:
                steps.append(step)
                continue
            expect = step.expect.model_copy(update={"cleanup": cleanup})
            saved = {"save_as": save_as} if succeeds else {}
            steps.append(step.model_copy(update={**saved, "expect": expect}))
        return scenario.model_copy(update={"steps": steps})

    def leaves_data(self, scenario: Scenario) -> str | None:
        """What the scenario creates that no DELETE of the spec removes, or None when it leaves nothing."""
        for step in scenario.steps:
            operation = self.api.operation(step.operation_id)
            if operation is None or operation.method != "post" or not expects_success(step):
                continue
            resource = next((r for r in self.resources if r.create == operation.operation_id), None)
            if resource is not None and resource.delete is None:
                return f"creates {resource.name} and the spec has no DELETE to remove them"
        return self._leaves_users(scenario)

    def _leaves_users(self, scenario: Scenario) -> str | None:
        """The users its fixtures sign up that the spec gives them no way to delete (the suite deletes the
        others when done with them)."""
        from generators.api.accounts import own_account_deletion, sign_up_settings  # build on this module

        if sign_up_settings(self.api) is None or own_account_deletion(self.api) is not None:
            return None
        auths = {step.auth for step in scenario.steps}
        if "throwaway" in auths:
            return "signs up a throwaway user and the spec has no call deleting one's own account"
        if "second" in auths:
            return (
                "signs up a second user when no TESTOPS_API_*_2 identity is set, and the spec has no call"
                " deleting one's own account"
            )
        return None


def expects_success(step: Step) -> bool:
    """Whether the step must succeed: every status it accepts is a 2xx."""
    statuses = step.expect.statuses
    return bool(statuses) and all(200 <= s < 300 for s in statuses) or step.expect.status_class == "2xx"


def _is_own(value: Any, own: set[str]) -> bool:
    """A path value naming the test's own data: one an own creation answered, or one the test made unique."""
    return isinstance(value, Unique) or (isinstance(value, Ref) and value.step in own)


def _writable(schema: JsonSchema, field: str) -> tuple[str | None, Any]:
    """Where a creation body sets `field`: at its top ("") or inside its one object envelope (`article`)."""
    properties = schema.get("properties", {})
    if field in properties:
        return "", properties[field]
    objects = {n: p for n, p in properties.items() if isinstance(p, dict) and "properties" in p}
    if len(properties) == 1 and len(objects) == 1:
        name, inner = next(iter(objects.items()))
        if field in inner["properties"]:
            return name, inner["properties"][field]
    return None, None


def _with_field(body: Any, envelope: str, field: str, value: Any) -> dict[str, Any] | None:
    """The body with `field` set to `value`, inside its envelope when it has one."""
    inner = body.get(envelope) if envelope and isinstance(body, dict) else body
    if not isinstance(body, dict) or not isinstance(inner, dict):
        return None
    changed = {**inner, field: value}
    return {**body, envelope: changed} if envelope else changed


def _simple_change(schema: JsonSchema) -> tuple[str, Any] | None:
    """A property that can be changed to an unmistakable new value: plain text first, then numbers."""
    properties = schema.get("properties", {})
    for name, prop in properties.items():
        if (
            _types(prop) == {"string"}
            and not prop.get("format")
            and "enum" not in prop
            and not prop.get("pattern")
        ):
            value = valid_value(prop, name=name, variant=2)
            return name, value
    for name, prop in properties.items():
        if _types(prop) <= {"integer", "null"} and "integer" in _types(prop) and "enum" not in prop:
            return name, valid_value(prop, name=name, variant=1)
    return None


def _echoed(sent: dict[str, Any], creator: Operation, response_schema: JsonSchema) -> list[FieldCheck]:
    """Values sent that the response must give back as sent: plain ones the server is not said to own.

    Skipped: readOnly and writeOnly properties, and formats a server may normalise (date-time, password…).
    """
    schema = creator.request_body.schema_ if creator.request_body else {}
    sent_props = schema.get("properties", {})
    echoed = response_schema.get("properties", {})
    checks = []
    for name, value in sent.items():
        prop, back = sent_props.get(name, {}), echoed.get(name)
        if not isinstance(back, dict) or not isinstance(value, str | int | bool):
            continue
        owned = prop.get("writeOnly") or back.get("readOnly") or prop.get("readOnly")
        if not owned and not prop.get("format") and not back.get("format"):
            checks.append(FieldCheck(pointer=f"/{name}", op="==", value=value))
    return checks


# Longest text and longest array sent to prove a maximum is accepted; larger bounds are left to negatives.
_MAX_BOUNDARY_LENGTH = 10_000
_MAX_BOUNDARY_ITEMS = 100


def _at_bounds(schema: JsonSchema, value: Any, *, lower: bool) -> tuple[Any, list[str]]:
    """`value` with every bounded field (nested ones too) at its minimum or maximum, and their names."""
    if isinstance(value, dict):
        result, changed = dict(value), []
        for name, prop in schema.get("properties", {}).items():
            if not isinstance(prop, dict) or prop.get("readOnly"):
                continue
            if name not in value and not _has_bounds(prop):
                continue
            # An optional field is sent too when it has bounds of its own to prove.
            present = value[name] if name in value else valid_value(prop, name=name)
            result[name], inner = _at_bounds(prop, present, lower=lower)
            changed += [
                name if not n else f"{name}{n}" if n.startswith("[") else f"{name}.{n}" for n in inner
            ]
        return result, changed
    if isinstance(value, list):
        return _array_at_bounds(schema, value, lower=lower)
    bound = _scalar_bound(schema, value, lower=lower)
    return (value, []) if bound is None else (bound, [""])


_BOUND_KEYWORDS = ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems")


def _has_bounds(schema: JsonSchema) -> bool:
    """Whether a schema, or one nested in its properties or items, declares a bound."""
    if any(key in schema for key in _BOUND_KEYWORDS):
        return True
    nested = [*schema.get("properties", {}).values(), schema.get("items")]
    return any(isinstance(inner, dict) and _has_bounds(inner) for inner in nested)


def _array_at_bounds(schema: JsonSchema, value: list[Any], *, lower: bool) -> tuple[list[Any], list[str]]:
    items_schema = schema.get("items", {})
    items, changed = [], []
    for item in value:
        bounded, inner = _at_bounds(items_schema, item, lower=lower)
        items.append(bounded)
        changed += [f"[].{n}" if n else "[]" for n in inner]
    count = schema.get("minItems" if lower else "maxItems")
    if count is None or count > _MAX_BOUNDARY_ITEMS or schema.get("uniqueItems"):
        return items, sorted(set(changed))
    while items and len(items) < count:
        items.append(items[len(items) % len(value)])
    if len(items) < count:
        items += [valid_value(items_schema, variant=n) for n in range(count - len(items))]
    return items[:count], ["", *sorted(set(changed))]


def _scalar_bound(schema: JsonSchema, value: Any, *, lower: bool) -> Any | None:
    """The minimum or maximum of a number or a plain text's length, when the schema declares it."""
    if "enum" in schema or "const" in schema:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        inclusive = schema.get("minimum" if lower else "maximum")
        exclusive = schema.get("exclusiveMinimum" if lower else "exclusiveMaximum")
        if inclusive is None and isinstance(exclusive, int) and "integer" in types_of(schema):
            inclusive = exclusive + 1 if lower else exclusive - 1
        step = schema.get("multipleOf")
        if inclusive is None or (step and inclusive % step):
            return None
        return inclusive
    if isinstance(value, str) and not schema.get("format") and not schema.get("pattern"):
        length = schema.get("minLength" if lower else "maxLength")
        if length is None or length > _MAX_BOUNDARY_LENGTH:
            return None
        return (value * (length // max(len(value), 1) + 1))[:length] if value else "x" * length
    return None


def _positions(operation: Operation) -> set[str]:
    """Query parameters that move a list's window: at their maximum they may point past the last page."""
    shape = list_shape(operation) if operation.method == "get" else None
    if shape is None or isinstance(shape, str):
        return set()
    return {p.name for p in (shape.offset, shape.page) if p is not None}


def _documented(operation: Operation) -> set[int]:
    return {int(r.status) for r in operation.responses if r.status.isdigit()}


def _auth_statuses(operation: Operation) -> list[int]:
    """Documented 401/403 for refused credentials, else both."""
    return [code for code in (401, 403) if code in _documented(operation)] or [401, 403]


# Credentials no server issues, and an Authorization header with a scheme but no credentials.
_BOGUS_SECRET = "testops-wrong-credentials-0000"
_BOGUS_BASIC = "dGVzdG9wcy13cm9uZzp3cm9uZy1wYXNzd29yZA=="  # base64 of testops-wrong:wrong-password

_WRONG_CREDENTIAL_TITLES = {
    "bogus": "Call with a secret the server never issued",
    "malformed": "Call with a malformed Authorization header",
}
WrongCredentials = dict[str, tuple[dict[str, str], dict[str, str]]]


def _wrong_credentials(scheme: SecurityScheme) -> WrongCredentials | str:
    """(headers, query) of a bogus and of a malformed credential for one scheme, or why there are none."""
    kind = (scheme.scheme or "").lower() if scheme.type == "http" else scheme.type
    if kind in ("bearer", "oauth2", "openIdConnect"):
        return {
            "bogus": ({"Authorization": f"Bearer {_BOGUS_SECRET}"}, {}),
            "malformed": ({"Authorization": "Bearer"}, {}),
        }
    if kind == "basic":
        return {
            "bogus": ({"Authorization": f"Basic {_BOGUS_BASIC}"}, {}),
            "malformed": ({"Authorization": "Basic %%%"}, {}),
        }
    if scheme.type == "apiKey" and scheme.parameter_name:
        name = scheme.parameter_name
        bogus = {
            "header": ({name: _BOGUS_SECRET}, {}),
            "query": ({}, {name: _BOGUS_SECRET}),
            "cookie": ({"Cookie": f"{name}={_BOGUS_SECRET}"}, {}),
        }[scheme.location or "header"]
        return {"bogus": bogus, "malformed": ({}, {})}
    return f"wrong credentials for a {scheme.type} {scheme.scheme or ''} scheme cannot be made up".replace(
        "  ", " "
    )


def _small_limit(schema: JsonSchema) -> int | None:
    """A page size of about 2 within the documented bounds; None when the smallest allowed is above 10."""
    lowest = schema.get("minimum", 1)
    limit = max(lowest, 2)
    if schema.get("maximum") is not None:
        limit = min(limit, schema["maximum"])
    return limit if 1 <= limit <= 10 and limit >= lowest else None


def _types(schema: JsonSchema) -> set[str]:
    kind = schema.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if kind else set()


def _singular(word: str) -> str:
    word = word.replace("-", " ").replace("_", " ")
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _synthesisable(body: RequestBody) -> bool:
    """JSON, or a form of named fields, which codegen sends as form data (`data=` / `files=`)."""
    form = body.content_type.split(";", 1)[0].strip().lower() in _FORM_TYPES
    return _is_json(body.content_type) or (form and body.schema_.get("type") == "object")


def issues_tokens(api: ApiModel, operation: Operation) -> bool:
    """Whether this is an OAuth2 flow's token endpoint, which made-up credentials cannot get a token from."""
    flows = [flow for scheme in api.security_schemes for flow in scheme.flows if flow.token_url]
    urls = {urljoin(api.base_url + "/", flow.token_url or "") for flow in flows}
    return operation.method == "post" and api.base_url + operation.path in urls


# Words of a path or operation id that name signing in, and signing up (which creates an account).
_SIGN_IN_WORDS = frozenset(
    {"login", "logon", "signin", "token", "tokens", "session", "sessions", "auth", "authenticate"}
)
_SIGN_UP_WORDS = frozenset({"signup", "register", "registration", "join"})


def authenticates(api: ApiModel, operation: Operation) -> bool:
    """Whether a call judges credentials rather than creating something: a login, token or session call.

    Said by an OAuth2 tokenUrl; else a POST sending a password, named so or answering a token without 201.
    """
    if issues_tokens(api, operation):
        return True
    body = operation.request_body
    if operation.method != "post" or body is None or not sends_a_password(body.schema_):
        return False
    words = snake(f"{operation.path} {operation.operation_id}").split("_")
    words += [a + b for a, b in itertools.pairwise(words)]  # "sign in", "log_in"
    if _SIGN_UP_WORDS & set(words):
        return False
    answer = next((operation.response(s) for s in operation.success_statuses), None)
    answers_token = answer is not None and issues_a_token(answer.schema_)
    return bool(_SIGN_IN_WORDS & set(words)) or answers_token and "201" not in operation.success_statuses


def _json_or_absent(operation: Operation) -> bool:
    return operation.request_body is None or _synthesisable(operation.request_body)
