"""Validation: check each test statically, then run it against the target and classify the outcome."""

from __future__ import annotations

import math
from pathlib import Path
from urllib.parse import urlsplit

from langgraph.runtime import Runtime

from graph.context import Context
from graph.state import State
from tools.runner import validate_suite, write_suite
from tools.safety import check_test_code
from vocabulary.artefacts import GeneratedTest, ValidationResult, Verdict

# A UI process pays about 1 s to start pytest and its Chromium, and each Chromium keeps both cores busy: the
# UI benchmark's 8-test login suite validates in 7.1 s in one process and in 8.7 s in two.
UI_TESTS_PER_PROCESS = 8


async def validation(state: State, runtime: Runtime[Context]) -> dict:
    context = runtime.context
    pending = set(state.to_validate)
    hosts = {urlsplit(state.base_url).netloc}
    unsafe = {
        # Its imports too: an LLM-made test brings its own, and `from subprocess import run` hides in them.
        t.test_id: check_test_code("\n".join([*t.imports, t.code]), allowed_hosts=hosts)
        for t in state.tests
        if t.test_id in pending
    }
    rejected = [
        ValidationResult(test_id=i, verdict=Verdict.BROKEN, message="; ".join(p), attempt=state.attempts)
        for i, p in unsafe.items()
        if p
    ]
    runnable = [t for t in state.tests if not unsafe.get(t.test_id)]
    suite_dir = Path(context.workspace_dir) / state.request_id / "suite"
    write_suite(suite_dir, runnable, state.support_files)
    to_run = [t for t in runnable if t.test_id in pending]
    results = (
        await validate_suite(
            suite_dir,
            to_run,
            confirm_reruns=context.confirm_reruns,
            confirm_passes=state.kind == "ui",
            # a page's tests share only the browser each process launches: one module is spread too
            split_modules=state.kind == "ui",
            workers=_processes(state.kind, to_run, context.validation_workers),
            timeout_s=context.test_timeout_s,
            limits=context.sandbox_limits,
            policy=context.target_policy,  # the suite's own requests are judged as recon's were
            env={
                "TESTOPS_BASE_URL": state.base_url,
                "TESTOPS_REQUEST_TIMEOUT": str(context.request_timeout_s),
                "TESTOPS_CHROMIUM": context.chromium_path,
            },
        )
        if to_run
        else []
    )
    results = [r.model_copy(update={"attempt": state.attempts}) for r in results]
    was_broken = {r.test_id for r in state.results if r.verdict is Verdict.BROKEN}
    repaired = [r.test_id for r in results if r.test_id in was_broken and r.verdict is not Verdict.BROKEN]
    return {"results": rejected + results, "attempts": 1, "repaired": repaired, "to_validate": []}


def _processes(kind: str, tests: list[GeneratedTest], workers: int) -> int:
    """The pytest processes to spread `tests` over: every worker for an API suite; for a page's suite, one
    per UI_TESTS_PER_PROCESS tests, so a small suite does not pay for a second browser."""
    if kind != "ui":
        return workers
    return max(1, min(workers, math.ceil(len(tests) / UI_TESTS_PER_PROCESS)))
