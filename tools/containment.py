"""Runs generated code contained: its own user, folder, environment and limits, and death with its worker.

The static guard (tools.safety) is the first line; this is the one for code that got past it. Each pytest
process of a validation runs in a sandbox, every layer used where the machine allows it and named in a log
line where it does not (`isolation()` finds out once per process):

- environment: the service's own settings and anything secret-looking are dropped; the suite's variables
  (target URL, the target's credentials, timeouts) and what the caller passes stay (`child_environment`).
- a folder of its own: home, working folder and TMPDIR, holding a copy of the suite, so generated code
  never writes into the suite that is stored.
- a throwaway uid per sandbox (when the service runs as root): RLIMIT_NPROC binds it, which it never does
  for root, so a fork bomb stops at `Limits.processes`; it cannot write the service's files nor read its
  processes' environments; every process it leaves behind is killed by uid.
- a private mount namespace (root only): fresh tmpfs over the world-writable folders (/tmp, /var/tmp,
  /dev/shm, /run/lock) and over the folders the uid could not enter anyway (the service's home), with only
  the sandbox and the interpreter lent back into them.
- limits: data segment (RLIMIT_DATA, not RLIMIT_AS, which Chromium's address-space reservations break),
  file size, CPU seconds, no core files.
- PR_SET_PDEATHSIG: a pytest process dies with the worker that started it; the runner gives it its own
  process group and kills that too.
- a pytest plugin refusing every process start but Playwright's driver (audit hook), so a test that tries
  is BROKEN with the reason, and forked copies of a session exit instead of reporting. It gives reasons;
  the limits above are what holds a test that gets round it (native code, tampering).

- under a policy that refuses inner addresses (service mode), a `GuardingProxy` of the runner's judges every
  request the suite makes, redirects included: the proxy variables name it, and the plugin makes every
  httpx transport use it whatever it was built with, a refusal raising an error that carries the reason.

What remains: network access by other means than httpx and the proxy variables (the static guard refuses
sockets), /proc listings, and reading world-readable files outside the hidden folders.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import functools
import logging
import math
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

# A range of uids no account uses: far above login users and the usual subordinate-id ranges.
SANDBOX_UIDS = range(1_900_000_000, 1_900_001_024)
# Root-only, so a sandboxed uid cannot take the locks that make a uid one sandbox's own.
_UID_LOCKS = Path("/run/testops-copilot/sandbox-uids")
# Folders every user may write to: outside the sandbox, a private tmpfs replaces each.
_SHARED_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
_SCRATCH_TMPFS = "mode=1777,size=256m"
_HIDING_TMPFS = "mode=0755,size=1m"
_CPU_GRACE_S = 5  # between the soft CPU limit (SIGXCPU) and the hard one (SIGKILL)

# Linux ABI constants (<sched.h>, <sys/mount.h>, <sys/prctl.h>).
_CLONE_NEWNS = 0x00020000
_MS_NOSUID, _MS_NODEV, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x2, 0x4, 0x1000, 0x4000, 0x40000
_PR_SET_PDEATHSIG = 1

PLUGIN = "testops_containment"
# Names the policing proxy (tools.target_policy.GuardingProxy) every httpx transport of the suite must use.
GUARD_PROXY_VARIABLE = "TESTOPS_GUARD_PROXY"
# Written next to each run and loaded with `-p` before any suite module is imported.
PLUGIN_SOURCE = r'''"""TestOps Copilot containment: only the browser driver may start; forks never report;
with a guarding proxy named, every httpx transport goes through it."""

import importlib.util
import inspect
import os
import sys
from pathlib import Path

import pytest

_SESSION_PID = os.getpid()
_SPAWNS = frozenset(
    {"os.exec", "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.system", "subprocess.Popen"}
)
_playwright = importlib.util.find_spec("playwright")
_DRIVER = (
    Path(_playwright.submodule_search_locations[0], "driver").resolve()
    if _playwright and _playwright.submodule_search_locations
    else None
)


def _is_browser_driver(executable):
    if _DRIVER is None or executable is None:
        return False
    return Path(os.fsdecode(executable)).resolve().is_relative_to(_DRIVER)


def _refuse_processes(event, args):
    if event in _SPAWNS and not (event == "subprocess.Popen" and _is_browser_driver(args[0])):
        raise PermissionError(f"contained: a generated test may not start a process ({event})")


sys.addaudithook(_refuse_processes)

_GUARD_PROXY = os.environ.get("TESTOPS_GUARD_PROXY")
_REFUSED_HEADER = "X-TestOps-Refused"
_UNREACHABLE_HEADER = "X-TestOps-Unreachable"


def _through_guard(transport_class):
    """Every transport of the class sends through the guarding proxy, whatever it was built with
    (trust_env=False, a proxy, socket or local address of its own); a refusal raises instead of answering.
    No connection is kept alive: the proxy serves one request per connection."""
    import httpx

    build = transport_class.__init__
    signature = inspect.signature(build)
    limits = httpx.Limits(max_keepalive_connections=0)

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.arguments.update(proxy=_GUARD_PROXY, uds=None, local_address=None, limits=limits)
        build(*bound.args, **bound.kwargs)

    def refused(response, request):
        if reason := response.headers.get(_REFUSED_HEADER):
            return httpx.ConnectError(f"contained: {reason}", request=request)
        if reason := response.headers.get(_UNREACHABLE_HEADER):
            return httpx.ConnectError(f"the target could not be reached: {reason}", request=request)
        return None

    if issubclass(transport_class, httpx.AsyncBaseTransport):
        handle = transport_class.handle_async_request

        async def handle_async_request(self, request):
            response = await handle(self, request)
            if error := refused(response, request):
                await response.aclose()
                raise error
            return response

        transport_class.handle_async_request = handle_async_request
    else:
        handle = transport_class.handle_request

        def handle_request(self, request):
            response = handle(self, request)
            if error := refused(response, request):
                response.close()
                raise error
            return response

        transport_class.handle_request = handle_request
    transport_class.__init__ = __init__


if _GUARD_PROXY and importlib.util.find_spec("httpx") is not None:
    import httpx

    _through_guard(httpx.HTTPTransport)
    _through_guard(httpx.AsyncHTTPTransport)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    try:
        return (yield)
    finally:
        if os.getpid() != _SESSION_PID:
            os._exit(70)  # a copy forked past the hook (native code): it must not run on or write the report
'''


@dataclass(frozen=True)
class Limits:
    """Per-process resource limits of a sandbox; processes counts the tasks (threads too) of its uid."""

    memory_bytes: int = 4 << 30  # Chromium's renderers and Playwright's driver stay far below
    file_bytes: int = 512 << 20  # screenshots and reports are a few MB
    processes: int = 512  # a browser runs a few hundred threads


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Isolation:
    """What this machine lets a sandbox use, found by `isolation()`."""

    own_uid: bool
    private_mounts: bool


# ---------------------------------------------------------------------------------------------------
# Environment

# What the child needs of the service's environment to run at all.
_PROCESS_BASICS = frozenset(
    {"PATH", "LANG", "LANGUAGE", "TZ", "TERM", "DISPLAY", "SSL_CERT_FILE", "SSL_CERT_DIR", "NO_PROXY",
     "no_proxy", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "PYTHONPATH", "PYTHONHASHSEED",
     "PYTHONIOENCODING", "PYTHONUTF8"}
)  # fmt: skip
_PROCESS_BASIC_PREFIXES = ("LC_", "PLAYWRIGHT_")
# The variables generated suites read (their conftest and helpers): the target and how to sign in to it.
_SUITE_VARIABLE = re.compile(
    r"TESTOPS_(?:BASE_URL|REQUEST_TIMEOUT|(?:EXPECT|ACTION|NAVIGATION)_TIMEOUT_MS|CHROMIUM|HEADED"
    r"|API_(?:TOKEN|KEY|USERNAME|PASSWORD)(?:_\d+)?|OAUTH_CLIENT_(?:ID|SECRET)(?:_\d+)?|GIVEN_\w+)"
)
_SECRET_LOOKING = re.compile(r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE|DSN", re.I)
_URL_WITH_CREDENTIALS = re.compile(r"://[^/@\s]+@")


def child_environment(service_env: Mapping[str, str], given: Mapping[str, str]) -> dict[str, str]:
    """The service's environment reduced to process basics and the suite's variables, then `given` on top.

    Anything else (database and Redis URLs, the service's API keys, LLM and Git tokens) is dropped, and so
    is a basic that looks secret (a proxy URL carrying a password).
    """
    kept = {
        name: value
        for name, value in service_env.items()
        if _SUITE_VARIABLE.fullmatch(name)
        or (
            (name in _PROCESS_BASICS or name.startswith(_PROCESS_BASIC_PREFIXES))
            and not _SECRET_LOOKING.search(name)
            and not _URL_WITH_CREDENTIALS.search(value)
        )
    }
    return {**kept, **given}


# ---------------------------------------------------------------------------------------------------
# What the machine allows


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    return libc


def dying_with_parent(signum: int) -> Callable[[], None]:
    """A step for a child between fork and exec (Linux; elsewhere it does nothing): the child gets `signum`
    when the process starting it dies, however it dies, and exits at once if that has already happened."""
    if not sys.platform.startswith("linux"):
        return lambda: None
    libc, parent = _libc(), os.getpid()

    def arm() -> None:
        _check(libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")
        if os.getppid() != parent:
            os._exit(1)

    return arm


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


_PROBING = threading.Lock()  # shards starting together wait for one probe


def isolation() -> Isolation:
    """Tries the strongest sandbox once, then weaker ones, and logs what generated code is not kept from."""
    with _PROBING:
        return _strongest_isolation()


@functools.cache
def _strongest_isolation() -> Isolation:
    if not sys.platform.startswith("linux"):
        logger.warning("containment: not Linux, so generated code runs as the service's own user, unconfined")
        return Isolation(own_uid=False, private_mounts=False)
    if os.geteuid() != 0:
        logger.warning(
            "containment: the service runs as uid %d, not root, so generated code runs as that same user: "
            "it can write the service's files, /tmp is shared and no process limit applies",
            os.geteuid(),
        )
        return Isolation(own_uid=False, private_mounts=False)
    for candidate, missing in (
        (Isolation(own_uid=True, private_mounts=True), ""),
        (Isolation(own_uid=True, private_mounts=False), "no private mounts: /tmp and /dev/shm are shared"),
    ):
        if error := _probe(candidate):
            logger.warning("containment: %s failed here (%s)", candidate, error)
            continue
        if missing:
            logger.warning("containment: %s", missing)
        return candidate
    logger.warning(
        "containment: no throwaway user (the interpreter is out of its reach without private mounts): "
        "generated code runs as root: it can write anywhere and no process limit binds"
    )
    return Isolation(own_uid=False, private_mounts=False)


def _probe(candidate: Isolation) -> str:
    """Why the interpreter cannot start (and read its site-packages) in such a sandbox; empty when it can."""
    uid, lock = _claim_uid()
    parent = Path(tempfile.mkdtemp(prefix="testops-probe-"))
    try:
        parent.chmod(0o755)
        home = parent / "home"
        home.mkdir(mode=0o700)
        os.chown(home, uid, uid)
        box = Sandbox(home=home, limits=DEFAULT_LIMITS, cpu_s=60.0, isolation=candidate, uid=uid)
        done = subprocess.run(
            [sys.executable, "-c", ""], cwd=home, env=box.environment({"PATH": os.defpath}),
            preexec_fn=box.preexec(), capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        return "" if done.returncode == 0 else done.stderr.strip()[-500:] or f"exit {done.returncode}"
    except (OSError, subprocess.SubprocessError) as error:
        return str(error)
    finally:
        shutil.rmtree(parent, ignore_errors=True)
        os.close(lock)


# ---------------------------------------------------------------------------------------------------
# The sandbox


@dataclass(frozen=True)
class Sandbox:
    """One contained pytest process: its folder, uid (None: the service's own) and how to enter it."""

    home: Path
    limits: Limits
    cpu_s: float
    isolation: Isolation
    uid: int | None

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        """`base` with the sandbox as home and temporary folder."""
        return {**base, "HOME": str(self.home), "TMPDIR": str(self.home / "tmp")}

    def adopt(self, suite: Path) -> Path:
        """A copy of the suite inside the sandbox, owned by its uid: the stored suite stays untouched."""
        copy = self.home / "suite"
        shutil.copytree(suite, copy, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        (self.home / "tmp").mkdir(exist_ok=True)
        if self.uid is not None:
            _chown_tree(self.home, self.uid)
        return copy

    def preexec(self) -> Callable[[], None]:
        """The preexec function: runs in the child between fork and exec, so only as the parent planned."""
        plan = _mount_plan(self.home) if self.isolation.private_mounts else None
        libc = _libc() if sys.platform.startswith("linux") else None
        die_with_parent = dying_with_parent(signal.SIGKILL)
        cpu = math.ceil(self.cpu_s)

        def enter() -> None:
            if plan is not None and libc is not None:
                _private_mounts(libc, *plan)
            os.chdir(self.home / "suite" if (self.home / "suite").is_dir() else self.home)
            resource.setrlimit(resource.RLIMIT_DATA, (self.limits.memory_bytes, self.limits.memory_bytes))
            resource.setrlimit(resource.RLIMIT_FSIZE, (self.limits.file_bytes, self.limits.file_bytes))
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + _CPU_GRACE_S))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if self.uid is not None:  # a shared uid's count includes the service's own processes
                resource.setrlimit(resource.RLIMIT_NPROC, (self.limits.processes, self.limits.processes))
                os.setgroups([])
                os.setgid(self.uid)
                os.setuid(self.uid)
            die_with_parent()  # after setuid, which clears it

        return enter


@contextlib.asynccontextmanager
async def sandbox(parent: Path, name: str, limits: Limits, cpu_s: float) -> AsyncIterator[Sandbox]:
    """A sandbox folder `parent/name` with its own uid where possible; its processes are killed on exit."""
    level = await asyncio.to_thread(isolation)  # the first call probes: seconds on a loaded machine
    home = parent / name
    home.mkdir(mode=0o700)
    if not level.own_uid:
        yield Sandbox(home=home, limits=limits, cpu_s=cpu_s, isolation=level, uid=None)
        return
    uid, lock = _claim_uid()
    try:
        await _kill_processes_of(uid)  # what a worker killed earlier in this uid's run left behind
        yield Sandbox(home=home, limits=limits, cpu_s=cpu_s, isolation=level, uid=uid)
    finally:
        await _kill_processes_of(uid)
        os.close(lock)


def _claim_uid() -> tuple[int, int]:
    """The first sandbox uid no other sandbox on this machine holds, and the descriptor of its lock."""
    _UID_LOCKS.mkdir(mode=0o700, parents=True, exist_ok=True)
    for uid in SANDBOX_UIDS:
        lock = os.open(_UID_LOCKS / str(uid), os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock)
            continue
        return uid, lock
    raise RuntimeError(f"all {len(SANDBOX_UIDS)} sandbox uids are in use")


async def _kill_processes_of(uid: int) -> None:
    """SIGKILL to every process of `uid` at once: kill(-1) sent as that uid, while no fork can intervene."""
    kill = shutil.which("kill") or "/bin/kill"

    def become_uid() -> None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)

    # preexec_fn, not user=/group=/extra_groups=: uvloop (uvicorn's and `langgraph dev`'s loop) refuses them.
    process = await asyncio.create_subprocess_exec(
        kill, "-KILL", "--", "-1", preexec_fn=become_uid,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await process.wait()


def _chown_tree(root: Path, uid: int) -> None:
    os.chown(root, uid, uid, follow_symlinks=False)
    for folder, names, files in os.walk(root):
        for name in [*names, *files]:
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)


