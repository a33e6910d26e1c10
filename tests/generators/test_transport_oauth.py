"""End to end: a suite generated for an OAuth2 password-flow API gets its own token and passes.

The target is a small notes service written here, served on loopback under a path prefix, so the flow's
relative tokenUrl must be resolved against the base URL.
"""

from __future__ import annotations

import ast
import asyncio
import json
import re
import threading
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from generators.api.offline import OfflineApiGenerator
from samples.loopback import JsonServiceHandler, LoopbackHTTPServer, Reply
from tools.openapi import build_api_model, load_document
from tools.runner import TestRun, run_suite, write_suite
from tools.safety import check_test_code
from vocabulary.api_model import ApiModel
from vocabulary.artefacts import GeneratedTest

PREFIX = "/v1"
USERS = {"ada": "analytical-engine", "grace": "compiler-1952"}
CLIENTS = {"nightly-report": "s3cret-client"}
SCOPE = "notes:write"

_NOTE = {
    "type": "object",
    "required": ["id", "title"],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "link": {"type": "string", "format": "uri"},
    },
}
_NOTE_INPUT = {
    "type": "object",
    "required": ["title"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 50},
        "link": {"type": "string", "format": "uri"},
    },
}
_FEEDBACK = {
    "type": "object",
    "required": ["text", "rating"],
    "properties": {
        "text": {"type": "string", "minLength": 1, "maxLength": 200},
        "rating": {"type": "integer", "minimum": 1, "maximum": 5},
    },
}
_SIGN_UP = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {
        "username": {"type": "string", "minLength": 8, "maxLength": 30},
        "password": {"type": "string", "format": "password", "minLength": 8},
    },
}
_NOTE_ID = {"name": "noteId", "in": "path", "required": True, "schema": {"type": "integer"}}
_DENIED = {"401": {"description": "Not authenticated"}, "403": {"description": "Scope missing"}}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Notes", "version": "1.0"},
    "components": {
        "securitySchemes": {
            "login": {
                "type": "oauth2",
                "flows": {"password": {"tokenUrl": "token", "scopes": {SCOPE: "write", "admin": "all"}}},
            }
        }
    },
    "security": [{"login": [SCOPE]}],
    "paths": {
        "/token": {
            "post": {
                "operationId": "login",
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["username", "password"],
                                "properties": {
                                    "grant_type": {"type": "string"},
                                    "username": {"type": "string"},
                                    "password": {"type": "string"},
                                    "scope": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {"description": "A token", **_json({"type": "object"})},
                    "401": {"description": "Wrong credentials"},
                },
            }
        },
        "/users": {
            "post": {
                "operationId": "signUp",
                "security": [],
                "requestBody": {"required": True, **_json(_SIGN_UP)},
                "responses": {
                    "201": {
                        "description": "Signed up",
                        **_json({"type": "object", "required": ["username"]}),
                    },
                    "400": {"description": "Taken"},
                    "422": {"description": "Invalid"},
                },
            }
        },
        "/notes": {
            "post": {
                "operationId": "createNote",
                "requestBody": {"required": True, **_json(_NOTE_INPUT)},
                "responses": {
                    "201": {"description": "Created", **_json(_NOTE)},
                    "422": {"description": "Invalid"},
                    **_DENIED,
                },
            }
        },
        "/notes/{noteId}": {
            "parameters": [_NOTE_ID],
            "get": {
                "operationId": "getNote",
                "responses": {
                    "200": {"description": "The note", **_json(_NOTE)},
                    "404": {"description": "No such note"},
                    **_DENIED,
                },
            },
            "delete": {
                "operationId": "deleteNote",
                "requestBody": _json({"type": "object", "properties": {"reason": {"type": "string"}}}),
                "responses": {
                    "204": {"description": "Deleted"},
                    "404": {"description": "No such note"},
                    "422": {"description": "Invalid"},
                    **_DENIED,
                },
            },
        },
        "/feedback": {
            "post": {
                "operationId": "sendFeedback",
                "requestBody": {
                    "required": True,
                    "content": {"application/x-www-form-urlencoded": {"schema": _FEEDBACK}},
                },
                "responses": {
                    "201": {"description": "Received", **_json(_FEEDBACK)},
                    "422": {"description": "Invalid"},
                    **_DENIED,
                },
            }
        },
    },
}


