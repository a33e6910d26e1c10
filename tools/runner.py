"""Writes a generated suite to disk, runs it with pytest in subprocesses and classifies every test.

A test failing because the target is wrong is a FINDING and is kept; only a test broken in itself is
BROKEN and regenerated. `classify` reads one run like this (first matching row wins):

    outcome  exception or message                                            verdict
    -------  --------------------------------------------------------------  -------
    passed                                                                   PASSED
    skipped                                                                  SKIPPED
    error    anything: setup, fixture not found, collection (syntax, import) BROKEN
    failed   "strict mode violation", or a Playwright action (click, fill…)  BROKEN   wrong locator
             that timed out waiting for its locator
    failed   AssertionError (plain assert, Playwright expect), pytest.fail   FINDING  target disagrees
    failed   httpx.HTTPStatusError (raise_for_status)                        FINDING  target disagrees
    failed   NameError TypeError AttributeError ImportError SyntaxError      BROKEN   test code is wrong
             KeyError IndexError ValueError
    failed   TestTimeout, httpx.TimeoutException, playwright TimeoutError    BROKEN   timeouts are repaired
    failed   httpx.ConnectError, playwright Error, OSError                   BROKEN   not a spec disagreement
    failed   anything else                                                   BROKEN

An exception matches its own class or its nearest listed base class (httpx.ReadTimeout is an
httpx.TimeoutException). `validate_suite` reruns FINDINGs: one that passes on a rerun is FLAKY; asked to
confirm passes, it has each passing test run again at once in the same pytest process (a twin node with
its own setup and teardown), and one that fails then is FLAKY too. A test whose browser died under it
(the UI suite's conftest marks it `testops.browser_lost`) is not judged on that run: it runs once more.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import importlib.util
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Literal, NamedTuple, TypedDict, Unpack

from pydantic import BaseModel, ConfigDict

from tools import containment
from tools.containment import DEFAULT_LIMITS, Limits
from tools.target_policy import EMBEDDED_POLICY, GuardingProxy, TargetPolicy
from vocabulary.artefacts import GeneratedTest, ValidationResult, Verdict

Outcome = Literal["passed", "failed", "error", "skipped"]

_MESSAGE_LIMIT = 2000
_LONGREPR_LIMIT = 20_000
# Seconds a shard gets beyond its tests' budgets (interpreter start, collection), and after SIGINT.
_SHARD_OVERHEAD_S = 30.0
_STOP_GRACE_S = 5.0
_PLUGIN = "testops_pytest_guard"
_CONFIG_FILES = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
# Validation loads only the plugins generated suites rely on: whatever else happens to be installed
# (hypothesis, langsmith, schemathesis…) is not part of a suite's contract and costs seconds per process.
SUITE_PLUGINS = ("allure_pytest.plugin", "pytest_playwright.pytest_playwright", "pytest_asyncio.plugin")


class TestRun(BaseModel):
    """What pytest reported for one test: outcome, the exception that ended it, and the report text."""

    __test__ = False  # not a test class, although its name starts with "Test"
    model_config = ConfigDict(frozen=True)

    test_id: str
    outcome: Outcome
    message: str = ""  # the assertion message, or "ExceptionType: message"; one paragraph
    exception_type: str = ""  # e.g. "AssertionError", "httpx.ReadTimeout", "FixtureLookupError"
    exception_bases: tuple[str, ...] = ()  # its base classes, nearest first, so classify() can generalize
    duration_s: float = 0.0
    longrepr: str = ""  # the full report text for reports, trimmed
    # The run right after a pass, in the same process, when passes are confirmed; None if it never ran.
    confirmation: TestRun | None = None
    browser_lost: bool = False  # its browser died under it: the run says nothing about the test
    page_snapshot: str = ""  # a failed UI test: the accessibility snapshot its suite took at the failure

    def cut_short_by_the_browser(self) -> bool:
        return self.browser_lost or (self.confirmation is not None and self.confirmation.browser_lost)


class RunOptions(TypedDict, total=False):
    """Keyword arguments of run_suite that validate_suite passes through."""

    workers: int
    timeout_s: float
    env: Mapping[str, str] | None
    extra_args: Sequence[str]
    limits: Limits
    policy: TargetPolicy
    split_modules: bool


# ---------------------------------------------------------------------------------------------------
# Writing the suite


def render_module(tests: Sequence[GeneratedTest]) -> str:
    """One test module: docstring, merged sorted imports, then the functions two blank lines apart."""
    kinds = {test.test_type for test in tests}
    subject = {frozenset({"api"}): "API tests", frozenset({"ui"}): "UI tests"}.get(frozenset(kinds), "Tests")
    imports = _merge_imports([line for test in tests for line in test.imports])
    head = f'"""{subject} generated by TestOps Copilot."""\n'
    if imports:
        head += "\n" + "\n".join(imports) + "\n"
    functions = [test.code.strip("\n").rstrip() for test in tests]
    return head + "\n\n" + "\n\n\n".join(functions) + "\n"


def _merge_imports(lines: Sequence[str]) -> list[str]:
    """Unique imports, `from m import a` and `from m import b` merged; straight ones first, as isort does."""
    straight: set[str] = set()
    from_names: dict[str, set[str]] = {}
    for line in lines:
        try:
            [node] = ast.parse(line.strip()).body
        except (SyntaxError, ValueError):
            straight.add(line.strip())  # left as written: running the module reports it as BROKEN
            continue
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            names = {alias.name + (f" as {alias.asname}" if alias.asname else "") for alias in node.names}
            from_names.setdefault(module, set()).update(names)
        else:
            straight.add(ast.unparse(node))
    merged = [_from_import(module, sorted(names)) for module, names in from_names.items()]
    return sorted(straight) + sorted(merged)


# ruff's and isort's default line length: a suite is checked without our pyproject.toml.
_IMPORT_LINE = 88


def _from_import(module: str, names: list[str]) -> str:
    """`from module import a, b`, wrapped one name a line in parentheses when it is too long (as isort)."""
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= _IMPORT_LINE:
        return line
    return f"from {module} import (\n" + "".join(f"    {name},\n" for name in names) + ")"


def _inside(directory: Path, name: str) -> Path:
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise ValueError(f"suite file name {name!r} must be a relative path inside the suite directory")
    return directory / relative


def write_suite(
    directory: Path, tests: Sequence[GeneratedTest], support_files: Mapping[str, str]
) -> list[Path]:
    """Writes support files and one module per `test.module`; removes stale test modules. Byte-stable."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in support_files.items():
        path = _inside(directory, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8"))
    by_module: dict[str, list[GeneratedTest]] = {}
    for test in tests:
        by_module.setdefault(test.module, []).append(test)
    written = []
    for module, module_tests in by_module.items():
        path = _inside(directory, module)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_module(module_tests).encode("utf-8"))
        written.append(path)
    keep = {path.resolve() for path in written}
    keep |= {_inside(directory, name).resolve() for name in support_files}
    for stale in directory.glob("test_*.py"):
        if stale.resolve() not in keep:
            stale.unlink()
    # Compiled caches check only mtime (whole seconds) and size: a same-size rewrite could run stale code.
    shutil.rmtree(directory / "__pycache__", ignore_errors=True)
    return written


