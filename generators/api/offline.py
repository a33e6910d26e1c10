"""The deterministic offline API generator: spec and requirements in, pytest modules out, no LLM."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Callable
from importlib import resources
from typing import Any

from generators.api.codegen import py_literal, render_scenario
from generators.api.data import (
    credential_kind,
    is_secret_name,
    is_valid,
    names_a_key,
    shared_synthesis,
    valid_value,
    with_unique_values,
)
from generators.api.planner import Planner, authenticates, expects_success, snake
from generators.api.requirements import Uncovered, plan_requirement
from generators.api.spec_prose import spec_prose_scenarios
from generators.base import GeneratedSuite
from vocabulary.api_model import ApiModel, Operation, SecurityScheme
from vocabulary.artefacts import GeneratedTest, Requirement, RequirementCoverage, ValidationResult
from vocabulary.claims import Credential, Given, Ref, Scenario, Step, Unique

REQUIREMENTS_MODULE = "test_requirements.py"
# Request timeout (s) a repaired test gets after timing out with the suite default, then ×3 per repair.
_REPAIRED_TIMEOUT_S = 15.0
_SECOND_USER_VARIANT = 7
# Token fields of a sign-up answer, in order of preference.
TOKEN_FIELDS = ("access_token", "accessToken", "token", "id_token", "jwt")
_SIGN_UP_TYPES = ("application/json", "application/x-www-form-urlencoded")
_STATIC_FILES = ("conftest.py", "support.py", "unique.py")
_PYTEST_INI = (
    "[pytest]\n"
    "# Self-contained: run `pytest` in this folder. Allure: add --alluredir=allure-results.\n"
    "addopts = -ra\n"
)


def module_for(scenario: Scenario) -> str:
    if scenario.category == "requirement":
        return REQUIREMENTS_MODULE
    return f"test_{snake(scenario.feature)}.py"


class OfflineApiGenerator:
    """Writes API tests from what reconnaissance found and what the requirements say.

    `safe`: for a target the user does not own, no test changes or deletes data it did not create.
    """

    def __init__(self, *, safe: bool = False) -> None:
        self.safe = safe
        # The whole spec's plan per API model, made once: one regeneration pass repairs many of its tests.
        self._plans: dict[int, tuple[ApiModel, list[Scenario]]] = {}

    def generate(self, api: ApiModel, requirements: list[Requirement]) -> GeneratedSuite:
        with shared_synthesis():
            return self._generate(api, requirements)

    def _generate(self, api: ApiModel, requirements: list[Requirement]) -> GeneratedSuite:
        planner = Planner(api)
        scenarios, omitted = self._admitted(planner, planner.plan())
        coverage: list[RequirementCoverage] = []
        for requirement in requirements:
            planned = plan_requirement(requirement, api)
            if isinstance(planned, Uncovered):
                coverage.append(RequirementCoverage.of(requirement, reason=planned.reason))
                continue
            planned, refused = self._admitted(planner, planned)
            omitted |= refused
            if not planned:
                coverage.append(RequirementCoverage.of(requirement, reason=next(iter(refused.values()))))
                continue
            scenarios += planned
            coverage.append(
                RequirementCoverage.of(
                    requirement,
                    test_ids=[f"{module_for(s)}::{s.name}" for s in _unique_names(planned, scenarios)],
                )
            )
        # After the requirements, so that a description saying what a requirement says adds no twin test.
        prose, refused = self._admitted(planner, spec_prose_scenarios(api, scenarios))
        scenarios += prose
        omitted |= refused
        finished = [_cleaned_up(planner, s) for s in _unique_names(scenarios, scenarios)]
        tests = [_rendered(s, api, module_for(s)) for s in finished]
        leaves_data = {
            f"{module_for(s)}::{s.name}": reason for s in finished if (reason := planner.leaves_data(s))
        }
        files = support_files(api)
        # Shipped with the suite, so its users see which spec checks it does not make, and why.
        skipped = [s.model_dump() for s in planner.skipped]
        files["skipped_checks.json"] = json.dumps(skipped, indent=2, ensure_ascii=False) + "\n"
        return GeneratedSuite(
            tests=tests, support_files=files, coverage=coverage, skipped_oracles=planner.skipped,
            omitted_in_safe_mode=omitted, leaves_data=leaves_data,
        )  # fmt: skip

    def _admitted(self, planner: Planner, scenarios: list[Scenario]) -> tuple[list[Scenario], dict[str, str]]:
        """The scenarios this run may make, and the test id and reason of each left out.

        In safe mode only those touching no data but their own are made; the others also land in the
        planner's skipped checks, which the suite ships.
        """
        omitted: dict[str, str] = {}
        if not self.safe:
            return scenarios, omitted
        admitted = []
        for scenario in scenarios:
            reason = planner.destructive_call(scenario)
            if reason is None:
                admitted.append(scenario)
                continue
            omitted[f"{module_for(scenario)}::{scenario.name}"] = reason
            planner.skip(scenario.steps[-1].operation_id, scenario.name, reason)
        return admitted, omitted

    def repair(
        self, test: GeneratedTest, result: ValidationResult, api: ApiModel, requirements: list[Requirement]
    ) -> GeneratedTest | None:
        """Timeouts get a longer request timeout; other breakage the next data variant of the same test."""
        with shared_synthesis():
            return self._repair(test, result, api, requirements)

    def _repair(
        self, test: GeneratedTest, result: ValidationResult, api: ApiModel, requirements: list[Requirement]
    ) -> GeneratedTest | None:
        timed_out = "timeout" in result.message.lower() or "timed out" in result.message.lower()
        timeout_s = (test.timeout_s or _REPAIRED_TIMEOUT_S / 3) * 3 if timed_out else test.timeout_s
        variant = test.variant if timed_out else test.variant + 1
        if test.category == "requirement":
            if not timed_out:
                return None  # a requirement test has one reading of its text; nothing else to try
            scenarios = self._requirement_scenarios(test, api, requirements)
        else:
            scenarios = self._spec_scenarios(test, api, variant)
        scenario = next((s for s in scenarios if s.name == test.name), None)
        planner = Planner(api)
        if scenario is None or self.safe and planner.destructive_call(scenario):
            return None
        scenario = _cleaned_up(planner, scenario).model_copy(update={"timeout_s": timeout_s})
        repaired = _rendered(scenario, api, test.module)
        return repaired.model_copy(update={"variant": variant, "timeout_s": timeout_s})

    def _spec_scenarios(self, test: GeneratedTest, api: ApiModel, variant: int) -> list[Scenario]:
        if test.category == "lifecycle" or variant == 0:
            return self._whole_plan(api)
        operation = api.operation(test.operation_ids[-1]) if test.operation_ids else None
        return Planner(api).for_operation(operation, variant) if operation else []

    def _whole_plan(self, api: ApiModel) -> list[Scenario]:
        entry = self._plans.get(id(api))
        if entry is None:
            planned = Planner(api).plan()
            planned += spec_prose_scenarios(api, planned)
            entry = self._plans[id(api)] = (api, _unique_names(planned, []))
        return entry[1]

    def _requirement_scenarios(
        self, test: GeneratedTest, api: ApiModel, requirements: list[Requirement]
    ) -> list[Scenario]:
        wanted = set(test.requirement_ids)
        planned: list[Scenario] = []
        for requirement in requirements:
            if requirement.requirement_id in wanted:
                result = plan_requirement(requirement, api)
                planned += [] if isinstance(result, Uncovered) else result
        return planned


def _unique_names(scenarios: list[Scenario], all_scenarios: list[Scenario]) -> list[Scenario]:
    """Scenarios renamed so that each name is unique within its module (a _2, _3 suffix on repeats)."""
    seen: dict[tuple[str, str], int] = {}
    renamed: dict[int, Scenario] = {}
    for scenario in all_scenarios if all_scenarios else scenarios:
        key = (module_for(scenario), scenario.name)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            renamed[id(scenario)] = scenario.model_copy(update={"name": f"{scenario.name}_{seen[key]}"})
    return [renamed.get(id(s), s) for s in scenarios]


def support_files(api: ApiModel) -> dict[str, str]:
    """The suite's fixed files plus the ones that carry this API's settings and response schemas."""
    from generators.api.accounts import own_account_deletion  # builds on this module

    package = resources.files("generators.api.suite")
    files = {name: package.joinpath(name).read_text(encoding="utf-8") for name in _STATIC_FILES}
    schemes = [
        {
            k: v
            for k, v in {
                "type": s.type,
                "scheme": s.scheme,
                "in": s.location,
                "name": s.parameter_name,
                "flows": _flow_settings(s, api) or None,
            }.items()
            if v is not None
        }
        for s in api.security_schemes
    ]
    files["suite_settings.py"] = (
        f'"""Generated for {api.title} {api.version}. Override the base URL with TESTOPS_BASE_URL."""\n\n'
        f"BASE_URL = {py_literal(api.base_url)}\n"
        "# Security schemes of the API in spec order; credentials come from env vars (see conftest.py).\n"
        f"SECURITY_SCHEMES = {py_literal(schemes)}\n"
        f"SECURED = {any(op.security for op in api.operations)!r}\n"
        "# A public sign-up the suite may use to make a second user when none is configured (or None).\n"
        f"SIGN_UP = {py_literal(_sign_up_settings(api))}\n"
        "# How a user the suite signed up deletes its own account when done with it (or None: it stays).\n"
        f"DELETE_ACCOUNT = {py_literal(own_account_deletion(api))}\n"
    )
    files["spec_schemas.json"] = json.dumps(response_schemas(api), indent=2, ensure_ascii=False) + "\n"
    files["pytest.ini"] = _PYTEST_INI
    return files


def _flow_settings(scheme: SecurityScheme, api: ApiModel) -> dict[str, dict[str, object]]:
    """OAuth2 flows with a token endpoint, asking for the scopes the operations require of the scheme."""
    required = {scope for op in api.operations for alt in op.security for scope in alt.get(scheme.name, [])}
    return {
        flow.kind: {"tokenUrl": flow.token_url, "scopes": sorted(required)}
        for flow in scheme.flows
        if flow.token_url
    }


def _sign_up_settings(api: ApiModel) -> dict[str, Any] | None:
    """A public POST whose body names a new user and a password, and how its users get a token.

    By the OAuth2 password flow; else from the sign-up's own answer (`token`) when an apiKey or bearer
    scheme sends it (`credential`: where, and the value's prefix; None for the configured key's).
    """
    flows = [flow for scheme in api.security_schemes for flow in _flow_settings(scheme, api).items()]
    login = next((settings for kind, settings in flows if kind == "password"), None)
    credential = None if login else _token_credential(api)
    for op in api.operations if login or credential else []:
        body = op.request_body
        media_type = body.content_type.split(";")[0].strip() if body else ""
        public = op.method == "post" and not op.security and "{" not in op.path and not authenticates(api, op)
        if body is None or not public or media_type not in _SIGN_UP_TYPES:
            continue
        envelope, properties = account_fields(body.schema_)
        secret = [n for n, p in properties.items() if n == "password" or p.get("format") == "password"]
        user = [n for n in ("username", "email", "login") if n in properties]
        token = None if login else _answered_token(op)
        if secret and user and (login or token):
            return {
                "path": op.path,
                "form": media_type != "application/json",
                # A variant of its own, so that it is not the user the sign-up's own tests make.
                "body": valid_value(body.schema_, variant=_SECOND_USER_VARIANT),
                "envelope": envelope,
                "username": user[0],
                "password": secret[0],
                "flow": login,
                "token": token,
                "credential": credential if token else None,
            }
    return None


def account_fields(schema: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The body's fields, or those of its one object envelope (`{"user": {...}}`) and the envelope's name."""
    properties = schema.get("properties", {})
    objects = [n for n, p in properties.items() if isinstance(p, dict) and "properties" in p]
    if len(properties) == 1 and len(objects) == 1:
        return objects[0], properties[objects[0]]["properties"]
    return "", properties


