"""A real Celery worker subprocess on a fresh PostgreSQL database and its own Redis database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from celery_worker.app import TestOpsCelery, create_celery
from graph.settings import Settings
from storage.engine import migrate
from tests.e2e import stack

REDIS_DB = 14


@pytest.fixture(scope="package")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with stack.postgres_database("testops_worker") as database_url, stack.redis_database(REDIS_DB) as broker:
        migrate(database_url)  # the server migrates on start; here there is no server
        # The sample targets live on 127.0.0.1, which the service's workers refuse unless allowed.
        yield stack.service_env(database_url, broker, tmp_path_factory.mktemp("worker-data"),
                                TESTOPS_TARGET_ALLOWLIST="127.0.0.1")


@pytest.fixture(scope="package")
def settings(env: dict[str, str]) -> Settings:
    return stack.settings_for(env)


@pytest.fixture(scope="package")
def workers(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack.Workers]:
    workers = stack.Workers(env, tmp_path_factory.mktemp("worker-logs"))
    try:
        workers.start("w1")
        yield workers
    finally:
        workers.stop()


@pytest.fixture(scope="package")
def celery_app(settings: Settings) -> Iterator[TestOpsCelery]:
    """The app as the server uses it: to send tasks by name."""
    app = create_celery(settings)
    yield app
    app.close()


@pytest_asyncio.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    async with Redis.from_url(settings.redis_url, decode_responses=True) as client:
        yield client
