"""Account-aware API tests: one's own account, the login operation and natural keys.

The target is a small recipe-sharing service written here: members sign up, log in by an OAuth2 password
flow, change their password, delete their account; recipes have unique slugs.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from jsonschema import Draft202012Validator

from generators.api.accounts import changes_own_account
from generators.api.offline import OfflineApiGenerator
from generators.api.requirements import plan_requirement
from samples.loopback import Reply, json_object, serving
from tools.openapi import build_api_model, load_document
from tools.runner import TestRun, run_suite, write_suite
from vocabulary.api_model import ApiModel, Operation, Parameter, RequestBody
from vocabulary.artefacts import GeneratedTest, Requirement

OWNER, OWNER_PASSWORD = "chef@kitchen.test", "saffron-and-thyme"

_MEMBER = {
    "type": "object",
    "required": ["id", "email"],
    "properties": {"id": {"type": "integer"}, "email": {"type": "string"}, "nickname": {"type": "string"}},
}
_SIGN_UP = {
    "type": "object",
    "required": ["email", "password"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "password": {"type": "string", "minLength": 8},
        "nickname": {"type": "string"},
    },
}
_NEW_PASSWORD = {
    "type": "object",
    "required": ["current_password", "new_password"],
    "properties": {
        "current_password": {"type": "string"},
        "new_password": {"type": "string", "minLength": 8, "maxLength": 40},
    },
}
_PROFILE = {
    "type": "object",
    "properties": {"email": {"type": "string", "format": "email"}, "nickname": {"type": "string"}},
}
_RECIPE_INPUT = {
    "type": "object",
    "required": ["slug", "title"],
    "properties": {"slug": {"type": "string", "pattern": "^[a-z0-9-]+$"}, "title": {"type": "string"}},
}
_RECIPE = {**_RECIPE_INPUT, "properties": {**_RECIPE_INPUT["properties"], "id": {"type": "integer"}}}
_DETAIL = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}
_RECIPE_ID = {"name": "recipe_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _answer(description: str, schema: dict[str, Any] = _DETAIL) -> dict[str, Any]:
    return {"description": description, **_json(schema)}


_DENIED = {"401": _answer("Not authenticated")}
_INVALID = {"422": _answer("Invalid input")}

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Recipes", "version": "1.0"},
    "components": {
        "securitySchemes": {
            "members": {"type": "oauth2", "flows": {"password": {"tokenUrl": "auth/token", "scopes": {}}}}
        }
    },
    "security": [{"members": []}],
    "paths": {
        "/auth/token": {
            "post": {
                "operationId": "logIn",
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["username", "password"],
                                "properties": {
                                    "grant_type": {"type": "string", "enum": ["password"]},
                                    "username": {"type": "string"},
                                    "password": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _answer(
                        "A token",
                        {
                            "type": "object",
                            "required": ["access_token"],
                            "properties": {
                                "access_token": {"type": "string"},
                                "token_type": {"type": "string"},
                            },
                        },
                    ),
                    "400": _answer("Wrong email or password"),
                    **_INVALID,
                },
            }
        },
        "/members/signup": {
            "post": {
                "operationId": "signUp",
                "security": [],
                "requestBody": {"required": True, **_json(_SIGN_UP)},
                "responses": {"200": _answer("Signed up", _MEMBER), "400": _answer("Taken"), **_INVALID},
            }
        },
        "/members/me": {
            "get": {
                "operationId": "readMe",
                "responses": {"200": _answer("You", _MEMBER), **_DENIED},
            },
            "patch": {
                "operationId": "updateMe",
                "requestBody": {"required": True, **_json(_PROFILE)},
                "responses": {"200": _answer("You", _MEMBER), "400": _answer("Taken"), **_INVALID, **_DENIED},
            },
            "delete": {
                "operationId": "deleteMe",
                "summary": "Delete own account",
                "responses": {"200": _answer("Deleted"), **_DENIED},
            },
        },
        "/members/me/password": {
            "patch": {
                "operationId": "changeMyPassword",
                "requestBody": {"required": True, **_json(_NEW_PASSWORD)},
                "responses": {
                    "200": _answer("Changed"),
                    "400": _answer("Wrong current password"),
                    **_INVALID,
                    **_DENIED,
                },
            }
        },
        "/password-recovery/{email}": {
            "post": {
                "operationId": "recoverPassword",
                "security": [],
                "parameters": [
                    {"name": "email", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": _answer("Mail sent"), "404": _answer("No such member")},
            }
        },
        "/recipes": {
            "post": {
                "operationId": "createRecipe",
                "requestBody": {"required": True, **_json(_RECIPE_INPUT)},
                "responses": {
                    "201": _answer("Created", _RECIPE),
                    "409": _answer("Slug taken"),
                    **_INVALID,
                    **_DENIED,
                },
            }
        },
        "/recipes/{recipe_id}": {
            "parameters": [_RECIPE_ID],
            "get": {
                "operationId": "getRecipe",
                "responses": {"200": _answer("The recipe", _RECIPE), "404": _answer("None"), **_DENIED},
            },
            "delete": {
                "operationId": "deleteRecipe",
                "responses": {"204": {"description": "Deleted"}, "404": _answer("None"), **_DENIED},
            },
        },
    },
}


def _valid(schema: dict[str, Any], value: Any) -> bool:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid(value)


class RecipeService:
    """The spec above; `bugs` names what a faulty build gets wrong."""

    def __init__(self, bugs: frozenset[str] = frozenset()) -> None:
        self.bugs = bugs
        self.lock = threading.Lock()
        self.members: dict[str, dict[str, Any]] = {
            OWNER: {"id": 1, "email": OWNER, "password": OWNER_PASSWORD}
        }
        self.tokens: dict[str, dict[str, Any]] = {}
        self.recipes: dict[int, dict[str, Any]] = {}
        self._ids = count(2)

    def handle(self, method: str, path: str, query: str, authorization: str | None, body: bytes) -> Reply:
        with self.lock:
            if (method, path) == ("POST", "/auth/token"):
                return self._token({k: v[0] for k, v in parse_qs(body.decode()).items()})
            if (method, path) == ("POST", "/members/signup"):
                return self._sign_up(json_object(body))
            if method == "POST" and path.startswith("/password-recovery/"):
                known = path.removeprefix("/password-recovery/") in self.members
                return Reply(200, {"detail": "sent"}) if known else Reply(404, {"detail": "no such member"})
            member = self.tokens.get((authorization or "").removeprefix("Bearer "))
            if member is None or self.members.get(member["email"]) is not member:
                return Reply(401, {"detail": "not authenticated"}, {"WWW-Authenticate": "Bearer"})
            return self._member_call(method, path, member["email"], body)

    def _member_call(self, method: str, path: str, email: str, body: bytes) -> Reply:
        member = self.members[email]
        if (method, path) == ("GET", "/members/me"):
            return Reply(200, _public(member))
        if (method, path) == ("PATCH", "/members/me"):
            change = json_object(body)
            if not _valid(_PROFILE, change):
                return Reply(422, {"detail": "invalid"})
            if change.get("email", email) != email and change["email"] in self.members:
                return Reply(400, {"detail": "the email is taken"})
            member.update(change)
            self.members[member["email"]] = self.members.pop(email)
            return Reply(200, _public(member))
        if (method, path) == ("DELETE", "/members/me"):
            del self.members[email]
            return Reply(200, {"detail": "deleted"})
        if (method, path) == ("PATCH", "/members/me/password"):
            change = json_object(body)
            if not _valid(_NEW_PASSWORD, change):
                return Reply(422, {"detail": "invalid"})
            if (
                change["current_password"] != member["password"]
                or change["new_password"] == member["password"]
            ):
                return Reply(400, {"detail": "wrong current password"})
            member["password"] = change["new_password"]
            return Reply(200, {"detail": "changed"})
        if (method, path) == ("POST", "/recipes"):
            recipe = json_object(body)
            if not _valid(_RECIPE_INPUT, recipe):
                return Reply(422, {"detail": "invalid"})
            if any(r["slug"] == recipe["slug"] for r in self.recipes.values()):
                return Reply(409, {"detail": "slug taken"})
            recipe_id = next(self._ids)
            self.recipes[recipe_id] = {"id": recipe_id, "slug": recipe["slug"], "title": recipe["title"]}
            return Reply(201, self.recipes[recipe_id])
        if path.startswith("/recipes/") and method in ("GET", "DELETE"):
            raw = path.removeprefix("/recipes/")
            recipe_id = int(raw) if raw.isdigit() else -1
            if recipe_id not in self.recipes:
                return Reply(404, {"detail": "no such recipe"})
            if method == "GET":
                return Reply(200, self.recipes[recipe_id])
            del self.recipes[recipe_id]
            return Reply(204)
        return Reply(404, {"detail": "not found"})

    def _token(self, form: dict[str, str]) -> Reply:
        member = self.members.get(form.get("username", ""))
        right = member is not None and (
            "any password" in self.bugs or member["password"] == form.get("password")
        )
        if not right or member is None:
            return Reply(400, {"detail": "wrong email or password"})
        token = f"token-{len(self.tokens)}"
        self.tokens[token] = member
        return Reply(200, {"access_token": token, "token_type": "bearer"})

    def _sign_up(self, account: dict[str, Any]) -> Reply:
        if not _valid(_SIGN_UP, account):
            return Reply(422, {"detail": "invalid"})
        if account["email"] in self.members and "duplicate emails" not in self.bugs:
            return Reply(400, {"detail": "the email is taken"})
        member = {"id": next(self._ids), **account}
        self.members[account["email"]] = member
        return Reply(200, _public(member))


def _public(member: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in member.items() if k != "password"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> ApiModel:
    spec_path = tmp_path_factory.mktemp("spec") / "recipes.json"
    spec_path.write_text(json.dumps(SPEC), encoding="utf-8")
    document = asyncio.run(load_document(str(spec_path)))
    return build_api_model(document, source=str(spec_path), base_url="http://127.0.0.1:1")


@pytest.fixture(scope="module")
def suite(api: ApiModel, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, GeneratedTest]]:
    generated = OfflineApiGenerator().generate(api, [])
    directory = tmp_path_factory.mktemp("suite")
    write_suite(directory, generated.tests, generated.support_files)
    return directory, {test.name: test for test in generated.tests}


def _run(
    service: RecipeService, directory: Path, tests: list[GeneratedTest] | None = None
) -> dict[str, TestRun]:
    env = {"TESTOPS_API_USERNAME": OWNER, "TESTOPS_API_PASSWORD": OWNER_PASSWORD}
    with serving(service) as base_url:
        env["TESTOPS_BASE_URL"] = base_url
        ids = [t.test_id for t in tests] if tests else None
        return asyncio.run(run_suite(directory, test_ids=ids, workers=1, timeout_s=60.0, env=env))
    raise AssertionError("the service did not start")


def test_own_account_calls_are_told_apart(api: ApiModel) -> None:
    risky = {op.operation_id for op in api.operations if changes_own_account(op)}
    assert risky == {"deleteMe", "changeMyPassword", "updateMe"}  # a new email is a new login name


def test_own_account_calls_run_as_a_throwaway_user(suite: tuple[Path, dict[str, GeneratedTest]]) -> None:
    _, tests = suite
    own = [t for t in tests.values() if {"deleteMe", "changeMyPassword", "updateMe"} & set(t.operation_ids)]
    assert own and all("throwaway_client" in t.code or "anonymous_client" in t.code for t in own)
    assert not any(re.search(r"\bclient\.", t.code) for t in own)  # never the user's own client
    change = tests["test_change_my_password_happy_path"].code
    password = json.loads(change.split('"current_password": ', 1)[1].split(",", 1)[0])
    assert password not in (OWNER_PASSWORD, "") and '"new_password": ' + json.dumps(password) not in change


def test_the_suite_passes_and_leaves_the_users_own_account_alone(
    suite: tuple[Path, dict[str, GeneratedTest]],
) -> None:
    directory, tests = suite
    service = RecipeService()
    runs = _run(service, directory)
    assert {
        run.test_id: run.message for run in runs.values() if run.outcome not in ("passed", "skipped")
    } == {}
    skipped = {run.test_id for run in runs.values() if run.outcome == "skipped"}
    assert skipped == {
        "test_password_recovery.py::test_recover_password_unknown_id_returns_404"
    }  # natural key
    assert service.members[OWNER]["password"] == OWNER_PASSWORD  # the account survived, login unchanged
    names = set(tests)
    assert {"test_log_in_answers_a_token", "test_log_in_refuses_a_wrong_password"} <= names
    assert {"test_sign_up_refuses_a_duplicate_email", "test_create_recipe_refuses_a_duplicate_slug"} <= names
    assert "given(" not in tests["test_recover_password_happy_path"].code
    assert service.recipes == {}  # every recipe the suite made was deleted again


@pytest.mark.parametrize(
    ("bug", "catching"),
    [
        ("any password", "test_log_in_refuses_a_wrong_password"),
        ("duplicate emails", "test_sign_up_refuses_a_duplicate_email"),
    ],
)
def test_a_faulty_service_is_caught(
    suite: tuple[Path, dict[str, GeneratedTest]], bug: str, catching: str
) -> None:
    directory, tests = suite
    [run] = _run(RecipeService(frozenset({bug})), directory, [tests[catching]]).values()
    assert run.outcome == "failed", run.message


def test_without_a_sign_up_own_account_calls_skip_and_the_configured_user_logs_in(
    api: ApiModel, tmp_path: Path
) -> None:
    bare = api.model_copy(update={"operations": [op for op in api.operations if op.operation_id != "signUp"]})
    generated = OfflineApiGenerator().generate(bare, [])
    tests = {t.name: t for t in generated.tests}
    deleting = tests["test_delete_me_happy_path"].code
    assert "pytest.mark.skip" in deleting and "never run with your credentials" in deleting
    write_suite(tmp_path, generated.tests, generated.support_files)
    login = [tests[f"test_log_in_{name}"] for name in ("answers_a_token", "refuses_a_wrong_password")]
    assert all('credential("username")' in test.code for test in login)
    runs = _run(RecipeService(), tmp_path, [*login, tests["test_delete_me_happy_path"]])
    assert [run.outcome for run in runs.values()] == ["passed", "passed", "skipped"]
    [caught] = _run(RecipeService(frozenset({"any password"})), tmp_path, login[1:]).values()
    assert caught.outcome == "failed", caught.message


def test_a_requirement_deleting_ones_own_account_runs_as_a_throwaway_user(api: ApiModel) -> None:
    planned = plan_requirement(Requirement(requirement_id="R-7", text="DELETE /members/me answers 200."), api)
    assert isinstance(planned, list) and planned
    assert {step.auth for s in planned for step in s.steps if step.operation_id == "deleteMe"} == {
        "throwaway"
    }


def _operation(method: str, path: str, body: dict[str, Any] | None = None, **extra: Any) -> Operation:
    request = RequestBody(content_type="application/json", schema=body) if body else None
    return Operation(
        operation_id=f"{method}{path}", method=method, path=path, request_body=request,
        security=[{"members": []}], parameters=extra.pop("parameters", []), **extra,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("operation", "own"),
    [
        (_operation("delete", "/account"), True),
        (
            _operation(
                "post", "/auth/change-password", {"properties": {"old_password": {}, "new_password": {}}}
            ),
            True,
        ),
        (_operation("put", "/profile", {"properties": {"disabled": {"type": "boolean"}}}), True),
        (_operation("post", "/session/logout"), True),
        (_operation("delete", "/sessions", summary="Log out"), True),
        (_operation("get", "/users/me"), False),
        (_operation("post", "/users/me/avatar", {"properties": {"url": {}}}), False),
        (_operation("patch", "/users/me", {"properties": {"bio": {}}}), False),
        (_operation("delete", "/items"), False),
        (
            _operation(
                "delete",
                "/users/{user_id}",
                parameters=[Parameter(name="user_id", location="path", schema={})],
            ),
            False,
        ),
    ],
)
def test_calls_on_ones_own_account_are_found_by_their_words_and_fields(
    operation: Operation, own: bool
) -> None:
    assert changes_own_account(operation) is own
