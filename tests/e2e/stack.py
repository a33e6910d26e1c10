"""Real pieces of the service for tests and benchmarks: a PostgreSQL database, a Redis database, the
uvicorn server and Celery workers as subprocesses, and a small SSE client."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis
from psycopg import sql

from celery_worker.app import create_celery
from graph.settings import Settings
from tools.containment import dying_with_parent

REPO = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get("TESTOPS_TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_BASE = os.environ.get("TESTOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379")
API_KEY = "test-key"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
NODE_ORDER = ["reconnaissance", "generation", "validation", "optimization", "review", "persistence"]


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A fresh, randomly named PostgreSQL database, dropped afterwards."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            # FORCE: a worker killed by a test may leave a connection behind.
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def redis_database(number: int) -> Iterator[str]:
    """A dedicated Redis database, flushed before and after."""
    url = f"{REDIS_BASE}/{number}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_env(database_url: str, redis_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of the server and the workers: one database, one Redis, one data dir."""
    return {
        **os.environ,
        # The editable install may predate server/ and celery_worker/: find them in the checkout.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")])),
        "TESTOPS_DATABASE_URL": database_url,
        "TESTOPS_REDIS_URL": redis_url,
        "TESTOPS_API_KEYS": f"{API_KEY},second-key",
        "TESTOPS_DATA_DIR": str(data_dir),
        "TESTOPS_API_TOKEN": "demo-token",  # the sample API's token, for the suites the workers validate
        # Far above what the tests and the benchmark send: they are not about the per-key limit.
        "TESTOPS_RATE_LIMIT": "1000/second",
        **extra,
    }


def settings_for(env: dict[str, str]) -> Settings:
    return Settings(database_url=env["TESTOPS_DATABASE_URL"], redis_url=env["TESTOPS_REDIS_URL"],
                    api_keys=env["TESTOPS_API_KEYS"].split(","), data_dir=Path(env["TESTOPS_DATA_DIR"]))


def _spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        # A session of its own: stopping (or SIGKILLing) it takes its children along.
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                # a worker outliving a killed test run would take the next run's tasks
                                start_new_session=True, preexec_fn=dying_with_parent(signal.SIGTERM))


def stop(process: subprocess.Popen[bytes], *, grace_s: float = 10.0) -> None:
    """SIGTERM the process group, SIGKILL it when it lingers."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass


def tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


@dataclass
class Server:
    """The uvicorn server subprocess."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)


def start_server(env: dict[str, str], log: Path, *, timeout_s: float = 30.0) -> Server:
    port = free_port()
    process = _spawn([sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", str(port)], env, log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{tail(log)}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Server(process, url, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"the server did not answer within {timeout_s} s:\n{tail(log)}")


@dataclass
class Workers:
    """Named Celery worker subprocesses (prefork, one pool process each)."""

    env: dict[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def hostname(self) -> str:
        return socket.gethostname()

    def nodename(self, name: str) -> str:
        return f"{name}@{self.hostname}"

    def log(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def start(self, *names: str, timeout_s: float = 60.0) -> None:
        for name in names:
            command = [sys.executable, "-m", "celery", "-A", "celery_worker", "worker", "--pool=prefork",
                       "--concurrency=1", "-n", f"{name}@%h", "--loglevel=INFO"]
            self.processes[name] = _spawn(command, self.env, self.log(name))
        self.wait_ready(*names, timeout_s=timeout_s)

    def wait_ready(self, *names: str, timeout_s: float) -> None:
        app = create_celery(settings_for(self.env))
        waiting = {self.nodename(n) for n in names}
        deadline = time.monotonic() + timeout_s
        try:
            while waiting and time.monotonic() < deadline:
                for name in names:
                    if self.processes[name].poll() is not None:
                        raise RuntimeError(f"worker {name} exited:\n{tail(self.log(name))}")
                replies = app.control.ping(destination=sorted(waiting), timeout=0.5)
                waiting -= {node for reply in replies for node in reply}
        finally:
            app.close()
        if waiting:
            raise RuntimeError(f"workers {sorted(waiting)} did not answer within {timeout_s} s")

    def alive(self, name: str) -> bool:
        return name in self.processes and self.processes[name].poll() is None

    def kill(self, name: str) -> None:
        """SIGKILL the whole worker (main process and pool), as when its machine dies."""
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self, *names: str) -> None:
        """Warm shutdown, all at once: each finishes (or requeues) what it holds."""
        chosen = [self.processes.pop(name) for name in names or tuple(self.processes)]
        for process in chosen:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in chosen:
            stop(process)


@dataclass
class Event:
    """One Server-Sent Event (or a comment, such as a ping)."""

    event: str | None = None
    id: str | None = None
    data: Any = None
    comment: str | None = None


def sse(client: httpx.Client, path: str, *, headers: dict[str, str] | None = None,
        read_timeout_s: float = 30.0) -> Iterator[Event]:
    """Parse an SSE response as it arrives; closing the iterator closes the connection."""
    timeout = httpx.Timeout(10.0, read=read_timeout_s)
    with client.stream("GET", path, headers={**AUTH, **(headers or {})}, timeout=timeout) as response:
        if response.status_code != 200:
            response.read()
            raise AssertionError(f"events answered {response.status_code}: {response.text}")
        current = Event()
        for line in response.iter_lines():
            if not line:
                if current != Event():
                    yield current
                current = Event()
            elif line.startswith(":"):
                yield Event(comment=line[1:].strip())
            else:
                key, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if key == "data":
                    current.data = json.loads(value)
                elif key in ("event", "id"):
                    setattr(current, key, value)


def collect(events: Iterator[Event], *, until: Callable[[Event], bool],
            deadline_s: float = 120.0) -> list[Event]:
    """Events (comments skipped) up to and including the first that satisfies `until`."""
    seen: list[Event] = []
    end = time.monotonic() + deadline_s
    for event in events:
        if event.comment is None:
            seen.append(event)
            if until(event):
                return seen
        if time.monotonic() > end:
            break
    raise AssertionError(f"stream ended or timed out before the awaited event; saw {[e.event for e in seen]}")


def is_end(event: Event) -> bool:
    return event.event == "end"
