"""Oracles needing a second identity or a second look: ownership, cascades, a singleton's read-back."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from generators.api.codegen import render_scenario
from generators.api.offline import OfflineApiGenerator
from generators.api.planner import Planner
from samples.loopback import Reply, serving
from tools.openapi import build_api_model
from tools.runner import TestRun, run_suite, write_suite
from vocabulary.api_model import ApiModel
from vocabulary.claims import Ref, Scenario, Unique


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _json({"type": "object", "properties": {}})}


_NOTEBOOK = {
    "type": "object",
    "required": ["code", "title"],
    "properties": {"code": {"type": "integer"}, "title": {"type": "string"}, "colour": {"type": "string"}},
}
_NOTEBOOK_BODY = {
    "type": "object",
    "required": ["title"],
    "properties": {"title": {"type": "string", "minLength": 1}, "colour": {"type": "string"}},
}
_PAGE = {
    "type": "object",
    "required": ["code"],
    "properties": {"code": {"type": "integer"}, "text": {"type": "string"}},
}
_PAGE_BODY = {"type": "object", "properties": {"text": {"type": "string"}}}
_PROFILE = {
    "type": "object",
    "properties": {
        "email": {"type": "string"},
        "password": {"type": "string", "format": "password"},
        "nickname": {"type": ["string", "null"], "maxLength": 40},
    },
}


def notebooks(
    *,
    forbidden: bool = True,
    says: str = "",
    forbidden_says: str = "Forbidden",
    public_creation: bool = False,
    pages_404: bool = True,
    profile: dict[str, Any] | None = None,
    sign_up: bool = False,
) -> ApiModel:
    """Notebooks with pages under them, and the caller's own profile at /me, behind one bearer scheme."""
    refusals = {"403": _error(forbidden_says)} if forbidden else {}
    item = {
        "parameters": [
            {"name": "notebookCode", "in": "path", "required": True, "schema": {"type": "integer"}}
        ]
    }
    item["get"] = {
        "operationId": "getNotebook",
        "responses": {"200": {"description": "ok", "content": _json(_NOTEBOOK)}, "404": _error("unknown")},
    }
    item["put"] = {
        "operationId": "replaceNotebook",
        "description": says,
        "requestBody": {"required": True, "content": _json(_NOTEBOOK_BODY)},
        "responses": {
            "200": {"description": "ok", "content": _json(_NOTEBOOK)},
            **refusals,
            "404": _error("no"),
        },
    }
    item["delete"] = {
        "operationId": "deleteNotebook",
        "description": says,
        "responses": {"204": {"description": "gone"}, **refusals, "404": _error("unknown")},
    }
    pages_responses = {"200": {"description": "ok", "content": _json({"type": "array", "items": _PAGE})}}
    if pages_404:
        pages_responses["404"] = _error("no such notebook")
    profile_body = {"type": "object", "required": ["profile"], "properties": {"profile": profile or _PROFILE}}
    answer = {"200": {"description": "ok", "content": _json(profile_body)}}
    paths: dict[str, Any] = {
        "/notebooks": {
            "post": {
                "operationId": "createNotebook",
                **({"security": []} if public_creation else {}),
                "requestBody": {"required": True, "content": _json(_NOTEBOOK_BODY)},
                "responses": {"201": {"description": "made", "content": _json(_NOTEBOOK)}},
            }
        },
        "/notebooks/{notebookCode}": item,
        "/notebooks/{notebookCode}/pages": {
            "parameters": item["parameters"],
            "get": {"operationId": "listPages", "responses": pages_responses},
            "post": {
                "operationId": "addPage",
                "requestBody": {"required": True, "content": _json(_PAGE_BODY)},
                "responses": {"201": {"description": "made", "content": _json(_PAGE)}},
            },
        },
        "/me": {
            "get": {"operationId": "getMe", "responses": answer},
            "patch": {
                "operationId": "updateMe",
                "summary": "Update my profile",
                "requestBody": {"required": True, "content": _json(profile_body)},
                "responses": answer,
            },
        },
    }  # fmt: skip
    if sign_up:
        account = {
            "type": "object",
            "required": ["username", "password"],
            "properties": {
                "username": {"type": "string"},
                "password": {"type": "string", "format": "password"},
            },
        }
        token_answer = {"type": "object", "properties": {"token": {"type": "string"}}}
        paths["/signup"] = {
            "post": {
                "operationId": "signUp",
                "security": [],
                "requestBody": {"required": True, "content": _json(account)},
                "responses": {"201": {"description": "made", "content": _json(token_answer)}},
            }
        }
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Notebooks", "version": "1"},
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": paths,
    }
    return build_api_model(document, source="notebooks.json", base_url="http://127.0.0.1:9")