class NotesService:
    """The spec above, implemented: notes belong to their author; tokens carry the scopes asked for."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.notes: dict[int, dict[str, Any]] = {}
        self.owners: dict[int, str] = {}
        self.tokens: dict[str, tuple[str, set[str]]] = {}
        self.token_requests: list[dict[str, list[str]]] = []
        self.users = dict(USERS)
        self._ids = count(1)

    def handle(self, method: str, path: str, query: str, authorization: str | None, body: bytes) -> Reply:
        path = path.removeprefix(PREFIX)
        with self.lock:
            if (method, path) == ("POST", "/token"):
                return self._token(parse_qs(body.decode()))
            if (method, path) == ("POST", "/users"):
                return self._sign_up(_object(body))
            user, scopes = self.tokens.get((authorization or "").removeprefix("Bearer "), (None, set()))
            if user is None:
                return Reply(401, {"detail": "not authenticated"}, {"WWW-Authenticate": "Bearer"})
            if SCOPE not in scopes:
                return Reply(403, {"detail": f"the token lacks {SCOPE}"})
            if (method, path) == ("POST", "/notes"):
                return self._create(user, body)
            if (method, path) == ("POST", "/feedback"):
                return self._feedback(parse_qs(body.decode()))
            if path.startswith("/notes/") and method in ("GET", "DELETE"):
                return self._note(method, user, path.removeprefix("/notes/"), body)
            return Reply(404, {"detail": "not found"})

    def _token(self, form: dict[str, list[str]]) -> Reply:
        self.token_requests.append(form)
        user, password = form.get("username", [""])[0], form.get("password", [""])[0]
        if form.get("grant_type") == ["client_credentials"]:
            user, password = form.get("client_id", [""])[0], form.get("client_secret", [""])[0]
            user = user if CLIENTS.get(user) == password else ""
        elif form.get("grant_type") != ["password"] or self.users.get(user) != password:
            user = ""
        if not user:
            return Reply(401, {"detail": "wrong username or password"})
        token = f"token-{user}-{len(self.tokens)}"
        self.tokens[token] = (user, set(form.get("scope", [""])[0].split()))
        return Reply(200, {"access_token": token, "token_type": "bearer"})

    def _sign_up(self, account: dict[str, Any]) -> Reply:
        user, password = account.get("username"), account.get("password")
        if not (
            isinstance(user, str)
            and 8 <= len(user) <= 30
            and isinstance(password, str)
            and len(password) >= 8
        ):
            return Reply(422, {"detail": "invalid account"})
        if user in self.users:
            return Reply(400, {"detail": "the username is taken"})
        self.users[user] = password
        return Reply(201, {"username": user})

    def _create(self, user: str, body: bytes) -> Reply:
        note = _object(body)
        title, link = note.get("title"), note.get("link", "https://x.test")
        valid_link = isinstance(link, str) and bool(urlsplit(link).scheme and urlsplit(link).netloc)
        if not (isinstance(title, str) and 1 <= len(title) <= 50 and valid_link):
            return Reply(422, {"detail": "invalid note"})
        note_id = next(self._ids)
        self.notes[note_id] = {"id": note_id, **{k: v for k, v in note.items() if k in ("title", "link")}}
        self.owners[note_id] = user
        return Reply(201, self.notes[note_id])

    def _note(self, method: str, user: str, raw_id: str, body: bytes) -> Reply:
        note_id = int(raw_id) if raw_id.isdigit() else -1
        if self.owners.get(note_id) != user:
            return Reply(404, {"detail": "no such note"})
        if method == "GET":
            return Reply(200, self.notes[note_id])
        if body and not isinstance(_object(body).get("reason", ""), str):
            return Reply(422, {"detail": "reason must be a string"})
        del self.notes[note_id], self.owners[note_id]
        return Reply(204)

    def _feedback(self, form: dict[str, list[str]]) -> Reply:
        text, rating = form.get("text", [""])[0], form.get("rating", [""])[0]
        if not (1 <= len(text) <= 200 and rating.isdigit() and 1 <= int(rating) <= 5):
            return Reply(422, {"detail": "invalid feedback"})
        return Reply(201, {"text": text, "rating": int(rating)})


def _object(body: bytes) -> dict[str, Any]:
    """The JSON object in a body; anything else reads as an object no field of which is valid."""
    try:
        value = json.loads(body or b"null")
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {"title": None, "reason": None}


class NotesServer(LoopbackHTTPServer):
    def __init__(self, service: NotesService) -> None:
        self.api = service
        super().__init__(("127.0.0.1", 0), JsonServiceHandler)


@pytest.fixture(scope="module")
def service() -> Iterator[tuple[NotesService, str]]:
    notes = NotesService()
    server = NotesServer(notes)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield notes, f"http://127.0.0.1:{server.server_port}{PREFIX}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def api(service: tuple[NotesService, str], tmp_path_factory: pytest.TempPathFactory) -> ApiModel:
    spec_path = tmp_path_factory.mktemp("spec") / "notes.json"
    spec_path.write_text(json.dumps(SPEC), encoding="utf-8")
    document = asyncio.run(load_document(str(spec_path)))
    return build_api_model(document, source=str(spec_path), base_url=service[1])


@pytest.fixture(scope="module")
def suite(api: ApiModel, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[GeneratedTest]]:
    generated = OfflineApiGenerator().generate(api, [])
    directory = tmp_path_factory.mktemp("suite")
    write_suite(directory, generated.tests, generated.support_files)
    return directory, generated.tests


def _calls(code: str) -> set[tuple[str, Any, str]]:
    """(method, first argument, body keyword) of each client call in a test's code."""
    return {
        (node.func.attr, node.args[0].value, keyword.arg or "")
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args
        if isinstance(node.args[0], ast.Constant)
        for keyword in node.keywords
        if keyword.arg in ("json", "data", "files")
    }


