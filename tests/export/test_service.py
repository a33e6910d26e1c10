"""Service mode: POST /requests/{id}/export answers 202, a real Celery worker runs `github_integration_task`
or `gitlab_integration_task`, the progress goes to the request's SSE stream, the PR/MR URL appears on the
request; and the token given in the body shows nowhere: not in the database, the logs, the events or Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import redis
from psycopg import sql

from graph.settings import Settings
from samples.github_stub import GitHubStandIn
from samples.gitlab_stub import GitLabStandIn
from server.keys import env_key_id, key_digest
from storage.engine import session_scope
from storage.models import Request
from storage.repository import create_request
from tests.e2e import stack
from tests.export.conftest import README, TOKEN, copy_request

OWNER = env_key_id(key_digest(stack.API_KEY))


@pytest.fixture(scope="module")
def server(env: dict[str, str], generated: uuid.UUID, tmp_path_factory: pytest.TempPathFactory,
           ) -> Iterator[stack.Server]:
    server = stack.start_server(env, Path(tmp_path_factory.mktemp("export-server")) / "server.log",
                                timeout_s=120)
    yield server
    stack.stop(server.process)


@pytest.fixture(scope="module")
def workers(env: dict[str, str], server: stack.Server,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack.Workers]:
    workers = stack.Workers(env, tmp_path_factory.mktemp("export-worker-logs"))
    try:
        workers.start("w1", timeout_s=120)
        yield workers
    finally:
        workers.stop()


@pytest.fixture
def client(server: stack.Server) -> Iterator[httpx.Client]:
    with server.client(headers=stack.AUTH) as client:
        yield client


@pytest.fixture
def owned(settings: Settings, generated: uuid.UUID) -> Request:
    return copy_request(settings, generated, owner=OWNER)


def _export_events(client: httpx.Client, request_id: uuid.UUID,
                   after: str | None = None) -> list[stack.Event]:
    """The request's events (after the event id `after`) up to the next `end`."""
    headers = {"Last-Event-ID": after} if after else None
    return stack.collect(stack.sse(client, f"/api/v1/requests/{request_id}/events", headers=headers),
                         until=stack.is_end, deadline_s=120)


