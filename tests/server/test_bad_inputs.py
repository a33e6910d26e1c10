"""Bad input to the HTTP API, as a new user or an attacker would send it, against the real server: each case
gets its 4xx with a one-line reason in `detail`, never a 5xx, and stores or queues nothing.
docs/bad-inputs.md tabulates the same cases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import httpx
import pytest

from graph.settings import Settings
from server.keys import env_key_id, key_digest
from storage.engine import session_scope
from storage.models import Request
from storage.repository import create_api_key, create_request, mark_completed, revoke_api_key
from tests.e2e.stack import API_KEY, AUTH, Server
from tests.server.conftest import LIMITED_KEYS, LIMITED_RATE

SPEC_URL = "http://127.0.0.1:9/openapi.json"  # allowed by the test server's policy (see conftest)
BASE_URL = "http://127.0.0.1:9"
COMPLETED_ID = uuid.uuid4()
# A key made and revoked before the cases run (see `revoked_key`).
REVOKED_KEY = "testops_revoked-before-the-bad-inputs"
SECRET_FILE_TEXT = "root:x:0:0"  # what /etc/passwd begins with: it must never come back
ONE_MB = 1_048_576


def _spec(schema: dict[str, Any] | None = None, *, paths: dict[str, Any] | None = None) -> dict[str, Any]:
    response = {"description": "ok", "content": {"application/json": {"schema": schema or {}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1"},
        "paths": {"/pets": {"get": {"responses": {"200": response}}}} if paths is None else paths,
    }


def _inline(document: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"openapi": document, "base_url": BASE_URL, **extra}


def _hundred_mb() -> Iterator[bytes]:
    """A 100 MB JSON body, sent chunked and made on the fly (the server must refuse it before the end)."""
    yield b'{"openapi": {"openapi": "3.0.3", "x-padding": "'
    for _ in range(100):
        yield b"x" * ONE_MB
    yield b'"}}'


@dataclass(frozen=True)
class Case:
    """One bad call: `json` is sent as JSON, `content` as raw bytes; `{completed}` names a finished run."""

    id: str
    method: str
    path: str
    status: int
    expected: str  # a fragment of `detail`
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=lambda: dict(AUTH))


def _post(case_id: str, route: str, body: Any, status: int, expected: str, **headers: str) -> Case:
    return Case(
        case_id, "POST", f"/api/v1/requests/{route}", status, expected, json=body, headers={**AUTH, **headers}
    )


def _raw(
    case_id: str,
    route: str,
    content: bytes,
    expected: str,
    content_type: str = "application/json",
    status: int = 422,
) -> Case:
    return Case(
        case_id,
        "POST",
        f"/api/v1/requests/{route}",
        status,
        expected,
        content=content,
        headers={**AUTH, "Content-Type": content_type},
    )


DEEP_JSON = b'{"openapi_url": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

CASES = [
    # The body as a whole
    _raw("malformed-json", "api", b'{"openapi_url": ', "malformed JSON body"),
    _raw("json-array-body", "api", b"[]", "Input should be a valid dictionary"),
    # Python's JSON parser gives up on 100,000 nested arrays: malformed JSON like any other.
    _raw("deeply-nested-json", "api", DEEP_JSON, "malformed JSON body: nested too deeply"),
    _raw(
        "not-json-content-type",
        "api",
        b"openapi_url=http://127.0.0.1:9/x",
        "Input should be a valid dictionary",
        content_type="application/x-www-form-urlencoded",
    ),
    _post("missing-spec-fields", "api", {}, 422, "give exactly one of openapi_url and openapi"),
    _post(
        "both-spec-fields", "api", {"openapi_url": SPEC_URL, "openapi": _spec()}, 422, "give exactly one of"
    ),
    _post("ui-missing-url", "ui", {}, 422, "url: Field required"),
    _post(
        "unknown-field",
        "api",
        {"openapi_url": SPEC_URL, "spec": "x"},
        422,
        "spec: Extra inputs are not permitted",
    ),
    # Wrong types and bounds
    _post(
        "requirements-not-a-list",
        "api",
        {"openapi_url": SPEC_URL, "requirements": "all of them"},
        422,
        "requirements: Input should be a valid list",
    ),
    _post(
        "options-wrong-type",
        "api",
        {"openapi_url": SPEC_URL, "options": {"max_attempts": "many"}},
        422,
        "options.max_attempts: Input should be a valid integer",
    ),
    _post(
        "options-out-of-range",
        "api",
        {"openapi_url": SPEC_URL, "options": {"validation_workers": 0}},
        422,
        "options.validation_workers: Input should be greater than or equal to 1",
    ),
    _post(
        "options-huge-integer",
        "api",
        {"openapi_url": SPEC_URL, "options": {"max_attempts": 10**40}},
        422,
        "options.max_attempts",
    ),
    _post(
        "options-out-dir",
        "api",
        {"openapi_url": SPEC_URL, "options": {"out_dir": "/etc"}},
        422,
        "options.out_dir: not available in service mode",
    ),
    _raw(
        "options-nan",
        "api",
        b'{"openapi_url": "http://127.0.0.1:9/x", "options": {"recon_timeout_s": NaN}}',
        "options.recon_timeout_s",
    ),
    # Requirements
    _post(
        "requirement-empty",
        "api",
        {"openapi_url": SPEC_URL, "requirements": [""]},
        422,
        "requirements.0: String should have at least 1 character",
    ),
    _post(
        "requirement-blank",
        "ui",
        {"url": "https://example.com", "requirements": ["ok", "   "]},
        422,
        "requirements.1: String should have at least 1 character",
    ),
    _post(
        "requirement-100-kb",
        "api",
        {"openapi_url": SPEC_URL, "requirements": ["The list answers 200. " * 4_700]},
        422,
        "requirements.0: String should have at most 2000 characters",
    ),
    _post(
        "requirements-too-many",
        "api",
        {"openapi_url": SPEC_URL, "requirements": ["Listing answers 200."] * 201},
        422,
        "requirements: List should have at most 200 items",
    ),
    _post(
        "requirement-nul-byte",
        "api",
        {"openapi_url": SPEC_URL, "requirements": ["Listing\u0000answers 200."]},
        422,
        "requirements.0: holds a control character (U+0000) at position 7",
    ),
    _post(
        "requirement-escape-sequence",
        "ui",
        {"url": "https://example.com", "requirements": ["The title is \u001b[31mred"]},
        422,
        "requirements.0: holds a control character (U+001B)",
    ),
    _raw(
        "requirement-lone-surrogate",
        "api",
        b'{"openapi_url": "http://127.0.0.1:9/x", "requirements": ["Listing \\ud800 answers"]}',
        "requirements.0",
    ),
    # URLs: schemes and the target policy (SSRF)
    _post(
        "url-not-a-url", "api", {"openapi_url": "not a url"}, 422, "openapi_url: must be an http or https URL"
    ),
    _post("url-ftp-scheme", "api", {"openapi_url": "ftp://example.com/spec.yaml"}, 422, "not ftp:"),
    _post("url-file-scheme", "api", {"openapi_url": "file:///etc/passwd"}, 422, "not file:"),
    _post(
        "url-javascript-base",
        "api",
        {"openapi_url": SPEC_URL, "base_url": "javascript:alert(1)"},
        422,
        "base_url: must be an http or https URL",
    ),
    _post("url-no-host", "ui", {"url": "http://"}, 422, "url: must be an http or https URL with a host"),
    _post(
        "url-too-long",
        "ui",
        {"url": "https://example.com/" + "a" * 3000},
        422,
        "url: String should have at most 2048 characters",
    ),
    _post(
        "ssrf-cloud-metadata",
        "api",
        {"openapi_url": "http://169.254.169.254/latest/openapi.json"},
        422,
        "169.254.169.254 is a link-local (cloud metadata) address",
    ),
    _post(
        "ssrf-private-base-url",
        "api",
        {"openapi_url": SPEC_URL, "base_url": "http://192.168.0.1"},
        422,
        "192.168.0.1 is a private address",
    ),
    _post(
        "ssrf-decimal-loopback-page",
        "ui",
        {"url": "http://2130706434/"},
        422,
        "2130706434 (127.0.0.2) is a loopback address",
    ),
    _post(
        "ssrf-mapped-ipv6",
        "api",
        {"openapi_url": "http://[::ffff:10.0.0.1]/openapi.json"},
        422,
        "(10.0.0.1) is a private address",
    ),
    # Inline specs
    _post(
        "spec-swagger-2",
        "api",
        {"openapi": {"swagger": "2.0", "paths": {}}},
        422,
        "not an OpenAPI 3 document",
    ),
    _post(
        "spec-not-an-object",
        "api",
        {"openapi": "openapi: 3.0.3"},
        422,
        "openapi: Input should be a valid dictionary",
    ),
    _post("spec-no-operations", "api", _inline(_spec(paths={})), 422, "spec has no operations"),
    _post(
        "spec-no-base-url",
        "api",
        {"openapi": _spec()},
        422,
        "no base_url given and the spec has no absolute server",
    ),
    _post(
        "ref-absolute-path", "api", _inline(_spec({"$ref": "/etc/passwd#/x"})), 422, "$ref '/etc/passwd#/x'"
    ),
    _post(
        "ref-parent-folder",
        "api",
        _inline(_spec({"$ref": "../../etc/passwd#/x"})),
        422,
        "$ref '../../etc/passwd",
    ),
    _post(
        "ref-file-url",
        "api",
        _inline(_spec({"$ref": "file:///etc/passwd#/x"})),
        422,
        "$ref 'file:///etc/passwd",
    ),
    _post(
        "ref-http-url",
        "api",
        _inline(_spec({"$ref": "http://169.254.169.254/x#/y"})),
        422,
        "$ref 'http://169",
    ),
    # Auth
    Case("no-api-key", "GET", "/api/v1/requests", 401, "missing API key", headers={}),
    Case(
        "wrong-api-key",
        "GET",
        "/api/v1/requests",
        401,
        "invalid API key",
        headers={"Authorization": "Bearer not-our-key"},
    ),
    Case(
        "basic-auth-instead",
        "POST",
        "/api/v1/requests/api",
        401,
        "missing API key",
        json={"openapi_url": SPEC_URL},
        headers={"Authorization": "Basic dGVzdC1rZXk6"},
    ),
    Case(
        "revoked-api-key",
        "GET",
        "/api/v1/requests",
        401,
        f"API key {REVOKED_KEY[:12]}… was revoked",
        headers={"Authorization": f"Bearer {REVOKED_KEY}"},
    ),
    Case(
        "another-keys-request",
        "GET",
        "/api/v1/requests/{completed}",
        404,
        f"no request with id {COMPLETED_ID}",
        headers={"Authorization": "Bearer second-key"},
    ),
    Case(
        "another-keys-review",
        "POST",
        "/api/v1/requests/{completed}/messages",
        404,
        f"no request with id {COMPLETED_ID}",
        json={"message": "approve"},
        headers={"Authorization": "Bearer second-key"},
    ),
    # Ids, routes, query and headers
    Case(
        "unknown-request-id",
        "GET",
        f"/api/v1/requests/{uuid.UUID(int=7)}",
        404,
        f"no request with id {uuid.UUID(int=7)}",
    ),
    Case(
        "malformed-request-id",
        "GET",
        "/api/v1/requests/latest",
        422,
        "request_id: Input should be a valid UUID",
    ),
    Case(
        "unknown-id-suite", "GET", f"/api/v1/requests/{uuid.UUID(int=8)}/tests.zip", 404, "no request with id"
    ),
    Case(
        "list-limit-zero",
        "GET",
        "/api/v1/requests?limit=0",
        422,
        "limit: Input should be greater than or equal to 1",
    ),
    Case(
        "list-limit-not-a-number",
        "GET",
        "/api/v1/requests?limit=all",
        422,
        "limit: Input should be a valid integer",
    ),
    Case(
        "bad-last-event-id",
        "GET",
        "/api/v1/requests/{completed}/events",
        422,
        "last-event-id",
        headers={**AUTH, "Last-Event-ID": "yesterday"},
    ),
    Case("unknown-route", "GET", "/api/v1/pets", 404, "Not Found"),
    Case("wrong-method", "DELETE", "/api/v1/requests/{completed}", 405, "Method Not Allowed"),
    # Reviews
    Case(
        "review-of-finished-run",
        "POST",
        "/api/v1/requests/{completed}/messages",
        409,
        "is not waiting for review (it is completed)",
        json={"message": "approve"},
    ),
    Case(
        "review-unknown-id",
        "POST",
        f"/api/v1/requests/{uuid.UUID(int=9)}/messages",
        404,
        "no request with id",
        json={"message": "approve"},
    ),
    Case(
        "review-message-not-a-string",
        "POST",
        "/api/v1/requests/{completed}/messages",
        422,
        "message: Input should be a valid string",
        json={"message": ["approve"]},
    ),
    Case(
        "review-unknown-field",
        "POST",
        "/api/v1/requests/{completed}/messages",
        422,
        "decision: Extra inputs",
        json={"message": "approve", "decision": "approve"},
    ),
]


@pytest.fixture(scope="module")
def completed_id(settings: Settings) -> uuid.UUID:
    """A finished run of the tests' key, stored directly: reviewing it is a conflict."""
    with session_scope(settings.sqlalchemy_url) as session:
        create_request(session, request_id=COMPLETED_ID, kind="api", target="kennels.yaml",
                       api_key_id=env_key_id(key_digest(API_KEY)))
        mark_completed(session, COMPLETED_ID, {})
    return COMPLETED_ID


