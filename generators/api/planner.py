"""Plans spec-derived test scenarios for every operation: happy path, negatives, auth, 404, lifecycles."""

from __future__ import annotations

import re
from typing import Any

from generators.api.data import InvalidCase, invalid_cases, invalid_parameter_values, valid_value
from generators.api.resources import Resource, find_resources, path_parameters, resource_of
from vocabulary.api_model import ApiModel, JsonSchema, Operation
from vocabulary.claims import Expectation, FieldCheck, Ref, Scenario, Step

# Large enough to be unknown on any real service, small enough for 32-bit integer ids.
UNKNOWN_INTEGER_ID = 999_999_999
UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
# Invalid bodies per kind of broken constraint (missing, wrong type, out of range…) for one operation:
# enough to tell a validating server from one that checks only its first field, bounded for big specs.
NEGATIVES_PER_KIND = 3


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
    return Expectation(statuses=codes) if codes else Expectation(status_class="4xx")


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

    # -- data -------------------------------------------------------------------------------------

    def body_for(self, operation: Operation, variant: int = 0) -> Any | None:
        body = operation.request_body
        if body is None or not _is_json(body.content_type):
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
            parent = next((r for r in self.resources if r.item_path.endswith("{" + name + "}")), None)
            parent_steps = self.creation_steps(parent, f"{save_as}_{snake(name)}") if parent else None
            if parent is None or parent_steps is None:
                return None
            steps += parent_steps
            path_params[name] = Ref(step=f"{save_as}_{snake(name)}", pointer=parent.id_pointer)
        steps.append(
            Step(
                operation_id=creator.operation_id,
                title=f"Create a {_singular(resource.name)}",
                path_params=path_params,
                query=self.required_query(creator, variant),
                headers=self.required_headers(creator),
                body=self.body_for(creator, variant),
                save_as=save_as,
                expect=_success(creator),
            )
        )
        return steps

    def existing_target(
        self, operation: Operation, variant: int = 0
    ) -> tuple[list[Step], dict[str, Any]] | None:
        """Steps that make the resource an item operation acts on, and the path parameters pointing at it."""
        resource = resource_of(operation, self.resources)
        if resource is None:
            if operation.path_parameters:
                examples = {p.name: p.example for p in operation.path_parameters if p.example is not None}
                return ([], examples) if len(examples) == len(operation.path_parameters) else None
            return [], {}
        steps = self.creation_steps(resource, "created", variant)
        if steps is None:
            return None
        params = dict(steps[-1].path_params)
        params[resource.id_param] = Ref(step="created", pointer=resource.id_pointer)
        return steps, params

    # -- scenarios --------------------------------------------------------------------------------

    def plan(self) -> list[Scenario]:
        scenarios: list[Scenario] = []
        for operation in self.api.operations:
            if operation.deprecated:
                continue
            scenarios += self.for_operation(operation)
        for resource in self.resources:
            if lifecycle := self.lifecycle(resource):
                scenarios.append(lifecycle)
        return scenarios

    def for_operation(self, operation: Operation, variant: int = 0) -> list[Scenario]:
        planned = [self.happy_path(operation, variant)]
        planned += self.body_negatives(operation)
        planned += self.query_negatives(operation)
        planned += [self.auth_required(operation), self.unknown_id_404(operation)]
        return [s for s in planned if s is not None]

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
        if target is None or not _json_or_absent(operation):
            return None
        prelude, path_params = target
        expect = _success(operation)
        step = Step(
            operation_id=operation.operation_id,
            title=f"{operation.method.upper()} {operation.path} with valid input",
            path_params=path_params,
            query=self.required_query(operation, variant),
            headers=self.required_headers(operation),
            body=self.body_for(operation, variant),
            expect=expect,
        )
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
        if not operation.security:
            return None
        documented = [code for code in (401, 403) if operation.response(str(code))] or [401, 403]
        path_params = {name: self.unknown_id(operation, name) for name in path_parameters(operation.path)}
        step = Step(
            operation_id=operation.operation_id,
            title="Call without credentials",
            path_params=path_params,
            query=self.required_query(operation),
            headers=self.required_headers(operation),
            body=self.body_for(operation),
            auth="none",
            expect=Expectation(statuses=documented),
        )
        title = f"{operation.method.upper()} {operation.path} without credentials answers " + " or ".join(
            map(str, documented)
        )
        return self._scenario(
            operation,
            "requires_auth",
            title,
            "auth",
            [step],
            [(operation.operation_id, str(documented[0]))],
            severity="critical",
        )

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
        """create → read → update → read → delete → read is 404, as far as the spec allows."""
        if not (resource.create and resource.read and resource.delete):
            return None
        create_steps = self.creation_steps(resource, "created")
        if create_steps is None:
            return None
        sent = create_steps[-1].body if isinstance(create_steps[-1].body, dict) else {}
        read_op = self.api.operation(resource.read)
        delete_op = self.api.operation(resource.delete)
        assert read_op is not None and delete_op is not None
        item = {
            **create_steps[-1].path_params,
            resource.id_param: Ref(step="created", pointer=resource.id_pointer),
        }
        name = _singular(resource.name)
        creator = self.api.operation(resource.create)
        assert creator is not None
        steps = [
            *create_steps,
            Step(
                operation_id=read_op.operation_id,
                title=f"Read the new {name}",
                path_params=item,
                expect=Expectation(
                    statuses=[200],
                    schema_of=(read_op.operation_id, "200"),
                    fields=_round_trip(sent, creator, read_op),
                ),
            ),
        ]
        steps += self._update_steps(resource, item, name)
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
                expect=Expectation(statuses=[404]),
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


def _round_trip(sent: dict[str, Any], creator: Operation, reader: Operation) -> list[FieldCheck]:
    """Plain values sent on creation that a read must give back as sent (formatted ones may be normalized)."""
    schema = creator.request_body.schema_ if creator.request_body else {}
    read = reader.response("200")
    readable = (read.schema_ or {}).get("properties", {}) if read else {}
    checks = []
    for name, value in sent.items():
        prop = schema.get("properties", {}).get(name, {})
        plain = isinstance(value, str | int | bool) and not prop.get("format") and not prop.get("writeOnly")
        if plain and name in readable:
            checks.append(FieldCheck(pointer=f"/{name}", op="==", value=value))
    return checks


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


def _json_or_absent(operation: Operation) -> bool:
    return operation.request_body is None or _is_json(operation.request_body.content_type)
