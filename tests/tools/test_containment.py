"""Hostile generated code, written straight to disk past the static guard, run by the real runner.

Each case must be contained: this process (the worker) survives, nothing leaks or is left outside the
sandbox, and the test is BROKEN with a reason (a write to /tmp or /dev/shm succeeds, into the sandbox's
private one, and must not appear in the real one).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from samples.loopback import Reply, serving
from tools import containment
from tools.containment import Limits, child_environment
from tools.runner import TestRun, classify, run_suite
from vocabulary.artefacts import Verdict

SECRET = f"s3cr3t-{uuid.uuid4().hex}"
SERVICE_SECRETS = (
    "TESTOPS_DATABASE_URL", "TESTOPS_REDIS_URL", "TESTOPS_API_KEYS", "OPENAI_API_KEY",
    "TESTOPS_OPENAI_API_KEY", "GITHUB_TOKEN", "GITLAB_TOKEN", "AWS_SECRET_ACCESS_KEY",
)  # fmt: skip

needs_sandbox_uid = pytest.mark.skipif(
    not containment.isolation().own_uid, reason="this machine gives generated code no throwaway uid"
)


def _write_module(directory: Path, name: str, source: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return path


async def _verdicts(directory: Path, **options: object) -> dict[str, tuple[Verdict, TestRun]]:
    runs = await run_suite(directory, workers=1, **options)  # type: ignore[arg-type]
    return {test_id.split("::")[1]: (classify(run), run) for test_id, run in runs.items()}


@dataclass
class Numbers:
    """A target that keeps the numbers contained tests report (`GET /<number>`): their pids, their uid."""

    reported: list[int] = field(default_factory=list)

    def handle(self, method: str, path: str, query: str, authorization: str | None, body: bytes) -> Reply:
        self.reported.append(int(path.strip("/")))
        return Reply(200, {})


@pytest.fixture
def numbers() -> Iterator[tuple[Numbers, str]]:
    target = Numbers()
    with serving(target) as url:
        yield target, url


def _clock_ticks() -> int:
    """Now, in the unit of /proc/<pid>/stat start times: clock ticks since boot."""
    return int(float(Path("/proc/uptime").read_text().split()[0]) * os.sysconf("SC_CLK_TCK"))


def _left_behind(uid: int, before_ticks: int) -> list[int]:
    """Live processes of `uid` started before a tick: those of our run, not of a later claimant of the uid."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(") ", 1)[1].split()
            owner = entry.stat().st_uid
        except (FileNotFoundError, NotADirectoryError, IndexError):
            continue
        state, start = fields[0], int(fields[19])
        if owner == uid and state != "Z" and start <= before_ticks:
            found.append(int(entry.name))
    return found


# --- the environment ---------------------------------------------------------------------------------


def test_child_environment_keeps_the_basics_and_the_suite_variables_only() -> None:
    service = {
        **dict.fromkeys(SERVICE_SECRETS, SECRET),
        "PATH": "/usr/bin",
        "LC_ALL": "C.UTF-8",
        "HTTPS_PROXY": f"http://user:{SECRET}@proxy:3128",
        "TESTOPS_BASE_URL": "http://target",
        "TESTOPS_API_TOKEN": "suite-token",
        "TESTOPS_API_PASSWORD_2": "second-password",
        "TESTOPS_OAUTH_CLIENT_SECRET": "client-secret",
        "TESTOPS_GIVEN_ORDER_ID": "7",
        "TESTOPS_ACTION_TIMEOUT_MS": "900",
        "TESTOPS_DATA_DIR": "/var/lib/testops",
        "PYTEST_ADDOPTS": "-x",
        "HOME": "/root",
    }

    environment = child_environment(service, {"TESTOPS_REQUEST_TIMEOUT": "3", "TESTOPS_PROBE": "on"})

    assert environment == {
        "PATH": "/usr/bin",
        "LC_ALL": "C.UTF-8",
        "TESTOPS_BASE_URL": "http://target",
        "TESTOPS_API_TOKEN": "suite-token",
        "TESTOPS_API_PASSWORD_2": "second-password",
        "TESTOPS_OAUTH_CLIENT_SECRET": "client-secret",
        "TESTOPS_GIVEN_ORDER_ID": "7",
        "TESTOPS_ACTION_TIMEOUT_MS": "900",
        "TESTOPS_REQUEST_TIMEOUT": "3",
        "TESTOPS_PROBE": "on",
    }