@pytest.fixture(scope="module")
def revoked_key(settings: Settings) -> None:
    with session_scope(settings.sqlalchemy_url) as session:
        stored = create_api_key(session, name="revoked", key_hash=key_digest(REVOKED_KEY),
                                prefix=REVOKED_KEY[:12])
        revoke_api_key(session, stored.key_id)


@pytest.fixture
def nothing_stored(settings: Settings) -> Iterator[None]:
    """No request is stored, so none is queued (a request is stored before its task is sent). The broker's
    queue itself is not counted: other test sessions on this machine share its Redis database."""

    def count() -> int:
        with session_scope(settings.sqlalchemy_url) as session:
            return session.query(Request).count()

    before = count()
    yield
    assert count() == before


def _assert_clear_refusal(answer: httpx.Response, status: int, expected: str) -> None:
    assert answer.status_code == status, answer.text[:500]
    detail = answer.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail, detail
    assert expected in detail, detail
    assert SECRET_FILE_TEXT not in answer.text


@pytest.mark.parametrize("case", CASES, ids=attrgetter("id"))
def test_bad_input_gets_a_4xx_with_a_reason(
    client: httpx.Client, completed_id: uuid.UUID, revoked_key: None, nothing_stored: None, case: Case
) -> None:
    answer = client.request(
        case.method,
        case.path.replace("{completed}", str(completed_id)),
        headers=case.headers,
        json=case.json,
        content=case.content,
    )
    _assert_clear_refusal(answer, case.status, case.expected)