def _answered_token(operation: Operation) -> str | None:
    """The JSON pointer of the token a sign-up answers with, at its top or in its envelope."""
    response = next((operation.response(s) for s in operation.success_statuses), None)
    envelope, properties = account_fields((response.schema_ or {}) if response else {})
    name = next((n for n in TOKEN_FIELDS if n in properties), None)
    return None if name is None else f"/{envelope}/{name}" if envelope else f"/{name}"


def _token_credential(api: ApiModel) -> dict[str, Any] | None:
    """Where a token goes: a bearer Authorization header, or an apiKey (prefix left to the configured key)."""
    for scheme in api.security_schemes:
        if scheme.type == "http" and (scheme.scheme or "").lower() == "bearer":
            return {"in": "header", "name": "Authorization", "prefix": "Bearer "}
        if scheme.type == "apiKey" and scheme.location and scheme.parameter_name:
            return {"in": scheme.location, "name": scheme.parameter_name, "prefix": None}
    return None


def response_schemas(api: ApiModel) -> dict[str, Any]:
    """Every documented response schema by operation and status, repeated subschemas written once.

    Resolved specs repeat each referenced schema wherever it is used; written out in full, a big spec's
    schemas grow far beyond the spec. Repeats become `{"$ref": "#/$defs/<name>"}` into one `$defs` table.
    """
    table = _SchemaTable(api.schemas)
    operations = {
        op.operation_id: {r.status: table.intern(r.schema_) for r in op.responses if r.schema_ is not None}
        for op in api.operations
    }
    table.count_uses(key for statuses in operations.values() for key in statuses.values())
    written = {
        op: {status: table.write(key) for status, key in statuses.items()}
        for op, statuses in operations.items()
    }
    return {"$defs": table.defs, "operations": written}


