"""A reviewer's chat message becomes the answer to the review interrupt, applied once, by a worker."""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool

from celery_worker.app import RESUME_REVIEW_TASK
from celery_worker.events import EventLog
from server.errors import ConflictError, InvalidRequestError, UnavailableError
from server.request_state import pending_review
from server.schemas import ReviewAccepted, ReviewCreate, ReviewDecisionPublic
from server.service import Service
from storage.models import Request
from vocabulary.artefacts import ReviewDecision

_APPROVE = {"approve", "approved", "accept", "accepted", "yes", "ok", "okay", "lgtm", "ship"}
_REJECT = {"reject", "rejected", "decline", "declined", "no"}
# How long a received answer blocks a second one to the same interrupt.
_CLAIM_TTL_S = 3600


def intent(message: str) -> bool | None:
    """True or False when the message starts with an approval or a rejection word, else None."""
    match = re.match(r"\W*([a-z]+)", message.lower())
    word = match.group(1) if match else ""
    return True if word in _APPROVE else False if word in _REJECT else None


def decide(body: ReviewCreate, payload: dict[str, Any]) -> ReviewDecision:
    """The decision the graph receives; 422 when it cannot be told or names unknown tests."""
    approved = body.approved if body.approved is not None else intent(body.message)
    if approved is None:
        raise InvalidRequestError("cannot tell whether the message approves or rejects the suite: "
                                  "start it with 'approve' or 'reject', or set `approved`")
    unknown = sorted(set(body.drop_test_ids) - set(payload.get("tests", [])))
    if unknown:
        raise InvalidRequestError(f"drop_test_ids names tests not in this suite: {', '.join(unknown[:5])}")
    return ReviewDecision(approved=approved, comment=body.message.strip(), drop_test_ids=body.drop_test_ids)


async def answer_review(service: Service, request: Request, body: ReviewCreate) -> ReviewAccepted:
    """Queue the answer to the pending review; 409 when nothing waits for one or an answer was taken."""
    request_id = str(request.request_id)
    waiting = await pending_review(service, request)
    if waiting is None:
        raise ConflictError(f"request {request_id} is not waiting for review (it is {request.status.value})")
    interrupt_id, payload = waiting
    decision = decide(body, payload)
    claim = f"request:{request_id}:review:{interrupt_id}"
    if not await service.redis.set(claim, decision.model_dump_json(), nx=True, ex=_CLAIM_TTL_S):
        raise ConflictError(f"request {request_id}: this review was already answered; the run is continuing")
    try:
        await run_in_threadpool(service.celery.send_task, RESUME_REVIEW_TASK,
                                kwargs={"request_id": request_id, "answer": decision.model_dump()})
    except Exception as error:  # noqa: BLE001 - any broker failure means the same to the client
        await service.redis.delete(claim)
        raise UnavailableError(f"the task queue is unavailable: {type(error).__name__}") from error
    # The reviewer's message joins the request's event log, like a chat turn.
    await EventLog(service.redis, request_id).publish("custom", {"type": "review", "message": body.message,
                                                                 **decision.model_dump(exclude={"comment"})})
    return ReviewAccepted(request_id=request.request_id,
                          decision=ReviewDecisionPublic(**decision.model_dump()))
