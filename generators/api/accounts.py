"""Account-aware planning: calls on the caller's own account, the login operation, and natural keys.

Changing or deleting the caller's own account is never done with the user's credentials: such calls run as
a throwaway user the suite signs up for the one test (the SIGN_UP settings), else they are skipped.
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING, Any

from generators.api.data import credential_kind, is_valid, names_a_key, valid_value, with_unique_values

# The sign-up the suite's conftest makes users with: the planner must send the password those users get.
from generators.api.offline import TOKEN_FIELDS, account_fields
from generators.api.offline import _sign_up_settings as sign_up_settings
from generators.api.planner import _success, authenticates, feature_of, issues_tokens, snake
from vocabulary.api_model import ApiModel, JsonSchema, Operation
from vocabulary.claims import Credential, Expectation, FieldCheck, Given, Ref, Scenario, Step, Unique

if TYPE_CHECKING:
    from generators.api.planner import Planner

# Path segments, operation ids and summaries that say "the caller's own account".
_SELF_WORDS = frozenset({"me", "self", "current", "my", "myself", "account", "profile", "own"})
# Words that say a call changes credentials, revokes a session or deactivates the account.
_CREDENTIAL_WORDS = frozenset(
    {"password", "passwd", "passphrase", "credential", "credentials", "deactivate", "disable", "logout",
     "signout", "revoke"}
)  # fmt: skip
# Body fields that are how the user logs in, or whether the account is active.
_LOGIN_FIELDS = frozenset({"email", "username", "login"})
_ACTIVE_FIELDS = frozenset({"active", "enabled", "disabled", "deactivated", "deleted"})
_NEW_WORDS = frozenset({"new", "confirm", "confirmation", "repeat", "repeated", "verify", "again"})
_CURRENT_WORDS = frozenset({"current", "old", "existing", "previous"})
# Natural keys a creation is refused twice for; any key word counts where a 409 Conflict is documented.
_STRICT_KEYS = frozenset({"email", "username", "login", "slug", "handle"})
_WRONG_PASSWORD = "testops-wrong-password-0000"
_SESSION_END = frozenset({"logout", "signout"})


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", snake(text))


def _is_password(name: str, schema: Any) -> bool:
    return credential_kind(name, schema) == "password"


def _is_current_password(name: str, schema: Any, operation: Operation) -> bool:
    """A password field naming the one the caller has now: current/old, or a lone one on a DELETE."""
    if not _is_password(name, schema):
        return False
    words = set(_words(name))
    if words & _CURRENT_WORDS:
        return True
    properties = _body_properties(operation)
    others = [n for n, p in properties.items() if n != name and _is_password(n, p)]
    return not words & _NEW_WORDS and (operation.method == "delete" or bool(others))


def _body_properties(operation: Operation) -> dict[str, Any]:
    """The body's fields, or those inside its one object envelope (`{"user": {...}}`)."""
    body = operation.request_body
    return account_fields(body.schema_)[1] if body else {}


def changes_own_account(operation: Operation) -> bool:
    """Whether a secured call deletes the caller's own account or changes how it logs in or is active."""
    if not operation.security or operation.method in ("get", "head", "options") or operation.path_parameters:
        return False
    segments = {w for segment in operation.path.split("/") for w in _words(segment)}
    said = set(_words(operation.operation_id)) | set(_words(operation.summary))
    properties = _body_properties(operation)
    current = any(_is_current_password(n, p, operation) for n, p in properties.items())
    own = bool(segments & _SELF_WORDS or said & {"me", "own", "myself"} or "current user" in
               operation.summary.lower() or current)  # fmt: skip
    fields = {w for name in properties for w in _words(name)}
    credentials = bool((segments | said) & _CREDENTIAL_WORDS) or any(
        _is_password(n, p) for n, p in properties.items()
    )
    changes = credentials or bool(fields & (_LOGIN_FIELDS | _ACTIVE_FIELDS))
    # Logging out ends the session the call is made in: the suite's own, with its credentials.
    return _ends_session(operation) or own and (operation.method == "delete" or changes)


