"""Schemathesis side by side: its full default CLI run against each variant, next to our delivered suite.

Schemathesis runs in a fresh temporary cwd per variant (its .hypothesis and .schemathesis folders land there,
and no example database carries failures from one variant to the next). Our figures come from the mutation
benchmark: the pipeline's wall time on the correct service, and the delivered suite's verdict per variant.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from bench import mutation
from bench.mutation import MutationBench, VariantKind, VariantRun
from bench.report import seconds, verdict
from samples.tasks_api import app as sample

NAME = "schemathesis"
SEED = 42  # fixed, so a rerun finds the same things; a default run draws a random one
FULL_TIMEOUT_S = 900.0
QUICK_TIMEOUT_S = 60.0
QUICK_MAX_EXAMPLES = 5
QUICK_VARIANTS = (sample.Variant.CORRECT, sample.Variant.WRONG_CREATE_STATUS, sample.Variant.REOPEN_ALLOWED,
                  sample.Variant.EXTRA_HEADER)  # fmt: skip
# The target: our pipeline (recon → validated suite) in at most a third of Schemathesis's full run.
TIME_RATIO_TARGET = 1 / 3
_FAILURE_LINE = re.compile(r"^\s*❌\s+(?P<check>.+?):\s+\d+\s*$")

Outcome = Literal["clean", "issues", "error", "timeout"]
_OUTCOMES: dict[int, Outcome] = {0: "clean", 1: "issues", -1: "timeout"}


class ToolRun(BaseModel):
    """One Schemathesis run against one variant."""

    variant: str
    kind: VariantKind
    exit_code: int  # -1: killed at the time limit
    seconds: float
    outcome: Outcome
    failures: list[str]  # the failed checks of its summary, e.g. "ST103 Undocumented status code"


class Comparison(BaseModel):
    """Both tools on the same variants, and the targets."""

    quick: bool
    schemathesis_version: str
    schemathesis_command: list[str]
    schemathesis: list[ToolRun]
    testops: list[VariantRun]  # the mutation benchmark's runs of the same variants
    schemathesis_correct_s: float | None
    testops_pipeline_s: float
    time_ratio: float | None  # ours / theirs, on the correct service
    time_target_met: bool | None  # None in quick mode: a truncated run is no yardstick
    caught_by_schemathesis: list[str]
    caught_by_testops: list[str]
    only_testops: list[str]
    only_schemathesis: list[str]
    superset_target_met: bool
    business_rules_target_met: bool
    schemathesis_false_alarms: list[str]
    testops_false_alarms: list[str]


def schemathesis_executable() -> str | None:
    """The CLI installed beside this interpreter (no pyenv shim in the timing), else the one on PATH."""
    beside = Path(sys.executable).with_name("schemathesis")
    return str(beside) if beside.is_file() else shutil.which("schemathesis")


def command(executable: str, base_url: str, *, quick: bool) -> list[str]:
    """A full default run with every check; quick mode caps the examples per operation."""
    args = [executable, "run", str(sample.SPEC_PATH), "--url", base_url,
            "--header", f"Authorization: Bearer {sample.DEFAULT_TOKEN}", "--checks", "all",
            "--seed", str(SEED), "--no-color"]  # fmt: skip
    return [*args, "--max-examples", str(QUICK_MAX_EXAMPLES)] if quick else args


def run(*, quick: bool, work_dir: Path, earlier: dict[str, Any]) -> Comparison:
    """Schemathesis against the variants the mutation benchmark ran (a subset in quick mode)."""
    executable = schemathesis_executable()
    if executable is None:
        raise RuntimeError("the schemathesis CLI is not installed (pip install schemathesis)")
    ours = earlier.get(mutation.NAME)
    if not isinstance(ours, MutationBench):
        ours = mutation.run(quick=quick, work_dir=work_dir, earlier=earlier)
    kinds = {run.variant: run.kind for run in ours.variants}
    variants = [v for v in (QUICK_VARIANTS if quick else sample.Variant) if v.value in kinds]
    theirs = [run_schemathesis(executable, v, kinds[v.value], quick=quick) for v in variants]
    return compare(ours, theirs, quick=quick, executable=executable)


def run_schemathesis(executable: str, variant: sample.Variant, kind: VariantKind, *, quick: bool) -> ToolRun:
    """One CLI run against a fresh server of `variant`, timed from launch to exit."""
    limit = QUICK_TIMEOUT_S if quick else FULL_TIMEOUT_S
    with tempfile.TemporaryDirectory(prefix="bench-schemathesis-") as cwd, sample.serve(variant) as base_url:
        started = time.perf_counter()
        try:
            completed = subprocess.run(command(executable, base_url, quick=quick), cwd=cwd,
                                       capture_output=True, text=True, timeout=limit, check=False)
            exit_code, output = completed.returncode, completed.stdout
        except subprocess.TimeoutExpired as expired:
            exit_code, output = -1, _text(expired.stdout)
        elapsed = time.perf_counter() - started
    return ToolRun(variant=variant.value, kind=kind, exit_code=exit_code, seconds=round(elapsed, 3),
                   outcome=_OUTCOMES.get(exit_code, "error"), failures=failed_checks(output))


def _text(output: str | bytes | None) -> str:
    if isinstance(output, bytes):
        return output.decode("utf-8", errors="replace")
    return output or ""


def failed_checks(output: str) -> list[str]:
    """The checks listed under "Failures:" in the CLI's summary."""
    _, found, rest = output.partition("\nFailures:\n")
    if not found:
        return []
    checks = []
    for line in rest.splitlines():
        if not line.strip():
            break
        if match := _FAILURE_LINE.match(line):
            checks.append(match.group("check"))
    return checks