def _database_text(database_url: str) -> str:
    """Every row of every table, as text."""
    with psycopg.connect(database_url) as connection:
        tables = [row[0] for row in connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        select = sql.SQL("SELECT * FROM {}")
        return "\n".join(str(row) for table in tables
                         for row in connection.execute(select.format(sql.Identifier(table))))


def _redis_text(url: str) -> str:
    """Every value held in the Redis database (streams, hashes, lists, strings), as text."""
    client = redis.Redis.from_url(url, decode_responses=True)
    readers = {"string": client.get, "hash": client.hgetall, "list": lambda key: client.lrange(key, 0, -1),
               "set": client.smembers, "zset": lambda key: client.zrange(key, 0, -1),
               "stream": lambda key: client.xrange(key)}
    try:
        return "\n".join(f"{key} {readers[client.type(key)](key)}" for key in client.scan_iter())
    finally:
        client.close()


def test_export_through_the_service_opens_the_pull_request_and_tells_its_progress(
    env: dict[str, str], client: httpx.Client, workers: stack.Workers, server: stack.Server, owned: Request,
    github: tuple[str, GitHubStandIn], gitlab: tuple[str, GitLabStandIn], repository: str,
) -> None:
    hub, lab = github[1], gitlab[1]
    store = hub.add_repository(repository, README)
    lab.add_project(repository, README)
    path = f"/api/v1/requests/{owned.request_id}/export"
    body = {"provider": "github", "repository": repository, "path": "tests/api", "base": "main",
            "token": TOKEN}

    accepted = client.post(path, json=body)

    assert accepted.status_code == 202, accepted.text
    export_id = accepted.json()["export_id"]
    assert accepted.json() == {"export_id": export_id, "request_id": str(owned.request_id),
                               "status": "pending"}
    events = _export_events(client, owned.request_id)
    stages = [e.data["stage"] for e in events if e.event == "custom"]
    assert [e.event for e in events][:2] == ["custom", "metadata"] and events[1].data["kind"] == "export"
    assert stages == ["queued", "started", "committed", "review_request", "completed"]
    end = events[-1].data
    assert end["status"] == "completed" and end["export"]["status"] == "completed"
    pull = hub.pulls[repository][0]
    assert end["export"]["url"] == pull["html_url"] and end["export"]["export_id"] == export_id
    shown = client.get(f"/api/v1/requests/{owned.request_id}").json()
    assert [(e["export_id"], e["url"], e["status"]) for e in shown["exports"]] == [
        (export_id, pull["html_url"], "completed")]

    # Again, and to GitLab: the same pull request without a commit; a merge request.
    again = client.post(path, json=body)
    assert again.status_code == 202
    events = _export_events(client, owned.request_id, after=events[-1].id)
    assert events[-1].data["export"]["url"] == pull["html_url"]
    assert [e.data["stage"] for e in events if e.event == "custom"][2] == "unchanged"
    assert len(hub.pulls[repository]) == 1 and len(store.history(f"testops/{owned.request_id}")) == 2
    to_gitlab = client.post(path, json={**body, "provider": "gitlab"})
    assert to_gitlab.status_code == 202
    events = _export_events(client, owned.request_id, after=events[-1].id)
    assert events[-1].data["export"]["url"] == lab.merge_requests[repository][0]["web_url"]
    listed = client.get(f"/api/v1/requests/{owned.request_id}/exports").json()
    assert [e["provider"] for e in listed] == ["github", "github", "gitlab"]
    assert {e["number"] for e in listed} == {1}

    # The token went to the stand-ins and nowhere else.
    replay = client.get(f"/api/v1/requests/{owned.request_id}/events").text
    logs = server.log.read_text() + workers.log("w1").read_text()
    assert "export" in logs
    for where, text in {"database": _database_text(env["TESTOPS_DATABASE_URL"]), "logs": logs,
                        "events": replay, "redis": _redis_text(env["TESTOPS_REDIS_URL"])}.items():
        assert TOKEN not in text, f"the token is in the {where}"


def test_a_refused_export_fails_with_one_line_on_the_export_and_its_stream(
    client: httpx.Client, workers: stack.Workers, owned: Request, github: tuple[str, GitHubStandIn],
    repository: str,
) -> None:
    github[1].add_repository(repository, README)
    accepted = client.post(f"/api/v1/requests/{owned.request_id}/export",
                           json={"provider": "github", "repository": repository,
                                 "token": "ghp_notTheRightOne"})
    assert accepted.status_code == 202

    events = _export_events(client, owned.request_id)

    error = next(e for e in events if e.event == "error").data
    assert error["error"] == "TokenRejectedError" and "(HTTP 401): Bad credentials" in error["message"]
    assert events[-1].data["export"]["status"] == "failed"
    export = client.get(f"/api/v1/requests/{owned.request_id}/exports").json()[0]
    assert export["status"] == "failed" and export["error"] == error["message"]
    assert "ghp_notTheRightOne" not in str(events)


def test_bad_exports_are_refused_before_anything_is_queued(
    settings: Settings, client: httpx.Client, owned: Request,
) -> None:
    path = f"/api/v1/requests/{owned.request_id}/export"
    refusals = {
        "provider": ({"provider": "bitbucket", "repository": "a/b"}, 422, "provider: Input should be"),
        "repository": ({"provider": "github", "repository": "a/b/c"}, 422,
                       "invalid github repository 'a/b/c': expected OWNER/REPO"),
        "path": ({"provider": "gitlab", "repository": "g/p", "path": "../up"}, 422, "path: invalid folder"),
        "root": ({"provider": "gitlab", "repository": "g/p", "path": "/"}, 422, "not its root"),
        "extra": ({"provider": "github", "repository": "a/b", "branch": "x"}, 422, "branch: Extra inputs"),
    }
    for name, (body, status, detail) in refusals.items():
        answer = client.post(path, json=body)
        assert (answer.status_code, name) == (status, name)
        assert detail in answer.json()["detail"], (name, answer.json())
    assert client.post(f"/api/v1/requests/{uuid.uuid4()}/export",
                       json={"provider": "github", "repository": "a/b"}).status_code == 404
    with session_scope(settings.sqlalchemy_url) as session:
        pending = create_request(session, kind="api", target="spec.yaml", api_key_id=OWNER)
    answer = client.post(f"/api/v1/requests/{pending.request_id}/export",
                         json={"provider": "github", "repository": "a/b"})
    assert answer.status_code == 409 and "is pending" in answer.json()["detail"]
    assert client.get(f"/api/v1/requests/{owned.request_id}/exports").json() == []