async def test_generated_code_sees_no_secret_but_its_own_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in SERVICE_SECRETS:
        monkeypatch.setenv(name, SECRET)
    monkeypatch.setenv("TESTOPS_API_TOKEN", "suite-token")
    _write_module(
        tmp_path,
        "test_env.py",
        f"""
        import os
        from pathlib import Path


        def test_sees_its_variables_only():
            assert os.environ["TESTOPS_API_TOKEN"] == "suite-token"
            assert os.environ["TESTOPS_BASE_URL"] == "http://target"
            assert os.environ["HOME"] == str(Path.cwd().parent)
            assert {SECRET!r} not in " ".join(os.environ.values())


        def test_reads_the_service_secret():
            print(os.environ["TESTOPS_DATABASE_URL"])


        def test_reads_the_worker_environment():
            print(Path(f"/proc/{{os.getppid()}}/environ").read_bytes())
        """,
    )

    verdicts = await _verdicts(tmp_path, env={"TESTOPS_BASE_URL": "http://target"})

    assert verdicts["test_sees_its_variables_only"][0] is Verdict.PASSED, verdicts
    verdict, run = verdicts["test_reads_the_service_secret"]
    assert verdict is Verdict.BROKEN and "KeyError: 'TESTOPS_DATABASE_URL'" in run.message
    verdict, run = verdicts["test_reads_the_worker_environment"]
    if containment.isolation().own_uid:
        assert verdict is Verdict.BROKEN and "PermissionError" in run.message, run.message
    assert all(SECRET not in run.message + run.longrepr for _, run in verdicts.values())


# --- the filesystem ----------------------------------------------------------------------------------


