"""Runs the real graph with the real SQLite checkpointer and storage against the bundled sample API."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from graph.builder import build_graph
from graph.checkpointing import open_checkpointer
from graph.context import Context, RunOptions
from graph.runner import NodeEvent, RunOutcome, open_request, run_request
from graph.settings import Settings
from samples.tasks_api import app as sample
from storage.engine import migrate

RunApi = Callable[..., Awaitable[tuple[str, RunOutcome, list[NodeEvent]]]]


@pytest.fixture(autouse=True)
def sample_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """Validation subprocesses inherit the environment: give them the sample API's credentials."""
    monkeypatch.setenv("TESTOPS_API_TOKEN", sample.DEFAULT_TOKEN)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path / "data", database_url="")
    migrate(settings.sqlalchemy_url)
    return settings


async def run_api_request(
    settings: Settings,
    base_url: str,
    *,
    requirements: list[str] | None = None,
    request_id: str | None = None,
    resume: object = None,
    **options: object,
) -> tuple[str, RunOutcome, list[NodeEvent]]:
    """Start (or, with request_id, continue) an API request on the sample spec; collect its node events."""
    run_options = RunOptions(**options)  # type: ignore[arg-type]
    start = None
    if request_id is None:
        requirements = sample.load_requirements() if requirements is None else requirements
        start = open_request(
            settings.sqlalchemy_url,
            kind="api",
            target=str(sample.SPEC_PATH),
            base_url=base_url,
            requirements=requirements,
            options=run_options,
        )
        request_id = start.request_id
    events: list[NodeEvent] = []
    async with open_checkpointer(settings) as saver:
        outcome = await run_request(
            build_graph(saver),
            request_id=request_id,
            context=Context.for_run(settings, run_options),
            start=start,
            resume=resume,
            on_event=events.append,
        )
    return request_id, outcome, events


def suite_files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def suite_env(base_url: str) -> dict[str, str]:
    return {**os.environ, "TESTOPS_BASE_URL": base_url, "TESTOPS_API_TOKEN": sample.DEFAULT_TOKEN}
