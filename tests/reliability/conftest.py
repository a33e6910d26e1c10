"""Faults against the real service: PostgreSQL, Redis, the uvicorn server and Celery workers as subprocesses.

Short leases and sweeps so that a killed worker's task, or a request its server never queued, comes back
within seconds. Faults done to Redis or PostgreSQL themselves use the private servers of the `fault_*`
fixtures, never the shared ones.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from graph.settings import Settings
from samples.tasks_api import app as sample
from tests.e2e import stack
from tests.reliability.services import PrivatePostgres, PrivateRedis, ServiceUnavailable

REDIS_DB = 12
WORKERS = ("w1", "w2")
FAULT_WORKERS = ("f1", "f2")
STARTUP_S = 120.0
# Short leases and pings, and the sample APIs on loopback allowed as targets.
FAST_RECOVERY = {"TESTOPS_WORKER_LEASE_S": "4", "TESTOPS_SSE_PING_S": "0.5",
                 "TESTOPS_TARGET_ALLOWLIST": "127.0.0.1", "TESTOPS_RATE_LIMIT": "100000/minute"}


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


@pytest.fixture(scope="session")
def private_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedis]:
    """A Redis of the fault tests' own, which they kill and restart."""
    server = PrivateRedis(tmp_path_factory.mktemp("private-redis"))
    try:
        server.start()
    except ServiceUnavailable as missing:
        pytest.skip(f"no private Redis: {missing}")
    yield server
    server.kill()


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of the fault tests' own, which they stop and start. Not under pytest's
    temporary folder: as root, the cluster runs as `postgres`, who cannot enter it."""
    cluster = PrivatePostgres(Path(tempfile.mkdtemp(prefix="testops-private-pg-")))
    try:
        cluster.create()
    except ServiceUnavailable as missing:
        cluster.remove()
        pytest.skip(f"no private PostgreSQL: {missing}")
    yield cluster
    cluster.remove()


@pytest.fixture(scope="session")
def fault_env(private_redis: PrivateRedis, private_postgres: PrivatePostgres,
              tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return stack.service_env(private_postgres.create_database("testops_faults"), f"{private_redis.url}/0",
                             tmp_path_factory.mktemp("fault-data"), **FAST_RECOVERY)


@pytest.fixture(scope="session")
def fault_settings(fault_env: dict[str, str]) -> Settings:
    return stack.settings_for(fault_env)


@pytest.fixture(scope="session")
def fault_server(fault_env: dict[str, str],
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack.Server]:
    # A long start-up allowance: on a loaded machine importing the service alone can take half a minute.
    server = stack.start_server(fault_env, Path(tmp_path_factory.mktemp("fault-logs")) / "server.log",
                                timeout_s=STARTUP_S)
    yield server
    stack.stop(server.process)


@pytest.fixture(scope="session")
def fault_workers(fault_env: dict[str, str], fault_server: stack.Server,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack.Workers]:
    """Two workers on the private servers, started after the server (which migrates the database)."""
    workers = stack.Workers(fault_env, tmp_path_factory.mktemp("fault-worker-logs"))
    try:
        workers.start(*FAULT_WORKERS, timeout_s=STARTUP_S)
        yield workers
    finally:
        workers.stop()


@pytest.fixture
def fault_stack(private_redis: PrivateRedis, private_postgres: PrivatePostgres,
                fault_workers: stack.Workers) -> stack.Workers:
    """Both private servers and both workers up, whatever the test before did to them."""
    if not private_redis.running:
        private_redis.start()
    if not private_postgres.running:
        private_postgres.start()
    dead = [name for name in FAULT_WORKERS if not fault_workers.alive(name)]
    if dead:
        fault_workers.start(*dead)
    return fault_workers