def _run(directory: Path, base_url: str, **secrets: str) -> dict[str, TestRun]:
    env = {"TESTOPS_BASE_URL": base_url, **{f"TESTOPS_API_{k.upper()}": v for k, v in secrets.items()}}
    return asyncio.run(run_suite(directory, workers=1, timeout_s=20.0, env=env))


def test_the_flow_is_read_from_the_spec(api: ApiModel) -> None:
    [scheme] = api.security_schemes
    flow = scheme.flow("password")
    assert flow is not None and flow.token_url == "token" and flow.scopes == [SCOPE, "admin"]


def test_form_bodies_delete_bodies_and_data_urls_are_rendered(
    api: ApiModel, suite: tuple[Path, list[GeneratedTest]]
) -> None:
    _, tests = suite
    codes = {test.name: test.code for test in tests}
    assert ("post", "/feedback", "data") in _calls(codes["test_send_feedback_happy_path"])
    assert ("request", "DELETE", "json") in _calls(codes["test_delete_note_happy_path"])
    assert "https://example.com" in codes["test_create_note_happy_path"]
    assert "test_login_happy_path" not in codes  # made-up credentials get no token
    assert all(check_test_code(t.code, allowed_hosts={urlsplit(api.base_url).netloc}) == [] for t in tests)


def test_the_suite_gets_its_token_from_the_token_url_and_passes(
    service: tuple[NotesService, str], suite: tuple[Path, list[GeneratedTest]]
) -> None:
    notes, base_url = service
    directory, tests = suite
    before = len(notes.token_requests)
    runs = _run(directory, base_url, username="ada", password=USERS["ada"])
    assert {run.test_id: run.outcome for run in runs.values() if run.outcome != "passed"} == {}
    assert len(runs) == len(tests) > 10
    # One token for the whole session; the login operation's own tests log in users they signed up.
    [form] = [form for form in notes.token_requests[before:] if form.get("username") == ["ada"]]
    login = {"grant_type": ["password"], "username": ["ada"], "password": [USERS["ada"]], "scope": [SCOPE]}
    assert form == login