@needs_sandbox_uid
async def test_generated_code_writes_nothing_outside_its_folder(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    marker = f"escaped-{uuid.uuid4().hex}"
    targets = {
        "stored_suite": suite / marker,
        "worker_home": Path.home() / marker,
        "interpreter": Path(sys.prefix) / marker,
        "shared_tmp": Path("/tmp") / marker,
        "shared_memory": Path("/dev/shm") / marker,
    }
    functions = "\n\n".join(
        f"def test_writes_{name}():\n    Path({str(path)!r}).write_text('owned')\n"
        for name, path in targets.items()
    )
    _write_module(suite, "test_write.py", "from pathlib import Path\n\n\n" + functions)
    _write_module(
        suite, "test_own_folder.py", "def test_writes_its_folder():\n    open('mine.txt', 'w').write('ok')\n"
    )

    try:
        verdicts = await _verdicts(suite)
    finally:
        leaked = [path for path in targets.values() if path.exists()]
        for path in leaked:
            path.unlink()

    assert not leaked
    assert verdicts["test_writes_its_folder"][0] is Verdict.PASSED
    for name in ("stored_suite", "worker_home", "interpreter"):
        verdict, run = verdicts[f"test_writes_{name}"]
        assert verdict is Verdict.BROKEN and (
            "Permission denied" in run.message or "No such file" in run.message
        )
    assert not (suite / "mine.txt").exists()  # the stored suite is not the folder tests run in


# --- processes ---------------------------------------------------------------------------------------


async def test_starting_a_process_is_refused_with_the_reason(tmp_path: Path) -> None:
    _write_module(
        tmp_path,
        "test_spawn.py",
        """
        import os
        import subprocess


        def test_runs_a_shell():
            subprocess.run(["sh", "-c", "echo spawned"], check=True)


        def test_runs_os_system():
            os.system("echo spawned")


        def test_forks_forever():
            while True:
                os.fork()
        """,
    )

    verdicts = await _verdicts(tmp_path)

    for name, event in (
        ("test_runs_a_shell", "subprocess.Popen"),
        ("test_runs_os_system", "os.system"),
        ("test_forks_forever", "os.fork"),
    ):
        verdict, run = verdicts[name]
        assert verdict is Verdict.BROKEN
        assert (
            f"PermissionError: contained: a generated test may not start a process ({event})" in run.message
        )


@needs_sandbox_uid
async def test_a_native_fork_bomb_stops_at_the_process_limit(
    tmp_path: Path, numbers: tuple[Numbers, str]
) -> None:
    reports, url = numbers
    _write_module(
        tmp_path,
        "test_bomb.py",
        f"""
        import ctypes
        import os

        import httpx


        def test_forks_natively():
            fork = ctypes.CDLL(None, use_errno=True).fork
            for _ in range(100_000):
                if fork() < 0:
                    raise OSError(ctypes.get_errno(), "fork refused")


        def test_after_the_bomb():
            httpx.get(f"{url}/{{os.getuid()}}")
        """,
    )

    verdicts = await _verdicts(tmp_path, timeout_s=20.0, limits=Limits(processes=32))
    finished = _clock_ticks()

    verdict, run = verdicts["test_forks_natively"]
    assert verdict is Verdict.BROKEN and "fork refused" in run.message, run.message
    assert verdicts["test_after_the_bomb"][0] is Verdict.PASSED  # the session went on, reported once
    [uid] = reports.reported
    assert uid in containment.SANDBOX_UIDS
    assert not _left_behind(uid, finished)


# --- CPU and memory ----------------------------------------------------------------------------------


async def test_an_infinite_loop_and_a_10_gb_allocation_are_broken(tmp_path: Path) -> None:
    _write_module(
        tmp_path,
        "test_greedy.py",
        """
        def test_loops_forever():
            while True:
                pass


        def test_allocates_10_gb():
            blob = bytearray(10 * 1024**3)
            assert blob
        """,
    )

    verdicts = await _verdicts(tmp_path, timeout_s=1.0)

    verdict, run = verdicts["test_loops_forever"]
    assert verdict is Verdict.BROKEN and "TestTimeout" in run.message
    verdict, run = verdicts["test_allocates_10_gb"]
    assert verdict is Verdict.BROKEN and "MemoryError" in run.message, run.message


@needs_sandbox_uid
async def test_a_loop_that_disarms_the_test_timer_is_stopped_with_its_process(
    tmp_path: Path, numbers: tuple[Numbers, str]
) -> None:
    reports, url = numbers
    _write_module(
        tmp_path,
        "test_stubborn.py",
        f"""
        import os
        import signal

        import httpx


        def test_ignores_every_timer():
            httpx.get(f"{url}/{{os.getuid()}}")
            for number in (signal.SIGALRM, signal.SIGINT, signal.SIGXCPU):
                signal.signal(number, signal.SIG_IGN)
            while True:
                pass
        """,
    )

    started = time.monotonic()
    verdicts = await _verdicts(tmp_path, timeout_s=1.0)
    finished = _clock_ticks()

    verdict, run = verdicts["test_ignores_every_timer"]
    assert verdict is Verdict.BROKEN and "timed out" in run.message
    assert time.monotonic() - started < 60
    [uid] = reports.reported
    assert not _left_behind(uid, finished)


# --- the worker's death ------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def test_a_killed_worker_takes_its_validation_processes_with_it(
    tmp_path: Path, numbers: tuple[Numbers, str]
) -> None:
    reports, url = numbers
    suite = tmp_path / "suite"
    _write_module(
        suite,
        "test_long.py",
        f"""
        import os
        import time

        import httpx


        def test_runs_long():
            httpx.get(f"{url}/{{os.getpid()}}")
            time.sleep(120)
        """,
    )
    worker_code = (
        "import asyncio, sys; from pathlib import Path; from tools.runner import run_suite; "
        "asyncio.run(run_suite(Path(sys.argv[1]), workers=1, timeout_s=300.0))"
    )
    worker_tmp = tmp_path / "worker-tmp"  # a killed worker leaves its run folder behind: here, not in /tmp
    worker_tmp.mkdir()
    worker = subprocess.Popen(
        [sys.executable, "-c", worker_code, str(suite)],
        cwd=Path(__file__).parents[2],
        env={**os.environ, "TMPDIR": str(worker_tmp)},
    )
    try:
        deadline = time.monotonic() + 60
        while not reports.reported and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.1)
        assert reports.reported, "the contained test never started"
        [pytest_pid] = reports.reported
        assert _alive(pytest_pid)

        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        deadline = time.monotonic() + 10
        while _alive(pytest_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(pytest_pid)
    finally:
        worker.kill()
        worker.wait()
