"""A request's exports to GitHub and GitLab: make one, list them."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from server.deps import RequestDep, ServiceDep, require_api_key
from server.export_submission import exports_of, submit_export
from server.routers.responses import errors
from server.schemas import ExportAccepted, ExportCreate, ExportPublic

router = APIRouter(prefix="/requests", tags=["exports"], dependencies=[Depends(require_api_key)],
                   responses=errors(401, 429, 503))


@router.post("/{request_id}/export", status_code=202, responses=errors(400, 404, 409, 413, 422))
async def create_export(request: RequestDep, body: ExportCreate, service: ServiceDep) -> ExportAccepted:
    """Queue the export of the completed request's suite: one commit on the branch `testops/<request id>` and
    its pull or merge request, created or updated. Progress goes to /requests/{id}/events; the PR/MR URL
    appears on the request (`exports`) when it is done."""
    return await submit_export(service, request, body)


@router.get("/{request_id}/exports", responses=errors(404, 422))
async def list_request_exports(request: RequestDep, service: ServiceDep) -> list[ExportPublic]:
    """The request's exports, oldest first, each with its status and PR/MR."""
    rows = await run_in_threadpool(exports_of, service, request.request_id)
    return [ExportPublic.model_validate(row) for row in rows]