_Key = tuple[str, Any]  # ("s", (type name, value)) for scalars, ("n", number) for dicts and lists


class _SchemaTable:
    """Schemas interned by content, so that equal subschemas get one number however often they recur."""

    def __init__(self, components: dict[str, Any]) -> None:
        self._numbers: dict[tuple[Any, ...], int] = {}
        # number -> ("d", ((key, child), ...)) or ("l", (child, ...))
        self._shapes: list[tuple[Any, ...]] = []
        # id() memo; it holds the object so that the id stays this object's
        self._by_object: dict[int, tuple[Any, _Key]] = {}
        self._uses: Counter[int] = Counter()
        self._names: dict[int, str] = {}
        self._taken: set[str] = set()
        self.defs: dict[str, Any] = {}
        for name, schema in components.items():
            key = self.intern(schema)
            if key[0] == "n" and key[1] not in self._names:
                self._names[key[1]] = self._free_name(re.sub(r"[^A-Za-z0-9_.-]", "_", name))

    def _free_name(self, wanted: str) -> str:
        suffixes = (f"{wanted}_{i}" for i in itertools.count(2))
        name = next(n for n in itertools.chain((wanted,), suffixes) if n not in self._taken)
        self._taken.add(name)
        return name

    def intern(self, value: Any) -> _Key:
        """The key of value: equal JSON gets equal keys; linear in the distinct objects reached."""
        if not isinstance(value, dict | list):
            return ("s", (type(value).__name__, value))
        memo = self._by_object.get(id(value))
        if memo is not None:
            return memo[1]
        if isinstance(value, dict):
            shape: tuple[Any, ...] = ("d", tuple((k, self.intern(v)) for k, v in value.items()))
        else:
            shape = ("l", tuple(self.intern(v) for v in value))
        number = self._numbers.get(shape)
        if number is None:
            number = self._numbers[shape] = len(self._shapes)
            self._shapes.append(shape)
        key = ("n", number)
        self._by_object[id(value)] = (value, key)
        return key

    def count_uses(self, roots: Any) -> None:
        """How many places of the de-duplicated schemas name each dict or list."""
        for key in roots:
            self._uses[key[1]] += 1
        for kind, children in self._shapes:
            for child in children if kind == "l" else (child for _, child in children):
                if child[0] == "n":
                    self._uses[child[1]] += 1

    def write(self, key: _Key, *, top: bool = True) -> Any:
        """The JSON of key, repeated composite dicts replaced by references into `defs`."""
        if key[0] == "s":
            return key[1][1]
        number = key[1]
        kind, children = self._shapes[number]
        if kind == "l":
            return [self.write(child, top=False) for child in children]
        composite = any(child[0] == "n" for _, child in children)
        if top or self._uses[number] < 2 or not composite:
            return {k: self.write(child, top=False) for k, child in children}
        name = self._names.get(number) or self._names.setdefault(number, self._free_name(f"schema{number}"))
        if name not in self.defs:
            self.defs[name] = {}  # reserved first: a schema may contain itself only through a $ref
            self.defs[name] = self.write(key)
        return {"$ref": f"#/$defs/{name}"}