# ---------------------------------------------------------------------------------------------------
# Private mounts


def _mount_plan(home: Path) -> tuple[list[str], list[str]]:
    """Folders to hide under a fresh tmpfs, and the folders to lend back into them (the sandbox's, the
    interpreter's), as the parent sees them: the child only mounts."""
    shared = [path for path in _SHARED_WRITABLE if os.path.isdir(path) and not os.path.islink(path)]
    needed = _outermost({os.path.realpath(home.parent), *_interpreter_folders(shared)})
    hidden = _outermost({*shared, *(blocked for path in needed if (blocked := _first_closed_ancestor(path)))})
    # A folder containing a hidden one is not lent: it would undo the hiding.
    lent = [
        path
        for path in needed
        if any(_within(path, root) for root in hidden) and not any(_within(root, path) for root in hidden)
    ]
    return sorted(hidden), sorted(lent)


def _interpreter_folders(shared: Iterable[str]) -> set[str]:
    """The installation and import path of this interpreter. The installation is lent wherever it lies (a
    virtual environment under /tmp); an import folder in a shared one (a script's own folder in /tmp) is not:
    the child imports its suite from the sandbox."""
    executable = os.path.dirname(os.path.realpath(sys.executable))
    installation = {os.path.realpath(p) for p in [sys.prefix, sys.base_prefix, sys.exec_prefix, executable]}
    imports = {os.path.realpath(path) for path in sys.path if path and os.path.isdir(path)}
    installed = {path for path in imports if any(_within(path, root) for root in installation)}
    return installation | installed | {path for path in imports if not any(_within(path, r) for r in shared)}


