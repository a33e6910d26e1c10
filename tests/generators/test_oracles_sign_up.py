"""A throwaway user from a sign-up that answers its own token, sent through an apiKey scheme.

The target is a small bird-watching log written here: birders sign up and get a token in the answer, which
goes in the Authorization header with a `Key` prefix the spec leaves unsaid.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generators.api.offline import OfflineApiGenerator
from samples.loopback import Reply, serving
from tests.generators.sign_up_specs import ACCOUNT, REFUSED
from tools.openapi import build_api_model
from tools.runner import run_suite, write_suite

_CHANGE = {
    "type": "object",
    "properties": {"username": {"type": "string", "minLength": 3}, "motto": {"type": "string"}},
}
_BIRDER = {
    "type": "object",
    "required": ["username", "token", "motto"],
    "properties": {"username": {"type": "string"}, "token": {"type": "string"}, "motto": {"type": "string"}},
}


def _wrapped(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "application/json": {
            "schema": {"type": "object", "required": ["birder"], "properties": {"birder": schema}}
        }
    }


_ANSWER = {"description": "the birder", "content": _wrapped(_BIRDER)}
# The spec does not say the `Key ` prefix: the suite takes it from the configured TESTOPS_API_KEY.
_KEY = {"type": "apiKey", "in": "header", "name": "Authorization"}
SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Birding log", "version": "1"},
    "security": [{"birderKey": []}],
    "components": {"securitySchemes": {"birderKey": _KEY}},
    "paths": {
        "/birders": {
            "post": {
                "operationId": "registerBirder",
                "summary": "Register a birder",
                "security": [],
                "requestBody": {"required": True, "content": _wrapped(ACCOUNT)},
                "responses": {"201": _ANSWER, "422": REFUSED},
            }
        },
        "/birder": {
            "get": {"operationId": "getMe", "summary": "Get the current user",
                    "responses": {"200": _ANSWER, "401": REFUSED}},
            "put": {
                "operationId": "updateMe",
                "summary": "Update the current user",
                "requestBody": {"required": True, "content": _wrapped(_CHANGE)},
                "responses": {"200": _ANSWER, "401": REFUSED, "422": REFUSED},
            },
        },
    },
}  # fmt: skip
OWNER = {"username": "owner", "password": "owner-secret", "motto": "early bird", "token": "owner-token"}


@dataclass
class BirdingLog:
    """Tokens are sent as `Key <token>`; a bare token or another prefix is refused."""

    birders: dict[str, dict[str, Any]] = field(default_factory=lambda: {"owner-token": dict(OWNER)})

    def handle(self, method: str, path: str, query: str, authorization: str | None, body: bytes) -> Reply:
        sent = json.loads(body or b"{}")
        inner = sent.get("birder") if isinstance(sent, dict) else None
        if (method, path) == ("POST", "/birders"):
            if not isinstance(inner, dict) or len(str(inner.get("username", ""))) < 3:
                return Reply(422, {})
            if any(b["username"] == inner["username"] for b in self.birders.values()):
                return Reply(422, {})
            token = f"token-{len(self.birders)}"
            self.birders[token] = {"username": inner["username"], "password": inner["password"], "motto": "",
                                   "token": token}  # fmt: skip
            return Reply(201, {"birder": _public(self.birders[token])})
        birder = self.birders.get((authorization or "").removeprefix("Key "))
        if birder is None or not (authorization or "").startswith("Key "):
            return Reply(401, {})
        if (method, path) == ("PUT", "/birder"):
            if not isinstance(inner, dict) or len(str(inner.get("username", "abc"))) < 3:
                return Reply(422, {})
            birder.update({k: v for k, v in inner.items() if k in ("username", "motto")})
        return Reply(200, {"birder": _public(birder)})


def _public(birder: dict[str, Any]) -> dict[str, Any]:
    return {k: birder[k] for k in ("username", "token", "motto")}


def test_own_account_updates_run_as_a_user_the_sign_up_answered_a_token_for(tmp_path: Path) -> None:
    api = build_api_model(SPEC, source="birding.json", base_url="http://127.0.0.1:1")
    generated = OfflineApiGenerator().generate(api, [])
    own = [t for t in generated.tests if "updateMe" in t.operation_ids and "happy_path" in t.name]
    assert own and "throwaway_client" in own[0].code
    write_suite(tmp_path, generated.tests, generated.support_files)
    service = BirdingLog()
    with serving(service) as base_url:
        env = {"TESTOPS_BASE_URL": base_url, "TESTOPS_API_KEY": f"Key {OWNER['token']}"}
        runs = asyncio.run(run_suite(tmp_path, test_ids=[own[0].test_id], workers=1, timeout_s=60.0, env=env))
        assert [r.outcome for r in runs.values()] == ["passed"], runs
    assert service.birders["owner-token"] == OWNER  # the configured user's own account is left alone
    assert len(service.birders) == 2