def _cleaned_up(planner: Planner, scenario: Scenario) -> Scenario:
    """What the scenario creates is deleted when it ends; what no DELETE removes, its docstring says."""
    cleaned = planner.with_cleanups(scenario)
    stays = planner.leaves_data(cleaned)
    if stays is None:
        return cleaned
    note = f"Leaves data behind: it {stays}."
    return cleaned.model_copy(update={"description": f"{cleaned.description} {note}".strip()})


def _rendered(scenario: Scenario, api: ApiModel, module: str) -> GeneratedTest:
    return render_scenario(with_run_time_data(scenario, api), api, module=module)


def with_run_time_data(scenario: Scenario, api: ApiModel) -> Scenario:
    """The scenario with its unique data made at run time, and skipped when the spec cannot give an input.

    Emails, usernames, names and client-chosen ids become `unique(...)` calls; ids no call gives become
    `given(...)`; optional server-issued secrets (tokens, codes) are left out, required ones skip the test.
    """
    sent = _Sent()
    steps = []
    for number, step in enumerate(scenario.steps, start=1):
        steps.append(_with_made_checks(_prepared_step(step, api, sent, number), sent.made))
    if scenario.category == "not_found" and steps:
        steps[-1] = _valid_unknown_ids(steps[-1], api)
    reason = scenario.skip_reason or _skip_reason(scenario, steps, api)
    return scenario.model_copy(update={"steps": steps, "skip_reason": reason})


