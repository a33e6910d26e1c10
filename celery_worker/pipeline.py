"""One request through the graph inside a worker: pick up where its thread left off, report every step.

Safe to repeat: a redelivered task continues from the last checkpoint, a finished request is left alone.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from celery_worker.events import EventLog, last_event
from graph.builder import build_graph
from graph.checkpointing import open_checkpointer
from graph.context import Context, RunOptions
from graph.runner import run_request
from graph.settings import Settings
from graph.state import InputState
from storage.engine import session_scope
from storage.models import Request, RequestStatus
from storage.repository import get_request, mark_failed
from tools.errors import InputError, UnknownRequestError
from vocabulary.artefacts import RequestKind


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """Which worker runs this delivery of a task, and whether the broker delivered it before."""

    worker: str
    run_id: str
    redelivered: bool = False


def load_request(settings: Settings, request_id: str) -> Request:
    """The stored request (readable after its session closed)."""
    with session_scope(settings.sqlalchemy_url) as session:
        request = get_request(session, uuid.UUID(request_id))
    if request is None:
        raise UnknownRequestError(f"no request with id {request_id}")
    return request


def start_state(request: Request) -> InputState:
    """The graph input of a stored request."""
    return InputState(request_id=str(request.request_id), kind=request.kind, target=request.target,  # type: ignore[arg-type]
                      base_url=request.base_url, requirements=list(request.requirements))


def stored_context(settings: Settings, request: Request) -> Context:
    """The run context from the options stored with the request, so every delivery behaves the same."""
    return Context.for_run(settings, RunOptions.model_validate(request.options or {}))


def failure_reason(error: BaseException) -> str:
    """The one line stored and shown for a failed run, worded as `run_request` words it."""
    return str(error) if isinstance(error, InputError) else f"{type(error).__name__}: {error}"


@asynccontextmanager
async def event_log(settings: Settings, request_id: str) -> AsyncIterator[EventLog]:
    async with Redis.from_url(settings.redis_url, decode_responses=True) as redis:
        yield EventLog(redis, request_id)


async def process(settings: Settings, request_id: str, *, kind: RequestKind | None, delivery: Delivery,
                  answer: dict[str, Any] | None = None) -> dict[str, str]:
    """Start, continue or (with `answer`) resume the request's graph; returns how the run ended.

    `kind`, when given, must be the stored request's: a UI task never runs an API request.
    """
    request = load_request(settings, request_id)
    if kind is not None and request.kind != kind:
        raise InputError(f"request {request_id} is a {request.kind} request, not {kind}")
    async with event_log(settings, request_id) as events, open_checkpointer(settings) as saver:
        if request.status in (RequestStatus.COMPLETED, RequestStatus.FAILED):
            # A repeated delivery of a finished run (its worker died before acking): only make sure
            # listeners were told.
            last = await last_event(events.redis, request_id)
            if last is None or last.event != "end":
                await events.end(request.status.value)
            return {"request_id": request_id, "status": request.status.value}
        graph = build_graph(checkpointer=saver)
        config = {"configurable": {"thread_id": request_id}}
        await events.metadata(request.kind, worker=delivery.worker, run_id=delivery.run_id,
                              redelivered=delivery.redelivered)
        start = None if await saver.aget_tuple(config) else start_state(request)
        # An answer an earlier delivery already applied must not be given to a later interrupt.
        resume = answer if answer is not None and (await graph.aget_state(config)).interrupts else None
        await events.status("processing", worker=delivery.worker)
        outcome = await run_request(graph, request_id=request_id, context=stored_context(settings, request),
                                    start=start, resume=resume, on_event=events.node)
        if outcome.status == "waiting_for_review":
            await events.status("waiting_for_review")
        else:
            summary = outcome.summary.model_dump(mode="json") if outcome.summary else None
            await events.status("completed")
            await events.end("completed", summary=summary)
        return {"request_id": request_id, "status": outcome.status}


async def report_failure(settings: Settings, request_id: str, error: BaseException) -> None:
    """Mark the request failed with its reason and end its event stream with `error` and `end`."""
    reason = failure_reason(error)
    try:
        with session_scope(settings.sqlalchemy_url) as session:
            mark_failed(session, uuid.UUID(request_id), reason)
    except (UnknownRequestError, ValueError):
        pass  # no such request (or not an id): there is nothing to mark, but listeners still hear why
    async with event_log(settings, request_id) as events:
        await events.status("failed", error=reason)
        await events.error(reason, type(error).__name__)
        await events.end("failed", error=reason)
