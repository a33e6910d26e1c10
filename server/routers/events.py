"""A request's events as Server-Sent Events."""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import StringConstraints
from pydantic.json_schema import SkipJsonSchema

from server.deps import RequestDep, ServiceDep, require_api_key
from server.routers.responses import json_errors
from server.streaming import request_events

# A Redis stream entry id, as the events carry them.
EventId = Annotated[str, StringConstraints(pattern=r"^\d+-\d+$")]

router = APIRouter(prefix="/requests", tags=["events"], dependencies=[Depends(require_api_key)],
                   responses=json_errors(401, 429, 503))


@router.get("/{request_id}/events", response_class=EventSourceResponse, responses=json_errors(404, 422))
async def stream_events(
    request: RequestDep,
    service: ServiceDep,
    # Absent means from the start; a header is never null, so the document says an id only.
    last_event_id: Annotated[
        EventId | SkipJsonSchema[None], Header(description="Replay only what came after this event id.")
    ] = None,
) -> AsyncIterable[ServerSentEvent]:
    """`metadata`, `updates` per node, `custom` (status, review), `error`, then `end`; replays from the start,
    or after `Last-Event-ID`; comment pings while idle."""
    async for event in request_events(service.redis, request, last_event_id, service.settings.sse_ping_s):
        yield event