# ---------------------------------------------------------------------------------------------------
# Running it

# Written next to each run and loaded with `-p`: per-test time limit (SIGALRM), selection by test id,
# the exception class chain that ended a test, recorded as junit properties, and the confirmation run.
_PLUGIN_SOURCE = r'''"""TestOps Copilot's validation plugin: limits, selection, exceptions, confirmation."""

import json
import os
import re
import signal
import time

import pytest
from _pytest.runner import runtestprotocol

_LIMIT = float(os.environ.get("TESTOPS_TEST_TIMEOUT") or 0)
_SELECT = os.environ.get("TESTOPS_SELECT", "")
_CONFIRM_PASSES = os.environ.get("TESTOPS_CONFIRM_PASSES") == "1"
_DEADLINE = pytest.StashKey[float]()
_FIRST_RUN_PASSED = pytest.StashKey[bool]()  # on a twin: whether the run it would confirm passed


class TestTimeout(BaseException):
    """A test ran over its time limit; a BaseException, so `except Exception` in a test cannot swallow it."""

    __test__ = False


def _expire(signum, frame):
    raise TestTimeout(f"test exceeded {_LIMIT:g}s")


def _arm(seconds):
    if _LIMIT > 0 and hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, _expire)
        signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))


def _disarm():
    if _LIMIT > 0 and hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, 0)


def pytest_collection_modifyitems(config, items):
    if not _SELECT:
        return
    with open(_SELECT, encoding="utf-8") as handle:
        wanted = set(json.load(handle))
    keep, drop = [], []
    for item in items:
        (keep if re.sub(r"\[.*\]$", "", item.nodeid) in wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _twin(item):
    """The same test as a node of its own, so that its second run gets a fresh setup and teardown."""
    callspec = getattr(item, "callspec", None)
    return type(item).from_parent(
        item.parent, name=item.name, callspec=callspec, fixtureinfo=item._fixtureinfo,
        keywords={callspec.id: True} if callspec else None, originalname=item.originalname,
    )


def _run_logged(item, nextitem):
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    reports = runtestprotocol(item, nextitem=nextitem)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return reports


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    """Confirming passes: every test is followed by its twin, which runs only if the test passed; the twin
    always tears down towards the next item, so what they share (the browser) stays up in between."""
    if not _CONFIRM_PASSES or not isinstance(item, pytest.Function):
        return None
    twin = _twin(item)
    twin.stash[_FIRST_RUN_PASSED] = all(report.passed for report in _run_logged(item, twin))
    twin.user_properties.append(("testops.confirmation", "1"))
    _run_logged(twin, nextitem)
    return True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    if not item.stash.get(_FIRST_RUN_PASSED, True):
        pytest.skip("no confirmation: the first run did not pass")
    item.user_properties.append(("testops.nodeid", item.nodeid))
    item.stash[_DEADLINE] = time.monotonic() + _LIMIT
    _arm(_LIMIT)
    try:
        return (yield)
    finally:
        _disarm()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    _arm(item.stash[_DEADLINE] - time.monotonic())
    try:
        return (yield)
    finally:
        _disarm()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    _arm(_LIMIT)  # its own allowance, so a test that ran out of time still releases what it holds
    try:
        return (yield)
    finally:
        _disarm()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    recorded = any(name == "testops.exception" for name, _ in item.user_properties)
    if call.excinfo is not None and not recorded:
        chain = [
            f"{cls.__module__}:{cls.__qualname__}"
            for cls in call.excinfo.type.__mro__
            if cls not in (object, BaseException, Exception)
        ]
        item.user_properties.append(("testops.exception", " ".join(chain)))
    return (yield)
'''