def _ends_session(operation: Operation) -> bool:
    """Whether the call logs out (or signs out)."""
    words = [*_words(operation.path), *_words(operation.operation_id), *_words(operation.summary)]
    return bool(_SESSION_END & {*words, *(a + b for a, b in itertools.pairwise(words))})


def own_account_deletion(api: ApiModel) -> dict[str, Any] | None:
    """How a signed-up user deletes its own account: the path, and the body field (in its envelope, if any)
    naming the current password when the call asks for it; None when the spec has no such call."""
    for operation in api.operations:
        if operation.method == "delete" and changes_own_account(operation) and not _ends_session(operation):
            body = operation.request_body
            envelope = account_fields(body.schema_)[0] if body else ""
            fields = _body_properties(operation)
            password = next((n for n, p in fields.items() if _is_current_password(n, p, operation)), None)
            return {"path": operation.path, "password": password, "envelope": envelope}
    return None


def account_aware(planner: Planner, scenarios: list[Scenario]) -> list[Scenario]:
    """Scenarios with own-account calls moved to a throwaway user (else skipped) and natural keys linked."""
    return [_own_account_safe(planner, _linked_keys(planner, s)) for s in scenarios]


def _own_account_safe(planner: Planner, scenario: Scenario) -> Scenario:
    api = planner.api
    # The second identity is the user's too (or the one every ownership check shares).
    risky = [s for s in scenario.steps if s.auth in ("valid", "second") and _changes(api, s.operation_id)]
    if not risky:
        return scenario
    sign_up = sign_up_settings(api)
    if sign_up is None:
        operation = api.operation(risky[0].operation_id)
        assert operation is not None
        reason = (
            f"{operation.method.upper()} {operation.path} changes or deletes the caller's own account: it is"
            " never run with your credentials, and the spec has no public sign-up that gives a new user a"
            " token (by an OAuth2 password login or in its answer) to make a throwaway user for it"
        )
        return scenario.model_copy(update={"skip_reason": scenario.skip_reason or reason})
    password = _account_value(sign_up, sign_up["body"], sign_up["password"])
    steps = []
    for step in scenario.steps:
        if step in risky:
            step, password = _as_throwaway(planner, step, password)
        steps.append(step)
    return scenario.model_copy(update={"steps": steps})


def _account_value(sign_up: dict[str, Any], body: Any, field: str) -> Any:
    """A field of a sign-up body (its login name, its password), inside its envelope if it has one."""
    fields = body.get(sign_up["envelope"], {}) if sign_up["envelope"] else body
    return fields.get(field)


def _changes(api: ApiModel, operation_id: str) -> bool:
    operation = api.operation(operation_id)
    return operation is not None and changes_own_account(operation)


def _as_throwaway(planner: Planner, step: Step, password: str) -> tuple[Step, str]:
    """The step as the throwaway user, naming its current password, and the password it has afterwards."""
    operation = planner.api.operation(step.operation_id)
    assert operation is not None
    body = step.body
    after = password
    if isinstance(body, dict):
        properties = _body_properties(operation)
        succeeds = _expects_success(step.expect)
        synthesized = planner.body_for(operation) or {}
        body = dict(body)
        for name, value in body.items():
            schema = properties.get(name, {})
            if _is_current_password(name, schema, operation):
                # A refused call keeps the broken value it is about; any other sends the real one.
                untouched = isinstance(synthesized, dict) and synthesized.get(name) == value
                body[name] = password if succeeds or untouched else value
            elif _is_password(name, schema) and succeeds:
                # A new password must differ from the current one, and is the current one afterwards.
                body[name] = after = _other_password(schema, password) if value == password else value
    return step.model_copy(update={"auth": "throwaway", "body": body}), after


def _other_password(schema: JsonSchema, password: str) -> Any:
    """A valid password other than the current one: a changed password must differ from the old."""
    for variant in range(1, 9):
        value = valid_value(schema, variant=variant)
        if value != password:
            return value
    return f"{password}-changed"


def _expects_success(expect: Expectation) -> bool:
    return (
        expect.status_class == "2xx" or bool(expect.statuses) and all(200 <= s < 300 for s in expect.statuses)
    )


# -- natural keys in paths ----------------------------------------------------------------------------


