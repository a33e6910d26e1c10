"""One request through the graph inside a worker: pick up where its thread left off, report every step.

Safe to repeat: a redelivered task continues from the last checkpoint, a finished request is left alone.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from celery_worker.events import EventLog
from celery_worker.leases import RunHeartbeat, claim_run, release_run
from celery_worker.target_watch import run_watching
from graph.builder import build_graph
from graph.checkpointing import open_checkpointer
from graph.context import Context, RunOptions
from graph.runner import NodeEvent, RunOutcome, run_request
from graph.settings import Settings
from graph.state import InputState
from storage.engine import session_scope
from storage.models import Request, RequestStatus
from storage.repository import get_request, mark_failed
from tools.errors import InputError, UnknownRequestError
from tools.target_policy import TargetPolicy
from vocabulary.artefacts import RequestKind


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """Which worker runs this delivery of a task, whether the broker delivered it before, and the id of
    this execution of it (a copy handed out again carries the same delivery tag, never the same id)."""

    worker: str
    run_id: str
    redelivered: bool = False
    execution: str = field(default_factory=lambda: uuid.uuid4().hex)


def load_request(settings: Settings, request_id: str) -> Request:
    """The stored request (readable after its session closed)."""
    with session_scope(settings.sqlalchemy_url) as session:
        request = get_request(session, uuid.UUID(request_id))
    if request is None:
        raise UnknownRequestError(f"no request with id {request_id}")
    return request


def start_state(request: Request) -> InputState:
    """The graph input of a stored request."""
    return InputState(
        request_id=str(request.request_id),
        kind=request.kind,
        target=request.target,  # type: ignore[arg-type]
        base_url=request.base_url,
        requirements=list(request.requirements),
    )


def stored_context(settings: Settings, request: Request) -> Context:
    """The run context from the options stored with the request, so every delivery behaves the same."""
    options = RunOptions.model_validate(request.options or {})
    return Context.for_run(settings, options, target_policy=TargetPolicy.service(settings.target_allowlist))


def watched_url(request: Request) -> str:
    """What the run talks to, watched while it runs: the page, or the API's base URL ("" when the spec's
    servers name it: nothing is watched)."""
    return request.target if request.kind == "ui" else request.base_url


def failure_reason(error: BaseException) -> str:
    """The one line stored and shown for a failed run, worded as `run_request` words it."""
    return str(error) if isinstance(error, InputError) else f"{type(error).__name__}: {error}"


# A run outlives a Redis restart: each command is retried, backing off to a second apart, for about half
# a minute before the run gives up. (A command whose reply was lost may run twice: events that must not
# repeat carry a `once` key.)
OUTAGE_RETRY = Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=35)


@asynccontextmanager
async def event_log(settings: Settings, request_id: str) -> AsyncIterator[EventLog]:
    async with Redis.from_url(settings.redis_url, decode_responses=True, retry=OUTAGE_RETRY) as redis:
        yield EventLog(redis, request_id)


class StepEvents:
    """An `EventSink` numbering node events by the graph step they run in, so a replayed step repeats none.

    Steps follow LangGraph's count: a thread's input is step -1, its START step 0, and a step's tasks all
    start before any of them finishes.
    """

    def __init__(self, events: EventLog, last_step: int) -> None:
        self.events = events
        self.step = max(last_step, 0)  # the first node of a new thread runs at step 1
        self._running = 0

    async def __call__(self, event: NodeEvent) -> None:
        if event.event == "started":
            if self._running == 0:
                self.step += 1
            self._running += 1
        elif event.event in ("finished", "failed"):
            self._running = max(self._running - 1, 0)
        await self.events.node(event, step=self.step)


async def process(
    settings: Settings,
    request_id: str,
    *,
    kind: RequestKind | None,
    delivery: Delivery,
    answer: dict[str, Any] | None = None,
    interrupt_id: str | None = None,
) -> dict[str, str]:
    """Start, continue or (with `answer`, to the interrupt `interrupt_id` when given) resume the request's
    graph; returns how the run ended, or "busy" while another execution runs the request (this one then
    does nothing: its task tries again later). While it runs, its heartbeat keeps copies away.

    `kind`, when given, must be the stored request's: a UI task never runs an API request.
    """
    async with event_log(settings, request_id) as events, open_checkpointer(settings) as saver:
        if not await claim_run(
            events.redis,
            request_id,
            execution=delivery.execution,
            worker=delivery.worker,
            lease_s=settings.worker_lease_s,
            ttl_s=settings.broker_visibility_timeout_s,
        ):
            # Another execution runs it (the task queued twice, or handed out again): that one tells all.
            return {"request_id": request_id, "status": "busy"}
        try:
            with RunHeartbeat(settings.redis_url, request_id, execution=delivery.execution,
                              worker=delivery.worker, lease_s=settings.worker_lease_s):
                # Read under the claim: a delivery that held it before has stored all it did.
                request = load_request(settings, request_id)
                if kind is not None and request.kind != kind:
                    raise InputError(f"request {request_id} is a {request.kind} request, not {kind}")
                if request.status in (RequestStatus.COMPLETED, RequestStatus.FAILED):
                    # A repeated delivery of a finished run (its worker died before acking, or it was queued
                    # twice): only make sure listeners were told (an end already told is not told again).
                    await events.end(request.status.value)
                    return {"request_id": request_id, "status": request.status.value}
                outcome = await _run(settings, request, saver, events, delivery, answer, interrupt_id)
        finally:
            await release_run(events.redis, request_id, execution=delivery.execution)
        return {"request_id": request_id, "status": outcome.status}


async def _run(
    settings: Settings,
    request: Request,
    saver: BaseCheckpointSaver,
    events: EventLog,
    delivery: Delivery,
    answer: dict[str, Any] | None,
    interrupt_id: str | None,
) -> RunOutcome:
    """The claimed run: from its last checkpoint, each step's events told once however often replayed."""
    request_id = str(request.request_id)
    graph = build_graph(checkpointer=saver)
    config = {"configurable": {"thread_id": request_id}}
    await events.metadata(
        request.kind, worker=delivery.worker, run_id=delivery.run_id, redelivered=delivery.redelivered
    )
    checkpoint = await saver.aget_tuple(config)
    start = None if checkpoint else start_state(request)
    # An answer an earlier delivery already applied must not be given to a later interrupt: a review
    # conversation stops at a new one after each change.
    waiting = [i.id for i in (await graph.aget_state(config)).interrupts]
    answers_one = bool(waiting) and (interrupt_id is None or interrupt_id in waiting)
    resume = answer if answer is not None and answers_one else None
    node_events = StepEvents(events, checkpoint.metadata.get("step", 0) if checkpoint else 0)
    await events.status("processing", step=node_events.step, worker=delivery.worker)
    context = stored_context(settings, request)
    run = run_request(graph, request_id=request_id, context=context, start=start, resume=resume,
                      on_event=node_events)
    outcome = await run_watching(run, watched_url(request), context.target_policy)
    if outcome.status == "waiting_for_review":
        await events.status("waiting_for_review", step=node_events.step)
    else:
        summary = outcome.summary.model_dump(mode="json") if outcome.summary else None
        await events.status("completed")
        await events.end("completed", summary=summary)
    return outcome


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