class _Sent:
    """What the earlier steps of one test sent: values made unique, by (field, example), and plain ones."""

    def __init__(self) -> None:
        self.made: dict[tuple[str, Any], Unique] = {}
        self.plain: set[tuple[str, Any]] = set()

    def record(self, body: Any) -> None:
        for field, value in _leaves(body):
            if isinstance(value, Unique):
                self.made[(field, value.example)] = value
            elif _is_key(value):
                self.plain.add((field, value))

    def unique(self, field: str, fresh: Unique, number: int, *, creates: bool) -> Unique:
        """A creation gets a value of its own; any other step names what an earlier one made, if any."""
        earlier = self.made.get((field, fresh.example))
        if earlier is None:
            return fresh
        return fresh.model_copy(update={"step": number}) if creates else earlier

    def credential(self, field: str, schema: Any, value: Any, succeeds: bool) -> Any:
        """A sign-in that must pass names the account an earlier step made, else the configured identity."""
        kind = credential_kind(field, schema)
        if kind is None or not _is_key(value) or not succeeds:
            return value
        if (field, value) in self.made:
            return self.made[(field, value)]
        return value if (field, value) in self.plain else Credential(kind=kind)


def _is_key(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)


def _leaves(value: Any, field: str = "") -> list[tuple[str, Any]]:
    """(field name, value) of every scalar in a body; list items are named by their list."""
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, key)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item, field)]
    return [(field, value)]


def _replaced(schema: Any, value: Any, replace: Callable[[str, Any, Any], Any], field: str = "") -> Any:
    """value with `replace(field, schema, scalar)` put in place of every scalar, walking the schema along."""
    schema = schema if isinstance(schema, dict) else {}
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        return {key: _replaced(properties.get(key), item, replace, key) for key, item in value.items()}
    if isinstance(value, list):
        return [_replaced(schema.get("items"), item, replace, field) for item in value]
    return replace(field, schema, value)


def _prepared_step(step: Step, api: ApiModel, sent: _Sent, number: int) -> Step:
    operation = api.operation(step.operation_id)
    if operation is None:
        return step
    query = {
        name: Given(name=name) if _needs_given(parameter_schema, value, name, example) else value
        for name, value in step.query.items()
        for parameter_schema, example in [_parameter(operation, name)]
    }
    body = step.body
    # Form bodies are written field by field as text; only JSON bodies carry run-time values.
    media_type = operation.request_body.content_type if operation.request_body else ""
    if media_type.split(";")[0].strip().endswith("json") and isinstance(body, dict):
        schema = operation.request_body.schema_ if operation.request_body else {}
        required = set(schema.get("required", []))
        properties = schema.get("properties", {})
        body = {
            key: Given(name=key)
            if key in required and _needs_given(properties.get(key), value, key)
            else value
            for key, value in body.items()
            if key in required or not _issued_secret(properties.get(key), value, key)
        }
        succeeds = expects_success(step)
        if authenticates(api, operation):
            # Credentials are never made unique: a sign-in must name an account that exists.
            body = _replaced(schema, body, lambda f, s, v: sent.credential(f, s, v, succeeds))
        else:
            # Markers the planner put in already say which steps share a value (a duplicate refused).
            planned = {id(value) for _, value in _leaves(body) if isinstance(value, Unique)}
            creates = operation.method == "post" and succeeds

            def keyed(field: str, _: Any, value: Any) -> Any:
                fresh = isinstance(value, Unique) and id(value) not in planned
                return sent.unique(field, value, number, creates=creates) if fresh else value

            body = _replaced(schema, with_unique_values(schema, body, ids=operation.method == "post"), keyed)
    sent.record(body)
    return step.model_copy(update={"query": query, "body": body})