def _linked_keys(planner: Planner, scenario: Scenario) -> Scenario:
    """`{email}`-like path parameters no id names, taken from a creation that answers with that field."""
    steps: list[Step] = []
    for step in scenario.steps:
        params = dict(step.path_params)
        for name, value in step.path_params.items():
            if not isinstance(value, Given) or not names_a_key(name, {}):
                continue
            made = _making(planner, name, f"made_{snake(name)}")
            if made is not None:
                steps += made
                params[name] = Ref(step=made[-1].save_as or "", pointer=f"/{name}")
        steps.append(step.model_copy(update={"path_params": params}))
    return scenario.model_copy(update={"steps": steps})


def _making(planner: Planner, field: str, save_as: str) -> list[Step] | None:
    """Steps creating something whose answer has `field`: a resource (deleted afterwards), else a sign-up."""
    for resource in planner.resources:
        creator = planner.api.operation(resource.create or "")
        if creator is not None and field in _answer(creator).get("properties", {}):
            steps = planner.creation_steps(resource, save_as)
            if steps is not None:
                return steps
    sign_up = sign_up_operation(planner.api)
    if sign_up is None or field not in _answer(sign_up).get("properties", {}):
        return None
    return [_creation(planner, sign_up, planner.body_for(sign_up), "Sign up a user", save_as)]


def _answer(operation: Operation) -> JsonSchema:
    """The schema of the operation's first documented success answer."""
    response = next((operation.response(s) for s in operation.success_statuses), None)
    return (response.schema_ or {}) if response else {}


def sign_up_operation(api: ApiModel) -> Operation | None:
    """The public sign-up the suite makes users with, if the spec has one."""
    settings = sign_up_settings(api)
    return next(
        (op for op in api.operations if settings and op.method == "post" and op.path == settings["path"]),
        None,
    )


def _creation(
    planner: Planner, operation: Operation, body: Any, title: str, save_as: str | None = None
) -> Step:
    """A creation of something no DELETE undoes (a sign-up), expected to succeed."""
    return Step(
        operation_id=operation.operation_id,
        title=title,
        query=planner.required_query(operation),
        headers=planner.required_headers(operation),
        body=body,
        save_as=save_as,
        expect=_success(operation),
    )


# -- new oracles: the login operation and duplicate natural keys ---------------------------------------


def account_scenarios(planner: Planner) -> list[Scenario]:
    """Login oracles for the login operation and a refused second creation for each natural key."""
    scenarios = [s for op in planner.api.operations if not op.deprecated for s in _login(planner, op)]
    scenarios += [s for op in _creators(planner) for s in _duplicate_keys(planner, op)]
    return account_aware(planner, scenarios)


def _token_pointer(api: ApiModel, operation: Operation) -> str | None:
    """Where the login answer has its token: a field its schema names (in its envelope), else OAuth2's."""
    envelope, properties = account_fields(_answer(operation))
    found = next((name for name in TOKEN_FIELDS if name in properties), None)
    if found:
        return f"/{envelope}/{found}" if envelope else f"/{found}"
    return "/access_token" if issues_tokens(api, operation) else None


def login_oracles(planner: Planner, operation: Operation) -> dict[str, Scenario]:
    """The login call's oracles by what they check: a token, an unknown user or a wrong password refused."""
    prefix = f"test_{snake(operation.operation_id)}_"
    return {s.name.removeprefix(prefix): s for s in _login(planner, operation)}


