"""The server alone, as a real uvicorn subprocess on a fresh PostgreSQL database and its own Redis
database, with no worker: whatever it queues stays in the queue, where the tests can count it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from graph.settings import Settings
from server.keys import key_digest
from tests.e2e import stack
from tests.e2e.stack import Server

REDIS_DB = 13
# Loopback's 127.0.0.1 only: the rest of 127.0.0.0/8 stays refused, for the refusal tests.
ALLOWED_TARGETS = "127.0.0.1"
# The rate-limited servers: a low rate, and keys their environment gives as digests only. Each test that
# spends a key's rate has a key of its own.
LIMITED_RATE = "5/minute"
LIMITED_KEYS = ("across-processes-key", "untouched-key", "bad-inputs-key")


@pytest.fixture(scope="package")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with stack.postgres_database("testops_server") as database_url, stack.redis_database(REDIS_DB) as broker:
        data_dir = tmp_path_factory.mktemp("server-data")
        # The targets the tests name live on 127.0.0.1, which the service refuses unless allowed.
        yield stack.service_env(database_url, broker, data_dir, TESTOPS_SSE_PING_S="0.5",
                                TESTOPS_TARGET_ALLOWLIST=ALLOWED_TARGETS)


@pytest.fixture(scope="package")
def settings(env: dict[str, str]) -> Settings:
    return stack.settings_for(env)


@pytest.fixture(scope="package")
def server(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # Room to start: on a busy machine importing the service alone takes seconds.
    log = Path(tmp_path_factory.mktemp("server-logs")) / "server.log"
    server = stack.start_server(env, log, timeout_s=120)
    yield server
    stack.stop(server.process)


@pytest.fixture(scope="package")
def limited_servers(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    """Two more server processes on the same database and Redis, with a rate limit low enough to reach."""
    limited_env = {**env, "TESTOPS_RATE_LIMIT": LIMITED_RATE,
                   "TESTOPS_API_KEYS": ",".join(f"sha256:{key_digest(key)}" for key in LIMITED_KEYS)}
    logs = Path(tmp_path_factory.mktemp("limited-server-logs"))
    servers: list[Server] = []
    try:
        # One after the other: two first starts would migrate a fresh database at once.
        for name in ("a", "b"):
            servers.append(stack.start_server(limited_env, logs / f"server-{name}.log", timeout_s=120))
        yield servers
    finally:
        for server in servers:
            stack.stop(server.process)


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


@pytest.fixture
def broker(settings: Settings) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    yield client
    client.close()
