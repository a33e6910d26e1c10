"""Pipeline scaling: the whole pipeline on synthetic specs of growing size, against a correct service."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from rich.console import RenderableType
from rich.table import Table

from bench.harness import run_pipeline
from bench.memory import PeakRssMonitor, RssPeaks
from bench.report import seconds, verdict
from bench.specs import define_api, write_spec
from bench.synthetic_api import DEFAULT_TOKEN, serve
from graph.builder import NODES
from graph.context import RunOptions

NAME = "pipeline"
SIZES = (10, 50, 200)
QUICK_SIZES = (10, 50)
# The target: a 200-operation spec through generation + validation in under 20 s on 2 cores.
TARGET_OPERATIONS = 200
TARGET_SECONDS = 20.0


class SizeResult(BaseModel):
    """One spec size through the pipeline."""

    operations: int
    resources: int
    status: str
    wall_s: float
    node_s: dict[str, float]
    generation_validation_s: float
    validation_passes: int
    tests_generated: int
    tests_validated: int
    tests_per_s: float  # test runs judged per second of validation
    passed: int
    broken: int
    findings: int  # on a correct service every one is a false alarm
    flaky: int
    rss: RssPeaks
    target_met: bool | None  # None: no target for this size


class PipelineBench(BaseModel):
    """Every size, with the options the runs used."""

    validation_workers: int
    target: str
    sizes: list[SizeResult]


def run(*, quick: bool, work_dir: Path, earlier: dict[str, Any]) -> PipelineBench:
    """Run each size in turn, smallest first, each with its own service, database and RSS monitor."""
    options = RunOptions()
    sizes = [_run_size(n, work_dir / f"pipeline-{n}", options) for n in (QUICK_SIZES if quick else SIZES)]
    target = f"{TARGET_OPERATIONS} operations: generation + validation < {TARGET_SECONDS:g} s"
    return PipelineBench(validation_workers=options.validation_workers, sizes=sizes, target=target)


def _run_size(operations: int, root: Path, options: RunOptions) -> SizeResult:
    api = define_api(operations)
    spec = write_spec(api, root / "openapi.json")
    with serve(api) as base_url, PeakRssMonitor() as monitor:
        result = asyncio.run(run_pipeline(target=str(spec), base_url=base_url, requirements=[],
                                          data_dir=root / "data", out_dir=root / "suite",
                                          credentials={"TESTOPS_API_TOKEN": DEFAULT_TOKEN}, options=options))
    nodes = result.node_seconds()
    summary = result.summary
    busy = nodes.get("generation", 0.0) + nodes.get("validation", 0.0)
    validated = result.validated_tests()
    return SizeResult(
        operations=operations,
        resources=len(api.resources),
        status=result.status,
        wall_s=result.wall_s,
        node_s=nodes,
        generation_validation_s=round(busy, 3),
        validation_passes=result.passes("validation"),
        tests_generated=summary.tests_generated if summary else 0,
        tests_validated=validated,
        tests_per_s=round(validated / nodes["validation"], 1) if nodes.get("validation") else 0.0,
        passed=summary.tests_passed if summary else 0,
        broken=summary.tests_still_broken if summary else 0,
        findings=summary.findings_count if summary else 0,
        flaky=summary.tests_flaky if summary else 0,
        rss=monitor.peaks(),
        target_met=busy < TARGET_SECONDS if operations == TARGET_OPERATIONS else None,
    )


def render(result: PipelineBench) -> list[RenderableType]:
    """The scaling table (with the target) and the per-node breakdown."""
    title = f"Pipeline scaling — {result.validation_workers} validation workers"
    scaling = Table(title=title, title_justify="left")
    for column in ("ops", "tests", "wall s", "gen+val s", "tests/s", "passed", "broken", "findings",
                   "peak RSS tree MB", "target"):  # fmt: skip
        scaling.add_column(column, justify="right")
    for size in result.sizes:
        scaling.add_row(
            str(size.operations), str(size.tests_generated), seconds(size.wall_s),
            seconds(size.generation_validation_s), f"{size.tests_per_s:.0f}", str(size.passed),
            str(size.broken), str(size.findings),
            "—" if size.rss.tree_peak_mb is None else f"{size.rss.tree_peak_mb:.0f}",
            verdict(size.target_met),
        )  # fmt: skip
    scaling.caption = f"target: {result.target}; findings on the correct synthetic service are false alarms"
    nodes = Table(title="Seconds per node (summed over passes)", title_justify="left")
    nodes.add_column("ops", justify="right")
    for node in NODES:
        nodes.add_column(node, justify="right")
    nodes.add_column("validation passes", justify="right")
    for size in result.sizes:
        nodes.add_row(str(size.operations), *(seconds(size.node_s.get(node)) for node in NODES),
                      str(size.validation_passes))
    return [scaling, nodes]