def planned(api: ApiModel) -> tuple[dict[str, Scenario], dict[tuple[str, str], str]]:
    planner = Planner(api)
    scenarios = {s.name: s for s in planner.plan()}
    return scenarios, {(s.operation_id, s.oracle): s.reason for s in planner.skipped}


# -- ownership --------------------------------------------------------------------------------------


def test_a_documented_403_makes_a_second_identity_try_to_change_and_delete_what_the_first_made() -> None:
    scenarios, _ = planned(notebooks())
    replace = scenarios["test_replace_notebook_refused_to_another_user"]
    assert [(s.operation_id, s.auth) for s in replace.steps] == [
        ("createNotebook", "valid"), ("getNotebook", "valid"), ("replaceNotebook", "second"),
        ("getNotebook", "valid"),
    ]  # fmt: skip
    attempt, after = replace.steps[2], replace.steps[3]
    # 404 is documented too: a service hiding another user's item answers that, and is right.
    assert attempt.expect.statuses == [403, 404]
    assert attempt.path_params == {"notebookCode": Ref(step="created", pointer="/code")}
    assert attempt.body is not None and set(attempt.body) >= {"title"}
    unchanged = {c.pointer: c.value for c in after.expect.fields}
    assert unchanged["/title"] == Ref(step="before", pointer="/title")
    delete = scenarios["test_delete_notebook_refused_to_another_user"]
    assert [s.operation_id for s in delete.steps] == ["createNotebook", "deleteNotebook", "getNotebook"]
    assert delete.steps[-1].expect.statuses == [200] and delete.category == "auth"
    source = render_scenario(delete, notebooks(), module="test_notebooks.py").code
    assert "second_client.delete(" in source and "client.post(" in source


def test_words_that_only_the_owner_may_act_are_enough_without_a_403() -> None:
    says = "Deletes the notebook. Only its owner can delete it."
    scenarios, _ = planned(notebooks(forbidden=False, says=says))
    attempt = scenarios["test_delete_notebook_refused_to_another_user"].steps[1]
    # The spec names no refusal status: any client error is a refusal.
    assert (attempt.auth, attempt.expect.statuses, attempt.expect.status_class) == ("second", [], "4xx")


def test_ownership_is_not_guessed_where_the_spec_does_not_say_it() -> None:
    scenarios, skips = planned(notebooks(forbidden=False))
    assert not [name for name in scenarios if name.endswith("refused_to_another_user")]
    assert "no 403" in skips[("deleteNotebook", "another user cannot change or delete it")]
    _, skips = planned(notebooks(forbidden_says="Only administrators may delete notebooks"))
    assert "roles or scopes" in skips[("deleteNotebook", "another user cannot change or delete it")]
    _, skips = planned(notebooks(public_creation=True))
    assert "no identity owns them" in skips[("deleteNotebook", "another user cannot change or delete it")]


# -- cascade ----------------------------------------------------------------------------------------


