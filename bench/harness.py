"""Runs the product's pipeline once, in process, the way the CLI does: Request row, saver, node events."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel

from graph.builder import build_graph
from graph.checkpointing import open_checkpointer
from graph.context import Context, RunOptions
from graph.runner import NodeEvent, open_request, run_request
from graph.settings import Settings
from storage.engine import migrate
from tools.browser import BrowserSession
from vocabulary.artefacts import RequestKind, ResultSummary

# The SQLite saver warns about every product type it reads back from a checkpoint (msgpack allow-list).
# That is a product configuration issue worth one line in the report, not eight lines per benchmark run.
_SERDE_LOGGER = "langgraph.checkpoint.serde.jsonplus"


class PipelineRun(BaseModel):
    """One pipeline run: how it ended, its wall time, every node event, and where the suite went."""

    request_id: str
    status: str
    wall_s: float
    events: list[NodeEvent]
    summary: ResultSummary | None
    out_dir: str

    def node_seconds(self) -> dict[str, float]:
        """Seconds per node, summed over passes (validation and generation may run more than once)."""
        totals: dict[str, float] = {}
        for event in self.events:
            if event.event == "finished":
                totals[event.node] = round(totals.get(event.node, 0.0) + (event.duration_s or 0.0), 3)
        return totals

    def passes(self, node: str) -> int:
        return sum(1 for e in self.events if e.event == "finished" and e.node == node)

    def validated_tests(self) -> int:
        """Test runs judged by validation, over all passes (its counts are verdicts by kind)."""
        finished = [e for e in self.events if e.event == "finished" and e.node == "validation"]
        return sum(sum(e.counts.values()) for e in finished)


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the duration; validation's pytest processes inherit them."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def quiet_checkpoint_warnings() -> None:
    logging.getLogger(_SERDE_LOGGER).setLevel(logging.ERROR)


async def run_pipeline(
    *,
    target: str,
    requirements: list[str],
    data_dir: Path,
    out_dir: Path,
    kind: RequestKind = "api",
    base_url: str = "",
    credentials: Mapping[str, str] | None = None,
    options: RunOptions | None = None,
    browser: BrowserSession | None = None,
) -> PipelineRun:
    """Create the Request row, run recon → persistence without review, and time it end to end.

    API: target is the spec; `credentials` are the environment variables a user of the API exports for its
    suite (TESTOPS_API_TOKEN, TESTOPS_API_KEY…). UI: target is the page; a browser makes it warm.
    """
    settings = Settings(data_dir=data_dir, database_url="")
    migrate(settings.sqlalchemy_url)
    run_options = (options or RunOptions()).model_copy(update={"out_dir": str(out_dir), "review": False})
    start = open_request(
        settings.sqlalchemy_url,
        kind=kind,
        target=target,
        base_url=base_url,
        requirements=requirements,
        options=run_options,
    )
    request_id = start.request_id
    context = Context.for_run(settings, run_options, browser=browser)
    events: list[NodeEvent] = []
    quiet_checkpoint_warnings()
    with environment(**(credentials or {})):
        started = time.perf_counter()
        async with open_checkpointer(settings) as saver:
            outcome = await run_request(
                build_graph(saver),
                request_id=request_id,
                context=context,
                start=start,
                on_event=events.append,
            )
        wall_s = time.perf_counter() - started
    return PipelineRun(
        request_id=request_id,
        status=outcome.status,
        wall_s=round(wall_s, 3),
        events=events,
        summary=outcome.summary,
        out_dir=str(out_dir),
    )
