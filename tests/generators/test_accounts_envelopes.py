"""Login and duplicate-key oracles on bodies wrapped in a one-key envelope (`{"member": {...}}`).

The target is a small guild roster written here: members sign up with a handle, an email and a display name
inside a `member` envelope, sign in with `{"credentials": {...}}` and get a bearer token in their answer's
envelope. Handles and emails are each unique (409); display names are not.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from generators.api.accounts import account_scenarios
from generators.api.offline import OfflineApiGenerator
from generators.api.planner import Planner
from samples.loopback import Reply, json_object, serving
from tools.openapi import build_api_model
from tools.runner import TestRun, run_suite, write_suite
from vocabulary.api_model import ApiModel
from vocabulary.artefacts import GeneratedTest
from vocabulary.claims import Unique

_NEW_MEMBER = {
    "type": "object",
    "required": ["handle", "email", "display_name", "password"],
    "properties": {
        "handle": {"type": "string", "pattern": "^[a-z0-9_-]+$", "maxLength": 40},
        "email": {"type": "string", "format": "email"},
        "display_name": {"type": "string", "minLength": 1},
        "password": {"type": "string", "format": "password", "minLength": 8},
    },
}
_CREDENTIALS = {
    "type": "object",
    "required": ["email", "password"],
    "properties": {"email": {"type": "string"}, "password": {"type": "string", "format": "password"}},
}
_MEMBER = {
    "type": "object",
    "required": ["handle", "email", "display_name", "token"],
    "properties": {name: {"type": "string"} for name in ("handle", "email", "display_name", "token")},
}
_PROBLEM = {"type": "object", "properties": {"detail": {"type": "string"}}}


def _wrapped(key: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "application/json": {"schema": {"type": "object", "required": [key], "properties": {key: schema}}}
    }


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _PROBLEM}}}


_ANSWER = {"description": "The member", "content": _wrapped("member", _MEMBER)}
SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Guild roster", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/members": {
            "post": {
                "operationId": "joinGuild",
                "summary": "Join the guild",
                "security": [],
                "requestBody": {"required": True, "content": _wrapped("member", _NEW_MEMBER)},
                "responses": {
                    "201": _ANSWER,
                    "409": _problem("The handle or the email is taken"),
                    "422": _problem("Invalid member"),
                },
            }
        },
        "/members/sign-in": {
            "post": {
                "operationId": "signIn",
                "security": [],
                "requestBody": {"required": True, "content": _wrapped("credentials", _CREDENTIALS)},
                "responses": {
                    "200": _ANSWER,
                    "401": _problem("Unknown email or wrong password"),
                    "422": _problem("Invalid credentials"),
                },
            }
        },
        "/members/me": {
            "get": {
                "operationId": "whoAmI",
                "responses": {"200": _ANSWER, "401": _problem("Not signed in")},
            }
        },
    },
}
_VALID_MEMBER = Draft202012Validator(_NEW_MEMBER, format_checker=Draft202012Validator.FORMAT_CHECKER)
_VALID_CREDENTIALS = Draft202012Validator(_CREDENTIALS)
OWNER = {
    "handle": "warden",
    "email": "warden@guild.test",
    "display_name": "Warden",
    "password": "keys-of-iron",
}


@dataclass
class GuildRoster:
    """The spec above; `bugs` names what a faulty build gets wrong."""

    bugs: frozenset[str] = frozenset()
    members: dict[str, dict[str, Any]] = field(default_factory=lambda: {"owner-token": {**OWNER}})
    lock: threading.Lock = field(default_factory=threading.Lock)
    _tokens: count[int] = field(default_factory=count)

    def handle(self, method: str, path: str, query: str, authorization: str | None, body: bytes) -> Reply:
        with self.lock:
            sent = json_object(body)
            if (method, path) == ("POST", "/members"):
                return self._join(sent.get("member"))
            if (method, path) == ("POST", "/members/sign-in"):
                return self._sign_in(sent.get("credentials"))
            member = self.members.get((authorization or "").removeprefix("Bearer "))
            if member is None:
                return Reply(401, {"detail": "not signed in"}, {"WWW-Authenticate": "Bearer"})
            if (method, path) == ("GET", "/members/me"):
                return Reply(200, {"member": _public(member)})
            return Reply(404, {"detail": "not found"})

    def _join(self, member: Any) -> Reply:
        if not _VALID_MEMBER.is_valid(member):
            return Reply(422, {"detail": "invalid member"})
        others = self.members.values()
        if "duplicate handles" not in self.bugs and any(m["handle"] == member["handle"] for m in others):
            return Reply(409, {"detail": "the handle is taken"})
        if "duplicate emails" not in self.bugs and any(m["email"] == member["email"] for m in others):
            return Reply(409, {"detail": "the email is taken"})
        token = f"token-{next(self._tokens)}"
        self.members[token] = {key: member[key] for key in _NEW_MEMBER["required"]}
        return Reply(201, {"member": _public(self.members[token], token)})

    def _sign_in(self, credentials: Any) -> Reply:
        if not _VALID_CREDENTIALS.is_valid(credentials):
            return Reply(422, {"detail": "invalid credentials"})
        token, member = next(
            ((t, m) for t, m in self.members.items() if m["email"] == credentials["email"]), ("", None)
        )
        right = member is not None and (
            "any password" in self.bugs or member["password"] == credentials["password"]
        )
        if member is None or not right:
            return Reply(401, {"detail": "unknown email or wrong password"})
        return Reply(200, {"member": _public(member, token)})


def _public(member: dict[str, Any], token: str = "") -> dict[str, Any]:
    return {**{k: v for k, v in member.items() if k != "password"}, "token": token}


@pytest.fixture(scope="module")
def api() -> ApiModel:
    return build_api_model(SPEC, source="guild.json", base_url="http://127.0.0.1:1")


@pytest.fixture(scope="module")
def suite(api: ApiModel, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, GeneratedTest]]:
    generated = OfflineApiGenerator().generate(api, [])
    assert not [s for s in generated.skipped_oracles if s.oracle == "login"]
    directory = tmp_path_factory.mktemp("suite")
    write_suite(directory, generated.tests, generated.support_files)
    return directory, {test.name: test for test in generated.tests}


def _run(
    service: GuildRoster, directory: Path, tests: list[GeneratedTest] | None = None
) -> dict[str, TestRun]:
    with serving(service) as base_url:
        env = {"TESTOPS_BASE_URL": base_url, "TESTOPS_API_TOKEN": "owner-token"}
        ids = [t.test_id for t in tests] if tests else None
        return asyncio.run(run_suite(directory, test_ids=ids, workers=1, timeout_s=60.0, env=env))
    raise AssertionError("the service did not start")


_LOGIN = (
    "test_sign_in_answers_a_token",
    "test_sign_in_refuses_a_wrong_password",
    "test_sign_in_refuses_an_unknown_user",
)
_DUPLICATES = ("test_join_guild_refuses_a_duplicate_handle", "test_join_guild_refuses_a_duplicate_email")


def test_enveloped_logins_and_each_unique_key_get_their_own_oracle(
    suite: tuple[Path, dict[str, GeneratedTest]],
) -> None:
    _, tests = suite
    assert set(_LOGIN) | set(_DUPLICATES) <= set(tests)
    # A display name is no key by its own name: no test of its own, and a new one in each second creation.
    assert not [name for name in tests if "duplicate_display_name" in name]
    handle = tests["test_join_guild_refuses_a_duplicate_handle"].code
    assert handle.count("step=2") == 2  # the email and the display name, not the handle
    assert '"credentials": {' in tests["test_sign_in_refuses_a_wrong_password"].code


def test_the_suite_passes_on_a_correct_service(suite: tuple[Path, dict[str, GeneratedTest]]) -> None:
    directory, _ = suite
    service = GuildRoster()
    runs = _run(service, directory)
    assert {
        run.test_id: run.message for run in runs.values() if run.outcome not in ("passed", "skipped")
    } == {}
    passed = {run.test_id.rsplit("::", 1)[-1] for run in runs.values() if run.outcome == "passed"}
    assert set(_LOGIN) | set(_DUPLICATES) <= passed
    assert service.members["owner-token"]["password"] == OWNER["password"]


@pytest.mark.parametrize(
    ("bug", "catching"),
    [
        ("any password", "test_sign_in_refuses_a_wrong_password"),
        ("duplicate emails", "test_join_guild_refuses_a_duplicate_email"),
        ("duplicate handles", "test_join_guild_refuses_a_duplicate_handle"),
    ],
)
def test_a_faulty_service_is_caught_by_the_one_oracle_about_its_bug(
    suite: tuple[Path, dict[str, GeneratedTest]], bug: str, catching: str
) -> None:
    directory, tests = suite
    oracles = [tests[name] for name in (*_LOGIN, *_DUPLICATES)]
    runs = _run(GuildRoster(frozenset({bug})), directory, oracles)
    failed = {run.test_id.rsplit("::", 1)[-1] for run in runs.values() if run.outcome == "failed"}
    assert failed == {catching}, runs


def test_keys_no_name_makes_unique_alone_are_repeated_together() -> None:
    """A 409 documents some conflict: a name and a title are repeated together, never one alone."""
    shelf = {"type": "object", "required": ["name", "title"],
             "properties": {"name": {"type": "string"}, "title": {"type": "string"}}}  # fmt: skip
    paths = {
        "/shelves": {
            "post": {
                "operationId": "addShelf",
                "requestBody": {"required": True, "content": _wrapped("shelf", shelf)},
                "responses": {"201": {"description": "Added"}, "409": _problem("Taken")},
            }
        },
        "/shelves/{shelf_id}": {
            "parameters": [
                {"name": "shelf_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {"operationId": "getShelf", "responses": {"200": {"description": "The shelf"}}},
        },
    }
    shelves = build_api_model({**SPEC, "paths": paths}, source="shelves.json", base_url="http://127.0.0.1:1")
    [duplicate] = [s for s in account_scenarios(Planner(shelves)) if "refuses_a_duplicate" in s.name]
    assert duplicate.name == "test_add_shelf_refuses_a_duplicate_name"
    first, again = duplicate.steps
    assert again.body == first.body and isinstance(first.body["shelf"]["title"], Unique)
