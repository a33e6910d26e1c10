"""Faults against the real service: PostgreSQL, Redis, the uvicorn server and Celery workers as subprocesses.

Short leases and sweeps so that a killed worker's task, or a request its server never queued, comes back
within seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from graph.settings import Settings
from samples.tasks_api import app as sample
from tests.e2e import stack

REDIS_DB = 12
WORKERS = ("w1", "w2")


@pytest.fixture(scope="package")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with (
        stack.postgres_database("testops_reliability") as database_url,
        stack.redis_database(REDIS_DB) as broker,
    ):
        yield stack.service_env(
            database_url,
            broker,
            tmp_path_factory.mktemp("reliability-data"),
            TESTOPS_WORKER_LEASE_S="4",
            TESTOPS_SSE_PING_S="0.5",
            TESTOPS_ENQUEUE_SWEEP_S="1",
            TESTOPS_ENQUEUE_GRACE_S="2",
            # The sample API listens on loopback, which the service refuses unless allowed.
            TESTOPS_TARGET_ALLOWLIST="127.0.0.1",
        )


@pytest.fixture(scope="package")
def settings(env: dict[str, str]) -> Settings:
    return stack.settings_for(env)


@pytest.fixture(scope="package")
def server(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack.Server]:
    server = stack.start_server(env, Path(tmp_path_factory.mktemp("reliability-logs")) / "server.log")
    yield server
    stack.stop(server.process)


@pytest.fixture(scope="package")
def workers(
    env: dict[str, str], server: stack.Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[stack.Workers]:
    """Two workers, started after the server (which migrates the database)."""
    workers = stack.Workers(env, tmp_path_factory.mktemp("reliability-worker-logs"))
    try:
        workers.start(*WORKERS)
        yield workers
    finally:
        workers.stop()


@pytest.fixture
def both_workers_up(workers: stack.Workers) -> stack.Workers:
    """A test that killed a worker leaves the next one a full set."""
    dead = [name for name in WORKERS if not workers.alive(name)]
    if dead:
        workers.start(*dead)
    return workers


@pytest.fixture(scope="package")
def slow_target() -> Iterator[str]:
    """The sample API answering every call 50 ms late: long enough to kill a worker mid-validation."""
    with sample.serve(sample.Variant.SLOW_BUT_FINE) as base_url:
        yield base_url


@pytest.fixture
def broker(settings: Settings) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    yield client
    client.close()
