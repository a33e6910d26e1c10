"""Requests: make one (API or UI), at most once per `Idempotency-Key`; read one; list them."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from server.deps import ApiKeyDep, RequestDep, ServiceDep, SessionDep, require_api_key
from server.errors import ConflictError, InvalidRequestError
from server.keys import Caller
from server.request_state import describe
from server.routers.responses import errors
from server.schemas import ApiRequestCreate, RequestAccepted, RequestPublic, UiRequestCreate
from server.service import Service
from server.submission import submit_api, submit_ui
from storage.models import utcnow
from storage.repository import (
    claim_idempotency_key,
    list_requests,
    mark_enqueued,
    release_idempotency_key,
)

router = APIRouter(prefix="/requests", tags=["requests"], dependencies=[Depends(require_api_key)],
                   responses=errors(401, 429, 503))

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=255,
           description="Retrying with the same key and body returns the first call's request instead of "
                       "making another; the same key with another body is refused (422)."),
]
# Said on a replayed answer, as Stripe does.
REPLAYED_HEADER = "Idempotent-Replayed"

Body = TypeVar("Body", ApiRequestCreate, UiRequestCreate)
# How a body becomes a stored, queued request owned by the given key, bound to the Idempotency-Key reserved.
Submit = Callable[[Service, Body, uuid.UUID, str | None], RequestAccepted]


def fingerprint(route: str, body: BaseModel) -> str:
    """What a call asked for, independent of key order and whitespace in the JSON it sent."""
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{route}\n{canonical}".encode()).hexdigest()


def scoped_key(caller: Caller, idempotency_key: str) -> str:
    """Keys are the caller's own: two API keys sending the same key make two requests."""
    return f"{caller.key_id}:{idempotency_key}"


def submit_once(
    service: Service, submit: Submit[Body], body: Body, *, route: str, caller: Caller,
    idempotency_key: str | None, response: Response,
) -> RequestAccepted:
    """Store and queue the request, or (same key, same body) answer with the one made before.

    Blocking (database, broker): call it from a worker thread.
    """
    if idempotency_key is None:
        return _queued(service, submit(service, body, caller.key_id, None))
    return _submit_with_key(service, submit, body, caller=caller, key=scoped_key(caller, idempotency_key),
                            asked=fingerprint(route, body), response=response)


def _queued(service: Service, accepted: RequestAccepted) -> RequestAccepted:
    """Record that the request just submitted is queued: the sweeper leaves it alone from now on (a crash
    before this line leaves it to the sweep, which queues it)."""
    with service.sessions() as session:
        mark_enqueued(session, accepted.request_id)
    return accepted


def _submit_with_key(
    service: Service, submit: Submit[Body], body: Body, *, caller: Caller, key: str, asked: str,
    response: Response,
) -> RequestAccepted:
    abandoned_before = utcnow() - timedelta(seconds=service.settings.idempotency_abandoned_s)
    with service.sessions() as session:
        holder = claim_idempotency_key(session, key, asked, abandoned_before=abandoned_before)
    if holder is not None:
        # The IETF httpapi Idempotency-Key draft's answers: 422 for another body, 409 while in flight.
        if holder.fingerprint != asked:
            raise InvalidRequestError("this Idempotency-Key was already used with a different request body: "
                                      "use a new key for a new request")
        if holder.request_id is None:
            raise ConflictError("a request with this Idempotency-Key is still being made: retry shortly")
        response.headers[REPLAYED_HEADER] = "true"
        return RequestAccepted(request_id=holder.request_id)
    try:
        # The key is bound in the transaction that stores the request: from then on a retry gets it.
        accepted = submit(service, body, caller.key_id, key)
    except BaseException:
        with service.sessions() as session:
            release_idempotency_key(session, key)  # nothing was made: a retry may use the key
        raise
    return _queued(service, accepted)


@router.post("/api", status_code=202, responses=errors(400, 409, 413, 422))
async def create_api_request(body: ApiRequestCreate, service: ServiceDep, caller: ApiKeyDep,
                             response: Response,
                             idempotency_key: IdempotencyKeyHeader = None) -> RequestAccepted:
    """Queue the generation of an API suite; follow it at /requests/{id}/events."""
    return await run_in_threadpool(submit_once, service, submit_api, body, route="api", caller=caller,
                                   idempotency_key=idempotency_key, response=response)


@router.post("/ui", status_code=202, responses=errors(400, 409, 413, 422))
async def create_ui_request(body: UiRequestCreate, service: ServiceDep, caller: ApiKeyDep,
                            response: Response,
                            idempotency_key: IdempotencyKeyHeader = None) -> RequestAccepted:
    """Queue the generation of a UI suite for a web page; follow it at /requests/{id}/events."""
    return await run_in_threadpool(submit_once, service, submit_ui, body, route="ui", caller=caller,
                                   idempotency_key=idempotency_key, response=response)


@router.get("", responses=errors(422))
async def list_all(service: ServiceDep, session: SessionDep, caller: ApiKeyDep,
                   limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[RequestPublic]:
    """The most recent requests made with the caller's key, newest first."""
    rows = await run_in_threadpool(list_requests, session, limit=limit, owner=caller.key_id)
    return [await describe(service, row) for row in rows]


@router.get("/{request_id}", responses=errors(404, 422))
async def read_one(request: RequestDep, service: ServiceDep) -> RequestPublic:
    """One request: its status, its result once completed, what awaits review while waiting."""
    return await describe(service, request)