def test_a_refused_login_skips_with_the_reason(
    service: tuple[NotesService, str], suite: tuple[Path, list[GeneratedTest]]
) -> None:
    directory, tests = suite
    runs = _run(directory, service[1], username="ada", password="wrong")
    authenticated = {t.test_id for t in tests if re.search(r"\bclient: httpx.Client", t.code)}
    assert {run.outcome for run in runs.values() if run.test_id in authenticated} == {"skipped"}
    failed = {
        r.test_id: r.message
        for r in runs.values()
        if r.test_id not in authenticated and r.outcome != "passed"
    }
    assert failed == {}
    message = runs[min(authenticated)].message
    assert "/v1/token for a token answered 401" in message and "wrong username or password" in message


OWNERSHIP_TEST = """
import httpx


def test_a_note_is_invisible_to_another_user(client: httpx.Client, second_client: httpx.Client) -> None:
    created = client.post("/notes", json={"title": "mine"})
    assert created.status_code == 201, created.text
    assert second_client.get(f"/notes/{created.json()['id']}").status_code == 404
    assert client.get(f"/notes/{created.json()['id']}").status_code == 200
"""


def test_a_second_identity_logs_in_with_its_own_credentials_or_is_signed_up(
    service: tuple[NotesService, str], suite: tuple[Path, list[GeneratedTest]], tmp_path: Path
) -> None:
    notes, base_url = service
    directory, _ = suite
    for name in ("conftest.py", "suite_settings.py", "pytest.ini"):
        (tmp_path / name).write_text((directory / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "test_ownership.py").write_text(OWNERSHIP_TEST, encoding="utf-8")
    first = {"username": "ada", "password": USERS["ada"]}
    [paired] = _run(tmp_path, base_url, **first, username_2="grace", password_2=USERS["grace"]).values()
    assert paired.outcome == "passed", paired.message
    known = set(notes.users)
    for _ in range(2):  # the second run finds the user signed up by the first
        [signed_up] = _run(tmp_path, base_url, **first).values()
        assert signed_up.outcome == "passed", signed_up.message
    assert len(set(notes.users) - known) == 1
    settings = tmp_path / "suite_settings.py"
    settings.write_text(settings.read_text(encoding="utf-8") + "SIGN_UP = None\n", encoding="utf-8")
    [alone] = _run(tmp_path, base_url, **first).values()
    assert alone.outcome == "skipped", alone.message
    assert "TESTOPS_API_USERNAME_2 and TESTOPS_API_PASSWORD_2" in alone.message


def test_a_client_credentials_flow_gets_a_token_with_the_client_id_and_secret(
    service: tuple[NotesService, str], suite: tuple[Path, list[GeneratedTest]], tmp_path: Path
) -> None:
    directory, _ = suite
    (tmp_path / "conftest.py").write_text((directory / "conftest.py").read_text(encoding="utf-8"))
    flows = {"clientCredentials": {"tokenUrl": f"{service[1]}/token", "scopes": [SCOPE]}}
    settings = [f"BASE_URL = {service[1]!r}", f"SECURITY_SCHEMES = {[{'type': 'oauth2', 'flows': flows}]!r}"]
    (tmp_path / "suite_settings.py").write_text(
        "\n".join([*settings, "SECURED = True", "SIGN_UP = None", "DELETE_ACCOUNT = None", ""])
    )
    (tmp_path / "test_report.py").write_text(OWNERSHIP_TEST.split("def test_")[0] + REPORT_TEST)
    env = {
        "TESTOPS_OAUTH_CLIENT_ID": "nightly-report",
        "TESTOPS_OAUTH_CLIENT_SECRET": CLIENTS["nightly-report"],
    }
    half = {"TESTOPS_OAUTH_CLIENT_ID": "nightly-report"}
    [missing] = asyncio.run(run_suite(tmp_path, workers=1, env=half)).values()
    assert "TESTOPS_OAUTH_CLIENT_ID and TESTOPS_OAUTH_CLIENT_SECRET" in missing.message
    [run] = asyncio.run(run_suite(tmp_path, workers=1, env=env)).values()
    assert run.outcome == "passed", run.message


REPORT_TEST = """
def test_a_note_can_be_written(client: httpx.Client) -> None:
    assert client.post("/notes", json={"title": "nightly"}).status_code == 201
"""