async def run_suite(
    directory: Path,
    *,
    test_ids: Sequence[str] | None = None,
    workers: int = 2,
    timeout_s: float = 30.0,
    env: Mapping[str, str] | None = None,
    extra_args: Sequence[str] = (),
    limits: Limits = DEFAULT_LIMITS,
    confirm_passes: bool = False,
    policy: TargetPolicy = EMBEDDED_POLICY,
    split_modules: bool = False,
) -> dict[str, TestRun]:
    """Runs the suite, or only `test_ids` ("module.py::name"), in up to `workers` contained pytest processes.

    Returns one run per test, in the order of `test_ids` (or of the files), whatever happened to the process.
    With `confirm_passes`, a passing test runs again at once in its process (`TestRun.confirmation`).
    With `split_modules`, the tests of one module are spread over the processes too: only for suites whose
    tests share nothing within a module but what each process sets up for itself (a UI suite's browser).
    Each process gets a copy of the suite in a sandbox (tools.containment); `env` adds to what it may see of
    this process's environment. Under a `policy` that refuses inner addresses, every request the suite makes
    goes through a proxy that admits it by the policy.
    """
    directory = directory.resolve()
    planned = _plan(directory, test_ids)
    runs: dict[str, TestRun] = {}
    for module in [module for module in planned if not (directory / module).is_file()]:
        for test_id in planned.pop(module):
            runs[test_id] = _error_run(test_id, f"module {module} does not exist")
    async with _policed_network(policy) as network:
        with tempfile.TemporaryDirectory(prefix="testops-run-") as tmp:
            run_dir = Path(tmp)
            run_dir.chmod(0o755)  # the sandboxes' uids read the plugins from here
            (run_dir / f"{_PLUGIN}.py").write_text(_PLUGIN_SOURCE, encoding="utf-8")
            (run_dir / f"{containment.PLUGIN}.py").write_text(containment.PLUGIN_SOURCE, encoding="utf-8")
            options = _ShardOptions(select=test_ids is not None or split_modules, timeout_s=timeout_s,
                                    env=env or {},
                                    extra_args=extra_args, limits=limits,
                                    confirm_passes=confirm_passes, network=network)  # fmt: skip
            shards = [
                _run_shard(directory, run_dir, index, shard, options)
                for index, shard in enumerate(_shard(planned, workers, split_modules=split_modules))
            ]
            for shard_runs in await asyncio.gather(*shards):
                runs.update(shard_runs)
    order = list(dict.fromkeys(test_ids or [])) or [test_id for ids in planned.values() for test_id in ids]
    return {test_id: runs[test_id] for test_id in [*order, *sorted(runs.keys() - set(order))]}


