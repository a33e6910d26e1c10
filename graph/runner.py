"""Runs (or resumes) one request through the graph, reporting every node transition as it happens.

Shared by the CLI and the Celery tasks: the Request row's status follows the run, and a failure is
stored with its one-line reason before it propagates.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command
from pydantic import BaseModel, Field

from graph.context import Context, RunOptions
from graph.state import InputState
from storage.engine import session_scope
from storage.repository import create_request, mark_failed, mark_processing
from tools.errors import InputError
from vocabulary.artefacts import LlmReport, RequestKind, ResultSummary, ValidationResult


class NodeEvent(BaseModel):
    """A node started or finished (with what it produced, counted)."""

    event: Literal["started", "finished", "failed", "interrupted"]
    node: str
    request_id: str
    duration_s: float | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    payload: dict[str, Any] | None = None  # the review payload, for "interrupted"


class RunOutcome(BaseModel):
    """How a run ended: completed with its summary, or waiting at the review interrupt."""

    status: Literal["completed", "waiting_for_review"]
    summary: ResultSummary | None = None
    review_payload: dict[str, Any] | None = None


EventSink = Callable[[NodeEvent], Awaitable[None] | None]


def open_request(
    database_url: str,
    *,
    kind: RequestKind,
    target: str,
    requirements: list[str],
    options: RunOptions,
    base_url: str = "",
) -> InputState:
    """Store a new pending Request and return the graph input that starts it (thread id = request id)."""
    request_id = uuid.uuid4()
    with session_scope(database_url) as session:
        create_request(
            session,
            request_id=request_id,
            kind=kind,
            target=target,
            base_url=base_url,
            requirements=requirements,
            options=options.model_dump(),
        )
    return InputState(
        request_id=str(request_id), kind=kind, target=target, base_url=base_url, requirements=requirements
    )


def node_counts(update: Any) -> dict[str, int]:
    """The figures worth showing for a node's update: sizes of what it produced, verdicts by kind."""
    if not isinstance(update, dict):
        return {}
    counts: dict[str, int] = {}
    for key, value in update.items():
        if key == "results":
            for result in value:
                verdict = result.verdict.value if isinstance(result, ValidationResult) else str(result)
                counts[verdict] = counts.get(verdict, 0) + 1
        elif key == "api" and value is not None:
            counts["operations"] = len(value.operations)
        elif key == "llm" and isinstance(value, LlmReport):  # the request's LLM use so far
            usage = value.usage.values()
            counts["llm calls"] = sum(u.calls for u in usage)
            counts["llm cache hits"] = sum(u.cache_hits for u in usage)
            counts["llm tokens"] = value.tokens_spent
            counts["llm fallbacks"] = len(value.fallbacks)
        elif key == "summary" and isinstance(value, ResultSummary):  # the figure the result table shows
            counts["requirements covered"] = value.requirements_covered
            counts["requirements total"] = value.requirements_total
        elif isinstance(value, list) and key not in ("to_validate", "repaired", "requirements", "coverage"):
            counts[key] = len(value)
    return counts


async def run_request(
    graph: CompiledStateGraph,
    *,
    request_id: str,
    context: Context,
    start: InputState | None = None,
    resume: Any = None,
    on_event: EventSink | None = None,
) -> RunOutcome:
    """Start (with `start`), continue from the last checkpoint (neither), or answer a review (`resume`)."""
    config = {"configurable": {"thread_id": request_id}}
    graph_input: Any = Command(resume=resume) if resume is not None else start
    with session_scope(context.database_url) as session:
        mark_processing(session, uuid.UUID(request_id))
    started: dict[str, float] = {}
    try:
        # durability="sync": a step's checkpoint is on disk before the next step starts, so a killed run
        # resumes after its last finished node instead of redoing it.
        stream = graph.astream(
            graph_input, config, context=context, stream_mode="tasks", version="v2", durability="sync"
        )
        async for part in stream:
            task = part["data"]
            if "result" not in task:
                started[task["id"]] = time.perf_counter()
                await _emit(on_event, NodeEvent(event="started", node=task["name"], request_id=request_id))
            elif not task.get("interrupts"):
                elapsed = time.perf_counter() - started.pop(task["id"], time.perf_counter())
                await _emit(
                    on_event,
                    NodeEvent(
                        event="failed" if task.get("error") else "finished",
                        node=task["name"],
                        request_id=request_id,
                        duration_s=round(elapsed, 3),
                        counts=node_counts(task["result"]),
                    ),
                )
    except Exception as error:
        reason = str(error) if isinstance(error, InputError) else f"{type(error).__name__}: {error}"
        with session_scope(context.database_url) as session:
            mark_failed(session, uuid.UUID(request_id), reason)
        raise
    snapshot = await graph.aget_state(config)
    if snapshot.interrupts:
        payload = snapshot.interrupts[0].value
        await _emit(
            on_event, NodeEvent(event="interrupted", node="review", request_id=request_id, payload=payload)
        )
        return RunOutcome(status="waiting_for_review", review_payload=payload)
    return RunOutcome(status="completed", summary=snapshot.values.get("summary"))


async def _emit(sink: EventSink | None, event: NodeEvent) -> None:
    if sink is None:
        return
    result = sink(event)
    if result is not None:
        await result
