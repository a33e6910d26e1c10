"""`Idempotency-Key` against a real server: a retry, or a burst of them, makes one request, never two.

The server runs here without workers, so every task it queues stays in the queue to be counted.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import func, select

from storage.engine import session_scope
from storage.models import Request
from tests.e2e import stack
from tests.e2e.stack import Server

QUEUE = "celery"
REDIS_DB = 9


@pytest.fixture(scope="module")
def lone_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with (
        stack.postgres_database("testops_idempotency") as database_url,
        stack.redis_database(REDIS_DB) as broker,
    ):
        yield stack.service_env(
            database_url,
            broker,
            tmp_path_factory.mktemp("idempotency-data"),
            TESTOPS_TARGET_ALLOWLIST="127.0.0.1",
        )


@pytest.fixture(scope="module")
def lone_server(lone_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = stack.start_server(lone_env, Path(tmp_path_factory.mktemp("idempotency-logs")) / "server.log")
    yield server
    stack.stop(server.process)


@pytest.fixture
def client(lone_server: Server) -> Iterator[httpx.Client]:
    with lone_server.client() as client:
        yield client


@pytest.fixture
def queued(lone_env: dict[str, str]) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(lone_env["TESTOPS_REDIS_URL"], decode_responses=True)
    yield client
    client.close()


def body(marker: str, **changes: Any) -> dict[str, Any]:
    """An API request whose requirement carries `marker`, so its stored rows can be counted."""
    return {
        "openapi_url": "http://127.0.0.1:9/openapi.yaml",
        "requirements": [f"Listing tasks {marker}."],
        **changes,
    }


def post(
    client: httpx.Client,
    key: str | None,
    payload: dict[str, Any],
    *,
    api_key: str = stack.API_KEY,
    route: str = "api",
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {api_key}", **({"Idempotency-Key": key} if key else {})}
    return client.post(f"/api/v1/requests/{route}", headers=headers, json=payload)


def stored_with(env: dict[str, str], marker: str) -> int:
    with session_scope(env["TESTOPS_DATABASE_URL"]) as session:
        rows = session.scalars(select(Request.requirements)).all()
        return sum(marker in " ".join(requirements) for requirements in rows)


def queued_for(broker: redis.Redis, request_id: str) -> int:
    count = 0
    for raw in broker.lrange(QUEUE, 0, -1):
        _args, kwargs, _embed = json.loads(base64.b64decode(json.loads(raw)["body"]))
        count += kwargs["request_id"] == request_id
    return count


def test_a_retry_with_the_same_key_and_body_gets_the_same_request(
    client: httpx.Client, queued: redis.Redis, lone_env: dict[str, str]
) -> None:
    key, marker = str(uuid.uuid4()), uuid.uuid4().hex
    first = post(client, key, body(marker))
    # The same document re-encoded with its keys in another order is the same body.
    again = post(client, key, dict(reversed(list(body(marker).items()))))
    assert first.status_code == again.status_code == 202, (first.text, again.text)
    assert again.json() == first.json()
    assert "idempotent-replayed" not in first.headers and again.headers["idempotent-replayed"] == "true"
    request_id = first.json()["request_id"]
    assert stored_with(lone_env, marker) == 1 and queued_for(queued, request_id) == 1
    # Without a key, the same body is a new request, as before.
    assert post(client, None, body(marker)).json()["request_id"] != request_id
    assert stored_with(lone_env, marker) == 2


def test_the_same_key_with_another_body_is_refused_and_makes_nothing(
    client: httpx.Client, queued: redis.Redis, lone_env: dict[str, str]
) -> None:
    key, marker = str(uuid.uuid4()), uuid.uuid4().hex
    first = post(client, key, body(marker))
    assert first.status_code == 202
    before = queued.llen(QUEUE)
    for changed in (
        body(marker, requirements=["Something else."]),
        body(marker, base_url="http://127.0.0.1:8"),
    ):
        refused = post(client, key, changed)
        assert refused.status_code == 422
        assert "Idempotency-Key was already used with a different request body" in refused.json()["detail"]
    # The UI route with the key of an API request is another body too.
    assert post(client, key, {"url": "http://127.0.0.1:9/"}, route="ui").status_code == 422
    assert queued.llen(QUEUE) == before and stored_with(lone_env, marker) == 1


def test_keys_belong_to_their_api_key(client: httpx.Client, lone_env: dict[str, str]) -> None:
    key, marker = str(uuid.uuid4()), uuid.uuid4().hex
    mine = post(client, key, body(marker))
    theirs = post(client, key, body(marker), api_key="second-key")
    assert mine.status_code == theirs.status_code == 202
    assert mine.json()["request_id"] != theirs.json()["request_id"]
    assert stored_with(lone_env, marker) == 2


def test_a_burst_of_retries_makes_one_request(
    lone_server: Server, queued: redis.Redis, lone_env: dict[str, str]
) -> None:
    """Concurrent calls with one key: one makes the request; the others get it, or 409 while it is made."""
    key, marker = str(uuid.uuid4()), uuid.uuid4().hex

    def call(_: int) -> httpx.Response:
        with lone_server.client() as client:
            return post(client, key, body(marker))

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(call, range(12)))
    assert {a.status_code for a in answers} <= {202, 409}, [a.text for a in answers]
    accepted = {a.json()["request_id"] for a in answers if a.status_code == 202}
    assert len(accepted) == 1
    for conflict in (a for a in answers if a.status_code == 409):
        assert "still being made" in conflict.json()["detail"]
    assert stored_with(lone_env, marker) == 1 and queued_for(queued, accepted.pop()) == 1


def test_a_refused_call_leaves_the_key_free_for_a_corrected_retry(
    client: httpx.Client, lone_env: dict[str, str]
) -> None:
    key, marker = str(uuid.uuid4()), uuid.uuid4().hex
    with session_scope(lone_env["TESTOPS_DATABASE_URL"]) as session:
        before = session.scalar(select(func.count()).select_from(Request))
    # Refused by the service itself (not by the body's schema): a metadata address is never a target.
    refused = post(client, key, body(marker, openapi_url="http://169.254.169.254/openapi.yaml"))
    assert refused.status_code == 422, refused.text
    with session_scope(lone_env["TESTOPS_DATABASE_URL"]) as session:
        assert session.scalar(select(func.count()).select_from(Request)) == before
    assert post(client, key, body(marker)).status_code == 202
    assert stored_with(lone_env, marker) == 1
