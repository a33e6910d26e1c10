"""Users the suite signs up (a throwaway per test, a second identity per run) are deleted when it is done with
them, where the spec lets a user delete its own account; where it does not, the tests that leave them say so.

The target is a small club roster written here: members sign up and get a token in the answer, read and
change their own record, and leave the club (delete their account) by confirming their password.
"""

from __future__ import annotations

import asyncio
import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generators.api.offline import OfflineApiGenerator
from samples.loopback import Reply, serving
from tests.generators.sign_up_specs import ACCOUNT, REFUSED
from tools.openapi import build_api_model
from tools.runner import run_suite, write_suite

_MEMBER = {
    "type": "object",
    "required": ["username", "token"],
    "properties": {"username": {"type": "string"}, "token": {"type": "string"}},
}
# A new login name: a change of how one logs in, which the suite makes as a throwaway user.
_CHANGE = {"type": "object", "properties": {"username": {"type": "string", "minLength": 3}}}
_LEAVE = {"type": "object", "required": ["password"], "properties": {"password": {"type": "string"}}}
_ANSWER = {"description": "the member", "content": {"application/json": {"schema": _MEMBER}}}
SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Club roster", "version": "1"},
    "security": [{"memberToken": []}],
    "components": {"securitySchemes": {"memberToken": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/members": {
            "post": {
                "operationId": "joinClub", "summary": "Join the club", "security": [],
                "requestBody": {"required": True, "content": {"application/json": {"schema": ACCOUNT}}},
                "responses": {"201": _ANSWER, "422": REFUSED},
            }
        },
        "/me": {
            "get": {"operationId": "getMe", "summary": "Get the current member",
                    "responses": {"200": _ANSWER, "401": REFUSED}},
            "patch": {
                "operationId": "updateMe", "summary": "Update the current member",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _CHANGE}}},
                "responses": {"200": _ANSWER, "401": REFUSED, "422": REFUSED},
            },
            "delete": {
                "operationId": "leaveClub", "summary": "Delete my own account",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _LEAVE}}},
                "responses": {"204": {"description": "left"}, "401": REFUSED, "403": REFUSED},
            },
        },
    },
}  # fmt: skip
OWNER = {"username": "owner", "password": "owner-secret", "token": "owner-token"}


@dataclass
class ClubRoster:
    """Bearer tokens; leaving needs the member's password."""

    members: dict[str, dict[str, Any]] = field(default_factory=lambda: {"owner-token": dict(OWNER)})
    joined: int = 0

    def handle(self, method: str, path: str, query: str, authorization: str | None, body: bytes) -> Reply:
        sent = json.loads(body or b"{}")
        if (method, path) == ("POST", "/members"):
            if not isinstance(sent, dict) or len(str(sent.get("username", ""))) < 3:
                return Reply(422, {})
            self.joined += 1
            token = f"token-{self.joined}"
            self.members[token] = {"username": sent["username"], "password": sent.get("password"),
                                   "token": token}  # fmt: skip
            return Reply(201, _public(self.members[token]))
        member = self.members.get((authorization or "").removeprefix("Bearer "))
        if member is None:
            return Reply(401, {})
        if (method, path) == ("DELETE", "/me"):
            if not isinstance(sent, dict) or sent.get("password") != member["password"]:
                return Reply(403, {})
            del self.members[member["token"]]
            return Reply(204)
        if (method, path) == ("PATCH", "/me"):
            name = sent.get("username", member["username"]) if isinstance(sent, dict) else None
            if not isinstance(name, str) or len(name) < 3:
                return Reply(422, {})
            member["username"] = name
        return Reply(200, _public(member))


def _public(member: dict[str, Any]) -> dict[str, Any]:
    return {"username": member["username"], "token": member["token"]}


def test_a_throwaway_user_is_deleted_when_its_test_ends(tmp_path: Path) -> None:
    api = build_api_model(SPEC, source="club.json", base_url="http://127.0.0.1:1")
    generated = OfflineApiGenerator().generate(api, [])
    # Those leaving the club delete their account themselves: the cleanup finds it gone.
    throwaway = [t for t in generated.tests if "throwaway_client" in t.code]
    assert throwaway and not generated.leaves_data
    write_suite(tmp_path, generated.tests, generated.support_files)
    service = ClubRoster()
    with serving(service) as base_url:
        env = {"TESTOPS_BASE_URL": base_url, "TESTOPS_API_TOKEN": OWNER["token"]}
        test_ids = [t.test_id for t in throwaway]
        runs = asyncio.run(run_suite(tmp_path, test_ids=test_ids, workers=1, timeout_s=60.0, env=env))
        assert {r.outcome for r in runs.values()} == {"passed"}, runs
    assert service.joined >= len(throwaway)
    assert service.members == {"owner-token": OWNER}  # each user it signed up has left again


def test_users_no_call_can_delete_are_said_to_stay() -> None:
    spec = copy.deepcopy(SPEC)
    del spec["paths"]["/me"]["delete"]
    api = build_api_model(spec, source="club.json", base_url="http://127.0.0.1:1")
    generated = OfflineApiGenerator().generate(api, [])
    throwaway = {t.test_id for t in generated.tests if "throwaway_client" in t.code}
    stays = "signs up a throwaway user and the spec has no call deleting one's own account"
    assert throwaway and {generated.leaves_data[test_id] for test_id in throwaway} == {stays}
    assert "DELETE_ACCOUNT = None" in generated.support_files["suite_settings.py"]
