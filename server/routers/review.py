"""The review conversation of a request whose run stopped for review."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from server.deps import RequestDep, ServiceDep, require_api_key
from server.reviewing import conversation, take_message
from server.routers.responses import errors
from server.schemas import ConversationPublic, MessageCreate, MessageExchange

router = APIRouter(prefix="/requests", tags=["review"], dependencies=[Depends(require_api_key)],
                   responses=errors(401, 429, 503))


@router.post("/{request_id}/messages", status_code=202, responses=errors(400, 404, 409, 413, 422))
async def post_message(request: RequestDep, service: ServiceDep, body: MessageCreate) -> MessageExchange:
    """A reviewer's message: approve, reject, drop tests, add a requirement, call a finding expected
    behaviour, or ask; the reply says what was done, and a change continues the run on a worker."""
    return await take_message(service, request, body)


@router.get("/{request_id}/messages", responses=errors(404, 422))
async def get_messages(request: RequestDep, service: ServiceDep) -> ConversationPublic:
    """The review conversation, oldest first, and whether the review waits for a message."""
    return await conversation(service, request)
