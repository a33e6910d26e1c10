"""The HTTP API against a real server: accepting, validating, authenticating, reading and documenting."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import yaml

from celery_worker.app import GENERATE_API_TASK, GENERATE_UI_TASK
from graph.settings import Settings
from samples.tasks_api import app as sample
from storage.engine import session_scope
from storage.models import Request
from tests.e2e.stack import AUTH

QUEUE = "celery"  # Celery's default queue: a Redis list in the broker database


def queued(broker: redis.Redis) -> list[tuple[str, dict[str, Any]]]:
    """(task name, kwargs) of every queued task message, oldest first."""
    messages = []
    for raw in reversed(broker.lrange(QUEUE, 0, -1)):
        message = json.loads(raw)
        _args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        messages.append((message["headers"]["task"], kwargs))
    return messages


def stored_count(settings: Settings) -> int:
    with session_scope(settings.sqlalchemy_url) as session:
        return session.query(Request).count()


def spec_document() -> dict[str, Any]:
    return yaml.safe_load(sample.SPEC_PATH.read_text(encoding="utf-8"))


def test_liveness_needs_no_key(client: httpx.Client) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def test_readiness_fails_without_a_worker(client: httpx.Client) -> None:
    answer = client.get("/readyz")
    assert answer.status_code == 503
    checks = answer.json()["checks"]
    assert checks["database"] == "ok" and checks["redis"] == "ok"
    assert checks["workers"].startswith("unavailable: no worker answered")


def test_api_request_is_stored_then_queued(client: httpx.Client, broker: redis.Redis) -> None:
    before = broker.llen(QUEUE)
    answer = client.post("/api/v1/requests/api", headers=AUTH, json={
        "openapi_url": "http://127.0.0.1:9/openapi.yaml", "base_url": "http://127.0.0.1:9",
        "requirements": ["Listing tasks answers 200."], "options": {"max_attempts": 1, "review": True},
    })
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["status"] == "pending" and uuid.UUID(body["request_id"])
    assert broker.llen(QUEUE) == before + 1
    assert queued(broker)[-1] == (GENERATE_API_TASK, {"request_id": body["request_id"]})
    stored = client.get(f"/api/v1/requests/{body['request_id']}", headers=AUTH).json()
    assert stored["status"] == "pending" and stored["kind"] == "api"
    assert stored["target"] == "http://127.0.0.1:9/openapi.yaml"
    assert stored["options"]["max_attempts"] == 1 and stored["options"]["review"] is True
    assert "out_dir" not in stored["options"]


def test_inline_spec_is_written_where_workers_read_it(client: httpx.Client, settings: Settings) -> None:
    document = spec_document()
    answer = client.post("/api/v1/requests/api", headers=AUTH,
                         json={"openapi": document, "base_url": "http://127.0.0.1:9"})
    assert answer.status_code == 202, answer.text
    stored = client.get(f"/api/v1/requests/{answer.json()['request_id']}", headers=AUTH).json()
    path = Path(stored["target"])
    assert path.parent == settings.data_dir / "specs"
    assert json.loads(path.read_text(encoding="utf-8")) == document


def test_ui_request_is_queued_for_the_ui_task(client: httpx.Client, broker: redis.Redis) -> None:
    answer = client.post("/api/v1/requests/ui", headers=AUTH,
                         json={"url": "https://example.com/login", "requirements": ["A user can log in."]})
    assert answer.status_code == 202, answer.text
    request_id = answer.json()["request_id"]
    assert queued(broker)[-1] == (GENERATE_UI_TASK, {"request_id": request_id})
    stored = client.get(f"/api/v1/requests/{request_id}", headers=AUTH).json()
    assert (stored["kind"], stored["target"]) == ("ui", "https://example.com/login")
    assert stored["status"] == "pending"


GOOD_SPEC_URL = "http://127.0.0.1:9/openapi.yaml"
BAD_REQUESTS = [
    ("/api/v1/requests/api", b'{"openapi_url": ', "malformed JSON body"),
    ("/api/v1/requests/api", b"[]", "Input should be a valid dictionary"),
    ("/api/v1/requests/api", {}, "give exactly one of openapi_url and openapi"),
    ("/api/v1/requests/api", {"openapi_url": GOOD_SPEC_URL, "openapi": {"openapi": "3.0.3"}},
     "give exactly one of openapi_url and openapi"),
    ("/api/v1/requests/api", {"openapi_url": "not a url"}, "openapi_url: must be an http or https URL"),
    ("/api/v1/requests/api", {"openapi_url": "ftp://example.com/spec.yaml"}, "not ftp:"),
    ("/api/v1/requests/api", {"openapi_url": "file:///etc/passwd"}, "not file:"),
    ("/api/v1/requests/api", {"openapi_url": "http://"}, "with a host"),
    ("/api/v1/requests/api", {"openapi_url": GOOD_SPEC_URL, "base_url": "javascript:alert(1)"},
     "base_url: must be an http or https URL"),
    ("/api/v1/requests/api", {"openapi": {"swagger": "2.0"}}, "not an OpenAPI 3 document"),
    ("/api/v1/requests/api", {"openapi_url": GOOD_SPEC_URL, "requirements": "not a list"},
     "requirements: Input should be a valid list"),
    ("/api/v1/requests/api", {"openapi_url": GOOD_SPEC_URL, "options": {"out_dir": "/tmp/x"}},
     "options.out_dir: not available in service mode"),
    ("/api/v1/requests/api", {"openapi_url": GOOD_SPEC_URL, "options": {"max_attempts": 99}},
     "options.max_attempts"),
    ("/api/v1/requests/api", {"openapi_url": GOOD_SPEC_URL, "options": {"turbo": True}}, "options.turbo"),
    ("/api/v1/requests/api", {"openapi_url": GOOD_SPEC_URL, "spec": "x"}, "spec: Extra inputs"),
    ("/api/v1/requests/ui", {}, "url: Field required"),
    ("/api/v1/requests/ui", {"url": "data:text/html,<p>hi</p>"}, "url: must be an http or https URL"),
    ("/api/v1/requests/ui", {"url": "https://example.com", "requirements": [""]}, "requirements.0"),
]


@pytest.mark.parametrize(("path", "payload", "reason"), BAD_REQUESTS,
                         ids=[f"{p.rsplit('/', 1)[1]}-{r[:30]}" for p, _, r in BAD_REQUESTS])
def test_bad_requests_are_refused_with_a_reason_and_nothing_queued(
    client: httpx.Client, broker: redis.Redis, settings: Settings, path: str, payload: Any, reason: str
) -> None:
    before = (broker.llen(QUEUE), stored_count(settings))
    if isinstance(payload, bytes):
        answer = client.post(path, headers={**AUTH, "Content-Type": "application/json"}, content=payload)
    else:
        answer = client.post(path, headers=AUTH, json=payload)
    assert answer.status_code == 422, answer.text
    assert reason in answer.json()["detail"]
    assert (broker.llen(QUEUE), stored_count(settings)) == before


@pytest.mark.parametrize(("headers", "reason"), [
    ({}, "missing API key"),
    ({"Authorization": "Bearer wrong-key"}, "invalid API key"),
    ({"Authorization": "Basic dGVzdC1rZXk6"}, "missing API key"),
    ({"Authorization": "Bearer"}, "missing API key"),
])
def test_requests_without_a_valid_key_are_refused(
    client: httpx.Client, broker: redis.Redis, settings: Settings, headers: dict[str, str], reason: str
) -> None:
    before = (broker.llen(QUEUE), stored_count(settings))
    some_id = uuid.uuid4()
    calls = [
        client.post("/api/v1/requests/api", headers=headers, json={"openapi_url": GOOD_SPEC_URL}),
        client.post("/api/v1/requests/ui", headers=headers, json={"url": "https://example.com"}),
        client.get("/api/v1/requests", headers=headers),
        client.get(f"/api/v1/requests/{some_id}", headers=headers),
        client.get(f"/api/v1/requests/{some_id}/tests.zip", headers=headers),
        client.get(f"/api/v1/requests/{some_id}/events", headers=headers),
        client.post(f"/api/v1/requests/{some_id}/messages", headers=headers, json={"message": "approve"}),
        client.get(f"/api/v1/requests/{some_id}/messages", headers=headers),
    ]
    for answer in calls:
        assert answer.status_code == 401, (answer.request.url, answer.text)
        assert reason in answer.json()["detail"]
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert (broker.llen(QUEUE), stored_count(settings)) == before


def test_every_configured_key_is_accepted(client: httpx.Client) -> None:
    assert client.get("/api/v1/requests", headers={"Authorization": "Bearer second-key"}).status_code == 200


@pytest.mark.parametrize("suffix", ["", "/tests", "/tests.zip", "/events", "/messages"])
def test_unknown_ids_are_not_found(client: httpx.Client, suffix: str) -> None:
    unknown = uuid.uuid4()
    answer = client.get(f"/api/v1/requests/{unknown}{suffix}", headers=AUTH)
    assert answer.status_code == 404
    assert answer.json() == {"detail": f"no request with id {unknown}"}


def test_unknown_id_review_is_not_found_and_bad_ids_are_invalid(client: httpx.Client) -> None:
    unknown = uuid.uuid4()
    answer = client.post(f"/api/v1/requests/{unknown}/messages", headers=AUTH, json={"message": "approve"})
    assert answer.status_code == 404
    answer = client.get("/api/v1/requests/not-an-id", headers=AUTH)
    assert answer.status_code == 422 and "request_id" in answer.json()["detail"]


def pending_request(client: httpx.Client) -> str:
    answer = client.post("/api/v1/requests/api", headers=AUTH, json={"openapi_url": GOOD_SPEC_URL})
    assert answer.status_code == 202
    return str(answer.json()["request_id"])


def test_review_of_a_request_not_waiting_is_a_conflict(client: httpx.Client, broker: redis.Redis) -> None:
    request_id = pending_request(client)
    before = broker.llen(QUEUE)
    answer = client.post(f"/api/v1/requests/{request_id}/messages", headers=AUTH, json={"message": "approve"})
    assert answer.status_code == 409
    assert answer.json()["detail"] == f"request {request_id} is not waiting for review (it is pending)"
    assert broker.llen(QUEUE) == before
    conversation = client.get(f"/api/v1/requests/{request_id}/messages", headers=AUTH).json()
    assert conversation == {"request_id": request_id, "waiting": False, "messages": []}


def test_suite_of_an_unfinished_request_is_a_conflict(client: httpx.Client) -> None:
    request_id = pending_request(client)
    answer = client.get(f"/api/v1/requests/{request_id}/tests.zip", headers=AUTH)
    assert answer.status_code == 409 and "once it has completed" in answer.json()["detail"]
    assert client.get(f"/api/v1/requests/{request_id}/tests", headers=AUTH).json() == []


def test_requests_are_listed_newest_first(client: httpx.Client) -> None:
    ids = [pending_request(client) for _ in range(3)]
    listed = client.get("/api/v1/requests", headers=AUTH, params={"limit": 2}).json()
    assert [r["request_id"] for r in listed] == ids[::-1][:2]
    assert client.get("/api/v1/requests", headers=AUTH, params={"limit": 0}).status_code == 422


def test_openapi_document_matches_the_routes(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    # Every call with a key may be over its rate (429) or find Redis or the database down (503).
    keyed = {"401", "429", "503"}
    expected = {
        ("post", "/api/v1/requests/api"): {"202", "400", "409", "413", "422", *keyed},
        ("post", "/api/v1/requests/ui"): {"202", "400", "409", "413", "422", *keyed},
        ("get", "/api/v1/requests"): {"200", "422", *keyed},
        ("get", "/api/v1/requests/{request_id}"): {"200", "404", "422", *keyed},
        ("get", "/api/v1/requests/{request_id}/tests"): {"200", "404", "422", *keyed},
        ("get", "/api/v1/requests/{request_id}/tests.zip"): {"200", "404", "409", "422", *keyed},
        ("get", "/api/v1/requests/{request_id}/events"): {"200", "404", "422", *keyed},
        ("post", "/api/v1/requests/{request_id}/messages"): {
            "202", "400", "404", "409", "413", "422", *keyed
        },
        ("get", "/api/v1/requests/{request_id}/messages"): {"200", "404", "422", *keyed},
        ("post", "/api/v1/requests/{request_id}/export"): {"202", "400", "404", "409", "413", "422", *keyed},
        ("get", "/api/v1/requests/{request_id}/exports"): {"200", "404", "422", *keyed},
        ("post", "/api/v1/requests/{request_id}/stream-token"): {"201", "404", "422", *keyed},
        ("post", "/api/v1/highlight"): {"200", "400", "413", "422", *keyed},
        ("get", "/healthz"): {"200"},
        ("get", "/readyz"): {"200", "503"},
    }
    assert {(m, p): set(op["responses"]) for p, ops in paths.items() for m, op in ops.items()} == expected
    def content(method: str, path: str, status: str) -> dict[str, Any]:
        return dict(paths[path][method]["responses"][status]["content"])

    accepted = content("post", "/api/v1/requests/api", "202")["application/json"]["schema"]
    assert accepted == {"$ref": "#/components/schemas/RequestAccepted"}
    assert "text/event-stream" in content("get", "/api/v1/requests/{request_id}/events", "200")
    assert "application/zip" in content("get", "/api/v1/requests/{request_id}/tests.zip", "200")
