"""A request as clients see it: the stored row, whether its graph is waiting for review, and its exports."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool

from server.export_submission import exports_of
from server.schemas import ExportPublic, RequestPublic
from server.service import Service, thread_config
from storage.models import Request, RequestStatus


async def pending_review(service: Service, request: Request) -> tuple[str, dict[str, Any]] | None:
    """(interrupt id, payload) when the request's graph stopped for review, else None."""
    if request.status is not RequestStatus.PROCESSING:
        return None
    snapshot = await service.graph.aget_state(thread_config(request.request_id))
    if not snapshot.interrupts:
        return None
    interrupt = snapshot.interrupts[0]
    return interrupt.id, interrupt.value


async def describe(service: Service, request: Request) -> RequestPublic:
    """The public view; "waiting_for_review" is read from the graph (the row says "processing")."""
    waiting = await pending_review(service, request)
    exports = await run_in_threadpool(exports_of, service, request.request_id)
    return RequestPublic(
        request_id=request.request_id,
        kind=request.kind,  # type: ignore[arg-type]
        status="waiting_for_review" if waiting else request.status.value,
        target=request.target,
        base_url=request.base_url,
        requirements=request.requirements,
        options=request.options,
        created_at=request.created_at,
        started_at=request.started_at,
        completed_at=request.completed_at,
        error=request.error_message,
        summary=request.result_summary,
        review=waiting[1] if waiting else None,
        exports=[ExportPublic.model_validate(export) for export in exports],
    )