# Ids no service has, in several shapes; the first one the parameter's schema accepts is used.
_UNKNOWN_IDS: tuple[Any, ...] = (
    "does-not-exist-0000",
    "999999999",
    "00000000-0000-4000-8000-000000000000",
    "zzzzzzzz",
)


def _valid_unknown_ids(step: Step, api: ApiModel) -> Step:
    """Unknown ids the parameter's schema accepts: an id the server rejects as malformed proves no 404."""
    operation = api.operation(step.operation_id)
    schemas = {p.name: p.schema_ for p in operation.path_parameters} if operation else {}
    params = dict(step.path_params)
    for name, value in step.path_params.items():
        schema = schemas.get(name)
        if schema is None or isinstance(value, Ref | Given) or is_valid(schema, value):
            continue
        params[name] = next((c for c in _UNKNOWN_IDS if is_valid(schema, c)), value)
    return step.model_copy(update={"path_params": params})


def _parameter(operation: Operation, name: str) -> tuple[Any, Any]:
    """The schema and example of a required query parameter; (None, None) for optional ones."""
    found = next((p for p in operation.parameters if p.location == "query" and p.name == name), None)
    return (found.schema_, found.example) if found is not None and found.required else (None, None)


def _needs_given(schema: Any, value: Any, name: str, example: Any = None) -> bool:
    """A required reference to another object ("owner_id") with no example: only an existing one works."""
    if not isinstance(schema, dict) or example is not None or isinstance(value, Ref | Given):
        return False
    words = snake(name).split("_")
    documented = any(key in schema for key in ("example", "examples", "default", "enum", "const"))
    return len(words) > 1 and words[-1] == "id" and not documented and is_valid(schema, value)


def _issued_secret(schema: Any, value: Any, name: str) -> bool:
    """A valid value of a field only the server can issue: sending a made-up one fails the call."""
    return is_secret_name(name) and isinstance(schema, dict) and is_valid(schema, value)


def _with_made_checks(step: Step, made: dict[tuple[str, Any], Unique]) -> Step:
    """Checks and query filters naming a value made unique by this or an earlier step name that value."""
    if not made:
        return step

    def same(field: str, value: Any) -> Any:
        marker = (
            made.get((field, value)) if isinstance(value, str | int) and not isinstance(value, bool) else None
        )
        return marker or value

    fields = [
        check.model_copy(
            update={"value": same((check.item_pointer or check.pointer).rsplit("/", 1)[-1], check.value)}
        )
        for check in step.expect.fields
    ]
    query = {name: same(name, value) for name, value in step.query.items()}
    return step.model_copy(
        update={"query": query, "expect": step.expect.model_copy(update={"fields": fields})}
    )


def _skip_reason(scenario: Scenario, steps: list[Step], api: ApiModel) -> str:
    """Why the scenario cannot pass on a correct service, or "" when it can."""
    for step in steps:
        operation = api.operation(step.operation_id)
        if operation is None or not expects_success(step):
            continue
        # A secret in the path is given by the user like any id (given() skips without one).
        given = {
            name
            for name, value in [*step.path_params.items(), *step.query.items()]
            if isinstance(value, Given)
        }
        secrets = [
            p.name
            for p in operation.parameters
            if p.required and is_secret_name(p.name) and p.name not in given
        ]
        if operation.request_body is not None:
            schema = operation.request_body.schema_
            secrets += [name for name in schema.get("required", []) if is_secret_name(name)]
        if secrets:
            return (
                f"{operation.operation_id} needs a valid {', '.join(secrets)}, which only the service issues"
                " and the spec has no call for"
            )
    last = steps[-1] if steps else None
    operation = api.operation(last.operation_id) if last else None
    if scenario.category == "not_found" and last is not None and operation is not None:
        for parameter in operation.path_parameters:
            value = last.path_params.get(parameter.name)
            if isinstance(value, Ref | Given):
                continue
            if names_a_key(parameter.name, parameter.schema_):
                return (
                    f"the path parameter '{parameter.name}' is a natural key, not an id: the spec does not"
                    " say whether an unknown one is answered 404 or rejected as invalid"
                )
            if not is_valid(parameter.schema_, value):
                return f"no unknown '{parameter.name}' could be made that its schema accepts"
    return ""
