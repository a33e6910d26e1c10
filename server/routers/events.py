"""A request's events as Server-Sent Events, and the tokens that let a browser's EventSource open them."""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import StringConstraints
from pydantic.json_schema import SkipJsonSchema

from server.deps import ApiKeyDep, RequestDep, ServiceDep, StreamedRequestDep
from server.routers.responses import errors, json_errors
from server.schemas import StreamTokenPublic
from server.stream_tokens import issue_stream_token
from server.streaming import request_events

# A Redis stream entry id, as the events carry them.
EventId = Annotated[str, StringConstraints(pattern=r"^\d+-\d+$")]

# No router-wide key dependency: the stream also accepts a stream token instead of the header.
router = APIRouter(prefix="/requests", tags=["events"])


@router.get("/{request_id}/events", response_class=EventSourceResponse,
            responses=json_errors(401, 404, 422, 429, 503))
async def stream_events(
    request: StreamedRequestDep,
    service: ServiceDep,
    # Absent means from the start; a header is never null, so the document says an id only.
    last_event_id: Annotated[
        EventId | SkipJsonSchema[None], Header(description="Replay only what came after this event id.")
    ] = None,
    # A new EventSource cannot set the header (only its own reconnections do): the page says it here.
    after: Annotated[
        EventId | SkipJsonSchema[None],
        Query(alias="last_event_id", description="As the Last-Event-ID header (which wins over it)."),
    ] = None,
) -> AsyncIterable[ServerSentEvent]:
    """`metadata`, `updates` per node, `custom` (status, review), `error`, then `end`; replays from the start,
    or after `Last-Event-ID`; comment pings while idle. Opened with the key's header or a stream token."""
    cursor = last_event_id or after
    async for event in request_events(service.redis, request, cursor, service.settings.sse_ping_s):
        yield event


@router.post("/{request_id}/stream-token", status_code=201, responses=errors(401, 404, 422, 429, 503))
async def create_stream_token(request: RequestDep, service: ServiceDep,
                              caller: ApiKeyDep) -> StreamTokenPublic:
    """A token that opens this request's event stream, and only that, for a few minutes: pass it as
    `?stream_token=` where no `Authorization` header can be sent (a browser's EventSource)."""
    token, expires_at = await issue_stream_token(service.redis, caller, request.request_id)
    return StreamTokenPublic(token=token, expires_at=expires_at)
