"""What the service refuses before storing or queueing anything: targets its policy forbids, inline specs
whose refs leave the document, that have no operations or no base URL, bodies too large to read.

The server's allow-list names 127.0.0.1 only (see conftest): 127.0.0.2 is loopback the policy refuses.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis

from graph.settings import Settings
from storage.engine import session_scope
from storage.models import Request
from tests.e2e.stack import AUTH
from tools.openapi import MAX_SPEC_BYTES

QUEUE = "celery"
SECRET_FILE_TEXT = "root:x:0:0"  # what /etc/passwd begins with: it must never come back


def _spec(schema: dict[str, Any]) -> dict[str, Any]:
    response = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1"},
        "paths": {"/pets": {"get": {"responses": {"200": response}}}},
    }


@pytest.fixture
def nothing_stored_or_queued(broker: redis.Redis, settings: Settings) -> Iterator[None]:
    def counts() -> tuple[int, int]:
        with session_scope(settings.sqlalchemy_url) as session:
            return broker.llen(QUEUE), session.query(Request).count()

    before = counts()
    yield
    assert counts() == before


def _refusal(client: httpx.Client, route: str, body: dict[str, Any]) -> str:
    answer = client.post(f"/api/v1/requests/{route}", headers=AUTH, json=body)
    assert answer.status_code == 422, answer.text
    return answer.json()["detail"]


@pytest.mark.parametrize(
    ("route", "body", "expected"),
    [
        ("api", {"openapi_url": "http://169.254.169.254/latest/openapi.json"},
         "refused http://169.254.169.254/latest/openapi.json: 169.254.169.254 is a link-local "
         "(cloud metadata) address; name it in TESTOPS_TARGET_ALLOWLIST to allow it"),
        ("api", {"openapi_url": "http://127.0.0.2:9/openapi.json"}, "127.0.0.2 is a loopback address"),
        ("api", {"openapi_url": "http://[::ffff:10.0.0.1]/openapi.json"}, "(10.0.0.1) is a private address"),
        ("api", {"openapi_url": "http://127.0.0.1:9/openapi.json", "base_url": "http://192.168.0.1"},
         "192.168.0.1 is a private address"),
        ("api", {"openapi": _spec({}), "base_url": "http://[fe80::1]:8000"}, "fe80::1 is a link-local"),
        ("ui", {"url": "http://10.1.2.3/login"}, "10.1.2.3 is a private address"),
        ("ui", {"url": "http://2130706434/"}, "2130706434 (127.0.0.2) is a loopback address"),
    ],
    ids=["metadata-spec", "loopback-spec", "mapped-private-spec", "private-base", "link-local-inline-base",
         "private-page", "decimal-loopback-page"],
)  # fmt: skip
def test_forbidden_targets_are_refused_with_the_reason(
    client: httpx.Client, nothing_stored_or_queued: None, route: str, body: dict[str, Any], expected: str
) -> None:
    assert expected in _refusal(client, route, body)


def test_an_inline_spec_without_base_url_is_judged_by_its_server(
    client: httpx.Client, nothing_stored_or_queued: None
) -> None:
    document = {**_spec({}), "servers": [{"url": "http://10.0.0.7/api"}]}

    assert "10.0.0.7 is a private address" in _refusal(client, "api", {"openapi": document})


@pytest.mark.parametrize(
    "ref",
    ["/etc/passwd#/x", "../../../../etc/passwd#/x", "file:///etc/passwd#/x", "schemas.yaml#/Pet",
     "http://127.0.0.1:9/schemas.yaml#/Pet"],
    ids=["absolute", "parent", "file-url", "relative", "http"],
)  # fmt: skip
def test_an_inline_spec_may_only_refer_inside_itself(
    client: httpx.Client, nothing_stored_or_queued: None, ref: str
) -> None:
    detail = _refusal(client, "api", {"openapi": _spec({"$ref": ref}), "base_url": "http://127.0.0.1:9"})

    assert f"$ref '{ref}'" in detail
    assert SECRET_FILE_TEXT not in detail


def test_an_inline_spec_without_any_base_url_is_refused(client: httpx.Client,
                                                        nothing_stored_or_queued: None) -> None:
    detail = _refusal(client, "api", {"openapi": {**_spec({}), "servers": [{"url": "/relative"}]}})

    assert detail == "no base_url given and the spec has no absolute server URL"


def test_an_inline_spec_without_operations_is_refused(client: httpx.Client,
                                                      nothing_stored_or_queued: None) -> None:
    document = {"openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "paths": {}}

    detail = _refusal(client, "api", {"openapi": document, "base_url": "http://127.0.0.1:9"})

    assert detail.startswith("spec has no operations")


def test_allowed_targets_are_accepted(client: httpx.Client, broker: redis.Redis) -> None:
    before = broker.llen(QUEUE)
    document = {**_spec({"$ref": "#/components/schemas/Pet"}), "components": {"schemas": {"Pet": {}}}}

    bodies = [("api", {"openapi": document, "base_url": "http://127.0.0.1:9"}),
              ("api", {"openapi_url": "http://127.0.0.1:9/openapi.json"}),
              ("ui", {"url": "http://127.0.0.1:9/login"})]

    answers = [client.post(f"/api/v1/requests/{route}", headers=AUTH, json=body) for route, body in bodies]

    assert [answer.status_code for answer in answers] == [202, 202, 202], [answer.text for answer in answers]
    assert broker.llen(QUEUE) == before + 3


def test_a_50_mb_spec_is_413_not_out_of_memory(client: httpx.Client, nothing_stored_or_queued: None) -> None:
    padding = "x" * (50 * 1_048_576)
    body = f'{{"openapi": {{"openapi": "3.0.3", "x-padding": "{padding}"}}}}'.encode()

    declared = client.post("/api/v1/requests/api", headers={**AUTH, "Content-Type": "application/json"},
                           content=body)
    chunked = client.post("/api/v1/requests/api", headers={**AUTH, "Content-Type": "application/json"},
                          content=iter([body[i:i + 1_048_576] for i in range(0, len(body), 1_048_576)]))

    for answer in (declared, chunked):
        assert answer.status_code == 413, answer.text[:200]
        limit_mb = MAX_SPEC_BYTES // 1_048_576 + 1
        assert answer.json() == {"detail": f"request body is larger than {limit_mb} MB"}