def _plan(directory: Path, test_ids: Sequence[str] | None) -> dict[str, list[str]]:
    """Module -> the test ids expected from it: the selection, or every test function found in the files."""
    if test_ids is not None:
        planned: dict[str, list[str]] = {}
        for test_id in dict.fromkeys(test_ids):
            planned.setdefault(test_id.split("::")[0], []).append(test_id)
        return planned
    return {path.name: _test_ids_in(path) for path in sorted(directory.glob("test_*.py"))}


def _test_ids_in(path: Path) -> list[str]:
    """Test ids a module defines, read without importing it; a module that does not parse is read by regex."""
    source = path.read_text(encoding="utf-8", errors="replace")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        names = re.findall(r"^(?:async\s+)?def\s+(test\w*)\s*\(", source, flags=re.MULTILINE)
        return [f"{path.name}::{name}" for name in dict.fromkeys(names)]
    ids = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            ids.append(f"{path.name}::{node.name}")
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            ids += [
                f"{path.name}::{node.name}::{child.name}"
                for child in node.body
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and child.name.startswith("test")
            ]
    return ids


def _shard(
    planned: Mapping[str, list[str]], workers: int, *, split_modules: bool = False
) -> list[dict[str, list[str]]]:
    """Whole modules spread over at most `workers` shards, largest first onto the lightest shard; with
    `split_modules`, their tests one by one, in order, so a one-module suite still uses every worker."""
    if split_modules:
        tests = [(module, test_id) for module, ids in planned.items() for test_id in ids]
        count = max(1, min(workers, len(tests)))
        dealt: list[dict[str, list[str]]] = [{} for _ in range(count)]
        for index, (module, test_id) in enumerate(tests):
            dealt[index % count].setdefault(module, []).append(test_id)
        # a module no test was found in still runs once, so that its collection error is reported
        for module in [module for module, ids in planned.items() if not ids]:
            dealt[0][module] = []
        return [shard for shard in dealt if shard]
    count = max(1, min(workers, len(planned)))
    shards: list[dict[str, list[str]]] = [{} for _ in range(count)]
    loads = [0] * count
    for module in sorted(planned, key=lambda name: (-len(planned[name]), name)):
        lightest = min(range(count), key=lambda index: (loads[index], index))
        shards[lightest][module] = planned[module]
        loads[lightest] += max(1, len(planned[module]))
    return [shard for shard in shards if shard]


class _ShardOptions(NamedTuple):
    select: bool
    timeout_s: float
    env: Mapping[str, str]
    extra_args: Sequence[str]
    limits: Limits
    confirm_passes: bool
    network: Mapping[str, str]  # the variables sending the suite's traffic through the policy's proxy


_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@contextlib.asynccontextmanager
async def _policed_network(policy: TargetPolicy) -> AsyncIterator[dict[str, str]]:
    """The variables that send a suite's requests through a `GuardingProxy` of this process (none when the
    policy admits inner addresses: the embedded CLI runs suites as its user would)."""
    if policy.inner_addresses:
        yield {}
        return
    proxy = GuardingProxy(policy)
    url = await proxy.start()
    try:
        yield {containment.GUARD_PROXY_VARIABLE: url, **dict.fromkeys(_PROXY_VARIABLES, url)}
    finally:
        await proxy.close()