def _first_closed_ancestor(path: str) -> str | None:
    """The outermost folder on the way to `path` that other users may not enter."""
    current = "/"
    for part in Path(path).parts[1:]:
        current = os.path.join(current, part)
        if not os.stat(current).st_mode & stat.S_IXOTH:
            return current
    return None


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _outermost(paths: Iterable[str]) -> list[str]:
    kept: list[str] = []
    for path in sorted(paths, key=len):
        if not any(_within(path, outer) for outer in kept):
            kept.append(path)
    return kept


def _private_mounts(libc: ctypes.CDLL, hidden: list[str], lent: list[str]) -> None:
    """In the child: its own mount namespace, tmpfs over `hidden`, `lent` bound back at the same paths."""
    _check(libc.unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    # Before anything else: no mount made here may propagate to the service's namespace.
    _check(libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None), "making / private")
    handles = [os.open(path, os.O_PATH | os.O_CLOEXEC) for path in lent]
    for path in hidden:
        options = _SCRATCH_TMPFS if path in _SHARED_WRITABLE else _HIDING_TMPFS
        flags = _MS_NOSUID | _MS_NODEV
        _check(libc.mount(b"tmpfs", path.encode(), b"tmpfs", flags, options.encode()), f"tmpfs on {path}")
    for path, handle in zip(lent, handles, strict=True):
        os.makedirs(path, exist_ok=True)
        source = f"/proc/self/fd/{handle}".encode()
        _check(libc.mount(source, path.encode(), None, _MS_BIND | _MS_REC, None), f"lending {path}")
        os.close(handle)