def compare(ours: MutationBench, theirs: list[ToolRun], *, quick: bool, executable: str) -> Comparison:
    """Line the two tools up on the variants both ran, and judge the targets."""
    ran = {run.variant for run in theirs}
    our_runs = [run for run in ours.variants if run.variant in ran]
    buggy = {run.variant for run in our_runs if run.kind == "buggy"}
    caught_theirs = [run.variant for run in theirs if run.kind == "buggy" and run.exit_code != 0]
    caught_ours = [run.variant for run in our_runs if run.caught]
    correct = next((run.seconds for run in theirs if run.kind == "control"), None)
    ratio = round(ours.generation.wall_s / correct, 3) if correct else None
    missed_by_them = buggy - set(caught_theirs)
    return Comparison(
        quick=quick,
        schemathesis_version=cli_version(executable),
        schemathesis_command=command("schemathesis", "BASE_URL", quick=quick),
        schemathesis=theirs,
        testops=our_runs,
        schemathesis_correct_s=correct,
        testops_pipeline_s=ours.generation.wall_s,
        time_ratio=ratio,
        time_target_met=None if quick or ratio is None else ratio <= TIME_RATIO_TARGET,
        caught_by_schemathesis=caught_theirs,
        caught_by_testops=caught_ours,
        only_testops=[v for v in caught_ours if v not in caught_theirs],
        only_schemathesis=[v for v in caught_theirs if v not in caught_ours],
        superset_target_met=set(caught_theirs) <= set(caught_ours),
        business_rules_target_met=missed_by_them <= set(caught_ours),
        schemathesis_false_alarms=[r.variant for r in theirs if r.kind != "buggy" and r.exit_code != 0],
        testops_false_alarms=[run.variant for run in our_runs if run.false_alarm],
    )


def cli_version(executable: str) -> str:
    completed = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=60,
                               check=False)
    return completed.stdout.strip().rsplit(" ", 1)[-1] or "unknown"


def render(result: Comparison) -> list[RenderableType]:
    """One row per variant with both tools' verdicts, then the targets."""
    mode = f"quick: --max-examples {QUICK_MAX_EXAMPLES}" if result.quick else "full default run"
    rows = Table(title=f"Schemathesis {result.schemathesis_version} ({mode}) vs TestOps delivered suite",
                 title_justify="left")
    for column in ("variant", "kind", "Schemathesis s", "Schemathesis", "what it reported", "TestOps suite s",
                   "TestOps"):  # fmt: skip
        rows.add_column(column, justify="right" if column.endswith(" s") else "left")
    ours = {run.variant: run for run in result.testops}
    for run in result.schemathesis:
        mine = ours.get(run.variant)
        rows.add_row(run.variant, run.kind, seconds(run.seconds), _cell(run.kind, run.exit_code != 0),
                     "; ".join(run.failures) or run.outcome, seconds(mine.seconds if mine else None),
                     _cell(run.kind, mine.exit_code != 0) if mine else Text("—"))
    targets = Table(title="TestOps vs Schemathesis: targets", title_justify="left")
    for column in ("measure", "TestOps", "Schemathesis", "target", ""):
        targets.add_column(column)
    ratio = "—" if result.time_ratio is None else f"{result.time_ratio:.2f}×"
    targets.add_row("wall time to a verdict on the correct service (s)", seconds(result.testops_pipeline_s),
                    seconds(result.schemathesis_correct_s), f"ours ≤ 1/3 of theirs (is {ratio})",
                    verdict(result.time_target_met))
    targets.add_row("buggy variants caught", str(len(result.caught_by_testops)),
                    str(len(result.caught_by_schemathesis)), "every one Schemathesis catches",
                    verdict(result.superset_target_met))
    targets.add_row("caught only by this tool", ", ".join(result.only_testops) or "none",
                    ", ".join(result.only_schemathesis) or "none", "every one Schemathesis misses",
                    verdict(result.business_rules_target_met))
    targets.add_row("false alarms (correct + harmless)", ", ".join(result.testops_false_alarms) or "none",
                    ", ".join(result.schemathesis_false_alarms) or "none", "", Text(""))
    targets.caption = "TestOps time is the whole pipeline (recon → validated, delivered suite)."
    return [rows, targets]


def _cell(kind: VariantKind, failed: bool) -> Text:
    if kind == "buggy":
        return Text.assemble(verdict(failed), " caught" if failed else " missed")
    return Text.assemble(verdict(not failed), " false alarm" if failed else " passes")
