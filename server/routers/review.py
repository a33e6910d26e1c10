"""Answering the review of a request whose run stopped for it."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from server.deps import RequestDep, ServiceDep, require_api_key
from server.reviewing import answer_review
from server.routers.responses import errors
from server.schemas import ReviewAccepted, ReviewCreate

router = APIRouter(prefix="/requests", tags=["review"], dependencies=[Depends(require_api_key)],
                   responses=errors(401, 429, 503))


@router.post("/{request_id}/review", status_code=202, responses=errors(400, 404, 409, 413, 422))
async def review(request: RequestDep, service: ServiceDep, body: ReviewCreate) -> ReviewAccepted:
    """A chat-style answer: approve or reject (in `approved` or the message's first word), maybe dropping
    tests; the run continues on a worker."""
    return await answer_review(service, request, body)
