"""Mutation score: the suite delivered for the correct Task Tracker API, run against every planted bug.

The suite is generated once (spec + requirements, correct service); then pytest runs it, as a user would,
against each variant. A buggy one is caught by exit 1; any failure on a harmless one is a false alarm.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from rich.console import RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bench.harness import run_pipeline
from bench.report import seconds, verdict
from generators.api.offline import REQUIREMENTS_MODULE
from samples.tasks_api import app as sample
from tools.runner import SUITE_PLUGINS

NAME = "mutation"
SUITE_TIMEOUT_S = 180.0
QUICK_BUGGY = (
    sample.Variant.WRONG_CREATE_STATUS,
    sample.Variant.AUTH_SKIPPED_ON_LIST,
    sample.Variant.LIMIT_OFF_BY_ONE,
    sample.Variant.REOPEN_ALLOWED,
)
QUICK_HARMLESS = (sample.Variant.EXTRA_HEADER, sample.Variant.REORDERED_KEYS)

VariantKind = Literal["control", "buggy", "harmless"]
# A sample API's `serve`: a variant in, the base URL of a fresh server of it for the duration.
Serve = Callable[[Any], AbstractContextManager[str]]


class VariantRun(BaseModel):
    """The delivered suite against one variant."""

    variant: str
    kind: VariantKind
    exit_code: int  # -1: killed at the time limit
    seconds: float
    failed_tests: list[str]
    caught: bool | None  # buggy variants only
    false_alarm: bool  # the control and harmless variants: any exit but 0
    # Which tests caught it: "spec", "requirements" or "both"; None when nothing failed.
    caught_by: str | None
    requirement_only: bool  # caught, and only tests in the requirements module failed


class GenerationRun(BaseModel):
    """The one pipeline run that produced the suite, against the correct service."""

    wall_s: float
    node_s: dict[str, float]
    tests_generated: int
    tests_delivered: int
    findings: int
    requirements_covered: str


class MutationBench(BaseModel):
    generation: GenerationRun
    variants: list[VariantRun]
    caught: int
    buggy: int
    score: float
    false_alarms: list[str]
    caught_only_by_requirements: list[str]
    missed: list[str]


def run(*, quick: bool, work_dir: Path, earlier: dict[str, Any]) -> MutationBench:
    """Generate against the correct service, then run the suite against each variant, one server each."""
    root = work_dir / NAME
    with sample.serve() as base_url:
        result = asyncio.run(run_pipeline(target=str(sample.SPEC_PATH), base_url=base_url,
                                          requirements=sample.load_requirements(), data_dir=root / "data",
                                          out_dir=root / "suite", credentials=sample.SUITE_ENVIRONMENT))
    summary = result.summary
    if result.status != "completed" or summary is None:
        raise RuntimeError(f"the pipeline did not complete on the correct service: {result.status}")
    generation = GenerationRun(
        wall_s=result.wall_s, node_s=result.node_seconds(), tests_generated=summary.tests_generated,
        tests_delivered=summary.tests_saved, findings=summary.findings_count,
        requirements_covered=f"{summary.requirements_covered}/{summary.requirements_total}",
    )
    buggy = QUICK_BUGGY if quick else sample.BUGGY_VARIANTS
    harmless = QUICK_HARMLESS if quick else sample.HARMLESS_VARIANTS
    plan: list[tuple[sample.Variant, VariantKind]] = [
        (sample.Variant.CORRECT, "control"),
        *((variant, "buggy") for variant in buggy),
        *((variant, "harmless") for variant in harmless),
    ]
    runs = [run_suite_against(Path(result.out_dir), variant, kind) for variant, kind in plan]
    caught = [r for r in runs if r.caught]
    return MutationBench(
        generation=generation,
        variants=runs,
        caught=len(caught),
        buggy=len(buggy),
        score=round(len(caught) / len(buggy), 3),
        false_alarms=[r.variant for r in runs if r.false_alarm],
        caught_only_by_requirements=[r.variant for r in runs if r.requirement_only],
        missed=[r.variant for r in runs if r.caught is False],
    )


def run_suite_against(
    suite: Path, variant: StrEnum, kind: VariantKind, *, serve: Serve = sample.serve,
    credentials: Mapping[str, str] = sample.SUITE_ENVIRONMENT,
) -> VariantRun:
    """pytest in the suite folder against a fresh server of `variant`; failing test ids from junit.

    `serve` and `credentials` name the sample API; the Task Tracker API unless told otherwise.
    """
    with tempfile.TemporaryDirectory(prefix="bench-junit-") as tmp, serve(variant) as base_url:
        junit = Path(tmp) / "junit.xml"
        env = {**os.environ, "TESTOPS_BASE_URL": base_url, **credentials,
               "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        env.pop("PYTEST_ADDOPTS", None)  # options of a pytest that runs the benchmark are not the suite's
        started = time.perf_counter()
        try:
            completed = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *_suite_plugins(),
                 f"--junitxml={junit}"],
                cwd=suite, env=env, capture_output=True, text=True, timeout=SUITE_TIMEOUT_S, check=False,
            )
            exit_code = completed.returncode
        except subprocess.TimeoutExpired:
            exit_code = -1
        elapsed = time.perf_counter() - started
        failed = failing_tests(junit)
    caught = exit_code == 1 if kind == "buggy" else None
    by = _caught_by(failed)
    return VariantRun(
        variant=variant.value, kind=kind, exit_code=exit_code, seconds=round(elapsed, 3), failed_tests=failed,
        caught=caught, false_alarm=kind != "buggy" and exit_code != 0, caught_by=by,
        requirement_only=bool(caught) and by == "requirements",
    )


def _suite_plugins() -> list[str]:
    """`-p` for the plugins a suite relies on, as validation loads them.

    Autoload is off: other installed plugins (hypothesis, langsmith…) cost ~4 s per pytest start here.
    """
    found = [name for name in SUITE_PLUGINS if importlib.util.find_spec(name.split(".")[0]) is not None]
    return [arg for name in found for arg in ("-p", name)]


def _caught_by(failed: list[str]) -> str | None:
    from_requirements = {test.startswith(f"{REQUIREMENTS_MODULE}::") for test in failed}
    if not from_requirements:
        return None
    if from_requirements == {True}:
        return "requirements"
    return "spec" if from_requirements == {False} else "both"


def failing_tests(junit: Path) -> list[str]:
    """Ids ("module.py::name") of the tests that failed or errored, from a junit report."""
    try:
        cases = ET.parse(junit).getroot().iter("testcase")
    except (OSError, ET.ParseError):
        return []
    return [
        f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name', '')}"
        for case in cases
        if case.find("failure") is not None or case.find("error") is not None
    ]


def render(result: MutationBench) -> list[RenderableType]:
    """The score, big, then one row per variant."""
    alarms = ", ".join(result.false_alarms) or "none"
    headline = Text.assemble(
        ("Mutation score  ", "bold"),
        (f"{result.caught}/{result.buggy} = {result.score:.0%}", "bold green" if result.caught == result.buggy
         else "bold yellow"),
        f"   false alarms: {alarms}",
        f"\nsuite: {result.generation.tests_delivered} tests delivered in {result.generation.wall_s:.2f} s "
        f"(requirements covered {result.generation.requirements_covered}); caught only by requirement tests: "
        f"{', '.join(result.caught_only_by_requirements) or 'none'}",
    )  # fmt: skip
    table = Table(title="Delivered suite against each variant", title_justify="left")
    for column in ("variant", "kind", "exit", "s", "failed tests", "result", "caught by"):
        table.add_column(column, justify="right" if column in ("exit", "s", "failed tests") else "left")
    for run in result.variants:
        if run.kind == "buggy":
            good, label = bool(run.caught), "caught" if run.caught else "missed"
        else:
            good, label = not run.false_alarm, "false alarm" if run.false_alarm else "passes"
        result_cell = Text.assemble(verdict(good), f" {label}")
        table.add_row(run.variant, run.kind, str(run.exit_code), seconds(run.seconds),
                      str(len(run.failed_tests)), result_cell, run.caught_by or "")
    return [Panel(headline, expand=False), table]
