"""Stream tokens: how a browser's EventSource, which sends no headers, opens one request's event stream."""

from __future__ import annotations

import asyncio

import httpx
import redis

from graph.settings import Settings
from server.stream_tokens import STREAM_TOKEN_TTL_S
from tests.e2e.stack import AUTH
from tests.server.test_api import pending_request
from tests.server.test_events import publish_run


def stream_token(client: httpx.Client, request_id: str, headers: dict[str, str] = AUTH) -> str:
    answer = client.post(f"/api/v1/requests/{request_id}/stream-token", headers=headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["token"])


def events_without_header(client: httpx.Client, path: str) -> httpx.Response:
    with client.stream("GET", path) as response:
        response.read()
        return response


def event_ids(client: httpx.Client, path: str, headers: dict[str, str] | None = None) -> list[str]:
    """The ids of the events the stream sends, read to its end; no API key is sent."""
    with client.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200, response.read()
        return [line.removeprefix("id: ") for line in response.iter_lines() if line.startswith("id: ")]


def test_a_token_opens_the_stream_and_last_event_id_may_come_in_the_url(
    client: httpx.Client, settings: Settings
) -> None:
    request_id = pending_request(client)
    ids = asyncio.run(publish_run(settings, request_id))
    path = f"/api/v1/requests/{request_id}/events?stream_token={stream_token(client, request_id)}"
    assert event_ids(client, path) == ids
    assert event_ids(client, f"{path}&last_event_id={ids[2]}") == ids[3:]
    # The header, which the browser's own reconnections send, wins over the id in the URL.
    assert event_ids(client, f"{path}&last_event_id={ids[2]}", headers={"Last-Event-ID": ids[4]}) == ids[5:]


def test_a_token_opens_only_its_own_request_and_is_never_a_key(
    client: httpx.Client, settings: Settings
) -> None:
    mine, other = pending_request(client), pending_request(client)
    asyncio.run(publish_run(settings, mine))
    token = stream_token(client, mine)
    refused = events_without_header(client, f"/api/v1/requests/{other}/events?stream_token={token}")
    assert refused.status_code == 401 and "invalid or expired stream token" in refused.json()["detail"]
    assert client.get(f"/api/v1/requests/{mine}", params={"stream_token": token}).status_code == 401
    as_key = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/requests/{mine}", headers=as_key).status_code == 401
    made_up = events_without_header(client, f"/api/v1/requests/{mine}/events?stream_token=made-up")
    assert made_up.status_code == 401


def test_a_token_is_only_for_the_key_that_owns_the_request(client: httpx.Client) -> None:
    request_id = pending_request(client)
    other_key = {"Authorization": "Bearer second-key"}
    answer = client.post(f"/api/v1/requests/{request_id}/stream-token", headers=other_key)
    assert answer.status_code == 404
    assert client.post(f"/api/v1/requests/{request_id}/stream-token").status_code == 401


def test_an_expired_token_is_refused(client: httpx.Client, broker: redis.Redis) -> None:
    request_id = pending_request(client)
    token = stream_token(client, request_id)
    stored = broker.keys("stream-token:*")
    assert stored and all(0 < broker.ttl(key) <= STREAM_TOKEN_TTL_S for key in stored)
    assert not any(token in key for key in stored)  # kept by its digest only
    broker.delete(*stored)  # what Redis does when their time is up
    refused = events_without_header(client, f"/api/v1/requests/{request_id}/events?stream_token={token}")
    assert refused.status_code == 401 and "stream-token" in refused.json()["detail"]