def test_a_deleted_parent_takes_its_nested_list_with_it() -> None:
    scenarios, _ = planned(notebooks())
    cascade = scenarios["test_delete_notebook_takes_its_pages_with_it"]
    assert [s.operation_id for s in cascade.steps] == [
        "createNotebook", "addPage", "deleteNotebook", "listPages",
    ]  # fmt: skip
    child, gone = cascade.steps[1], cascade.steps[-1]
    assert child.path_params == {"notebookCode": Ref(step="parent", pointer="/code")}
    assert gone.path_params == child.path_params and gone.expect.statuses == [404]


def test_a_nested_list_without_a_documented_404_is_skipped_with_the_reason() -> None:
    scenarios, skips = planned(notebooks(pages_404=False))
    assert "test_delete_notebook_takes_its_pages_with_it" not in scenarios
    assert "404 is not documented" in skips[("listPages", "gone with its deleted parent")]


# -- singleton read-back -----------------------------------------------------------------------------


def test_a_singletons_change_is_read_back_by_the_identity_that_made_it() -> None:
    scenarios, _ = planned(notebooks(sign_up=True))
    read_back = scenarios["test_update_me_change_shows_on_the_next_get"]
    change, read = read_back.steps
    # Email and password are how the user logs in: the plain nickname is what changes.
    assert change.body is not None and list(change.body["profile"]) == ["nickname"]
    marker = change.body["profile"]["nickname"]
    assert isinstance(marker, Unique) and marker.max_length == 40
    assert [(c.pointer, c.value) for c in change.expect.fields] == [("/profile/nickname", marker)]
    assert [(c.pointer, c.value) for c in read.expect.fields] == [("/profile/nickname", marker)]
    # Changing one's own account runs as a throwaway user, so the read-back reads as that user too.
    assert (change.auth, read.auth) == ("throwaway", "throwaway")


def test_a_singleton_read_back_without_a_throwaway_user_is_skipped_not_run_as_the_user() -> None:
    scenarios, _ = planned(notebooks())
    read_back = scenarios["test_update_me_change_shows_on_the_next_get"]
    assert "changes or deletes the caller's own account" in read_back.skip_reason


def test_a_singleton_whose_only_fields_are_credentials_is_skipped_with_the_reason() -> None:
    credentials = {
        "type": "object",
        "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
    }
    scenarios, skips = planned(notebooks(profile=credentials))
    assert "test_update_me_change_shows_on_the_next_get" not in scenarios
    assert "credentials are not changed" in skips[("updateMe", "a change shows on the next GET")]


# -- the three oracles run against a loopback service, correct and with one bug each --------------------


@dataclass
class NotebookService:
    """The notebooks API of `notebooks()` for two users, with one bug switched on by name."""

    bug: str = ""
    tokens: dict[str, str] = field(
        default_factory=lambda: {"Bearer ada-token": "ada", "Bearer bob-token": "bob"}
    )
    notebooks: dict[int, dict[str, Any]] = field(default_factory=dict)
    owners: dict[int, str] = field(default_factory=dict)
    pages: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)

    def handle(self, method: str, path: str, query: str, authorization: str | None, body: bytes) -> Reply:
        user = self.tokens.get(authorization or "")
        if user is None:
            return Reply(401, {})
        sent = json.loads(body) if body else {}
        parts = path.strip("/").split("/")
        if parts == ["me"]:
            return self._profile(method, user, sent)
        if parts == ["notebooks"] and method == "POST":
            code = len(self.owners) + 1
            self.notebooks[code], self.owners[code], self.pages[code] = {"code": code, **sent}, user, []
            return Reply(201, self.notebooks[code])
        code = int(parts[1])
        if code not in self.notebooks and not (
            self.bug == "pages_outlive" and parts[2:] and code in self.pages
        ):
            return Reply(404, {})
        if parts[2:] == ["pages"]:
            if method == "POST":
                self.pages[code].append({"code": len(self.pages[code]) + 1, **sent})
                return Reply(201, self.pages[code][-1])
            return Reply(200, self.pages[code])
        if method == "GET":
            return Reply(200, self.notebooks[code])
        if self.owners[code] != user and not (self.bug == "anyone_deletes" and method == "DELETE"):
            return Reply(403, {})
        if method == "DELETE":
            del self.notebooks[code]
            if self.bug != "pages_outlive":
                del self.pages[code]
            return Reply(204)
        self.notebooks[code] = {"code": code, **sent}
        return Reply(200, self.notebooks[code])

    def _profile(self, method: str, user: str, sent: dict[str, Any]) -> Reply:
        profile = self.profiles.setdefault(user, {"nickname": None, "bio": None})
        if method == "PATCH":
            changes = dict(sent.get("profile", {}))
            if self.bug == "bio_dropped":
                changes.pop("bio", None)
            profile.update(changes)
        return Reply(200, {"profile": profile})


