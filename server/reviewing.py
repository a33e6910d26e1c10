"""The review conversation over HTTP: a reviewer's message is read against the waiting interrupt, answered,
stored with the reply, and, when it changes or decides the suite, handed to a worker to resume the graph."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool

from celery_worker.app import RESUME_REVIEW_TASK
from celery_worker.events import EventLog
from conversation.turn import take_turn
from generators.llm.client import LlmSession
from graph.context import Context, RunOptions
from server.errors import ConflictError, UnavailableError
from server.request_state import pending_review
from server.schemas import ConversationPublic, MessageCreate, MessageExchange, MessagePublic
from server.service import Service
from storage.models import Request
from storage.review_messages import add_exchange, list_messages

# How long a received answer blocks a second one to the same interrupt.
_CLAIM_TTL_S = 3600


def _claim_key(request_id: str, interrupt_id: str) -> str:
    return f"request:{request_id}:review:{interrupt_id}"


async def waiting_interrupt(service: Service, request: Request) -> tuple[str, dict[str, Any]] | None:
    """(interrupt id, payload) while the review waits for a message: stopped there and not answered yet."""
    waiting = await pending_review(service, request)
    if waiting is None or await service.redis.exists(_claim_key(str(request.request_id), waiting[0])):
        return None
    return waiting


async def take_message(service: Service, request: Request, body: MessageCreate) -> MessageExchange:
    """Answer the reviewer; 409 when the request is not waiting for review (or its answer was taken)."""
    request_id = str(request.request_id)
    waiting = await pending_review(service, request)
    if waiting is None:
        raise ConflictError(f"request {request_id} is not waiting for review (it is {request.status.value})")
    interrupt_id, payload = waiting
    claim = _claim_key(request_id, interrupt_id)
    answered = ConflictError(f"request {request_id}: this review was already answered; the run is continuing")
    if await service.redis.exists(claim):
        raise answered
    turn = await run_in_threadpool(take_turn, body.message, payload, _llm_session(service, request))
    if turn.response is not None:
        answer = turn.response.model_dump(mode="json")
        if not await service.redis.set(claim, turn.response.model_dump_json(), nx=True, ex=_CLAIM_TTL_S):
            raise answered
        try:
            await run_in_threadpool(service.celery.send_task, RESUME_REVIEW_TASK,
                                    kwargs={"request_id": request_id, "answer": answer,
                                            "interrupt_id": interrupt_id})
        except Exception as error:  # noqa: BLE001 - any broker failure means the same to the client
            await service.redis.delete(claim)
            raise UnavailableError(f"the task queue is unavailable: {type(error).__name__}") from error
    action = turn.intent.model_dump(mode="json")
    message, reply = await run_in_threadpool(
        _store, service, request.request_id, body.message, turn.reply, action
    )
    # The exchange joins the request's event log, like the node transitions it leads to.
    await EventLog(service.redis, request_id).publish(
        "custom", {"type": "review", "message": body.message, "reply": turn.reply, "action": action}
    )
    return MessageExchange(request_id=request.request_id, message=message, reply=reply)


async def conversation(service: Service, request: Request) -> ConversationPublic:
    """The stored conversation, and whether a message can be taken now."""
    waiting = await waiting_interrupt(service, request) is not None
    messages = await run_in_threadpool(_read, service, request.request_id)
    return ConversationPublic(request_id=request.request_id, waiting=waiting, messages=messages)


def _llm_session(service: Service, request: Request) -> LlmSession | None:
    """The LLM that reads what the offline reader cannot, with the request's own options; None unless an
    endpoint is configured."""
    options = RunOptions.model_validate(request.options or {})
    config = Context.for_run(service.settings, options).llm
    return LlmSession(config) if config else None


def _store(
    service: Service, request_id: uuid.UUID, message: str, reply: str, action: dict[str, Any]
) -> tuple[MessagePublic, MessagePublic]:
    with service.sessions() as session:
        stored = add_exchange(session, request_id, message, reply, action)
    return MessagePublic(**stored[0].model_dump()), MessagePublic(**stored[1].model_dump())


def _read(service: Service, request_id: uuid.UUID) -> list[MessagePublic]:
    with service.sessions() as session:
        return [MessagePublic(**m.model_dump()) for m in list_messages(session, request_id)]