def _login(planner: Planner, operation: Operation) -> list[Scenario]:
    """A fresh account logs in (a token comes back); its wrong password and an unknown user are refused."""
    api = planner.api
    if not authenticates(api, operation):
        return []
    sign_up = sign_up_settings(api)
    creator = sign_up_operation(api)
    envelope, form = _login_form(planner, operation)
    properties = _body_properties(operation)
    user_field = next((n for n in ("username", "email", "login") if n in properties), None)
    secret_field = next((n for n, p in properties.items() if _is_password(n, p)), None)
    if form is None or user_field is None or secret_field is None:
        planner.skip(operation.operation_id, "login", "its body names no login name and password")
        return []

    def login_body(fields: dict[str, Any]) -> dict[str, Any]:
        """The form with `fields` in it, inside the body's envelope if it has one."""
        filled = {**form, **fields}
        return {envelope: filled} if envelope else filled

    rejected = _refused_login(operation)
    unknown = login_body({user_field: Unique(example=f"unknown-{form.get(user_field) or 'user'}")})
    unknown_step = Step(
        operation_id=operation.operation_id, title="Log in as a user nobody signed up", body=unknown,
        auth="none", expect=rejected,
    )  # fmt: skip
    scenarios = [
        _login_scenario(operation, "refuses_an_unknown_user", "refuses an unknown user", [unknown_step])
    ]
    if sign_up is None or creator is None or creator.request_body is None:
        # No account can be made: the configured identity logs in (the test skips without it).
        prelude, who = [], "the configured user"
        login_name, password = Credential(kind="username"), Credential(kind="password")
    else:
        account = with_unique_values(creator.request_body.schema_, planner.body_for(creator))
        prelude, who = [_creation(planner, creator, account, "Sign up a new user")], "a new user"
        # The login may name the user by another field than the sign-up's first (an email, not a name).
        login_name = _account_value(sign_up, account, user_field)
        if login_name is None:
            login_name = _account_value(sign_up, account, sign_up["username"])
        password = _account_value(sign_up, account, sign_up["password"])
    good = login_body({user_field: login_name, secret_field: password})
    token = _token_pointer(api, operation)
    granted = _success(operation)
    granted.fields = [FieldCheck(pointer=token, op="exists")] if token else []
    log_in = Step(operation_id=operation.operation_id, title=f"Log in as {who}", body=good, auth="none",
                  expect=granted)  # fmt: skip
    wrong_password = f"{password}-wrong" if isinstance(password, str) else _WRONG_PASSWORD
    wrong = Step(
        operation_id=operation.operation_id, title=f"Log in as {who} with a wrong password", auth="none",
        body=login_body({user_field: login_name, secret_field: wrong_password}), expect=rejected,
    )  # fmt: skip
    return [
        *scenarios,
        _login_scenario(operation, "answers_a_token", f"gives {who} a token", [*prelude, log_in]),
        _login_scenario(operation, "refuses_a_wrong_password", "refuses a wrong password", [*prelude, wrong]),
    ]


def _login_form(planner: Planner, operation: Operation) -> tuple[str, dict[str, Any] | None]:
    """Its envelope ("" if none) and the required fields in it, with OAuth2's password grant.

    Only the required ones: a made-up scope or client may be refused.
    """
    body = planner.body_for(operation)
    if operation.request_body is None:
        return "", None
    schema = operation.request_body.schema_
    envelope, properties = account_fields(schema)
    fields = body.get(envelope) if envelope and isinstance(body, dict) else body
    if not isinstance(fields, dict):
        return envelope, None
    required = set((schema["properties"][envelope] if envelope else schema).get("required", []))
    form = {name: value for name, value in fields.items() if name in required}
    if "grant_type" in properties:
        form["grant_type"] = "password"
    return envelope, form


def _refused_login(operation: Operation) -> Expectation:
    """The documented 400/401/403 for refused credentials, else any 4xx (422 is for malformed input)."""
    documented = [code for code in (400, 401, 403) if operation.response(str(code))]
    if documented:
        return Expectation(statuses=documented, schema_of=(operation.operation_id, str(documented[0])))
    return Expectation(status_class="4xx", schema_of=(operation.operation_id, "4XX"))


def _login_scenario(operation: Operation, suffix: str, says: str, steps: list[Step]) -> Scenario:
    exercised = sorted({(operation.operation_id, str(s.expect.statuses[0])) for s in steps
                        if s.operation_id == operation.operation_id and s.expect.statuses})  # fmt: skip
    return Scenario(
        name=f"test_{snake(operation.operation_id)}_{suffix}",
        title=f"{operation.method.upper()} {operation.path} {says}",
        feature=feature_of(operation),
        story=operation.summary or operation.operation_id,
        severity="critical",
        category="auth",
        steps=steps,
        exercises=exercised,
    )


