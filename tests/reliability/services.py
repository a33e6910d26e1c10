"""Private Redis and PostgreSQL servers that a fault test owns and may kill, on free ports of their own.

The shared servers (6379, 5432) serve every other test on the machine: faults are never done to them.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
from psycopg import sql

from tests.e2e.stack import free_port, tail

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
# initdb and postgres refuse to run as root: as root, they run as this user.
POSTGRES_USER = "postgres"
READY_TIMEOUT_S = 30.0


class ServiceUnavailable(RuntimeError):
    """The binaries (or the user to run them as) are missing: the tests needing the server are skipped."""


def _wait(ready: Callable[[], bool], what: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not answer within {READY_TIMEOUT_S} s:\n{tail(log)}")


@dataclass
class PrivateRedis:
    """A redis-server on a free port, logging every write (AOF, fsync always) so that a SIGKILL and a
    restart lose nothing: the fault is the outage, as a durable broker has it, not a wiped broker."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.directory / "redis.log"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceUnavailable("redis-server is not installed (.ci/services installs it)")
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.directory),
                   "--logfile", str(self.log)]
        self.process = subprocess.Popen(command, start_new_session=True)
        _wait(self._answers, f"redis-server on port {self.port}", self.log)

    def _answers(self) -> bool:
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: every client's connection drops at once."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def restart(self, *, down_s: float) -> None:
        """Kill, stay down `down_s` seconds, start again on the same port with the same data."""
        self.kill()
        time.sleep(down_s)
        self.start()


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of its own (initdb in a temporary folder), trusting loopback clients."""

    directory: Path
    port: int = field(default_factory=free_port)
    _runner: list[str] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "postgres.log"

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def create(self) -> None:
        """initdb, then start; as root, both run as the `postgres` user, which owns the folder."""
        if not (POSTGRES_BIN / "initdb").exists():
            raise ServiceUnavailable(f"PostgreSQL 15 binaries are missing from {POSTGRES_BIN}")
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam(POSTGRES_USER)
            except KeyError as error:
                raise ServiceUnavailable(f"running as root and there is no {POSTGRES_USER!r} user") from error
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
            self._runner = ["runuser", "-u", POSTGRES_USER, "--"]
        subprocess.run([*self._runner, str(POSTGRES_BIN / "initdb"), "-D", str(self.data), "-A", "trust",
                        "-U", "postgres", "-E", "UTF8", "--no-sync"], check=True, capture_output=True)
        self.start()

    def start(self) -> None:
        # fsync off: the cluster is throwaway, and its faults are outages, not lost disks.
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("start", "-w", "-o", options, "-l", str(self.log))
        _wait(self._answers, f"PostgreSQL on port {self.port}", self.log)

    def _answers(self) -> bool:
        try:
            with psycopg.connect(self.admin_url, connect_timeout=1) as connection:
                connection.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False

    def stop(self) -> None:
        """Immediate shutdown, as a crash: open connections are cut, nothing waits for clients."""
        self._pg_ctl("stop", "-m", "immediate", "-w")

    @property
    def running(self) -> bool:
        status = [*self._runner, str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "status"]
        return self.data.exists() and subprocess.run(status, capture_output=True).returncode == 0

    def remove(self) -> None:
        """Stop the cluster if it runs, and delete its folder."""
        if self.running:
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _pg_ctl(self, *arguments: str) -> None:
        subprocess.run([*self._runner, str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), *arguments],
                       check=True, capture_output=True)

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.database_url(name)
