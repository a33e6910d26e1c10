"""Requests: make one (API or UI), read one, list them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool

from server.deps import RequestDep, ServiceDep, SessionDep, require_api_key
from server.request_state import describe
from server.routers.responses import errors
from server.schemas import ApiRequestCreate, RequestAccepted, RequestPublic, UiRequestCreate
from server.submission import submit_api, submit_ui
from storage.repository import list_requests

router = APIRouter(prefix="/requests", tags=["requests"], dependencies=[Depends(require_api_key)],
                   responses=errors(401))


@router.post("/api", status_code=202, responses=errors(422, 503))
async def create_api_request(body: ApiRequestCreate, service: ServiceDep) -> RequestAccepted:
    """Queue the generation of an API suite; follow it at /requests/{id}/events."""
    return await run_in_threadpool(submit_api, service, body)


@router.post("/ui", status_code=202, responses=errors(422, 503))
async def create_ui_request(body: UiRequestCreate, service: ServiceDep) -> RequestAccepted:
    """Queue the generation of a UI suite for a web page; follow it at /requests/{id}/events."""
    return await run_in_threadpool(submit_ui, service, body)


@router.get("", responses=errors(422))
async def list_all(service: ServiceDep, session: SessionDep,
                   limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[RequestPublic]:
    """The most recent requests, newest first."""
    rows = await run_in_threadpool(list_requests, session, limit=limit)
    return [await describe(service, row) for row in rows]


@router.get("/{request_id}", responses=errors(404, 422))
async def read_one(request: RequestDep, service: ServiceDep) -> RequestPublic:
    """One request: its status, its result once completed, what awaits review while waiting."""
    return await describe(service, request)