def _creators(planner: Planner) -> list[Operation]:
    """Operations that create things: resource creators, then the public sign-up."""
    found = [planner.api.operation(r.create) for r in planner.resources if r.create]
    sign_up = sign_up_operation(planner.api)
    operations = [op for op in [*found, sign_up] if op is not None]
    return list({op.operation_id: op for op in operations}.values())


def _duplicate_keys(planner: Planner, creator: Operation) -> list[Scenario]:
    """Creating the same natural key (an email, a username, a slug) twice: the second is refused.

    A key that is one by its own name (`email`, `username`) is repeated alone, the other keys made anew,
    so that a service checking only some of several keys is caught; others are repeated together.
    """
    codes = [code for code in (400, 409, 422) if creator.response(str(code))]
    body = planner.body_for(creator)
    schema = creator.request_body.schema_ if creator.request_body else {}
    envelope, properties = account_fields(schema)
    fields = body.get(envelope) if envelope and isinstance(body, dict) else body
    if not codes or not isinstance(fields, dict) or not is_valid(schema, body) or creator.path_parameters:
        return []  # parents of a nested creation are the resource planner's to make
    conflict = 409 in codes
    keys = [name for name, prop in properties.items()
            if name in fields and names_a_key(name, prop) and (conflict or _is_strict_key(name))]  # fmt: skip
    # The same markers in both bodies: the suite makes one value of each for the two creations.
    marked = with_unique_values(schema, body)
    alone = [name for name in keys if _is_strict_key(name)] if len(keys) > 1 else []
    groups = [[name] for name in alone] if alone else [keys] if keys else []
    return [
        _duplicate(planner, creator, marked, group, _renewed(marked, envelope, set(keys) - set(group)))
        for group in groups
    ]


def _renewed(body: Any, envelope: str, names: set[str]) -> Any:
    """body with the second creation's own value (`step`) of the fields `names`: only the others repeat."""
    fields = body.get(envelope) if envelope else body
    renewed = {
        name: value.model_copy(update={"step": 2}) if name in names and isinstance(value, Unique) else value
        for name, value in fields.items()
    }
    return {**body, envelope: renewed} if envelope else renewed


def _is_strict_key(name: str) -> bool:
    """Whether a field is a natural key by its own name alone, one word: `email`, `username`, `slug`."""
    return _words(name)[-1:] == [name.lower()] and name.lower() in _STRICT_KEYS


def _duplicate(
    planner: Planner, creator: Operation, first_body: Any, keys: list[str], again_body: Any
) -> Scenario:
    """A creation, then a second one repeating its `keys`, which is refused."""
    first = (
        planner.create_step(creator, "first", {}, first_body)
        if any(r.create == creator.operation_id for r in planner.resources)
        else _creation(planner, creator, first_body, "Create the first one")
    )
    first = first.model_copy(update={"title": f"Create one with a new {', '.join(keys)}"})
    # Any documented refusal but those of credentials, which the first creation was sent with too.
    refused = [int(r.status) for r in creator.responses if r.status.isdigit() and 400 <= int(r.status) < 500
               and int(r.status) not in (401, 403)]  # fmt: skip
    again = Step(
        operation_id=creator.operation_id, title=f"Create another with the same {', '.join(keys)}",
        path_params=first.path_params, query=first.query, headers=first.headers, body=again_body,
        expect=_refusal(creator, refused),
    )  # fmt: skip
    key_text = " and ".join(keys)
    return Scenario(
        name=f"test_{snake(creator.operation_id)}_refuses_a_duplicate_{snake(keys[0])}",
        title=f"{creator.method.upper()} {creator.path} refuses a second one with the same {key_text}",
        feature=feature_of(creator),
        story=creator.summary or creator.operation_id,
        category="negative",
        steps=[first, again],
        exercises=[(creator.operation_id, str(refused[0]))] if refused != [422] else [],
    )


def _refusal(operation: Operation, refused: list[int]) -> Expectation:
    """The documented refusals; a lone 422 documents malformed input (frameworks add it), so then any 4xx."""
    if refused == [422]:
        return Expectation(status_class="4xx", schema_of=(operation.operation_id, "4XX"))
    return Expectation(statuses=refused, schema_of=(operation.operation_id, str(refused[0])))
