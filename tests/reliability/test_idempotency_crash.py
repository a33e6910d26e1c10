"""A server killed after storing a request and before answering: a retry with the same `Idempotency-Key`
gets that request, and no second one is ever made.

The server is held at that point by real means: the test locks the requests table until the key is
reserved, then freezes the Redis the server queues tasks in (SIGSTOP), so that the server has committed
the request and waits on the broker when it is SIGKILLed.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from storage.engine import session_scope
from storage.models import IdempotencyKey, Request
from tests.e2e import stack
from tests.reliability.conftest import STARTUP_S
from tests.reliability.services import PrivateRedis, ServiceUnavailable

WAIT_S = 20.0


@pytest.fixture
def frozen_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A Redis of this test's own: it is frozen, which no other test's server may notice."""
    server = PrivateRedis(tmp_path / "redis")
    try:
        server.start()
    except ServiceUnavailable as missing:
        pytest.skip(f"no private Redis: {missing}")
    yield server
    if server.process is not None and server.running:
        server.process.send_signal(signal.SIGCONT)
    server.kill()


def _eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {WAIT_S} s"
        time.sleep(0.05)


def _requests_with(database_url: str, marker: str) -> list[uuid.UUID]:
    with session_scope(database_url) as session:
        rows = session.execute(select(Request.request_id, Request.requirements)).all()
        return [request_id for request_id, requirements in rows if marker in " ".join(requirements)]


def _reserved(database_url: str) -> bool:
    with session_scope(database_url) as session:
        return bool(session.scalar(select(func.count()).select_from(IdempotencyKey)))


def test_a_crash_between_storing_and_answering_still_gives_one_request(
    frozen_redis: PrivateRedis, tmp_path: Path
) -> None:
    key, marker = str(uuid.uuid4()), uuid.uuid4().hex
    body = {"openapi_url": "http://127.0.0.1:9/openapi.yaml", "requirements": [f"Listing tasks {marker}."]}
    headers = {**stack.AUTH, "Idempotency-Key": key}
    with stack.postgres_database("testops_idempotency_crash") as database_url:
        env = stack.service_env(database_url, f"{frozen_redis.url}/0", tmp_path / "data",
                                TESTOPS_TARGET_ALLOWLIST="127.0.0.1",
                                TESTOPS_IDEMPOTENCY_ABANDONED_S="1")  # fmt: skip
        first = stack.start_server(env, tmp_path / "first.log", timeout_s=STARTUP_S)
        engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
        try:
            with engine.connect() as lock:
                lock.execute(text("LOCK TABLE requests IN SHARE MODE"))  # the insert waits for us
                answered: list[BaseException | httpx.Response] = []

                def call() -> None:
                    try:
                        answered.append(httpx.post(f"{first.url}/api/v1/requests/api", json=body,
                                                   headers=headers, timeout=WAIT_S))  # fmt: skip
                    except httpx.HTTPError as error:
                        answered.append(error)

                caller = threading.Thread(target=call)
                caller.start()
                _eventually(lambda: _reserved(database_url), "the key's reservation")
                assert frozen_redis.process is not None
                frozen_redis.process.send_signal(signal.SIGSTOP)
                lock.rollback()
            _eventually(lambda: bool(_requests_with(database_url, marker)), "storing the request")
            [stored] = _requests_with(database_url, marker)
            os.killpg(first.process.pid, signal.SIGKILL)
            first.process.wait(timeout=10)
            caller.join(timeout=WAIT_S)
        finally:
            engine.dispose()
            stack.stop(first.process)
        assert answered and not isinstance(answered[0], httpx.Response), "the server answered before dying"
        frozen_redis.process.send_signal(signal.SIGCONT)

        time.sleep(1.5)  # past TESTOPS_IDEMPOTENCY_ABANDONED_S: a reservation alone would be taken over
        second = stack.start_server(env, tmp_path / "second.log", timeout_s=STARTUP_S)
        try:
            retried = httpx.post(f"{second.url}/api/v1/requests/api", json=body, headers=headers, timeout=30)
        finally:
            stack.stop(second.process)

        assert retried.status_code == 202, retried.text
        assert retried.json()["request_id"] == str(stored)
        assert retried.headers["idempotent-replayed"] == "true"
        assert _requests_with(database_url, marker) == [stored]