def test_a_100_mb_body_is_refused_before_it_is_read(client: httpx.Client, nothing_stored: None) -> None:
    answer = client.post(
        "/api/v1/requests/api", headers={**AUTH, "Content-Type": "application/json"}, content=_hundred_mb()
    )
    _assert_clear_refusal(answer, 413, "request body is larger than")


def test_an_idempotency_key_reused_for_another_body_is_refused(client: httpx.Client) -> None:
    key = {**AUTH, "Idempotency-Key": str(uuid.uuid4())}
    first = client.post("/api/v1/requests/api", headers=key, json={"openapi_url": SPEC_URL})
    assert first.status_code == 202, first.text
    other = client.post("/api/v1/requests/api", headers=key, json={"openapi_url": f"{SPEC_URL}?v=2"})
    _assert_clear_refusal(other, 422, "this Idempotency-Key was already used with a different request body")


def test_a_key_over_its_rate_limit_is_told_when_to_retry(limited_servers: list[Server]) -> None:
    key = {"Authorization": f"Bearer {LIMITED_KEYS[2]}"}
    allowed = int(LIMITED_RATE.split("/")[0])
    with limited_servers[0].client() as client:
        for _ in range(allowed):
            assert client.get("/api/v1/requests", headers=key).status_code == 200
        answer = client.get("/api/v1/requests", headers=key)
    _assert_clear_refusal(answer, 429, "rate limit of 5 per 1 minute per API key exceeded: retry in")
    assert int(answer.headers["Retry-After"]) >= 1