_PLAIN_PROFILE = {
    "type": "object",
    "properties": {
        "nickname": {"type": ["string", "null"], "maxLength": 40},
        "bio": {"type": ["string", "null"]},
    },
}
_OWNERSHIP_TESTS = (
    "test_replace_notebook_refused_to_another_user",
    "test_delete_notebook_refused_to_another_user",
)
_CASCADE_TEST = "test_delete_notebook_takes_its_pages_with_it"
_READ_BACK_TEST = "test_update_me_change_shows_on_the_next_get"


@pytest.fixture(scope="module")
def notebook_suite(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The three oracles' tests of the notebooks spec, written as a suite of their own."""
    generated = OfflineApiGenerator().generate(notebooks(profile=_PLAIN_PROFILE), [])
    wanted = {*_OWNERSHIP_TESTS, _CASCADE_TEST, _READ_BACK_TEST}
    tests = [t for t in generated.tests if t.name in wanted]
    assert {t.name for t in tests} == wanted
    folder = tmp_path_factory.mktemp("notebooks")
    write_suite(folder, tests, generated.support_files)
    return folder, [t.test_id for t in tests]


def _outcomes(suite: tuple[Path, list[str]], service: NotebookService, **env: str) -> dict[str, TestRun]:
    folder, test_ids = suite
    with serving(service) as url:
        env = {"TESTOPS_BASE_URL": url, "TESTOPS_API_TOKEN": "ada-token", **env}
        runs = asyncio.run(run_suite(folder, test_ids=test_ids, workers=1, env=env))
    return {run.test_id.split("::")[-1]: run for run in runs.values()}


@pytest.mark.parametrize(
    ("bug", "caught_by"),
    [
        ("", set()),
        ("anyone_deletes", {"test_delete_notebook_refused_to_another_user"}),
        ("pages_outlive", {_CASCADE_TEST}),
        ("bio_dropped", {_READ_BACK_TEST}),
    ],
)
def test_each_oracle_passes_a_correct_service_and_catches_its_bug(
    notebook_suite: tuple[Path, list[str]], bug: str, caught_by: set[str]
) -> None:
    runs = _outcomes(notebook_suite, NotebookService(bug=bug), TESTOPS_API_TOKEN_2="bob-token")
    failed = {name for name, run in runs.items() if run.outcome != "passed"}
    assert failed == caught_by, {name: runs[name].message for name in failed}


def test_without_a_second_identity_the_ownership_tests_skip_with_the_reason(
    notebook_suite: tuple[Path, list[str]],
) -> None:
    runs = _outcomes(notebook_suite, NotebookService())
    assert {name: runs[name].outcome for name in _OWNERSHIP_TESTS} == dict.fromkeys(
        _OWNERSHIP_TESTS, "skipped"
    )
    assert "a second identity is needed" in runs[_OWNERSHIP_TESTS[0]].message
    assert {runs[_CASCADE_TEST].outcome, runs[_READ_BACK_TEST].outcome} == {"passed"}
