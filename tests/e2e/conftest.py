"""The whole service, every piece real: PostgreSQL, Redis, the uvicorn server, two Celery workers
(prefork, one pool process each) and the sample Task Tracker API (correct, and slow) to generate for."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from graph.settings import Settings
from samples.tasks_api import app as sample
from tests.e2e import stack

# TESTOPS_E2E_REDIS_DB: another database, for e2e runs side by side on one Redis (each flushes its own).
REDIS_DB = int(os.environ.get("TESTOPS_E2E_REDIS_DB", "15"))
WORKERS = ("w1", "w2")


@pytest.fixture(scope="package")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with stack.postgres_database("testops_e2e") as database_url, stack.redis_database(REDIS_DB) as broker:
        # A short lease: a killed worker's task comes back within seconds. The sample targets live on
        # 127.0.0.1, which the service refuses unless allowed.
        yield stack.service_env(database_url, broker, tmp_path_factory.mktemp("e2e-data"),
                                TESTOPS_WORKER_LEASE_S="4", TESTOPS_SSE_PING_S="0.5",
                                TESTOPS_TARGET_ALLOWLIST="127.0.0.1")


@pytest.fixture(scope="package")
def settings(env: dict[str, str]) -> Settings:
    return stack.settings_for(env)


@pytest.fixture(scope="package")
def server(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack.Server]:
    server = stack.start_server(env, Path(tmp_path_factory.mktemp("e2e-logs")) / "server.log")
    yield server
    stack.stop(server.process)


@pytest.fixture(scope="package")
def workers(env: dict[str, str], server: stack.Server,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack.Workers]:
    """Two workers; started after the server, which migrates the database."""
    workers = stack.Workers(env, tmp_path_factory.mktemp("e2e-worker-logs"))
    try:
        workers.start(*WORKERS)
        yield workers
    finally:
        workers.stop()


@pytest.fixture(autouse=True)
def both_workers_up(workers: stack.Workers) -> None:
    """A test that killed a worker leaves the next one a full set."""
    dead = [name for name in WORKERS if not workers.alive(name)]
    if dead:
        workers.start(*dead)


@pytest.fixture(scope="package")
def target() -> Iterator[str]:
    """The correct sample API."""
    with sample.serve() as base_url:
        yield base_url


@pytest.fixture(scope="package")
def slow_target() -> Iterator[str]:
    """The sample API answering every call 50 ms late: long enough to kill a worker mid-validation."""
    with sample.serve(sample.Variant.SLOW_BUT_FINE) as base_url:
        yield base_url


@pytest.fixture
def client(server: stack.Server) -> Iterator[httpx.Client]:
    with server.client(headers=stack.AUTH) as client:
        yield client


@pytest.fixture
def broker(settings: Settings) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    yield client
    client.close()