def _child_env(run_dir: Path, options: _ShardOptions, select: Path | None) -> dict[str, str]:
    # Neither the service's secrets nor the options of whatever pytest launched us are the suite's.
    merged = containment.child_environment(os.environ, options.env)
    if options.network:
        for name in ("NO_PROXY", "no_proxy"):  # no host goes round the policy
            merged.pop(name, None)
        merged.update(options.network)
    merged.setdefault("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    merged["PYTHONPATH"] = os.pathsep.join(filter(None, [str(run_dir), merged.get("PYTHONPATH", "")]))
    merged["PYTHONDONTWRITEBYTECODE"] = "1"
    merged["TESTOPS_TEST_TIMEOUT"] = repr(float(options.timeout_s))
    merged["TESTOPS_SELECT"] = str(select) if select else ""
    merged["TESTOPS_CONFIRM_PASSES"] = "1" if options.confirm_passes else ""
    return merged


def _pytest_args(directory: Path, run_dir: Path, junit: Path, child_env: Mapping[str, str]) -> list[str]:
    args = [
        f"--junitxml={junit}", "-p", "no:cacheprovider", "-p", containment.PLUGIN, "-p", _PLUGIN, "-q",
        "-o", "console_output_style=classic", "--continue-on-collection-errors",
        f"--rootdir={directory}", f"--confcutdir={directory}",
    ]  # fmt: skip
    if child_env.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        for plugin in SUITE_PLUGINS:
            if importlib.util.find_spec(plugin.split(".")[0]) is not None:
                args += ["-p", plugin]
    if not any((directory / name).is_file() for name in _CONFIG_FILES):
        # Without its own config pytest would climb to an enclosing project's and run under its settings.
        (run_dir / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        args += ["-c", str(run_dir / "pytest.ini")]
    return args


async def _run_shard(
    directory: Path, run_dir: Path, index: int, shard: Mapping[str, list[str]], options: _ShardOptions
) -> dict[str, TestRun]:
    """One contained pytest process over the shard's modules; every expected test gets a run."""
    expected = [test_id for ids in shard.values() for test_id in ids]
    select_file = run_dir / f"select-{index}.json" if options.select else None
    if select_file:
        select_file.write_text(json.dumps(expected), encoding="utf-8")
    runs_per_test = 2 if options.confirm_passes else 1
    limit = options.timeout_s * max(1, len(expected)) * runs_per_test + _SHARD_OVERHEAD_S
    async with containment.sandbox(run_dir, f"shard-{index}", options.limits, cpu_s=limit) as box:
        suite = box.adopt(directory)
        junit, output = box.home / "junit.xml", run_dir / f"output-{index}.txt"
        child_env = box.environment(_child_env(run_dir, options, select_file))
        args = [*_pytest_args(suite, run_dir, junit, child_env), *options.extra_args, *shard]
        timed_out = False
        with output.open("wb") as sink:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "pytest", *args, cwd=suite, env=child_env, preexec_fn=box.preexec(),
                stdin=asyncio.subprocess.DEVNULL, stdout=sink, stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,  # its own process group, so browsers it starts can be killed with it
            )  # fmt: skip
            try:
                await asyncio.wait_for(process.wait(), limit)
            except TimeoutError:
                timed_out = True
                await _stop(process)
            except BaseException:
                _kill(process)  # cancelled: leave nothing running behind us
                raise
            _kill(process)  # whatever its tests started and left running
        runs = {
            test_id: _naming_stored(run, suite, directory)
            for test_id, run in _read_junit(junit, shard).items()
        }
    if timed_out:
        reason = f"timed out: the pytest process ran over {limit:g}s and was stopped"
        return runs | {
            test_id: _error_run(test_id, reason, "TestTimeout") for test_id in expected if test_id not in runs
        }
    if not junit.is_file():
        text = output.read_text(encoding="utf-8", errors="replace").replace(str(suite), str(directory))
        tail = _trim(text.strip(), _MESSAGE_LIMIT, keep="end")
        reason = f"pytest {_exit_status(process.returncode)} before reporting: {tail}"
    else:
        reason = "not run: pytest did not collect this test"
    return runs | {test_id: _error_run(test_id, reason) for test_id in expected if test_id not in runs}


def _naming_stored(run: TestRun, copy: Path, stored: Path) -> TestRun:
    """The run as if it had run in the stored suite: reports name its files, not the sandbox's copy."""
    update = {"message": run.message.replace(str(copy), str(stored)),
              "longrepr": run.longrepr.replace(str(copy), str(stored))}  # fmt: skip
    return run.model_copy(update=update)


def _exit_status(returncode: int | None) -> str:
    """How the process ended; a signal by name, since a limit of the sandbox ends it with one."""
    if returncode is not None and returncode < 0:
        name = signal.Signals(-returncode).name
        cause = {"SIGXCPU": " (its CPU time limit)", "SIGKILL": " (a limit, or the out-of-memory killer)"}
        return f"was killed by {name}{cause.get(name, '')}"
    return f"exited with code {returncode}"


def _error_run(test_id: str, message: str, exception_type: str = "") -> TestRun:
    return TestRun(test_id=test_id, outcome="error", message=message, exception_type=exception_type)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """SIGINT first, so pytest still writes its report for the tests that finished; then kill the group."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGINT)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(process.wait(), _STOP_GRACE_S)
    _kill(process)
    await process.wait()


def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


# ---------------------------------------------------------------------------------------------------
# Reading the junit report

_RANK: dict[Outcome, int] = {"skipped": 0, "passed": 1, "failed": 2, "error": 3}


def _read_junit(path: Path, shard: Mapping[str, list[str]]) -> dict[str, TestRun]:
    """Parametrized cases fold into their function, collection errors onto their module's tests, and a
    confirmation run onto the run it confirms (only a passing one has one)."""
    try:
        cases = list(ET.parse(path).getroot().iter("testcase"))
    except (OSError, ET.ParseError):
        return {}
    first = [case for case in cases if not _is_confirmation(case)]
    runs = _fold_cases(first, shard)
    confirmations = _fold_cases([case for case in cases if _is_confirmation(case)], shard)
    return {
        test_id: run.model_copy(update={"confirmation": confirmations.get(test_id)})
        if run.outcome == "passed"
        else run
        for test_id, run in runs.items()
    }


def _is_confirmation(case: ET.Element) -> bool:
    return any(prop.get("name") == "testops.confirmation" for prop in case.iter("property"))


def _fold_cases(cases: Sequence[ET.Element], shard: Mapping[str, list[str]]) -> dict[str, TestRun]:
    dotted_modules = {module.removesuffix(".py").replace("/", "."): module for module in shard}
    runs: dict[str, TestRun] = {}
    for case in cases:
        properties = {prop.get("name", ""): prop.get("value", "") for prop in case.iter("property")}
        error = case.find("error")
        module = dotted_modules.get(case.get("name", "")) if not case.get("classname") else None
        if "testops.nodeid" not in properties and error is not None and module is not None:
            for run in _collection_errors(module, shard[module], error.text or ""):
                runs[run.test_id] = run
            continue
        if "testops.nodeid" not in properties and not case.get("name"):
            continue  # the nameless case pytest leaves for a test it was interrupted in
        nodeid = properties.get("testops.nodeid") or _nodeid(case)
        run = _case_run(re.sub(r"\[.*\]$", "", nodeid), case, properties)
        if (earlier := runs.get(run.test_id)) is not None:
            worse = run if _RANK[run.outcome] > _RANK[earlier.outcome] else earlier
            update = {"duration_s": earlier.duration_s + run.duration_s,
                      "browser_lost": earlier.browser_lost or run.browser_lost}  # fmt: skip
            run = worse.model_copy(update=update)
        runs[run.test_id] = run
    return runs


def _nodeid(case: ET.Element) -> str:
    """A node id rebuilt from junit's classname and name, for a case our plugin did not label."""
    classname, name = case.get("classname", ""), case.get("name", "")
    return f"{classname.replace('.', '/')}.py::{name}"


def _case_run(test_id: str, case: ET.Element, properties: Mapping[str, str]) -> TestRun:
    run = _outcome_run(test_id, case, properties)
    if snapshot := properties.get("testops.page_snapshot"):
        run = run.model_copy(update={"page_snapshot": snapshot})
    return run.model_copy(update={"browser_lost": True}) if "testops.browser_lost" in properties else run


def _outcome_run(test_id: str, case: ET.Element, properties: Mapping[str, str]) -> TestRun:
    chain = [_exception_name(raw) for raw in properties.get("testops.exception", "").split()]
    duration = float(case.get("time") or 0.0)
    for tag, outcome in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        node = case.find(tag)
        if node is None:
            continue
        text = node.text or ""
        raw = node.get("message", "")
        if outcome == "skipped":
            return TestRun(test_id=test_id, outcome="skipped", message=_paragraph(raw), duration_s=duration)
        exception_type = chain[0] if chain else _exception_from_text(text)
        if outcome == "error":
            raw = re.sub(r'^failed on (?:setup|teardown) with "(.*)"$', r"\1", raw, flags=re.DOTALL)
            if raw.startswith("file "):  # no crash line (fixture lookup): the E-lines carry the message
                raw = "\n".join(_error_lines(text)) or raw
        return TestRun(
            test_id=test_id,
            outcome=outcome,
            message=_message(exception_type, raw),
            exception_type=exception_type,
            exception_bases=tuple(chain[1:]),
            duration_s=duration,
            longrepr=_trim(text, _LONGREPR_LIMIT, keep="end"),
        )
    return TestRun(test_id=test_id, outcome="passed", duration_s=duration)


def _collection_errors(module: str, test_ids: list[str], text: str) -> list[TestRun]:
    """The same error for every test of a module that could not be imported (or the module itself)."""
    lines = _error_lines(text)
    last = lines[-1] if lines else "unknown error"
    where = re.search(r'File "[^"]*", line (\d+)', text)
    where = where or re.search(r"^\S+\.py:(\d+): in <module>", text, re.M)
    message = f"{module} cannot be collected: {last}" + (f" (line {where.group(1)})" if where else "")
    exception = re.match(r"([A-Za-z_][\w.]*): ", last)
    return [
        TestRun(
            test_id=test_id,
            outcome="error",
            message=_trim(message, _MESSAGE_LIMIT),
            exception_type=exception.group(1) if exception else "",
            longrepr=_trim(text, _LONGREPR_LIMIT, keep="end"),
        )
        for test_id in test_ids or [module]
    ]


def _error_lines(text: str) -> list[str]:
    """pytest's "E   " lines of a report: the exception as it was raised."""
    return [line[1:].strip() for line in text.splitlines() if line.startswith("E ") and line[1:].strip()]


def _exception_name(raw: str) -> str:
    """'module:Qualname' as classify() names it: builtins and pytest bare, httpx and Playwright by package."""
    module, _, qualname = raw.partition(":")
    if module in ("builtins", _PLUGIN) or module.startswith("_pytest"):
        return qualname
    for package in ("httpx", "playwright"):
        if module == package or module.startswith(f"{package}."):
            return f"{package}.{qualname}"
    return f"{module}.{qualname}"


def _exception_from_text(text: str) -> str:
    """The exception type from the last line of a report ("test_a.py:3: AssertionError")."""
    match = re.search(r":\d+: ([\w.]+)\s*$", text)
    return match.group(1) if match else ""


def _message(exception_type: str, raw: str) -> str:
    """The assertion message alone, otherwise "ExceptionType: message", as one trimmed paragraph."""
    detail = raw
    prefix = re.match(r"([\w.]+): ", raw)
    if prefix and exception_type and prefix.group(1).split(".")[-1] == exception_type.split(".")[-1]:
        detail = raw[prefix.end() :]
    if exception_type in ("AssertionError", "Failed") or not exception_type:
        return _paragraph(detail)
    return _paragraph(f"{exception_type}: {detail}")


def _paragraph(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    return _trim("\n".join(lines), _MESSAGE_LIMIT)


def _trim(text: str, limit: int, keep: Literal["start", "end"] = "start") -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…" if keep == "start" else "…" + text[-(limit - 1) :]


# ---------------------------------------------------------------------------------------------------
# Verdicts

_OUTCOME_VERDICTS: dict[Outcome, Verdict] = {
    "passed": Verdict.PASSED,
    "skipped": Verdict.SKIPPED,
    "error": Verdict.BROKEN,  # setup, fixture or collection: the test never reached its assertions
}

# A wrong locator, whichever exception carries the news (a helper may rewrap it as an assertion).
_BROKEN_MESSAGES = (
    re.compile(r"strict mode violation"),
    re.compile(
        r"\b(?:Locator|Page|Frame|ElementHandle)\.(?:click|dblclick|fill|type|press|press_sequentially|check"
        r"|uncheck|set_checked|select_option|hover|tap|focus|drag_to|set_input_files)\b[^\n]*"
        r"(?:Timeout|waiting for)"
    ),
)

_FAILURE_VERDICTS: dict[str, Verdict] = {
    # A deliberate expectation failed: the target disagrees with its spec or a requirement.
    "AssertionError": Verdict.FINDING,
    "Failed": Verdict.FINDING,  # pytest.fail() from an expectation helper
    "httpx.HTTPStatusError": Verdict.FINDING,
    # The test code itself is wrong.
    "NameError": Verdict.BROKEN,
    "TypeError": Verdict.BROKEN,
    "AttributeError": Verdict.BROKEN,
    "ImportError": Verdict.BROKEN,
    "SyntaxError": Verdict.BROKEN,
    "KeyError": Verdict.BROKEN,
    "IndexError": Verdict.BROKEN,
    "ValueError": Verdict.BROKEN,
    # Timeouts are repaired (a longer wait, a better locator) rather than reported against the target.
    "TestTimeout": Verdict.BROKEN,
    "httpx.TimeoutException": Verdict.BROKEN,
    "playwright.TimeoutError": Verdict.BROKEN,
    "TimeoutError": Verdict.BROKEN,
    # An unreachable target or a browser error is not a disagreement with the spec.
    "httpx.ConnectError": Verdict.BROKEN,
    "playwright.Error": Verdict.BROKEN,
    "OSError": Verdict.BROKEN,
}


def classify(run: TestRun) -> Verdict:
    """The verdict on one run, by the table in this module's docstring."""
    if run.outcome != "failed":
        return _OUTCOME_VERDICTS[run.outcome]
    if any(pattern.search(run.message) for pattern in _BROKEN_MESSAGES):
        return Verdict.BROKEN
    for name in (run.exception_type, *run.exception_bases):
        if name in _FAILURE_VERDICTS:
            return _FAILURE_VERDICTS[name]
    return Verdict.BROKEN  # an exception nobody asserted is more likely the test's fault than the target's


async def validate_suite(
    directory: Path,
    tests: Sequence[GeneratedTest],
    *,
    confirm_reruns: int = 1,
    confirm_passes: bool = False,
    **run_kwargs: Unpack[RunOptions],
) -> list[ValidationResult]:
    """Runs the written suite and reruns FINDINGs; one result per test in input order (attempt left 0).

    With confirm_passes, passing tests run a second time too, at once and in the same process: one that
    fails then is FLAKY, so every accepted test has passed more than once (browser tests, where timing
    varies).
    """
    test_ids = list(dict.fromkeys(test.test_id for test in tests))
    runs = await run_suite(directory, test_ids=test_ids, confirm_passes=confirm_passes, **run_kwargs)
    if lost := [test_id for test_id, run in runs.items() if run.cut_short_by_the_browser()]:
        runs |= await run_suite(directory, test_ids=lost, confirm_passes=confirm_passes, **run_kwargs)
    results = {test_id: _result(test_id, runs.get(test_id)) for test_id in test_ids}
    if confirm_passes:
        for test_id in [test_id for test_id in test_ids if results[test_id].verdict is Verdict.PASSED]:
            second = runs[test_id].confirmation
            if second is None or second.outcome != "passed":
                message = f"failed on its second run: {second.message if second else 'not run'}"
                results[test_id] = results[test_id].model_copy(
                    update={"verdict": Verdict.FLAKY, "message": message}
                )
    for _ in range(confirm_reruns):
        pending = [test_id for test_id in test_ids if results[test_id].verdict is Verdict.FINDING]
        if not pending:
            break
        reruns = await run_suite(directory, test_ids=pending, **run_kwargs)
        for test_id in pending:
            rerun = reruns.get(test_id)
            if rerun is not None and rerun.outcome == "passed":
                update = {"verdict": Verdict.FLAKY, "message": f"passed on rerun: {results[test_id].message}"}
                results[test_id] = results[test_id].model_copy(update=update)
    return [results[test.test_id] for test in tests]


def _result(test_id: str, run: TestRun | None) -> ValidationResult:
    if run is None:
        return ValidationResult(test_id=test_id, verdict=Verdict.BROKEN, message="not run")
    verdict = classify(run)
    return ValidationResult(
        test_id=test_id,
        verdict=verdict,
        message=run.message,
        duration_s=run.duration_s,
        page_snapshot=run.page_snapshot,
    )
