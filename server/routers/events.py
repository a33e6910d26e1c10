"""A request's events as Server-Sent Events."""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.sse import EventSourceResponse, ServerSentEvent

from server.deps import RequestDep, ServiceDep, require_api_key
from server.routers.responses import errors
from server.streaming import request_events

router = APIRouter(prefix="/requests", tags=["events"], dependencies=[Depends(require_api_key)],
                   responses=errors(401))


@router.get("/{request_id}/events", response_class=EventSourceResponse, responses=errors(404, 422))
async def stream_events(
    request: RequestDep,
    service: ServiceDep,
    last_event_id: Annotated[
        str | None, Header(pattern=r"^\d+-\d+$", description="Replay only what came after this event id.")
    ] = None,
) -> AsyncIterable[ServerSentEvent]:
    """`metadata`, `updates` per node, `custom` (status, review), `error`, then `end`; replays from the start,
    or after `Last-Event-ID`; comment pings while idle."""
    async for event in request_events(service.redis, request, last_event_id, service.settings.sse_ping_s):
        yield event
